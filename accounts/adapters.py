import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.choices import ClientStatus
from accounts.models import Membership
from kernel.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Customers are created by staff or partners and their users are invited (ACC-2):
    nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False

    def pre_login(self, request, user, **kwargs):
        """ACC-1: the people of a closed customer can no longer sign in. Refused with the reason
        and where to ask (the brand's support address: the partner's for its customers, ACC-3),
        rather than signed in onto « Accès refusé » on every page."""
        closed = (
            Membership.objects.filter(user=user, client__status=ClientStatus.CLOSED)
            .select_related("client__partner")
            .first()
        )
        if closed is None or user.is_staff:
            return super().pre_login(request, user, **kwargs)
        from allauth.account.internal.stagekit import clear_login

        clear_login(request)
        partner = closed.client.partner
        if partner is not None and partner.is_active:
            support = partner.support_email or partner.name
        else:
            support = settings.RESELLER["support_email"]
        messages.error(
            request,
            _(
                "The access of %(company)s to the portal is closed: signing in is no longer "
                "possible. For a question or a copy of an invoice, write to %(support)s."
            )
            % {"company": closed.client.legal_name, "support": support},
        )
        return redirect("account_login")

    def get_login_redirect_url(self, request):
        """Staff work in the console (issue 17); customers land on their dashboard. An explicit
        ``next`` (e.g. ``/backoffice/``) still wins: allauth checks it before asking us."""
        if request.user.is_authenticated and request.user.is_staff:
            return reverse("console:home")
        return super().get_login_redirect_url(request)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """ACC-4: staff activate their second factor right after signing in. allauth asks for the
        password again before activating TOTP even when it was typed a moment ago (its
        reauthentication records only count explicit re-authentications), which sent staff
        through the password twice. A user without any second factor who signed in within the
        re-authentication timeout activates it without typing the password again; everything
        else (changing or removing a factor) still asks."""
        request = self.request
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and not is_mfa_enabled(user)
            and _signed_in_recently(request, user)
        ):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request):
        """The client behind the ``TRUSTED_PROXY_COUNT`` reverse proxies (``kernel.http``):
        sign-in rate limits count per client, not per proxy (ACC-4)."""
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip


def _signed_in_recently(request, user) -> bool:
    records = get_authentication_records(request, user) if request is not None else []
    if not records:
        return False
    return time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
