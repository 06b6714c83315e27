"""TRK-4: the cancellation of a pending decrease, until it applies."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import member_required
from offers.services import paris_today
from telephony import selectors
from telephony.choices import DecreaseStatus
from telephony.services.channel_decreases import channel_decrease_cancel
from telephony.views.permissions import ORDER


@member_required(ORDER)
def decrease_cancel(request, pk):
    """TRK-4: a pending decrease can be cancelled until it applies (ACC-2: by the admin role)."""
    decrease = selectors.channel_decrease_get(client=request.client, pk=pk)
    trunk_url = reverse("telephony:trunk", args=[decrease.trunk_id])
    if request.method == "POST":
        try:
            channel_decrease_cancel(decrease=decrease, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The decrease is cancelled: your trunk keeps its %(n)s channels.")
                % {"n": decrease.channels_before},
            )
        return redirect(trunk_url)
    if decrease.status != DecreaseStatus.PENDING:
        messages.info(request, _("This decrease is not pending any more."))
        return redirect(trunk_url)
    # TRK-4: what the renewal will leave, with the channels added since it was asked
    then = max(
        selectors.trunk_capacity(decrease.trunk, paris_today()) - decrease.channels_to_remove, 1
    )
    return render(
        request,
        "telephony/confirm.html",
        {
            "title": _("Cancel the decrease"),
            "question": ngettext(
                "Cancel the decrease to %(n)s channel planned for %(date)s? The trunk keeps "
                "its channels and its packs.",
                "Cancel the decrease to %(n)s channels planned for %(date)s? The trunk keeps "
                "its channels and its packs.",
                then,
            )
            % {"n": then, "date": date_format(decrease.effective_on)},
            "confirm_label": _("Cancel the decrease"),
            "back_url": trunk_url,
        },
    )
