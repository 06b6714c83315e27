"""ACC-7: a new secret for a trunk or a SIP account (reset, or declared compromised), shown once,
in the response to the POST that issues it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from kernel.errors import InvalidTransition
from telephony import selectors
from telephony.models import SipAccount
from telephony.services.sip_credentials import (
    sip_credentials_declare_compromised,
    sip_credentials_reset,
)
from telephony.views.permissions import WRITE

CREDENTIAL_ACTIONS = ("reset", "compromised")


def _credentials(request, owner, back_url: str, owner_label: str):
    """ACC-7: GET ``?action=reset|compromised`` asks for confirmation; POST ``action`` issues a
    new secret and shows it once, in this response only."""
    action = (request.POST if request.method == "POST" else request.GET).get("action", "reset")
    if action not in CREDENTIAL_ACTIONS:
        action = "reset"
    if request.method == "POST":
        command = sip_credentials_reset
        if action == "compromised":
            command = sip_credentials_declare_compromised
        try:
            owner, secret = command(account=owner, actor=request.user)
        except InvalidTransition as refusal:  # its contract is terminated
            messages.error(request, " ".join(refusal.messages))
            return redirect(back_url)
        response = render(
            request,
            "telephony/credentials_result.html",
            {
                "owner": owner,
                "owner_label": owner_label,
                "secret": secret,
                "action": action,
                "back_url": back_url,
            },
        )
        add_never_cache_headers(response)
        return response
    return render(
        request,
        "telephony/credentials_confirm.html",
        {
            "owner": owner,
            "owner_label": owner_label,
            "action": action,
            "back_url": back_url,
            "is_sip_account": isinstance(owner, SipAccount),
        },
    )


@member_required(WRITE)
def trunk_credentials(request, pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    return _credentials(request, trunk, reverse("telephony:trunk", args=[trunk.pk]), str(trunk))


@member_required(WRITE)
def sip_credentials(request, pk):
    account = selectors.sip_account_get(client=request.client, pk=pk)
    return _credentials(
        request,
        account,
        reverse("telephony:sip_account", args=[account.pk]),
        _("SIP account %(name)s") % {"name": account.username},
    )
