"""TRK-4 / TRK-5 at each period start of a TRUNK contract (the renewal, ``offers``' signal
``period_started``): pending decreases apply, then the packs are re-optimised to the best
tariff and the contract's lines follow. Also the renewal of the trunks the monthly run is about
to bill (BIL-1)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.notifications import notify_client
from offers import services as offers
from offers.choices import LIVE_STATUSES, Preset, TerminationStatus
from offers.models import Contract, ContractLine
from offers.periods import month_start, next_month_start
from telephony import selectors
from telephony.choices import DecreaseStatus, LedgerCause
from telephony.models import ChannelDecrease, Pack, PackTable, Trunk
from telephony.packs import best_packs
from telephony.services.capacity import channels_at_renewal, lock_trunk, write_ledger
from telephony.services.notices import MONEY_ROLES
from telephony.services.pack_lines import PackLine, describe, held_lines, monthly


def _sync_lines(contract: Contract, table: PackTable, target: dict[Pack, int], day: date) -> None:
    """Make the contract's pack lines live on ``day`` match ``target`` (pack → count): a line
    whose quantity changes ends on ``day`` and a new one starts on ``day`` (``day`` is a billing
    month's first day, so ``billing.plan`` bills whole months either side). A main-product line
    that is not a pack (an offer whose main product is priced per channel) ends too: the packs
    replace it."""
    products = {pack.product_id: pack for pack in table.packs.all()}
    live = list(
        contract.lines.select_for_update(of=("self",))
        .filter(ended_on__isnull=True)
        .select_related("product")
    )
    by_pack: dict[int, list[ContractLine]] = {}
    for line in live:
        if line.product_id in products:
            by_pack.setdefault(line.product_id, []).append(line)
        elif line.product_id == contract.offer.main_product_id:
            line.ended_on = day
            line.save(update_fields=["ended_on", "updated_at"])
    wanted = {pack.product_id: (pack, count) for pack, count in target.items() if count}
    for product_id in set(by_pack) | set(wanted):
        lines = by_pack.get(product_id, [])
        pack, count = wanted.get(product_id, (products[product_id], 0))
        if len(lines) == 1 and lines[0].quantity == count:
            continue
        for line in lines:
            line.ended_on = day
            line.save(update_fields=["ended_on", "updated_at"])
        if count:
            ContractLine.objects.create(
                contract=contract,
                product=pack.product,
                quantity=count,
                unit_setup_price=Decimal("0"),
                unit_monthly_price=pack.monthly_price,
                started_on=day,
            )


@dataclass
class PeriodStartResult:
    """What the period start did to a trunk (TRK-4, TRK-5)."""

    trunk: Trunk
    channels_before: int
    channels_after: int
    packs_before: list[PackLine]
    packs_after: list[PackLine]
    monthly_before: Decimal
    monthly_after: Decimal
    decreases_applied: list[ChannelDecrease]

    @property
    def changed(self) -> bool:
        return describe(self.packs_before) != describe(self.packs_after)

    @property
    def monthly_saving(self) -> Decimal:
        return self.monthly_before - self.monthly_after


def trunk_period_start(*, contract: Contract, period_start: date) -> PeriodStartResult | None:
    """TRK-4 then TRK-5, on the first day of a period (``offers.signals.period_started``, inside
    the renewal's transaction with the contract locked): pending decreases due by then apply,
    then the packs are replaced by the best tariff (TRK-2) for that day's channel count; the
    contract lines follow; the customer is told what changed and what it saves a month.

    Idempotent: a second call for the same day finds the packs already optimal and the
    decreases applied, and writes nothing. A TRUNK contract whose trunk has not been set up
    (``trunk_create``) keeps its lines: it has no packs to re-optimise yet.
    """
    with transaction.atomic():
        trunk = Trunk.objects.filter(contract=contract).first()
        if trunk is None:
            return None
        trunk = lock_trunk(trunk)
        table = selectors.pack_table_for(trunk)
        held = selectors.packs_held(trunk, period_start)
        before = sum(pack.channels * count for pack, count in held.items())
        decreases = list(
            trunk.decreases.select_for_update().filter(
                status=DecreaseStatus.PENDING, effective_on__lte=period_start
            )
        )
        channels = channels_at_renewal(before, decreases)
        selection = best_packs(channels, table.options(), cap=max(table.max_channels, channels))
        by_size = {p.channels: p for p in table.packs.all() if p.is_active}
        target = {by_size[size]: count for size, count in selection.items()}
        diff = {pack: target.get(pack, 0) - held.get(pack, 0) for pack in set(held) | set(target)}
        now = timezone.now()
        for decrease in decreases:
            decrease.status = DecreaseStatus.APPLIED
            decrease.applied_at = now
            decrease.save(update_fields=["status", "applied_at", "updated_at"])
        write_ledger(
            trunk,
            diff,
            day=period_start,
            cause=LedgerCause.DECREASE if decreases else LedgerCause.REOPTIMISATION,
            decrease=decreases[0] if decreases else None,
        )
        # The lines change on a billing month's first day (calendar months, SPEC Time): a
        # renewal mid-month (staff-made terms anchored on the signature) changes the packs
        # that day, and their billing from the next month — the month in progress was invoiced
        # in advance, in full (BIL-1): a line started on 15 December billed 15–31 December a
        # second time.
        lines_from = (
            period_start
            if period_start == month_start(period_start)
            else next_month_start(period_start)
        )
        _sync_lines(trunk.contract, table, target, lines_from)
        result = PeriodStartResult(
            trunk=trunk,
            channels_before=before,
            channels_after=selection.channels,
            packs_before=held_lines(held),
            packs_after=held_lines(target),
            monthly_before=monthly(held_lines(held)),
            monthly_after=monthly(held_lines(target)),
            decreases_applied=decreases,
        )
        if result.changed:
            audit_record(
                action="trunk.reoptimise",
                instance=trunk,
                client=trunk.contract.client,
                before={"packs": describe(result.packs_before), "monthly": result.monthly_before},
                after={
                    "packs": describe(result.packs_after),
                    "monthly": result.monthly_after,
                    "decreases": [d.pk for d in decreases],
                    "period_start": period_start,
                },
            )
            notify_client(
                trunk.contract.client,
                "telephony/email/packs_reoptimised",
                {"result": result, "trunk": trunk, "period_start": period_start},
                roles=MONEY_ROLES,
            )
        return result


def trunks_renew_for_run(*, target: date) -> int:
    """BIL-1: before the run prices month ``target`` in advance, renew the trunks whose period
    ends by then, so that their decreases and re-optimisation of ``target``'s first day are in
    the lines the run reads. ``contract_renew`` is idempotent: the nightly job finds them done.

    TRK-5 (TRUNK 7: « optimisée au meilleur tarif selon le nombre de canaux dont il dispose le
    premier jour de la période de facturation suivante »): a billing period is a calendar month
    (SPEC, Time), also on a trunk whose staff-made terms commit it longer (12 months from the
    signature). Such a trunk is re-optimised on ``target`` too although its period goes on:
    only re-optimised at its anniversary, 8 channels + 2 on 21 November stayed 2 × 4 + 2 × 1 =
    44.00 € a month until October instead of one 10-pack at 39.00 €. Its pending decreases still
    wait for the renewal date (TRK-4: « effective à la prochaine date de renouvellement »)."""
    ids = Contract.objects.filter(
        status__in=LIVE_STATUSES,
        current_period_end__lte=target,
        terms_snapshot__preset=Preset.TRUNK,
        trunk__isnull=False,
    ).values_list("pk", flat=True)
    renewed = sum(offers.contract_renew(contract_id=pk, today=target) for pk in list(ids))
    if target == month_start(target):
        trunks_reoptimise_mid_period(month=target)
    return renewed


def trunks_reoptimise_mid_period(*, month: date) -> int:
    """TRK-5 on ``month``'s first day for the trunks whose commitment period goes on past it
    (``trunks_renew_for_run``). Idempotent (``trunk_period_start``): the contract row is locked
    first (the renewal's lock order), and a second pass finds the packs optimal. A contract
    ending that day (CON-4) is left alone: nothing is billed from then. Returns the trunks
    whose packs changed."""
    ids = (
        Contract.objects.filter(
            status__in=LIVE_STATUSES,
            current_period_start__lt=month,
            current_period_end__gt=month,
            terms_snapshot__preset=Preset.TRUNK,
            trunk__isnull=False,
        )
        .exclude(
            terminations__status=TerminationStatus.SCHEDULED,
            terminations__effective_date__lte=month,
        )
        .values_list("pk", flat=True)
    )
    changed = 0
    for pk in list(ids):
        with transaction.atomic():
            contract = Contract.objects.select_for_update().get(pk=pk)
            if contract.status not in LIVE_STATUSES:
                continue
            result = trunk_period_start(contract=contract, period_start=month)
            changed += bool(result is not None and result.changed)
    return changed
