"""PLATFORM 28 / 7.2.1 — the back-office acceptance of the quantity increases a customer or its
partner asked for. An acceptance bills the customer (the units added, pro rata by days to the
end of the month, and their setup fee): a page first shows what each one costs accepted today,
then the staff member confirms. Kept out of ``contracts`` for its size."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from kernel.admin import action_form, already_sent, first_submission, run_each
from kernel.clock import paris_today
from kernel.forms import error_text
from offers.services.quantities import line_quantity_quote
from offers.services.quantity_acceptance import line_quantity_increase_accept

ACCEPT_INCREASES_TEMPLATE = "admin/offers/contract/accept_increases.html"


class ShownOnForm(forms.Form):
    """The day the page was shown: its pro rata is that day's."""

    shown_on = forms.CharField(widget=forms.HiddenInput)


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
            gettext(
                "%(count)d quantity increase(s) accepted: in service from today, billed pro "
                "rata from today."
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
