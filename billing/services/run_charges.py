"""The charges a run creates (BIL-1, BIL-5, CON-5): subscriptions due (M+1 in advance, M's first
months pro rata), termination fees of terminations effective by the run, and the minimum
commitment top-ups of M. Returned unsaved: the preview keeps them in memory, the run writes them.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from accounts.models import Client
from billing import plan
from billing.choices import COMMITMENT_KINDS, ChargeKind
from billing.models import PendingCharge
from kernel.money import round_money
from offers.choices import LIVE_STATUSES, FirstMonth, TerminationStatus
from offers.models import Contract, Termination
from offers.periods import add_months, next_month_start
from offers.services import price_changes_by_line


def new_charges_for_batch(clients: list[Client], month: date) -> list[PendingCharge]:
    """Subscriptions, termination fees and commitment top-ups that the run creates (unsaved)."""
    target = add_months(month, 1)
    client_ids = [c.pk for c in clients]
    by_id = {c.pk: c for c in clients}
    contracts = list(
        Contract.objects.filter(client_id__in=client_ids)
        .filter(
            Q(status__in=LIVE_STATUSES)
            | Q(
                terminations__status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
                terminations__effective_date__gt=month,
            )
        )
        .distinct()
        .select_related("offer", "site")
        .prefetch_related("lines__product")
    )
    endings = dict(
        Termination.objects.filter(
            contract__in=contracts,
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
        ).values_list("contract_id", "effective_date")
    )
    existing = set(
        PendingCharge.objects.filter(
            client_id__in=client_ids, period_start__gte=month, source_type="contract_line"
        ).values_list("source_id", "period_start")
    )
    prices = price_changes_by_line(contracts)
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
                price_changes=tuple(prices.get(line.pk, ())),
            )
            for due in plan.months_due(facts, month):
                if (str(line.pk), due.period_start) in existing or (
                    str(line.pk),
                    due.month,
                ) in existing:
                    continue
                kind = ChargeKind.PRORATA if due.is_prorata else ChargeKind.SUBSCRIPTION
                new.append(
                    PendingCharge(
                        client=client,
                        contract=contract,
                        contract_line=line,
                        kind=kind,
                        source_type="contract_line",
                        source_id=str(line.pk),
                        period_start=due.period_start,
                        period_end=due.period_end,
                        description=f"{contract.offer.name} — {line.product.name}",
                        quantity=Decimal(line.quantity),
                        unit_price=due.unit_price,
                    )
                )
    # Termination fees of terminations effective by the run (CON-5), taxable.
    fees = list(
        Termination.objects.filter(
            contract__client_id__in=client_ids,
            effective_date__lte=target,
            fee_amount__gt=0,
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
        ).select_related("contract__offer")
    )
    charged = set(
        PendingCharge.objects.filter(
            source_type="termination", source_id__in=[str(t.pk) for t in fees]
        ).values_list("source_id", flat=True)
    )
    for termination in fees:
        if str(termination.pk) in charged:
            continue
        contract = termination.contract
        new.append(
            PendingCharge(
                client=by_id[contract.client_id],
                contract=contract,
                kind=ChargeKind.TERMINATION_FEE,
                source_type="termination",
                source_id=str(termination.pk),
                period_start=termination.fee_start,
                description=_("Termination fee — %(offer)s") % {"offer": contract.offer.name},
                quantity=Decimal(1),
                unit_price=termination.fee_amount,
            )
        )
    new.extend(_commitment_topups(contracts, month, new, endings, by_id))
    return new


def _commitment_topups(contracts, month, new_charges, endings, by_id) -> list[PendingCharge]:
    """BIL-5: subscriptions + consumption of M below the minimum commitment → a top-up line."""
    committed = [
        c
        for c in contracts
        if Decimal(c.term("minimum_monthly_commitment")) > 0
        and c.service_start_date
        and c.service_start_date < next_month_start(month)
    ]
    if not committed:
        return []
    end = next_month_start(month)
    billed = defaultdict(Decimal)
    rows = (
        PendingCharge.objects.filter(
            contract__in=committed,
            kind__in=COMMITMENT_KINDS,
            period_start__gte=month,
            period_start__lt=end,
        )
        .values("contract_id")
        .annotate(total=Sum(F("quantity") * F("unit_price")))
    )
    for row in rows:
        billed[row["contract_id"]] += row["total"]
    committed_ids = {c.pk for c in committed}
    for charge in new_charges:
        if (
            charge.contract_id in committed_ids
            and charge.kind in COMMITMENT_KINDS
            and month <= charge.period_start < end
        ):
            billed[charge.contract_id] += charge.quantity * charge.unit_price
    already = set(
        PendingCharge.objects.filter(
            source_type="commitment",
            period_start=month,
            source_id__in=[str(c.pk) for c in committed],
        ).values_list("source_id", flat=True)
    )
    topups = []
    for contract in committed:
        if str(contract.pk) in already:
            continue
        minimum = plan.commitment_share(
            Decimal(contract.term("minimum_monthly_commitment")),
            month,
            contract.service_start_date,
            endings.get(contract.pk),
        )
        gap = round_money(minimum - billed[contract.pk])
        if gap > 0:
            topups.append(
                PendingCharge(
                    client=by_id[contract.client_id],
                    contract=contract,
                    kind=ChargeKind.COMMITMENT_TOPUP,
                    source_type="commitment",
                    source_id=str(contract.pk),
                    period_start=month,
                    period_end=end,
                    description=_("Minimum monthly commitment top-up (%(month)s)")
                    % {"month": f"{month:%m/%Y}"},
                    quantity=Decimal(1),
                    unit_price=gap,
                )
            )
    return topups
