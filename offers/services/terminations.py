"""CON-4 / CON-5: terminations — the quote (effective date and fee), the request (the written
notice), its cancellation, and the daily application on the effective date."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, User
from accounts.notifications import notify_client
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.money import round_money
from offers import periods, signals, termination_fees
from offers.choices import (
    CLAUSE_REASON_TEXTS,
    FORCE_MAJEURE_REASONS,
    PROVIDER_TERMINATION_REASONS,
    Anchor,
    BillingTiming,
    ContractStatus,
    FirstMonth,
    NoticeRule,
    QuantityChangeStatus,
    TerminationReason,
    TerminationStatus,
)
from offers.events import announce_termination_cancelled, announce_termination_scheduled
from offers.models import Contract, LineQuantityChange, Termination
from offers.price_steps import price_on
from offers.services.price_changes import price_steps_by_line
from offers.services.quantity_acceptance import increases_refuse_on_termination
from offers.services.transitions import lock_contract, transition_contract

# PLATFORM's terminations other than the customer's convenience (17.1) or non-renewal (8.2):
# their notice in months — a month for a breach of either party (17.4.1) and for ours after a
# change of the services (17.2), none on an authority's order or a licence lost (13.1.6,
# 13.1.8: « sans préavis »). None carries a fee: 17.6 makes the remaining subscriptions due only
# after a termination for convenience or inactivity, and 24.4.5 bills the commitment
# « conformément à l'article 17.6 ».
CLAUSE_NOTICE_MONTHS = {
    TerminationReason.BREACH_BY_CUSTOMER: 1,
    TerminationReason.BREACH_BY_US: 1,
    TerminationReason.SERVICE_CHANGE: 1,
    TerminationReason.AUTHORITY: 0,
    # 16.4 / 17.5: « mettre fin immédiatement et de plein droit, sans formalités judiciaires ni
    # indemnité », once the force majeure lasts beyond a month after its notification
    TerminationReason.FORCE_MAJEURE_BY_US: 0,
    TerminationReason.FORCE_MAJEURE_BY_CUSTOMER: 0,
}


# CON-5: the fee rules whose monthly base counts the contract's subscriptions held outside its
# lines (the numbers' monthly prices): PLATFORM's « Abonnements » (24.1, 24.4.5) and HOSTED-A's
# « Frais Fixes mensuels payables au titre du Service fourni sur ledit Site Client » (5, 2).
# HOSTED-W's « mois restants dus au titre du Service » (8.1) is left as it was: its Service is
# what its article 3 describes, and the numbers are its article 5.4 (a question for the lead).
SUBSCRIPTIONS_OUTSIDE_LINES = {
    termination_fees.FeeRule.COMMITMENT_MAX,
    termination_fees.FeeRule.ALLSET_SLIDING,
}


@dataclass
class TerminationQuote:
    """What the customer sees before confirming a termination.

    ``ending`` says how a PLATFORM contract ends (``PlatformEnding``: non-renewal or
    convenience; None under the other terms). ``options`` lists the dates a PLATFORM customer
    who asked for no date chooses between (CON-4), each a quote of its own, earliest first: the
    first has this quote's date and fee. Empty when there is nothing to choose.
    """

    notice_date: date
    requested_date: date | None
    effective_date: date
    fee: termination_fees.FeeQuote
    fee_waived: bool = False
    ending: str | None = None
    options: list["TerminationQuote"] = field(default_factory=list)

    @property
    def fee_amount(self):
        return Decimal("0.00") if self.fee_waived else self.fee.amount

    @property
    def choice_dates(self) -> list[date]:
        """The effective dates to choose between; empty when there is no choice."""
        return [o.effective_date for o in self.options] if len(self.options) > 1 else []

    def option(self, effective_date: date) -> "TerminationQuote | None":
        """The option ending on ``effective_date``, if the quote offers it."""
        return next((o for o in self.options if o.effective_date == effective_date), None)


def invoiced_through(
    contract: Contract, effective: date, notice_date: date | None = None
) -> date | None:
    """CON-5 until billing records it: for subscriptions billed in advance, the month holding
    the last day of service has been invoiced in full (on the last day of the month before).

    HOSTED-W's order month is free (9: « facturés à compter du mois suivant la commande »): never
    invoiced, and never due either — not one of « les mois restants dus » (8.1). A contract
    ending in it (a port-out, NUM-4) is settled to its end: the fee counts from the month after
    the order (ordered on 1 March, ended on 20 March, 12 months: April → February, 11 months).

    The month of the notice, too, has been invoiced by the time the notice is given when the
    contract was in service before it began (the month-end run, 00:05 on its 1st): a
    termination given on a 1st and effective that day (no notice: a rental, a closing for
    inactivity) does not charge that month a second time."""
    if contract.term("subscription_timing") != BillingTiming.ADVANCE:
        return None
    last_day = periods.day_before(effective)
    first_billed = periods.next_month_start(contract.order_date)
    if contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH and last_day < first_billed:
        return first_billed
    if contract.status in {ContractStatus.DRAFT, ContractStatus.ORDERED}:
        return None
    through = periods.next_month_start(last_day)
    if (
        notice_date is not None
        and contract.activated_at is not None
        and timezone.localdate(contract.activated_at) < periods.month_start(notice_date)
    ):
        through = max(through, periods.next_month_start(notice_date))
    return through


def termination_quote(
    *,
    contract: Contract,
    notice_date: date | None = None,
    requested_date: date | None = None,
    waive_fees: bool = False,
    notice_days: int | None = None,
    reason: str | None = None,
) -> TerminationQuote:
    """CON-4: effective date from the notice rule; CON-5: the fee by the offer's rule.
    ``notice_days`` replaces the rule (CON-6: 30 days' notice after refusing an increase;
    ACC-6: none, a closing for inactivity takes effect on the day of the closing, PLATFORM 17.3).

    PLATFORM (CON-4, 8.2 / 17.1): the later of the requested date and notice + 3 months; no fee
    at an anniversary, the CON-5 fee on any other date. With no requested date the quote is the
    earliest date and carries the choice (``options``): that date with its fee, and the first
    anniversary at least 3 months after the notice without fee.

    ``reason`` one of ``CLAUSE_NOTICE_MONTHS`` (PLATFORM only, 17.4.1, 17.2, 13.1.6 / 13.1.8):
    the later of the requested date and the notice date + that clause's months, without fee
    (17.6); ``ending`` is the reason."""
    notice_date = notice_date or paris_today()
    if requested_date is not None and requested_date < notice_date:
        raise ValidationError({"requested_date": _("The requested date is in the past.")})
    rule = contract.term("notice_rule")
    if reason in CLAUSE_NOTICE_MONTHS:
        if rule != NoticeRule.PLATFORM:
            raise ValidationError(
                {
                    "reason": _(
                        "Only the PLATFORM terms provide this termination (17.2, 17.4, 13.1): "
                        "record this contract's termination under its own terms."
                    )
                },
                code="not_platform",
            )
        effective = termination_fees.effective_date(
            notice_date, requested_date, CLAUSE_NOTICE_MONTHS[reason]
        )
        quote = _priced_quote(contract, notice_date, requested_date, effective, False, waive_fees)
        return replace(quote, ending=str(reason))
    if notice_days is None and rule == NoticeRule.PLATFORM:
        return _platform_quote(contract, notice_date, requested_date, waive_fees)
    if notice_days is not None:
        effective = max(requested_date or notice_date, notice_date + timedelta(days=notice_days))
    elif rule == NoticeRule.END_OF_MONTH:
        effective = termination_fees.effective_date_end_of_month(notice_date, requested_date)
    else:
        effective = termination_fees.effective_date(
            notice_date, requested_date, contract.term("notice_months")
        )
    return _priced_quote(contract, notice_date, requested_date, effective, True, waive_fees)


def _platform_quote(
    contract: Contract, notice_date: date, requested_date: date | None, waive_fees: bool
) -> TerminationQuote:
    """CON-4 for PLATFORM: see ``termination_fees.platform_effective_date`` and
    ``platform_options``."""
    anchor = contract.anchor_date or contract.order_date
    periods_of = (anchor, contract.term("initial_months"), contract.term("renewal_months"))
    if requested_date is not None:
        effective, fee_applies = termination_fees.platform_effective_date(
            notice_date, requested_date, *periods_of
        )
        return _priced_quote(
            contract, notice_date, requested_date, effective, fee_applies, waive_fees
        )
    options = [
        _priced_quote(contract, notice_date, None, effective, fee_applies, waive_fees)
        for effective, fee_applies in termination_fees.platform_options(notice_date, *periods_of)
    ]
    return replace(options[0], options=options)


def _monthly_fees_at(contract: Contract, day: date, rule: str) -> Decimal:
    """CON-5: the contract's monthly fees on ``day`` (its last day of service): its current
    lines' less the units of a pending decrease effective by then (CON-2: a decrease, or an
    option ended, takes effect at a period start, so it holds for the whole period the fee
    counts — a PLATFORM option of 250.00 ended on 1 February is not in the fee of a termination
    effective on 15 March).

    ``commitment_max`` (PLATFORM 24.4.5 / 17.6) counts the « Abonnements », which include the
    numbers' monthly prices (24.1.3, under 24.1 « Abonnements »), and ``allset_sliding``
    (HOSTED-A 5) the « Frais Fixes mensuels payables au titre du Service fourni sur ledit Site
    Client », of which the numbers are part (HOSTED-A 2: the Service includes the numbers we
    assign; SLA-7 reads the same « Frais Fixes » so): the other apps' subscriptions of the
    contract on that day are added (``signals.contract_monthly_subscriptions``).

    Each line counts at its price on that day (CON-6, ``price_on``): a price change in force by
    then — notified, applied overnight on its date — is part of the fees the customer pays
    (14.90 → 15.90 from 1 January, last day of service 9 January: 15.90), and one applied after
    that day is not (a letter typed late)."""
    steps, lines = price_steps_by_line([contract]), list(contract.lines.all())
    price = {
        line.pk: price_on(steps.get(line.pk, ()), line.unit_monthly_price, day) for line in lines
    }
    fees = sum((price[ln.pk] * ln.quantity for ln in lines if ln.ended_on is None), Decimal("0"))
    if rule in SUBSCRIPTIONS_OUTSIDE_LINES:
        for _receiver, amount in signals.contract_monthly_subscriptions.send(
            sender=Contract, contract=contract, day=day
        ):
            fees += amount or Decimal("0")
    pending = LineQuantityChange.objects.filter(
        contract=contract,
        status=QuantityChangeStatus.PENDING,
        effective_on__lte=day,
        line__ended_on__isnull=True,
    ).select_related("line")
    for change in pending:
        fees -= price.get(change.line_id, change.line.unit_monthly_price) * change.units
    return max(fees, Decimal("0"))


def fee_monthly_base(contract: Contract, day: date) -> Decimal:
    """CON-5: the monthly base of the contract's termination fee on ``day``, as its quote counts
    it (the contract page states it next to the fee rule)."""
    return _monthly_fees_at(contract, day, contract.term("fee_rule"))


def _priced_quote(
    contract: Contract,
    notice_date: date,
    requested_date: date | None,
    effective: date,
    fee_applies: bool,
    waive_fees: bool,
) -> TerminationQuote:
    """The quote of a termination effective on ``effective``: CON-5 by the offer's fee rule
    (``none`` when no fee applies: a PLATFORM non-renewal; nor when the periods count from a
    service start not reached by the effective date — HOSTED-A 5: the initial period begins at
    the « Date de Mise en Service », and the fee is due for a termination « pendant » a period)."""
    anchor = contract.anchor_date or contract.order_date
    start = contract.service_start_date
    begun = contract.term("anchor") != Anchor.SERVICE_START or (start and effective > start)
    rule = contract.term("fee_rule") if fee_applies and begun else termination_fees.FeeRule.NONE
    fee = termination_fees.quote_termination_fee(
        rule=rule,
        effective_date=effective,
        invoiced_through=invoiced_through(contract, effective, notice_date),
        anchor=anchor,
        initial_months=contract.term("initial_months"),
        renewal_months=contract.term("renewal_months"),
        monthly_fees=_monthly_fees_at(contract, periods.day_before(effective), rule),
        minimum_commitment=Decimal(contract.term("minimum_monthly_commitment")),
    )
    ending = None
    if contract.term("notice_rule") == NoticeRule.PLATFORM:
        ending = (
            termination_fees.PlatformEnding.CONVENIENCE
            if fee_applies
            else termination_fees.PlatformEnding.NON_RENEWAL
        ).value
    return TerminationQuote(
        notice_date=notice_date,
        requested_date=requested_date,
        effective_date=effective,
        fee=fee,
        fee_waived=waive_fees,
        ending=ending,
    )


def _fee_breakdown(quote: TerminationQuote) -> list[dict]:
    return [
        {
            "label": line.label,
            "months": line.months,
            "rate_percent": str(line.rate_percent),
            "monthly_base": str(line.monthly_base),
            "amount": str(round_money(line.amount)),
        }
        for line in quote.fee.lines
    ]


@transaction.atomic
def contract_request_termination(
    *,
    contract: Contract,
    requested_date: date | None = None,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    reason: str = TerminationReason.CUSTOMER_REQUEST,
    waive_fees: bool = False,
    notice_days: int | None = None,
    expected_effective_date: date | None = None,
    expected_fee: Decimal | None = None,
    notice_date: date | None = None,
    letter_sent_on: date | None = None,
    force_majeure_notified_on: date | None = None,
) -> Termination:
    """CON-4: the request made in the portal or the API is the written notice (its timestamp is
    the notice date); the quote is recomputed at that moment and stored with its breakdown.
    ``notice_date`` replaces today's when the notice was given earlier than it is recorded (a
    port-out, NUM-4: the porting is the notice, and the upstream tells it afterwards).

    With no requested date the termination takes effect at the earliest date the notice allows
    (PLATFORM: notice + 3 months, with its fee unless it is an anniversary; the anniversary
    option is chosen by requesting its date). ``expected_effective_date`` / ``expected_fee``
    are what the customer confirmed: if the quote recomputed now differs (the notice date moved
    past midnight, a PLATFORM anniversary is now less than 3 months away), nothing is recorded
    and a ``ValidationError`` (code ``quote_changed``) is raised.

    ``letter_sent_on`` (PLATFORM only, staff typing the customer's registered letter): the day
    it was sent — 8.2 « au moyen de l'envoi d'une lettre recommandée au moins trois (3) mois
    avant la date anniversaire », 17.1 « par l'envoi d'une lettre recommandée » — which the
    notice counts from: it becomes the notice date.

    ``force_majeure_notified_on`` (PLATFORM 16.4, the force majeure reasons only): the day the
    force majeure was notified (16.3); see ``check_force_majeure``."""
    if reason in FORCE_MAJEURE_REASONS or force_majeure_notified_on is not None:
        check_force_majeure(
            reason, force_majeure_notified_on, letter_sent_on or notice_date or paris_today()
        )
    if letter_sent_on is not None:
        check_letter_sent_on(contract, letter_sent_on, notice_date, reason)
        notice_date = letter_sent_on
    contract = lock_contract(contract)
    if contract.status == ContractStatus.DRAFT:
        raise InvalidTransition(
            _("A draft contract is deleted, not terminated."), code="invalid_transition"
        )
    if contract.terminations.filter(status=TerminationStatus.SCHEDULED).exists():
        raise InvalidTransition(
            _("A termination is already scheduled for this contract."), code="termination_scheduled"
        )
    if not contract.can_request_termination():
        raise InvalidTransition(
            _("This contract is already terminating or terminated."), code="invalid_transition"
        )
    notice_at = timezone.now()
    quote = termination_quote(
        contract=contract,
        notice_date=notice_date or timezone.localdate(notice_at),
        requested_date=requested_date,
        waive_fees=waive_fees,
        notice_days=notice_days,
        reason=reason,
    )
    if (
        expected_effective_date is not None and quote.effective_date != expected_effective_date
    ) or (expected_fee is not None and quote.fee_amount != expected_fee):
        raise ValidationError(
            _(
                "The quote has changed since it was shown (the notice date is today's): check "
                "the new quote and confirm again."
            ),
            code="quote_changed",
        )
    termination = Termination.objects.create(
        contract=contract,
        reason=reason,
        notice_at=notice_at,
        notice_date=quote.notice_date,
        letter_sent_on=letter_sent_on,
        force_majeure_notified_on=force_majeure_notified_on,
        requested_date=requested_date,
        effective_date=quote.effective_date,
        fee_rule=quote.fee.rule,
        fee_start=quote.fee.fee_start,
        fee_amount=quote.fee_amount,
        fee_breakdown=[] if waive_fees else _fee_breakdown(quote),
        previous_status=contract.status,
        requested_by=actor,
        requested_by_api_key=api_key,
    )
    transition_contract(
        contract,
        ContractStatus.TERMINATING,
        actor=actor,
        api_key=api_key,
        note=f"effective {quote.effective_date.isoformat()}",
    )
    audit_record(
        action="termination.request",
        instance=termination,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"effective_date": quote.effective_date, "fee": quote.fee_amount, "reason": reason},
    )
    announce_termination_scheduled(termination, actor=actor, api_key=api_key)
    # PLATFORM 28 / 7.2.1: an increase still awaiting our acceptance never will be accepted now
    termination.refused_increases = increases_refuse_on_termination(
        contract=contract, termination=termination, actor=actor, api_key=api_key
    )
    # BIL-9: months a run invoiced in advance from the fee start (the termination recorded
    # after it, e.g. a letter received on 31 October typed in on 3 November) are credited
    signals.termination_recorded.send(sender=Termination, termination=termination, actor=actor)
    if reason != TerminationReason.INACTIVITY:
        # ACC-6: a closing for inactivity takes effect the same day and cannot be cancelled;
        # usage.services.inactivity tells the customer of it (and of a balance forfeited)
        notify_client(
            contract.client,
            "offers/email/termination_scheduled",
            {
                "contract": contract,
                "termination": termination,
                # ours (17.4, 17.2, 13.1): told why, and that only we can cancel it
                "by_provider": reason in PROVIDER_TERMINATION_REASONS,
                "reason": CLAUSE_REASON_TEXTS.get(reason),  # in words written to the customer
                "refused_increases": termination.refused_increases,  # told here, no other e-mail
            },
        )
    return termination


# CON-4: the letters PLATFORM counts from their sending (8.2, 17.1, 17.4.1 « par l'envoi d'une
# lettre recommandée »): the customer's own — ours are dated the day we notified them.
LETTER_SENT_REASONS = frozenset(
    {TerminationReason.CUSTOMER_REQUEST, TerminationReason.BREACH_BY_US}
)


def check_letter_sent_on(
    contract: Contract, sent_on: date, received_on: date | None, reason: str
) -> None:
    """CON-4: ``ValidationError`` on ``letter_sent_on`` unless the customer's letter to
    ``contract`` may count from the day it was sent (``sent_on``): PLATFORM terms, the
    customer's own letter, sent neither after it was received nor in the future."""
    if contract.term("notice_rule") != NoticeRule.PLATFORM:
        message = _(
            "Only the PLATFORM terms count a notice from the day its letter was sent (8.2, "
            "17.1): give the day it was received."
        )
    elif reason not in LETTER_SENT_REASONS:
        message = _("Only the customer's own letter is dated by its sending.")
    elif sent_on > (received_on or paris_today()):
        message = _("A letter is sent before it is received (and not in the future).")
    else:
        return
    raise ValidationError({"letter_sent_on": message})


def force_majeure_end_allowed_from(notified_on: date) -> date:
    """PLATFORM 16.4: the first day a contract may be ended for a force majeure notified on
    ``notified_on`` — « en cas de prolongation de l'événement de force majeure au-delà d'un délai
    d'un (1) mois calendaire après envoi de la notification »: the month ends on the same day of
    the next month (the last day of a shorter month), the force majeure lasts beyond it from
    the day after (notified on 15 May: from 16 June)."""
    return periods.add_months(notified_on, 1) + timedelta(days=1)


def check_force_majeure(reason: str, notified_on: date | None, notice_date: date) -> None:
    """PLATFORM 16.4: ``ValidationError`` on ``force_majeure_notified_on`` unless a termination
    given on ``notice_date`` for a force majeure notified on ``notified_on`` is allowed: the day
    given (and only for those reasons), not after the notice, and the notice at least on
    ``force_majeure_end_allowed_from``."""
    if reason not in FORCE_MAJEURE_REASONS:
        message = _("Only a termination for a force majeure (16.4) gives this day.")
    elif notified_on is None:
        message = _(
            "Give the day the force majeure was notified (16.3): the contract may be ended once "
            "it lasts beyond a month from that day."
        )
    elif notified_on > notice_date:
        message = _("A force majeure is notified before the termination it allows.")
    elif notice_date < force_majeure_end_allowed_from(notified_on):
        message = _(
            "The force majeure notified on %(notified)s has not lasted beyond a month yet: the "
            "contract may be ended for it from %(allowed)s (16.4)."
        ) % {
            "notified": notified_on.strftime("%d/%m/%Y"),
            "allowed": force_majeure_end_allowed_from(notified_on).strftime("%d/%m/%Y"),
        }
    else:
        return
    raise ValidationError({"force_majeure_notified_on": message})


@transaction.atomic
def termination_cancel(
    *,
    termination: Termination,
    actor=None,
    api_key=None,
    today: date | None = None,
    notify: bool = True,
) -> Termination:
    """CON-4: a scheduled termination can be cancelled until its effective date. One we
    decided (PLATFORM 17.4 for the customer's breach, 17.2, 13.1) is cancelled by our staff
    only, never by the customer or its partner. The customer's administrators are e-mailed
    (``notify``; not when a refusal of a price increase replaces it, CON-6: its own e-mail
    tells the new end) and its partner gets one ``termination.cancelled`` event."""
    termination = Termination.objects.select_for_update().get(pk=termination.pk)
    contract = lock_contract(termination.contract)
    today = today or paris_today()
    if termination.status != TerminationStatus.SCHEDULED:
        raise InvalidTransition(
            _("This termination is not scheduled any more."), code="invalid_transition"
        )
    if termination.reason in PROVIDER_TERMINATION_REASONS and not getattr(actor, "is_staff", False):
        raise InvalidTransition(
            _("We decided this termination: only our staff can cancel it."),
            code="provider_termination",
        )
    if today >= termination.effective_date:
        raise InvalidTransition(_("The termination has already taken effect."), code="too_late")
    termination.status = TerminationStatus.CANCELLED
    termination.cancelled_at = timezone.now()
    termination.cancelled_by = actor
    termination.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    transition_contract(
        contract,
        termination.previous_status,
        actor=actor,
        api_key=api_key,
        note="termination cancelled",
    )
    announce_termination_cancelled(termination, contract, actor=actor, api_key=api_key)
    if not notify:
        return termination
    # told as its termination was: whoever cancels it (the customer, its partner, our staff,
    # its traffic withdrawing an objection, CON-6)
    notify_client(
        contract.client,
        "offers/email/termination_cancelled",
        {"contract": contract, "termination": termination},
    )
    return termination


def termination_apply(*, termination_id: int, today: date) -> bool:
    """The effective date has come: the contract ends (daily job). Idempotent: the termination
    row is locked and re-read as scheduled, so one applied (by an earlier or a concurrent run)
    or cancelled meanwhile is left alone and False returned."""
    with transaction.atomic():
        termination = (
            Termination.objects.select_for_update()
            .filter(
                pk=termination_id, status=TerminationStatus.SCHEDULED, effective_date__lte=today
            )
            .first()
        )
        if termination is None:
            return False
        contract = lock_contract(termination.contract)
        now = timezone.now()
        termination.status = TerminationStatus.EFFECTIVE
        termination.applied_at = now
        termination.save(update_fields=["status", "applied_at", "updated_at"])
        contract.terminated_at = now
        contract.lines.filter(ended_on__isnull=True).update(ended_on=termination.effective_date)
        contract.suspensions.filter(lifted_at__isnull=True).update(lifted_at=now)
        transition_contract(
            contract,
            ContractStatus.TERMINATED,
            note="effective date reached",
            extra_fields=["terminated_at"],
        )
        return True


def terminations_due(today: date):
    """The scheduled terminations whose effective date is ``today`` or earlier (CON-4)."""
    return Termination.objects.filter(status=TerminationStatus.SCHEDULED, effective_date__lte=today)
