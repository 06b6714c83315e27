"""The charges a run creates (BIL-1, BIL-5, CON-2, CON-5): subscriptions due (M+1 in advance,
and every earlier month of service no earlier run billed), setup fees of the lines in service,
termination fees of terminations effective by the run, and the minimum-commitment top-ups.
Returned unsaved: the preview keeps them in memory, the run writes them.

Every charge is keyed by its source (BIL-1), and the keys already written are what tells the
run what is left to bill — never an assumption about what an earlier run did:

- a subscription month: ``contract_line`` + the line + the period start;
- a setup fee: ``contract_setup`` + the line (+ its service start);
- a termination fee: ``termination`` + the termination;
- a commitment top-up: ``commitment`` + the contract + the month;
- a quantity increase (CON-2): ``line_quantity_change`` + the change (its pro rata) and
  ``line_quantity_setup`` + the change (the added units' setup fee), dated the change's day.

CON-2: a month is billed at the line's quantity on its first day (``offers.services.
quantity_billed``): the units added during a month are billed by their own pro rata, and a
decrease pending for that day already counts.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import CharField, Exists, Min, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from accounts.models import Client
from billing import plan
from billing.amounts import commitment_gap, line_net
from billing.choices import COMMITMENT_KINDS, ChargeKind
from billing.models import InvoiceRun, PendingCharge
from offers.choices import (
    LIVE_STATUSES,
    FirstMonth,
    QuantityChangeKind,
    QuantityChangeStatus,
    TerminationStatus,
)
from offers.models import Contract, LineQuantityChange, Termination
from offers.periods import add_months, month_start, next_month_start
from offers.services import (
    price_steps_by_line,
    quantity_billed,
    quantity_changed_by_line,
    quantity_changes_by_line,
)

SUBSCRIPTION_SOURCE = "contract_line"
SETUP_SOURCE = "contract_setup"
TERMINATION_SOURCE = "termination"
COMMITMENT_SOURCE = "commitment"
QUANTITY_SOURCE = "line_quantity_change"
QUANTITY_SETUP_SOURCE = "line_quantity_setup"
LIVE_TERMINATIONS = [TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE]


def first_run_month(month: date) -> date:
    """The month of the portal's first run (the run of ``month`` itself when none ran
    before): what was in service before it was billed before the portal (see
    ``plan.months_due``)."""
    first = InvoiceRun.objects.aggregate(first=Min("month"))["first"]
    return min(first, month) if first else month


def new_charges_for_batch(clients: list[Client], month: date) -> list[PendingCharge]:
    """Subscriptions, setup fees, termination fees and commitment top-ups that the run of
    ``month`` creates for ``clients`` (unsaved)."""
    target = add_months(month, 1)
    client_ids = [c.pk for c in clients]
    by_id = {c.pk: c for c in clients}
    contracts = list(
        Contract.objects.filter(client_id__in=client_ids)
        .filter(
            Q(status__in=LIVE_STATUSES)
            | Q(terminations__status__in=LIVE_TERMINATIONS, terminations__effective_date__gt=month)
        )
        .distinct()
        .select_related("offer", "site")
        .prefetch_related("lines__product")
    )
    terminations = {
        row[0]: row[1:]
        for row in Termination.objects.filter(
            contract__in=contracts, status__in=LIVE_TERMINATIONS
        ).values_list("contract_id", "effective_date", "fee_start", "fee_amount")
    }
    endings = {contract_id: row[0] for contract_id, row in terminations.items()}
    first_run = first_run_month(month)
    new = _subscriptions(contracts, month, first_run, endings, by_id)
    new.extend(_setup_fees(contracts, target, first_run, by_id))
    new.extend(_termination_fees(client_ids, target, by_id))
    new.extend(_quantity_increases(client_ids, target, by_id))
    new.extend(_commitment_topups(contracts, month, first_run, new, terminations, by_id))
    return new


def _subscriptions(contracts, month, first_run, endings, by_id) -> list[PendingCharge]:
    """BIL-1: every month of service from a line's first billable day up to M+1 that has no
    charge yet (``plan.months_due``). The months an earlier run billed are read from their
    charges (line + period start), so a line the run of its month could not see (a service
    start back-dated before the activation) is caught up by the next run, and a month is
    never billed twice."""
    line_ids = [str(line.pk) for contract in contracts for line in contract.lines.all()]
    existing = set(
        PendingCharge.objects.filter(
            source_type=SUBSCRIPTION_SOURCE,
            source_id__in=line_ids,
            period_start__gte=min(first_run, month),
        ).values_list("source_id", "period_start")
    )
    prices = price_steps_by_line(contracts)  # CON-6: each line's own price changes
    # CON-2: each line's quantity changes, to bill a month at its quantity on its first day.
    quantities = quantity_changes_by_line([int(pk) for pk in line_ids], since=min(first_run, month))
    new: list[PendingCharge] = []
    for contract in contracts:
        client = by_id[contract.client_id]
        free = contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH
        for line in contract.lines.all():
            facts = plan.LineFacts(
                started_on=line.started_on,
                ended_on=line.ended_on,
                monthly_price=line.unit_monthly_price,
                order_date=contract.order_date,
                free_order_month=free,
                ends_on=endings.get(contract.pk),
                price_steps=tuple(prices.get(line.pk, ())),
            )
            for due in plan.months_due(facts, month, first_run):
                key = str(line.pk)
                if (key, due.period_start) in existing or (key, due.month) in existing:
                    continue
                quantity = quantity_billed(line.quantity, quantities.get(line.pk, ()), due.month)
                if quantity <= 0:
                    continue
                kind = ChargeKind.PRORATA if due.is_prorata else ChargeKind.SUBSCRIPTION
                new.append(
                    PendingCharge(
                        client=client,
                        contract=contract,
                        contract_line=line,
                        kind=kind,
                        source_type=SUBSCRIPTION_SOURCE,
                        source_id=key,
                        period_start=due.period_start,
                        period_end=due.period_end,
                        description=f"{contract.offer.name} — {line.product.name}",
                        quantity=Decimal(quantity),
                        unit_price=due.unit_price,
                    )
                )
    return new


def _setup_fees(contracts, target, first_run, by_id) -> list[PendingCharge]:
    """CON-2 / BIL-1: each line with a setup fee owes it once, quantity × unit setup price,
    dated its service start, from the run that first sees the line in service (a line started
    during M, or on M+1's first day, is billed by the run of M, with its first month).

    Posted by the run rather than on activation: the run sees every line in service however it
    started (activation, a back-dated start, an option added later), in the transaction that
    invoices it, with no dependency on the order of the activation's other receivers (TRUNK
    lines are rewritten on activation). Keyed by the line: a line with a setup charge already
    — this key, or a setup charge posted by hand for the line — is never charged again. Lines
    in service before the portal's first run had their setup billed before it.

    CON-2: the quantity set up is the line's quantity when it started (its quantity now less
    the units its changes added or removed): units added later pay their own setup with their
    change (``_quantity_increases``), units removed were set up all the same."""
    lines = [
        (contract, line)
        for contract in contracts
        for line in contract.lines.all()
        if line.unit_setup_price > 0
        and line.started_on is not None
        and first_run <= line.started_on < next_month_start(target)
    ]
    if not lines:
        return []
    line_ids = [line.pk for _contract, line in lines]
    charged = PendingCharge.objects.filter(
        Q(source_type=SETUP_SOURCE, source_id__in=[str(pk) for pk in line_ids])
        | (
            Q(kind=ChargeKind.SETUP, contract_line_id__in=line_ids)
            & ~Q(source_type=QUANTITY_SETUP_SOURCE)
        )
    ).values_list("source_type", "source_id", "contract_line_id")
    done = {
        int(source_id) if source_type == SETUP_SOURCE else line_id
        for source_type, source_id, line_id in charged
    }
    changed = quantity_changed_by_line(pk for pk in line_ids if pk not in done)
    return [
        PendingCharge(
            client=by_id[contract.client_id],
            contract=contract,
            contract_line=line,
            kind=ChargeKind.SETUP,
            source_type=SETUP_SOURCE,
            source_id=str(line.pk),
            period_start=line.started_on,
            description=_("Setup fee — %(offer)s — %(product)s")
            % {"offer": contract.offer.name, "product": line.product.name},
            quantity=Decimal(line.quantity - changed.get(line.pk, 0)),
            unit_price=line.unit_setup_price,
        )
        for contract, line in lines
        if line.pk not in done and line.quantity - changed.get(line.pk, 0) > 0
    ]


def _termination_fees(client_ids, target, by_id) -> list[PendingCharge]:
    """CON-5: the fee of every termination effective by M+1's first day, once, taxable."""
    fees = list(
        Termination.objects.filter(
            contract__client_id__in=client_ids,
            effective_date__lte=target,
            fee_amount__gt=0,
            status__in=LIVE_TERMINATIONS,
        ).select_related("contract__offer")
    )
    charged = set(
        PendingCharge.objects.filter(
            source_type=TERMINATION_SOURCE, source_id__in=[str(t.pk) for t in fees]
        ).values_list("source_id", flat=True)
    )
    return [
        PendingCharge(
            client=by_id[termination.contract.client_id],
            contract=termination.contract,
            kind=ChargeKind.TERMINATION_FEE,
            source_type=TERMINATION_SOURCE,
            source_id=str(termination.pk),
            period_start=termination.fee_start,
            description=_("Termination fee — %(offer)s")
            % {"offer": termination.contract.offer.name},
            quantity=Decimal(1),
            unit_price=termination.fee_amount,
        )
        for termination in fees
        if str(termination.pk) not in charged
    ]


def _quantity_increases(client_ids, target, by_id) -> list[PendingCharge]:
    """CON-2: every quantity increase made by M+1's first day owes, once, its pro rata (the
    added units for the rest of its month, TRK-3: one amount rounded once, stored on the change)
    and the setup fee of the added units — whatever the contract's status now (a month
    started is due). Keyed by the change: a change already charged is never charged again."""
    changes = list(
        LineQuantityChange.objects.filter(
            contract__client_id__in=client_ids,
            kind=QuantityChangeKind.INCREASE,
            status=QuantityChangeStatus.APPLIED,
            effective_on__lte=target,
        )
        .filter(Q(prorata_amount__gt=0) | Q(setup_amount__gt=0))
        .exclude(
            Exists(
                PendingCharge.objects.filter(
                    source_type__in=[QUANTITY_SOURCE, QUANTITY_SETUP_SOURCE],
                    source_id=Cast(OuterRef("pk"), CharField()),
                )
            )
        )
        .select_related("contract__offer", "line__product")
        .order_by("pk")
    )
    new = []
    for change in changes:
        contract, line = change.contract, change.line
        names = {"offer": contract.offer.name, "product": line.product.name, "n": change.units}
        if change.prorata_amount > 0:
            new.append(
                PendingCharge(
                    client=by_id[contract.client_id],
                    contract=contract,
                    contract_line=line,
                    kind=ChargeKind.PRORATA,
                    source_type=QUANTITY_SOURCE,
                    source_id=str(change.pk),
                    period_start=change.effective_on,
                    period_end=next_month_start(change.effective_on),
                    description=_(
                        "%(offer)s — %(product)s: +%(n)s from %(day)s, %(days)s/%(period)s days"
                    )
                    % {
                        **names,
                        "day": f"{change.effective_on:%d/%m/%Y}",
                        "days": change.prorata_days,
                        "period": change.period_days,
                    },
                    quantity=Decimal(1),
                    unit_price=change.prorata_amount,
                )
            )
        if change.setup_amount > 0:
            new.append(
                PendingCharge(
                    client=by_id[contract.client_id],
                    contract=contract,
                    contract_line=line,
                    kind=ChargeKind.SETUP,
                    source_type=QUANTITY_SETUP_SOURCE,
                    source_id=str(change.pk),
                    period_start=change.effective_on,
                    description=_("Setup fee — %(offer)s — %(product)s: +%(n)s") % names,
                    quantity=Decimal(change.units),
                    unit_price=line.unit_setup_price,
                )
            )
    return new


def _commitment_topups(
    contracts, month, first_run, new_charges, terminations, by_id
) -> list[PendingCharge]:
    """BIL-5 (PLATFORM 24.4.4): a month of service whose billed subscriptions + consumption
    — and every other sale invoiced for the contract's month (``COMMITMENT_KINDS``: the
    contract counts "le total facturé", so setup, equipment and porting count too) — (their
    line amounts, retail) total less than the contract's monthly commitment owes the difference
    up to the **full** commitment — never pro rata: a single day of service makes the month owe
    it. Credit notes, penalties, late charges and termination fees do not count.

    Timing: the run of M decides M's top-up (M's subscriptions were billed in advance by the
    run of M−1, or by this run for a first month; M's consumption is billed in arrears by this
    run), and the top-up of every earlier month whose subscriptions this run bills first (a
    back-dated service start). A month counted in a CON-5 termination fee owes none (never
    charged twice); a month topped up once is never topped up again. The portal's first month
    is not decided for a contract already in service before it: that month's subscriptions
    were billed before the portal, so its total is not known here."""
    committed = {
        c.pk: c
        for c in contracts
        if Decimal(c.term("minimum_monthly_commitment")) > 0 and c.service_start_date
    }
    if not committed:
        return []
    months = {pk: {month} for pk in committed}
    for charge in new_charges:
        if (
            charge.contract_id in committed
            and charge.source_type == SUBSCRIPTION_SOURCE
            and charge.period_start < month
        ):
            months[charge.contract_id].add(month_start(charge.period_start))
    due = []
    for pk, contract in committed.items():
        effective, fee_start, fee_amount = terminations.get(pk, (None, None, Decimal(0)))
        for m in sorted(months[pk]):
            if not plan.serves_in(m, contract.service_start_date, effective):
                continue
            if m == first_run and contract.service_start_date < first_run:
                continue
            if fee_amount > 0 and plan.counted_in_fee(m, fee_start):
                continue
            due.append((contract, m))
    if not due:
        return []
    lowest, end = min(m for _c, m in due), next_month_start(month)
    billed = defaultdict(Decimal)
    rows = PendingCharge.objects.filter(
        contract_id__in=committed,
        kind__in=COMMITMENT_KINDS,
        period_start__gte=lowest,
        period_start__lt=end,
    ).values_list("contract_id", "period_start", "quantity", "unit_price")
    for contract_id, period_start, quantity, unit_price in rows:
        billed[(contract_id, month_start(period_start))] += line_net(quantity, unit_price)
    for charge in new_charges:
        if charge.contract_id in committed and charge.kind in COMMITMENT_KINDS:
            key = (charge.contract_id, month_start(charge.period_start))
            billed[key] += line_net(charge.quantity, charge.unit_price)
    # A sale of an earlier month that this run does not decide (its top-up was decided by its
    # own run: a call record arriving late, a penalty posted after that run) is on this run's
    # invoice: it counts toward M's total, "le montant de la facture" (24.4.4) — never toward
    # no month at all.
    deciding = defaultdict(set)
    for contract, m in due:
        deciding[contract.pk].add(m)
    late = PendingCharge.objects.filter(
        contract_id__in=[pk for pk, months_decided in deciding.items() if month in months_decided],
        kind__in=COMMITMENT_KINDS,
        invoice_line__isnull=True,
        period_start__lt=month,
    ).values_list("contract_id", "period_start", "quantity", "unit_price")
    for contract_id, period_start, quantity, unit_price in late:
        if month_start(period_start) not in deciding[contract_id]:
            billed[(contract_id, month)] += line_net(quantity, unit_price)
    already = set(
        PendingCharge.objects.filter(
            source_type=COMMITMENT_SOURCE,
            source_id__in=[str(pk) for pk in committed],
            period_start__gte=lowest,
        ).values_list("source_id", "period_start")
    )
    topups = []
    for contract, m in due:
        if (str(contract.pk), m) in already:
            continue
        gap = commitment_gap(
            Decimal(contract.term("minimum_monthly_commitment")), billed[(contract.pk, m)]
        )
        if gap > 0:
            topups.append(
                PendingCharge(
                    client=by_id[contract.client_id],
                    contract=contract,
                    kind=ChargeKind.COMMITMENT_TOPUP,
                    source_type=COMMITMENT_SOURCE,
                    source_id=str(contract.pk),
                    period_start=m,
                    period_end=next_month_start(m),
                    description=_("Minimum monthly commitment top-up (%(month)s)")
                    % {"month": f"{m:%m/%Y}"},
                    quantity=Decimal(1),
                    unit_price=gap,
                )
            )
    return topups
