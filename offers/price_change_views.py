"""Customer portal pages of price changes (CON-6): what the contract page shows of a pending
change, the refusal of an increase (HOSTED-A 6) with its confirmation step, and the acceptance
of a PLATFORM increase, an amendment to the contract (7.1.2). Refusing and accepting are the
admin's (the ``terminate`` permission, ACC-2)."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from kernel.clock import paris_today
from kernel.forms import attach_errors, error_text
from offers import selectors
from offers.choices import PriceChangeRefusal, PriceChangeResponse
from offers.forms import PriceChangeAcceptForm, PriceChangeRefusalForm
from offers.models import Contract
from offers.periods import day_before
from offers.services.price_change_answers import (
    PendingPriceChange,
    pending_price_change_get,
    pending_price_changes,
    pending_refusal_quote,
    price_change_accept,
    price_change_refuse,
    refusal_quote,
)


def _row(contract: Contract, pending: PendingPriceChange, today: date, may_act: bool) -> dict:
    change, notice = pending.change, pending.notice
    can_answer = pending.can_answer(today)
    earliest_end = None
    if can_answer:
        earliest_end = pending_refusal_quote(pending, contract, today=today).effective_date
    return {
        "change": change,
        "right": pending.right,
        "answer_by": pending.answer_by,
        "can_answer": can_answer,
        "can_refuse": can_answer and may_act,
        "can_accept": pending.can_accept(today),
        "may_accept": pending.can_accept(today) and may_act,
        "accepted": pending.accepted,
        "earliest_end": earliest_end,
        "answered": pending.answered,
        "objected": notice.response == PriceChangeResponse.OBJECTED,
        "notice": notice,
        "termination": notice.termination if pending.answered else None,
        "excluded": change.is_increase and change.refusal_excluded,
        "ends_before": pending.blocked == "ends_before_change",
    }


def price_change_rows(request, contract: Contract) -> list[dict]:
    """CON-6: the contract page's pending price changes, each with the right the contract
    gives against it (none, refusal, objection) and whether this member may use it."""
    today = paris_today()
    may_act = request.membership.can("terminate")
    return [_row(contract, p, today, may_act) for p in pending_price_changes(contract)]


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


@member_required("terminate")
def price_change_refuse_view(request, pk, change_pk):
    """CON-6: the admin refuses an increase (HOSTED-A 6) or objects to it (PLATFORM 12.2).
    The page states the consequences — the end date, no termination fee, the old price until
    then (PLATFORM: stop using the service before the effective date, any traffic after it
    withdraws the objection) — and records nothing until the box is ticked; if the end date
    recomputed then differs from the one shown, it is shown again instead."""
    contract = selectors.contract_get(client=request.client, pk=pk)
    detail_url = reverse("offers:detail", args=[contract.pk])
    pending = pending_price_change_get(contract, change_pk)
    if pending is None:
        raise Http404("No such pending price change.")
    requested = None
    form = PriceChangeRefusalForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        form.is_valid()
        requested = form.cleaned_data.get("requested_date")
    try:
        pending, quote = refusal_quote(
            price_change=pending.change, contract=contract, requested_date=requested
        )
    except ValidationError as error:
        if form.is_bound and "requested_date" in getattr(error, "message_dict", {}):
            attach_errors(form, error)
            pending, quote = refusal_quote(price_change=pending.change, contract=contract)
        else:
            messages.error(request, error_text(error))
            return redirect(detail_url)
    if form.is_bound and not form.errors:
        if form.cleaned_data.get("shown_effective_date") != quote.effective_date:
            form = PriceChangeRefusalForm.shown_again(request.POST, quote)
        else:
            try:
                notice = price_change_refuse(
                    price_change=pending.change,
                    contract=contract,
                    requested_date=requested,
                    actor=request.user,
                    expected_effective_date=quote.effective_date,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Refusal recorded. Your contract ends on %(date)s (last day of service: "
                        "%(last_day)s), without termination fee; the current price applies "
                        "until then."
                    )
                    % {
                        "date": _day(notice.termination.effective_date),
                        "last_day": _day(day_before(notice.termination.effective_date)),
                    },
                )
                return redirect(detail_url)
    elif not form.is_bound:
        form = PriceChangeRefusalForm(initial={"shown_effective_date": quote.effective_date})
    return render(
        request,
        "offers/price_change_refuse.html",
        {
            "contract": contract,
            "change": pending.change,
            "objection": pending.right == PriceChangeRefusal.OBJECT,
            "answer_by": pending.answer_by,
            "quote": quote,
            # HOSTED-A 6: the customer's own notice the refusal replaces, with its fee
            "replaces": next(iter(contract.scheduled_terminations), None),
            "last_day": day_before(quote.effective_date),
            "form": form,
            "detail_url": detail_url,
        },
    )


@member_required("terminate")
def price_change_accept_view(request, pk, change_pk):
    """CON-6, PLATFORM 7.1.2: the admin accepts an increase — an amendment to the contract —
    before its effective date; the page says what applies with and without acceptance and
    records nothing until the box is ticked."""
    contract = selectors.contract_get(client=request.client, pk=pk)
    detail_url = reverse("offers:detail", args=[contract.pk])
    pending = pending_price_change_get(contract, change_pk)
    if pending is None:
        raise Http404("No such pending price change.")
    if not pending.can_accept(paris_today()):
        messages.error(request, _("This price change cannot be accepted now."))
        return redirect(detail_url)
    form = PriceChangeAcceptForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            price_change_accept(price_change=pending.change, contract=contract, actor=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request,
                _("New price accepted: it applies to your contract from %(date)s.")
                % {"date": _day(pending.change.effective_date)},
            )
        return redirect(detail_url)
    return render(
        request,
        "offers/price_change_accept.html",
        {
            "contract": contract,
            "change": pending.change,
            "answer_by": pending.answer_by,
            "form": form,
            "detail_url": detail_url,
        },
    )
