"""Customer portal pages of the tariff grid (PLATFORM 24) and its changes (CON-6 for call
tariffs, HOSTED-A 6, PLATFORM 12.2): the tariffs in force, those announced with the price each
replaces, and the refusal (or objection) of an increase with its confirmation step. Refusing
ends a contract: the admin's (the ``terminate`` permission, ACC-2)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from kernel.clock import paris_today
from kernel.forms import attach_errors
from offers.forms import PriceChangeRefusalForm
from offers.periods import day_before
from usage import selectors
from usage.services import tariff_changes


@member_required()
def tariffs(request):
    """PLATFORM 24: the tariffs in force; CON-6: those announced, and the increases this
    customer's contracts may still refuse (HOSTED-A) or object to (PLATFORM)."""
    today = paris_today()
    may_act = request.membership.can("terminate")
    context = {
        "sections": selectors.tariff_sections(),
        "included": selectors.included_plans(client=request.client),
        "upcoming": tariff_changes.upcoming(today),
        "answers": tariff_changes.answerable(request.client, today=today),
        "may_act": may_act,
    }
    return render(request, "usage/tariffs.html", context)


@member_required("terminate")
def tariff_refuse(request, announcement_pk, contract_pk):
    """The admin refuses announced tariff increases (HOSTED-A 6) or objects to them (PLATFORM
    12.2) for one contract. The page states the end date, that no fee is due and what applies
    meanwhile; nothing is recorded until the box is ticked, and if the end date recomputed then
    differs from the one shown, it is shown again instead."""
    back = reverse("usage:tariffs")
    item = tariff_changes.answer_get(request.client, announcement_pk, contract_pk)
    if item is None:  # another customer's contract, an answered or past change: not offered
        raise Http404("No such tariff change to answer.")
    form = PriceChangeRefusalForm(request.POST if request.method == "POST" else None)
    requested = None
    if form.is_bound:
        form.is_valid()
        requested = form.cleaned_data.get("requested_date")
    try:
        quote = tariff_changes.refusal_quote(item, requested_date=requested)
    except ValidationError as error:
        attach_errors(form, error)
        requested, quote = None, tariff_changes.refusal_quote(item)
    if form.is_bound and not form.errors:
        if form.cleaned_data.get("shown_effective_date") != quote.effective_date:
            form = PriceChangeRefusalForm.shown_again(request.POST, quote)
        else:
            try:
                refusal = tariff_changes.tariff_refuse(
                    announcement=item.announcement,
                    contract=item.contract,
                    requested_date=requested,
                    actor=request.user,
                    expected_effective_date=quote.effective_date,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                end = refusal.termination.effective_date
                messages.success(
                    request,
                    (
                        _(
                            "Objection recorded. Your contract %(reference)s ends on %(date)s, "
                            "without termination fee. Any call from %(first)s accepts the new "
                            "tariffs and withdraws your objection."
                        )
                        if refusal.objection
                        else _(
                            "Refusal recorded. Your contract %(reference)s ends on %(date)s, "
                            "without termination fee; its calls keep today's tariffs until then."
                        )
                    )
                    % {
                        "reference": item.contract.reference,
                        "date": date_format(end, "DATE_FORMAT"),
                        "first": date_format(item.announcement.increase_from, "DATE_FORMAT"),
                    },
                )
                return redirect(back)
    elif not form.is_bound:
        form = PriceChangeRefusalForm(initial={"shown_effective_date": quote.effective_date})
    return render(
        request,
        "usage/tariff_refuse.html",
        {
            "item": item,
            "contract": item.contract,
            "changes": [
                c
                for c in tariff_changes.upcoming()
                if c.tariff.announcement_id == item.announcement.pk
            ],
            "quote": quote,
            "last_day": day_before(quote.effective_date),
            "form": form,
            "back": back,
        },
    )
