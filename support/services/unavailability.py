"""The unavailability of contracts in a month (SLA-5, SLA-6, SLA-11): the intervals the
availability is computed from."""

from datetime import date, datetime

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from offers.choices import TerminationStatus
from offers.models import Contract, Termination
from support import availability as av
from support.choices import OutageScope, TicketKind
from support.models import Outage, Ticket

# SLA-6 (HOSTED-A): when a failure notification stops counting — its recorded restoration,
# else its resolution (cleared when it is reopened), else its closing; null while it is open.
ENDED_AT = Coalesce("restored_at", "resolved_at", "closed_at")


def _paris_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=av.PARIS)


def _service_window(
    contract: Contract, month: date, ended_on: date | None = None
) -> tuple[datetime, datetime]:
    """The part of the month (Paris) during which the contract was in service: from its
    service start to its termination's effective date (``ended_on``, the first day without
    service)."""
    low, high = av.month_bounds(month)
    if contract.service_start_date is not None:
        low = max(low, _paris_midnight(contract.service_start_date))
    if ended_on is not None:
        high = min(high, _paris_midnight(ended_on))
    return low, high


def unavailability_intervals(contracts, month: date) -> dict[int, list[av.Interval]]:
    """SLA-6 for several contracts in a fixed number of queries (the monthly job asks for one,
    the portal for all of a customer's): the non-excusable outages affecting the contract
    (SLA-5); for HOSTED-A also the customer's failure notifications (HOSTED-A 4: an incident we
    detected or one the customer reported, "désignés indistinctement"), from the report to the
    restoration recorded by staff, a ticket whose incident the customer caused (SLA-11) not
    counting, one resolved or closed without a restoration ending then; for every policy, the
    part covered by an excusable outage of the contract not counting. Clipped to the month and
    the service (from its start to its termination); an ongoing one runs to now."""
    contracts = list(contracts)
    ids = [c.pk for c in contracts]
    low, high = av.month_bounds(month)
    now = timezone.now()
    outages = list(
        Outage.objects.filter(
            Q(contracts__in=ids)
            | Q(scope=OutageScope.OFFER, offer_id__in={c.offer_id for c in contracts}),
            started_at__lt=high,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=low))
        .distinct()
    )
    listed = set(
        Outage.contracts.through.objects.filter(
            outage_id__in=[o.pk for o in outages], contract_id__in=ids
        ).values_list("outage_id", "contract_id")
    )
    failures = list(
        Ticket.objects.filter(
            contract_id__in=ids,
            kind=TicketKind.FAILURE,
            customer_caused=False,
            reported_at__lt=high,
        )
        # A notification without a recorded restoration ends when staff resolved it (the
        # customer may never confirm), else at its closing (withdrawn, a duplicate): only an
        # open one runs on.
        .annotate(ended_at=ENDED_AT)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=low))
        .values_list("contract_id", "reported_at", "ended_at")
    )
    ended_on = dict(
        Termination.objects.filter(
            contract_id__in=ids, status=TerminationStatus.EFFECTIVE
        ).values_list("contract_id", "effective_date")
    )
    result = {}
    for contract in contracts:
        start, end = _service_window(contract, month, ended_on.get(contract.pk))
        affecting = [
            o
            for o in outages
            if (o.scope == OutageScope.OFFER and o.offer_id == contract.offer_id)
            or (o.pk, contract.pk) in listed
        ]
        spans = [(o.started_at, o.ended_at or now) for o in affecting if not o.excusable]
        if contract.term("sla_policy") == "hosted_a":
            # HOSTED-A 4: a « Notification de Défaillance » is "(i) [un] incident détecté par
            # ALLSET SAS ou (ii) le cas échéant signalé par le Client": the non-excusable outages
            # recorded for the contract and the customer's notifications, merged (never twice).
            spans += [(r, e or now) for c, r, e in failures if c == contract.pk]
        # HOSTED-A 4 and HOSTED-W 7 alike: no credit "pour la période au cours de laquelle le
        # Service fait l'objet d'une Défaillance en raison d'un cas de force majeure ou de
        # [un] Evénement Excusable": the part of an outage or a notification covered by an
        # excusable outage of the contract does not count (the service was down for it anyway).
        spans = av.subtract(
            spans, [(o.started_at, o.ended_at or now) for o in affecting if o.excusable]
        )
        clipped = [(max(s, start), min(e, end)) for s, e in spans]
        result[contract.pk] = [(s, e) for s, e in clipped if e > s]
    return result


def outage_intervals(contract: Contract, month: date) -> list[av.Interval]:
    """SLA-5 / SLA-6 (HOSTED-W): the intervals of one contract (see above)."""
    return unavailability_intervals([contract], month)[contract.pk]


ticket_intervals = outage_intervals  # HOSTED-A: the same reader picks failure notifications
