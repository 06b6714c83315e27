"""PLATFORM 28 / 7.2.1 — the back-office decisions on the quantity increases a customer or its
partner asked for. An acceptance bills the customer (the units added, pro rata by days to the
end of the month, and their setup fee): a page first shows what each one costs accepted today,
then the staff member confirms. A refusal too goes through a page, which asks for the reason
the customer will read (optional). Kept out of ``contracts`` for its size."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import action_form, already_sent, first_submission, run_each
from kernel.clock import paris_today
from kernel.forms import error_text
from offers.quantity_change_models import REFUSAL_REASON_MAX
from offers.services.quantities import line_quantity_quote
from offers.services.quantity_acceptance import (
    line_quantity_increase_accept,
    line_quantity_increase_refuse,
)

ACCEPT_INCREASES_TEMPLATE = "admin/offers/contract/accept_increases.html"
REFUSE_INCREASES_TEMPLATE = "admin/offers/contract/refuse_increases.html"


class ShownOnForm(forms.Form):
    """The day the page was shown: its pro rata is that day's."""

    shown_on = forms.CharField(widget=forms.HiddenInput)


class RefusalForm(forms.Form):
    """PLATFORM 28 / 7.2.1: why we refuse, in words written to the customer."""

    reason = forms.CharField(
        label=_("reason for the refusal"),
        max_length=REFUSAL_REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_(
            "Optional. The customer reads it on its contract page, in the e-mail telling it of "
            "the refusal and in the API: write it to the customer, nothing internal."
        ),
    )


def _rows(requested) -> list[dict]:
    rows = []
    for change in requested.select_related("contract__client").order_by("contract", "pk"):
        try:
            # as the acceptance applies it: the units asked added to the line's quantity now
            quantity = change.line.quantity + change.units
            quote = line_quantity_quote(line=change.line, quantity=quantity)
        except ValidationError as error:  # the contract or the line cannot change now
            quote, refusal = None, error_text(error)
        else:
            refusal = None
        rows.append({"change": change, "quote": quote, "refusal": refusal})
    return rows


def accept_increases(modeladmin, request, queryset, requested):
    """The page of the increases ``requested`` on the contracts of ``queryset``, each with what
    its acceptance today bills; confirmed the day it was shown, each is accepted (a page
    confirmed another day, when the pro rata has changed, is shown again)."""
    today = paris_today()
    if "apply" in request.POST and request.POST.get("shown_on") == today.isoformat():
        if not first_submission(request):
            return already_sent(modeladmin, request)
        run_each(
            modeladmin,
            request,
            requested,
            lambda change: line_quantity_increase_accept(change=change, actor=request.user),
            ngettext_lazy(
                "%(count)d quantity increase accepted: in service from today, billed pro rata "
                "from today.",
                "%(count)d quantity increases accepted: in service from today, billed pro rata "
                "from today.",
                "count",
            ),
        )
        return None
    return action_form(
        modeladmin,
        request,
        queryset,
        form=ShownOnForm(initial={"shown_on": today.isoformat()}),
        title=gettext("Accept the quantity increases asked"),
        template=ACCEPT_INCREASES_TEMPLATE,
        lead=gettext(
            "Accepted today, each increase is in service from today: the units added are "
            "billed pro rata by days to the end of the month, with their setup fee, on the "
            "customer's next invoice (PLATFORM 28)."
        ),
        rows=_rows(requested),
        quote_changed="apply" in request.POST,
    )


def refuse_increases(modeladmin, request, queryset, requested):
    """The page of the increases ``requested`` on the contracts of ``queryset`` and the reason
    for refusing them; confirmed, each is refused with that reason (the customer is told)."""
    form = RefusalForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        if not first_submission(request):
            return already_sent(modeladmin, request)
        reason = form.cleaned_data["reason"]
        run_each(
            modeladmin,
            request,
            requested,
            lambda change: line_quantity_increase_refuse(
                change=change, actor=request.user, reason=reason
            ),
            ngettext_lazy(
                "%(count)d quantity increase refused.",
                "%(count)d quantity increases refused.",
                "count",
            ),
        )
        return None
    return action_form(
        modeladmin,
        request,
        queryset,
        form=form,
        title=gettext("Refuse the quantity increases asked"),
        template=REFUSE_INCREASES_TEMPLATE,
        lead=gettext(
            "Refused, each line keeps its quantity and nothing is billed; the customer is told "
            "by e-mail, with the reason below, and sees it on its contract page (PLATFORM 28, "
            "7.2.1)."
        ),
        changes=requested.select_related("contract__client").order_by("contract", "pk"),
    )
