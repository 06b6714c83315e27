"""Reads of trunks, channel orders, SIP accounts and destinations that depend on who asks: every
one starts from the customer (``client``) and raises Http404 for another customer's object.

Also the ledger reads the services use (packs held and capacity on a day, TRK-1).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import Client
from offers.choices import LIVE_STATUSES, Preset, ProductKind, TerminationStatus
from offers.models import Contract, ContractLine
from telephony.choices import DecreaseStatus, OrderStatus
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    DestinationSetting,
    Pack,
    PackLedgerEntry,
    PackTable,
    SipAccount,
    SipDevice,
    Trunk,
)

# --- Ledger (TRK-1) -------------------------------------------------------------------------


def packs_held(trunk: Trunk, day: date) -> dict[Pack, int]:
    """The packs ``trunk`` holds on ``day``: the ledger's sums per pack (zero counts left out)."""
    sums = (
        PackLedgerEntry.objects.filter(trunk=trunk, effective_on__lte=day)
        .values("pack")
        .annotate(total=Sum("count"))
    )
    counts = {row["pack"]: row["total"] for row in sums if row["total"]}
    packs = Pack.objects.in_bulk(list(counts))
    return {packs[pk]: count for pk, count in counts.items()}


def trunk_capacity(trunk: Trunk, day: date) -> int:
    """TRK-1: the trunk's channels on ``day`` = the sum of its packs' channels."""
    return sum(pack.channels * count for pack, count in packs_held(trunk, day).items())


def capacities(trunks, day: date) -> dict[int, int]:
    """Capacity on ``day`` of many trunks in one query (list pages, the API)."""
    rows = (
        PackLedgerEntry.objects.filter(trunk__in=trunks, effective_on__lte=day)
        .values("trunk", "pack__channels")
        .annotate(total=Sum("count"))
    )
    result: dict[int, int] = defaultdict(int)
    for row in rows:
        result[row["trunk"]] += row["pack__channels"] * row["total"]
    return result


def packs_held_many(trunks, day: date) -> dict[int, list[dict]]:
    """The packs held on ``day`` by many trunks, in one query (lists): per trunk id, rows of
    ``channels``, ``count`` and ``monthly_price`` (the table's price), largest packs first."""
    rows = (
        PackLedgerEntry.objects.filter(trunk__in=trunks, effective_on__lte=day)
        .values("trunk", "pack__channels", "pack__monthly_price")
        .annotate(total=Sum("count"))
        .order_by("trunk", "-pack__channels")
    )
    result: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        if row["total"]:
            result[row["trunk"]].append(
                {
                    "channels": row["pack__channels"],
                    "count": row["total"],
                    "monthly_price": row["pack__monthly_price"],
                }
            )
    return result


def trunk_next_renewal(contract: Contract) -> date | None:
    """CON-3 / TRK-4: the day a trunk's contract renews (its pending decrease applies then),
    None when it is not in service or a termination takes effect by then — the contract's
    ``next_renewal`` of the partner API, told alike by the portal's trunk page and the back
    office (the page said « Prochain renouvellement » for a trunk ending that day)."""
    end = contract.current_period_end
    if end is None or contract.status not in LIVE_STATUSES:
        return None
    if contract.terminations.filter(
        status=TerminationStatus.SCHEDULED, effective_date__lte=end
    ).exists():
        return None
    return end


def pack_table_for(trunk_or_offer) -> PackTable:
    """The pack table of a trunk's offer (or of an offer), with its packs."""
    offer = trunk_or_offer.contract.offer if isinstance(trunk_or_offer, Trunk) else trunk_or_offer
    table = PackTable.objects.prefetch_related("packs__product").filter(offer=offer).first()
    if table is None:
        raise ValidationError(_("This offer has no channel pack table."), code="no_pack_table")
    return table


# --- Trunks and orders, from the customer ----------------------------------------------------


def trunk_list(*, client: Client) -> QuerySet[Trunk]:
    """The customer's trunks with their contract and its offer, newest first. Capacity is read
    with ``capacities(trunks, day)`` (one query for the page)."""
    return (
        Trunk.objects.filter(contract__client=client)
        .select_related("contract__offer", "contract__site")
        .prefetch_related(
            Prefetch(
                "decreases",
                queryset=ChannelDecrease.objects.filter(status=DecreaseStatus.PENDING),
                to_attr="pending_decreases",
            )
        )
        .order_by("-created_at", "-pk")
    )


def trunk_get(*, client: Client, pk: int) -> Trunk:
    """One of the customer's trunks as ``trunk_list`` gives it; another customer's is Http404."""
    try:
        return trunk_list(client=client).get(pk=pk)
    except Trunk.DoesNotExist as error:
        raise Http404("No such trunk.") from error


def pending_decrease(trunk: Trunk, *, capacity: int | None = None) -> ChannelDecrease | None:
    """TRK-4: the decrease waiting for the next renewal date, if any.

    Given the trunk's ``capacity`` today, the decrease's ``channels_then`` is what the renewal
    will leave (TRK-5): today's channels less the channels the decrease removes, so that an
    increase paid since it was asked (which stays on top of it) is counted — not
    ``channels_after``, the count when it was asked."""
    if hasattr(trunk, "pending_decreases"):  # prefetched by ``trunk_list``
        decrease = next(iter(trunk.pending_decreases), None)
    else:
        decrease = trunk.decreases.filter(status=DecreaseStatus.PENDING).first()
    if decrease is not None and capacity is not None:
        decrease.channels_then = max(capacity - decrease.channels_to_remove, 1)
    return decrease


def channel_decrease_get(*, client: Client, pk: int) -> ChannelDecrease:
    """One of the customer's decreases; another customer's is Http404."""
    decrease = (
        ChannelDecrease.objects.filter(trunk__contract__client=client, pk=pk)
        .select_related("trunk__contract")
        .first()
    )
    if decrease is None:
        raise Http404("No such decrease.")
    return decrease


def channel_order_list(*, client: Client, trunk: Trunk | None = None) -> QuerySet[ChannelOrder]:
    """The customer's channel orders (of one trunk when given), newest first."""
    queryset = ChannelOrder.objects.filter(trunk__contract__client=client).select_related(
        "trunk__contract"
    )
    if trunk is not None:
        queryset = queryset.filter(trunk=trunk)
    return queryset.order_by("-created_at", "-pk")


def channel_order_get(*, client: Client, pk: int) -> ChannelOrder:
    try:
        return channel_order_list(client=client).get(pk=pk)
    except ChannelOrder.DoesNotExist as error:
        raise Http404("No such order.") from error


def channel_orders_open(*, client: Client) -> QuerySet[ChannelOrder]:
    """Orders waiting for payment (shown on the trunk page with a "pay" button)."""
    return channel_order_list(client=client).filter(
        status__in=[OrderStatus.QUOTED, OrderStatus.AWAITING_PAYMENT]
    )


# --- SIP accounts ------------------------------------------------------------------------------


def sip_account_list(*, client: Client) -> QuerySet[SipAccount]:
    """The customer's SIP accounts with their contract and devices."""
    return (
        SipAccount.objects.filter(contract__client=client)
        .select_related("contract__offer")
        .prefetch_related(Prefetch("devices", queryset=SipDevice.objects.order_by("device_id")))
        .order_by("contract__reference", "username")
    )


def sip_account_get(*, client: Client, pk: int) -> SipAccount:
    try:
        return sip_account_list(client=client).get(pk=pk)
    except SipAccount.DoesNotExist as error:
        raise Http404("No such SIP account.") from error


# --- TRK-6 destinations ----------------------------------------------------------------------


def _owner_filter(owner) -> dict:
    return {"trunk": owner} if isinstance(owner, Trunk) else {"sip_account": owner}


def destination_settings(owner: Trunk | SipAccount) -> list[tuple[DestinationGroup, bool]]:
    """TRK-6: every destination group with whether ``owner`` (a trunk or a SIP account) blocks
    it. A group created after the owner has no row yet: its default applies."""
    rows = dict(
        DestinationSetting.objects.filter(**_owner_filter(owner)).values_list("group", "blocked")
    )
    return [
        (group, rows.get(group.pk, group.blocked_by_default))
        for group in DestinationGroup.objects.all()
    ]


def blocked_groups(owner: Trunk | SipAccount) -> list[DestinationGroup]:
    """TRK-6: the destination groups ``owner`` may not call (what rating will refuse)."""
    return [group for group, blocked in destination_settings(owner) if blocked]


# --- SIP accounts ordered and created (issue 17 item 8) -------------------------------------


@dataclass(frozen=True)
class SipAccountCount:
    """CON-1: a SIP-UNL contract is sold per SIP account: the accounts its main line bills
    today (``ordered``) and the accounts created on it (``created``)."""

    contract: Contract
    ordered: int
    created: int

    @property
    def missing(self) -> int:
        return max(self.ordered - self.created, 0)

    @property
    def extra(self) -> int:
        return max(self.created - self.ordered, 0)


def sip_account_counts(*, client: Client, today: date) -> list[SipAccountCount]:
    """The customer's live SIP-UNL contracts with the accounts ordered (the main lines billing
    today) and created, in one query whatever their number."""
    ordered = (
        ContractLine.objects.filter(contract=OuterRef("pk"), product__kind=ProductKind.MAIN)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=today))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .values("contract")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    created = (
        SipAccount.objects.filter(contract=OuterRef("pk"))
        .values("contract")
        .annotate(total=Count("pk"))
        .values("total")
    )
    contracts = (
        Contract.objects.filter(
            client=client,
            status__in=LIVE_STATUSES,
            terms_snapshot__preset=Preset.SIP_UNL,
        )
        .select_related("offer")
        .annotate(
            ordered=Coalesce(Subquery(ordered), 0, output_field=IntegerField()),
            created=Coalesce(Subquery(created), 0, output_field=IntegerField()),
        )
        .order_by("reference")
    )
    return [SipAccountCount(c, c.ordered, c.created) for c in contracts]


def sip_account_count(*, client: Client, contract_pk: int, today: date) -> SipAccountCount:
    """One of the customer's live SIP-UNL contracts; Http404 otherwise."""
    for count in sip_account_counts(client=client, today=today):
        if count.contract.pk == contract_pk:
            return count
    raise Http404("No such SIP contract.")
