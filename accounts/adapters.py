import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kernel.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Customers are created by staff or partners and their users are invited (ACC-2):
    nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False

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
