"""TRK-6: blocking and unblocking a destination group for a trunk or a SIP account."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from telephony import selectors
from telephony.models import DestinationGroup
from telephony.services.destinations import destination_block, destination_unblock
from telephony.views.permissions import WRITE


def _destination(request, owner, group_pk, back_url: str, owner_label: str):
    """TRK-6: POST ``action=block|unblock``; unblocking a group blocked by default (premium
    rate, high-risk international) first shows a warning and needs ``confirm``. GET shows the
    same question. Every change is audit-logged by the service."""
    group = get_object_or_404(DestinationGroup, pk=group_pk)
    blocked = dict((g.pk, b) for g, b in selectors.destination_settings(owner))[group.pk]
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action") or ("unblock" if blocked else "block")
    if action not in ("block", "unblock"):
        action = "unblock" if blocked else "block"
    risky = group.blocked_by_default and action == "unblock"
    if request.method == "POST" and (not risky or data.get("confirm")):
        if action == "block":
            destination_block(owner=owner, group=group, actor=request.user)
            messages.success(
                request, _("Calls to “%(group)s” are now blocked.") % {"group": group.label}
            )
        else:
            destination_unblock(owner=owner, group=group, actor=request.user)
            messages.success(
                request, _("Calls to “%(group)s” are now allowed.") % {"group": group.label}
            )
        return redirect(f"{back_url}#destinations")
    return render(
        request,
        "telephony/destination_confirm.html",
        {
            "group": group,
            "blocked": blocked,
            "action": action,
            "risky": risky,
            "owner_label": owner_label,
            "back_url": back_url,
        },
    )


@member_required(WRITE)
def trunk_destination(request, pk, group_pk):
    trunk = selectors.trunk_get(client=request.client, pk=pk)
    return _destination(
        request, trunk, group_pk, reverse("telephony:trunk", args=[trunk.pk]), str(trunk)
    )


@member_required(WRITE)
def sip_destination(request, pk, group_pk):
    account = selectors.sip_account_get(client=request.client, pk=pk)
    return _destination(
        request,
        account,
        group_pk,
        reverse("telephony:sip_account", args=[account.pk]),
        _("SIP account %(name)s") % {"name": account.username},
    )
