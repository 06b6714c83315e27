"""ACC-7 / CON-8 / TRK-6: a SIP account's page (devices, credentials, destinations) and the
removal of one of its devices."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from kernel.forms import error_text
from offers.services import paris_today
from telephony import selectors
from telephony.services.sip_accounts import sip_account_create_ordered, sip_device_remove
from telephony.views.badges import SIP_BADGES
from telephony.views.permissions import WRITE


@member_required()
def sip_account_detail(request, pk):
    """ACC-7 / CON-8 / TRK-6: one SIP account, its devices, its credentials and destinations."""
    account = selectors.sip_account_get(client=request.client, pk=pk)
    suspension = account.suspensions.filter(lifted_at__isnull=True).first()
    return render(
        request,
        "telephony/sip_account_detail.html",
        {
            "account": account,
            "devices": list(account.devices.all()),
            "status_badge": SIP_BADGES.get(account.status, "badge"),
            "suspension": suspension,
            "destinations": selectors.destination_settings(account),
            "can_write": request.membership.can(WRITE),
        },
    )


@member_required(WRITE)
def device_remove(request, pk, device_pk):
    """ACC-7: a device no longer used leaves the account's list (audited by the service). GET
    asks for confirmation; POST removes it. A device that registers again is listed again."""
    account = selectors.sip_account_get(client=request.client, pk=pk)
    device = get_object_or_404(account.devices.all(), pk=device_pk)
    account_url = reverse("telephony:sip_account", args=[account.pk])
    if request.method == "POST":
        sip_device_remove(device=device, actor=request.user)
        messages.success(request, _("Device %(device)s removed.") % {"device": device.device_id})
        return redirect(account_url)
    return render(
        request,
        "telephony/confirm.html",
        {
            "title": _("Remove device %(device)s") % {"device": device.device_id},
            "question": _(
                "Remove device %(device)s from SIP account %(name)s? It is listed again if it "
                "registers again."
            )
            % {"device": device.device_id, "name": account.username},
            "confirm_label": _("Remove"),
            "danger": True,
            "back_url": account_url,
        },
    )


@member_required(WRITE)
def sip_account_create(request, pk):
    """ACC-7 / CON-1 (issue 17 item 8): create one of the SIP accounts a SIP-UNL contract bills
    but that do not exist yet (admin and technical roles); the password is shown once, in this
    response. A GET, or a refusal, goes back to the telephony page."""
    count = selectors.sip_account_count(client=request.client, contract_pk=pk, today=paris_today())
    index_url = reverse("telephony:index")
    if request.method != "POST":
        return redirect(index_url)
    try:
        account, secret = sip_account_create_ordered(
            contract=count.contract, label=request.POST.get("label", ""), actor=request.user
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(index_url)
    response = render(
        request,
        "telephony/credentials_result.html",
        {
            "owner": account,
            "owner_label": _("your telephony"),
            "secret": secret,
            "action": "created",
            "back_url": index_url,
        },
    )
    add_never_cache_headers(response)
    return response
