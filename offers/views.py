"""Customer portal pages of contracts (CON-2, CON-4, CON-5, CON-7, CON-8, ACC-6, SLA-9).

Every page reads the contract through ``offers.selectors`` (scoped to the signed-in member's
customer) and explains the terms the contract was *signed with* (``terms_snapshot``), never the
offer's current terms (CON-2).
"""

from datetime import date, time, timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format, number_format, time_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.decorators import member_required
from kernel.clock import paris_today
from kernel.forms import attach_errors
from kernel.money import round_money
from offers import selectors
from offers.choices import (
    CLAUSE_REASON_TEXTS,
    LIVE_STATUSES,
    NOTIFIED_BY_US,
    PROVIDER_TERMINATION_REASONS,
    Anchor,
    BillingTiming,
    ContractStatus,
    FairUsePolicy,
    FeeRule,
    FirstMonth,
    NoticeRule,
    SlaPolicy,
    SuspensionReason,
)
from offers.forms import TerminationRequestForm
from offers.models import Contract, Termination
from offers.periods import add_months, day_before
from offers.price_change_views import price_change_rows
from offers.quantity_views import can_quote, quantity_lines
from offers.services.terminations import (
    contract_request_termination,
    fee_monthly_base,
    termination_quote,
)
from offers.services.terminations import termination_cancel as cancel_termination
from offers.services.trials import is_in_trial
from offers.termination_fees import PLATFORM_NOTICE_MONTHS, FeeLineLabel, PlatformEnding

CONTRACTS_PER_PAGE = 25

# CON-5: the breakdown lines' stable keys, as the customer reads them.
FEE_LINE_LABELS = {
    FeeLineLabel.REMAINING_MONTHS: gettext_lazy("Months left in the current period"),
    FeeLineLabel.FIRST_YEAR: gettext_lazy("Months left in the first year of the initial period"),
    FeeLineLabel.BEYOND_FIRST_YEAR: gettext_lazy(
        "Months left in the initial period beyond its first year"
    ),
    FeeLineLabel.RENEWAL_FIRST_MONTHS: gettext_lazy("First 3 months from the fee start"),
    FeeLineLabel.RENEWAL_BEYOND: gettext_lazy("Months left in the renewal period after those 3"),
    FeeLineLabel.SUBSCRIPTIONS: gettext_lazy("Monthly subscriptions, for each month left"),
    FeeLineLabel.MINIMUM_COMMITMENT: gettext_lazy(
        "Minimum monthly commitment, for each month left"
    ),
}
# CON-4 (PLATFORM): the two ways the contract ends, as the quote page names them.
PLATFORM_ENDING_TITLES = {
    PlatformEnding.NON_RENEWAL: gettext_lazy("Non-renewal at the anniversary, without fee"),
    PlatformEnding.CONVENIENCE: gettext_lazy("Termination for convenience, with the fee"),
}
STATUS_BADGES = {
    ContractStatus.DRAFT: "badge off",
    ContractStatus.ORDERED: "badge",
    ContractStatus.ACTIVE: "badge ok",
    ContractStatus.SUSPENDED: "badge alert",
    ContractStatus.TERMINATING: "badge alert",
    ContractStatus.TERMINATED: "badge off",
}


# --- What a contract page says ----------------------------------------------------------------


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _money(amount: Decimal) -> str:
    return number_format(round_money(amount), 2, force_grouping=True)


def scheduled_termination(contract: Contract) -> Termination | None:
    """The contract's scheduled termination, from ``selectors.contract_list``'s prefetch."""
    return next(iter(contract.scheduled_terminations), None)


def terminable(contract: Contract) -> bool:
    """CON-4: a termination can be requested. A contract suspended while terminating is
    ``suspended`` again, which the model's guard accepts although its termination is still
    scheduled: the portal does not offer a second one (the database would refuse it)."""
    return contract.can_request_termination() and scheduled_termination(contract) is None


def next_renewal(contract: Contract) -> date | None:
    """CON-3: the day the next period starts, unless the contract ends by then."""
    if contract.status not in LIVE_STATUSES or contract.current_period_end is None:
        return None
    termination = scheduled_termination(contract)
    if termination is not None and termination.effective_date <= contract.current_period_end:
        return None
    return contract.current_period_end


def notice_deadline(contract: Contract) -> date | None:
    """CON-4: the last day to give notice so that the contract ends at the end of its current
    period instead of renewing (and, a termination at a period's end costing nothing under every
    CON-5 rule, without fee). None when notice can be given at any time (``end_of_month``) or
    the contract has no period yet.

    ``months``: current period end minus the notice; ``platform``: the anniversary minus 3
    months (PLATFORM 8.2). Month arithmetic clamps to the month end, so a few later days may
    still reach the period end (a 1-month notice on 2025-01-31 runs to 2025-02-28): the deadline
    is the last day whose notice period ends on or before the period end, as the services
    compute the effective date.
    """
    rule = contract.term("notice_rule")
    end = contract.current_period_end
    if end is None or rule == NoticeRule.END_OF_MONTH:
        return None
    months = (
        PLATFORM_NOTICE_MONTHS if rule == NoticeRule.PLATFORM else contract.term("notice_months")
    )
    deadline = add_months(end, -months)
    while add_months(deadline + timedelta(days=1), months) <= end:
        deadline += timedelta(days=1)
    return deadline


def _weekdays_text(iso_days: str) -> str:
    days = sorted({int(d) for d in iso_days if d.isdigit() and 1 <= int(d) <= 7})
    names = [str(WEEKDAYS[d - 1]) for d in days]
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return _("%(first)s to %(last)s") % {"first": names[0], "last": names[-1]}
    return ", ".join(names)


def terms_text(contract: Contract) -> list[tuple[str, str]]:
    """CON-1: the terms the contract was signed with, in plain sentences (label, sentence)."""
    term = contract.term
    rows = []

    anchor, initial = term("anchor"), term("initial_months")
    anchor_dates = {
        Anchor.SIGNATURE: contract.signature_date,
        Anchor.ORDER: contract.order_date,
        Anchor.SERVICE_START: contract.service_start_date,
    }
    if anchor == Anchor.CALENDAR_MONTH:
        initial_text = _(
            "Month by month: the first month runs from the service start to the end of that "
            "calendar month, then calendar months follow."
        )
    elif anchor_dates.get(anchor) is None:
        initial_text = ngettext(
            "%(count)d month from the service start date (the service has not started yet).",
            "%(count)d months from the service start date (the service has not started yet).",
            initial,
        ) % {"count": initial}
    else:
        sentences = {
            Anchor.SIGNATURE: ngettext(
                "%(count)d month from the signature date (%(date)s).",
                "%(count)d months from the signature date (%(date)s).",
                initial,
            ),
            Anchor.ORDER: ngettext(
                "%(count)d month from the order date (%(date)s).",
                "%(count)d months from the order date (%(date)s).",
                initial,
            ),
            Anchor.SERVICE_START: ngettext(
                "%(count)d month from the service start date (%(date)s).",
                "%(count)d months from the service start date (%(date)s).",
                initial,
            ),
        }
        initial_text = sentences[anchor] % {"count": initial, "date": _day(anchor_dates[anchor])}
    rows.append((_("Initial period"), initial_text))

    renewal = term("renewal_months")
    if anchor == Anchor.CALENDAR_MONTH or renewal == 1:
        renewal_text = _("Renewed tacitly every month, unless terminated.")
    else:
        renewal_text = ngettext(
            "Renewed tacitly for %(count)d month at a time, unless terminated.",
            "Renewed tacitly for %(count)d months at a time, unless terminated.",
            renewal,
        ) % {"count": renewal}
    rows.append((_("Renewal"), renewal_text))

    rule = term("notice_rule")
    if rule == NoticeRule.END_OF_MONTH:
        notice_text = _(
            "Any time: a termination takes effect on the 1st of the month after your request "
            "(or on the later 1st you choose)."
        )
    elif rule == NoticeRule.PLATFORM:
        notice_text = _(
            "A notice of non-renewal given at least 3 months before an anniversary ends the "
            "contract at that anniversary, without fee. You may also terminate on any other "
            "date at least 3 months after your request (termination for convenience): "
            "termination fees then apply."
        )
    elif not term("notice_months"):  # EQP-3 rentals: ended at any time
        notice_text = _(
            "No notice: a termination can take effect on the day of your request (or on the "
            "later date you choose)."
        )
    else:
        months = term("notice_months")
        notice_text = ngettext(
            "%(count)d month: a termination takes effect %(count)d month after your request at "
            "the earliest (or on the later date you choose).",
            "%(count)d months: a termination takes effect %(count)d months after your request "
            "at the earliest (or on the later date you choose).",
            months,
        ) % {"count": months}
    rows.append((_("Notice"), notice_text))

    billing = [
        _("Subscriptions are billed monthly in advance.")
        if term("subscription_timing") == BillingTiming.ADVANCE
        else _("Subscriptions are billed monthly in arrears."),
        _("Consumption is billed in advance.")
        if term("consumption_timing") == BillingTiming.ADVANCE
        else _("Consumption is billed in arrears, at the end of each month."),
        _("The order month is free: billing starts the month after the order.")
        if term("first_month") == FirstMonth.FREE_ORDER_MONTH
        else _("A first month that starts mid-month is charged pro rata by days."),
    ]
    rows.append((_("Billing"), " ".join(billing)))

    fees = _money(fee_monthly_base(contract, paris_today()))  # CON-5: the quote's base
    fee_rule = term("fee_rule")
    if fee_rule == FeeRule.REMAINING_MONTHS:
        fee_text = _(
            "If the contract ends before the end of its current period, every month or part "
            "of a month left in that period is due at the contract's monthly fees "
            "(%(fees)s € excl. VAT)."
        ) % {"fees": fees}
    elif fee_rule == FeeRule.ALLSET_SLIDING:
        fee_text = _(
            "If the contract ends during its initial period: 100%% of the monthly fees "
            "(%(fees)s € excl. VAT) for each month or part of a month left in the first year, "
            "plus 50%% for each month or part left beyond the first year. During a renewal "
            "period: 100%% of the monthly fees for 3 months, plus 50%% for each month or part "
            "left in the period after those 3 months."
        ) % {"fees": fees}
    elif fee_rule == FeeRule.COMMITMENT_MAX:
        fee_text = _(
            "If the contract ends before the end of its current period, each month or part of "
            "a month left is due at the higher of the monthly subscriptions (%(fees)s €) and "
            "the minimum monthly commitment (%(minimum)s €), excl. VAT."
        ) % {"fees": fees, "minimum": _money(Decimal(term("minimum_monthly_commitment")))}
    else:
        fee_text = _("No termination fee: only the current month, billed as usual, is due.")
    if fee_rule != FeeRule.NONE:
        fee_text += " " + _(
            "Fees are counted from the first day not already invoiced (a month already "
            "invoiced is due and never charged twice); a termination effective at the end of "
            "a period costs nothing."
        )
    rows.append((_("Termination fees"), fee_text))

    if term("support_days") and term("support_start") and term("support_end"):
        support_text = _(
            "%(days)s, %(start)s–%(end)s (Paris time), except French public holidays."
        ) % {
            "days": _weekdays_text(term("support_days")),
            "start": time_format(_time(term("support_start"))),
            "end": time_format(_time(term("support_end"))),
        }
    else:
        support_text = _("No business-hours schedule: support deadlines run in elapsed time.")
    restoration = term("restoration_target_hours")
    if restoration:
        support_text += " " + (
            ngettext(
                "Service restoration target: %(count)d business hour after your failure "
                "notification.",
                "Service restoration target: %(count)d business hours after your failure "
                "notification.",
                restoration,
            )
            if term("restoration_in_business_hours")
            else ngettext(
                "Service restoration target: %(count)d hour after the failure is detected.",
                "Service restoration target: %(count)d hours after the failure is detected.",
                restoration,
            )
        ) % {"count": restoration}
    intervention = term("intervention_business_hours")
    if intervention:
        support_text += " " + ngettext(
            "Work on an incident starts within %(count)d business hour of your report.",
            "Work on an incident starts within %(count)d business hours of your report.",
            intervention,
        ) % {"count": intervention}
    rows.append((_("Support hours"), capfirst(support_text)))

    policy = term("sla_policy")
    if policy == SlaPolicy.NONE:
        sla_text = _("This offer has no availability commitment.")
    else:
        sla_text = _(
            "%(policy)s, measured per calendar month; the credit is granted on request."
        ) % {"policy": SlaPolicy(policy).label}
    rows.append((_("Service level (SLA)"), sla_text))

    fair_use = term("fair_use_policy")
    if fair_use and fair_use != FairUsePolicy.NONE:
        rows.append((_("Fair use"), str(FairUsePolicy(fair_use).label)))
    return rows


def _time(value) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value


def fee_lines(lines) -> list[dict]:
    """CON-5 breakdown lines, from a quote (``FeeLine``) or a stored termination (JSON), as the
    page shows them: months × rate × monthly base = amount (rounded to the cent for display)."""
    rows = []
    for line in lines:
        get = line.get if isinstance(line, dict) else lambda name, line=line: getattr(line, name)
        rows.append(
            {
                "label": FEE_LINE_LABELS.get(get("label"), get("label")),
                "months": int(get("months")),
                "rate_percent": Decimal(str(get("rate_percent"))),
                "monthly_base": Decimal(str(get("monthly_base"))),
                "amount": round_money(Decimal(str(get("amount")))),
            }
        )
    return rows


def _decorate(contract: Contract) -> Contract:
    """Attach what list and detail rows show, computed once per contract."""
    contract.badge = STATUS_BADGES.get(contract.status, "badge")
    contract.termination = scheduled_termination(contract)
    contract.next_renewal = next_renewal(contract)
    contract.period_last_day = (
        day_before(contract.current_period_end) if contract.current_period_end else None
    )
    return contract


# --- Pages ------------------------------------------------------------------------------------


@member_required()
def contract_list(request):
    page = Paginator(selectors.contract_list(client=request.client), CONTRACTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for contract in page.object_list:
        _decorate(contract)
    return render(request, "offers/contract_list.html", {"page": page})


@member_required()
def contract_detail(request, pk):
    contract = _decorate(selectors.contract_get(client=request.client, pk=pk))
    today = paris_today()
    termination = contract.termination
    suspension = next(iter(contract.open_suspensions), None)
    period = (
        contract.period_at(contract.current_period_start) if contract.current_period_start else None
    )
    deadline = (
        notice_deadline(contract)
        if contract.status in LIVE_STATUSES | {ContractStatus.ORDERED} and termination is None
        else None
    )
    can_terminate = request.membership.can("terminate")
    return render(
        request,
        "offers/contract_detail.html",
        {
            "contract": contract,
            "lines": quantity_lines(  # CON-2; ACC-2: the technical role asks for quotes
                contract,
                can_order=request.membership.can("order"),
                can_quote=can_quote(request.membership),
            ),
            "terms": terms_text(contract),
            "period": period,
            "notice_deadline": deadline,
            "notice_deadline_passed": deadline is not None and deadline < today,
            "notice_any_time": contract.term("notice_rule") == NoticeRule.END_OF_MONTH,
            "renewal_months": contract.term("renewal_months"),
            "sla_policy": contract.term("sla_policy"),
            "in_trial": is_in_trial(contract, today),
            "suspension": suspension,
            "suspension_reason": SuspensionReason(suspension.reason).label if suspension else None,
            "termination": termination,
            "termination_last_day": termination and day_before(termination.effective_date),
            "termination_lines": fee_lines(termination.fee_breakdown) if termination else [],
            "termination_reason": CLAUSE_REASON_TEXTS.get(termination and termination.reason),
            "notified_by_us": termination and termination.reason in NOTIFIED_BY_US,  # 17.4, 17.3
            "can_request_termination": can_terminate and terminable(contract),
            "can_cancel_termination": (
                can_terminate
                and termination is not None
                and today < termination.effective_date
                and termination.reason not in PROVIDER_TERMINATION_REASONS  # ours (17.4, 17.2)
            ),
            "price_changes": price_change_rows(request, contract),  # CON-6
        },
    )


@member_required("terminate")
def contract_terminate(request, pk):
    """CON-4: the admin asks for a quote (``action=quote``), sees the effective date and the
    CON-5 fee, then confirms (``action=confirm``): the request is the written notice.

    PLATFORM with no requested date: the quote offers two dates side by side (the earliest,
    with its fee, and the first anniversary at least 3 months away, without fee) and the
    confirmation requires choosing one. A confirmation is recorded only if the quote recomputed
    now is the one shown (a notice given after midnight may have moved the dates)."""
    contract = _decorate(selectors.contract_get(client=request.client, pk=pk))
    detail_url = reverse("offers:detail", args=[contract.pk])
    if not terminable(contract):
        if contract.termination is not None:
            messages.error(request, _("A termination is already scheduled for this contract."))
        else:
            messages.error(
                request,
                _("This contract cannot be terminated: its status is “%(status)s”.")
                % {"status": contract.get_status_display()},
            )
        return redirect(detail_url)

    request_form = TerminationRequestForm()
    confirm_form = None
    quote = None
    quote_changed = False
    if request.method == "POST":
        confirming = request.POST.get("action") == "confirm"
        form = TerminationRequestForm(request.POST, confirming=confirming)
        form.is_valid()
        if "requested_date" in form.cleaned_data:
            requested = form.cleaned_data["requested_date"]
            try:
                quote = termination_quote(contract=contract, requested_date=requested)
            except ValidationError as error:
                attach_errors(form, error)
        if quote is not None and confirming:
            form = TerminationRequestForm(request.POST, confirming=True, choices=quote.choice_dates)
            valid = form.is_valid()
            # The single quote carries what it showed; the options page carries a choice
            # (a date no longer on offer is a field error).
            quote_changed = form.shows_another_quote(quote)
            chosen = quote.option(form.cleaned_data.get("chosen_date"))
            if (
                valid
                and not quote_changed
                and _confirm_termination(
                    request,
                    contract,
                    form,
                    chosen or quote,
                    requested=chosen.effective_date if chosen else requested,
                )
            ):
                return redirect(detail_url)
        if quote is None:
            # Show the date again, visible, with its error (the confirmation hides it).
            request_form = TerminationRequestForm(request.POST)
            request_form.is_valid()
            for field, errors in form.errors.items():
                if field != "confirm" and field not in request_form.errors:
                    request_form.add_error(None if field == "__all__" else field, errors)
        else:
            request_form = TerminationRequestForm(initial={"requested_date": requested})
            confirm_form = (
                form
                if confirming and not quote_changed
                else TerminationRequestForm(
                    initial={"requested_date": requested},
                    confirming=True,
                    choices=quote.choice_dates,
                )
            )
    return render(
        request,
        "offers/terminate.html",
        {
            "contract": contract,
            "request_form": request_form,
            "confirm_form": confirm_form,
            "quote": quote,
            "quote_changed": quote_changed,
            "quote_last_day": day_before(quote.effective_date) if quote else None,
            "quote_lines": fee_lines(quote.fee.lines) if quote and not quote.fee_waived else [],
            "quote_options": _quote_options(quote, confirm_form),
            "quote_ending": PLATFORM_ENDING_TITLES.get(quote.ending) if quote else None,
            "refused_on_confirm": quote and selectors.increases_awaiting(contract=contract),
        },
    )


def _confirm_termination(request, contract, form, quote, *, requested) -> Termination | None:
    """CON-4: record the termination the customer confirmed (``quote``: the single quote or
    the chosen option, whose date is then ``requested``), or attach the service's refusal to
    ``form`` and return None."""
    try:
        termination = contract_request_termination(
            contract=contract,
            requested_date=requested,
            actor=request.user,
            expected_effective_date=quote.effective_date,
            expected_fee=quote.fee_amount,
        )
    except ValidationError as error:
        attach_errors(form, error)
        return None
    messages.success(
        request,
        _(
            "Termination recorded. The last day of service is %(last_day)s; the "
            "termination fee is %(fee)s € excl. VAT."
        )
        % {
            "last_day": _day(day_before(termination.effective_date)),
            "fee": _money(termination.fee_amount),
        },
    )
    return termination


def _quote_options(quote, confirm_form) -> list[dict]:
    """CON-4 (PLATFORM): the two choices as the quote page shows them, side by side."""
    if quote is None or len(quote.options) < 2:
        return []
    chosen = confirm_form["chosen_date"].value() if confirm_form is not None else None
    return [
        {
            "value": option.effective_date.isoformat(),
            "checked": chosen == option.effective_date.isoformat(),
            "ending": option.ending,
            "title": PLATFORM_ENDING_TITLES.get(option.ending, ""),
            "effective_date": option.effective_date,
            "last_day": day_before(option.effective_date),
            "fee_start": option.fee.fee_start,
            "fee_amount": option.fee_amount,
            "lines": fee_lines(option.fee.lines) if not option.fee_waived else [],
        }
        for option in quote.options
    ]


@member_required("terminate")
def termination_cancel(request, pk):
    """CON-4: a scheduled termination can be cancelled until its effective date."""
    termination = selectors.termination_scheduled_get(client=request.client, contract_pk=pk)
    detail_url = reverse("offers:detail", args=[pk])
    if request.method == "POST":
        try:
            cancel_termination(termination=termination, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The termination is cancelled: the contract continues."))
        return redirect(detail_url)
    return render(
        request,
        "offers/confirm.html",
        {
            "title": _("Cancel the termination"),
            "question": _(
                "Cancel the termination of contract %(reference)s that takes effect on "
                "%(date)s? The contract continues as before."
            )
            % {
                "reference": termination.contract.reference,
                "date": _day(termination.effective_date),
            },
            "confirm_label": _("Cancel the termination"),
            "back_url": detail_url,
        },
    )
