"""Reads of support that depend on who asks: every one starts from the customer (or, for the
back office, from the contract). Another customer's ticket, attachment or report does not exist
for this customer: Http404."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Window
from django.http import Http404
from django.utils import timezone

from accounts.models import Client
from offers.models import Contract
from offers.periods import add_months, month_start
from support.choices import OPEN_STATUSES, OutageScope, TicketKind, TicketStatus
from support.models import Attachment, AvailabilityReport, Outage, Ticket, TicketMessage
from support.services.goodwill import liability_cap as _liability_cap
from support.services.unavailability import ENDED_AT


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""  # a TicketStatus value, or "open" for every open status
    kind: str = ""
    contract_id: int | None = None


def ticket_list(*, client: Client, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The customer's tickets, newest report first, with their contract (one query)."""
    queryset = Ticket.objects.filter(client=client).select_related("contract__offer")
    filters = filters or TicketFilters()
    if filters.status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif filters.status in TicketStatus.values:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.contract_id:
        queryset = queryset.filter(contract_id=filters.contract_id)
    return queryset.order_by("-reported_at", "-pk")


def public_messages() -> QuerySet[TicketMessage]:
    """Messages a customer or partner may read: never staff internal notes."""
    return (
        TicketMessage.objects.filter(internal=False)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def ticket_get(*, client: Client, pk: int) -> Ticket:
    """One ticket of the customer with its public messages (``public_messages`` attribute)
    and their attachments prefetched."""
    try:
        return (
            ticket_list(client=client)
            .prefetch_related(
                Prefetch("messages", queryset=public_messages(), to_attr="public_messages")
            )
            .get(pk=pk)
        )
    except Ticket.DoesNotExist as error:
        raise Http404("No such ticket.") from error


def attachment_get(*, client: Client, pk: int) -> Attachment:
    """A file of one of the customer's tickets, on a public message; the view streams
    ``attachment.file`` with ``original_name`` and ``content_type``."""
    try:
        return Attachment.objects.select_related("message__ticket").get(
            pk=pk, message__ticket__client=client, message__internal=False
        )
    except Attachment.DoesNotExist as error:
        raise Http404("No such file.") from error


def outages_affecting(
    contracts: QuerySet[Contract], outages: QuerySet[Outage] | None = None
) -> QuerySet[Outage]:
    """Outages (of ``outages``, all by default) that affect any of ``contracts`` (listed, or
    every contract of its offer)."""
    listed = Outage.contracts.through.objects.filter(
        outage_id=OuterRef("pk"), contract__in=contracts
    )
    by_offer = contracts.filter(offer_id=OuterRef("offer_id"))
    return (
        (Outage.objects.all() if outages is None else outages)
        .filter(Exists(listed) | (Q(scope=OutageScope.OFFER) & Exists(by_offer)))
        .order_by("-started_at", "-pk")
    )


def outage_list(*, client: Client) -> QuerySet[Outage]:
    """SLA-5: the outages affecting the customer's contracts (the customer sees the title,
    description, times and excuse — never the internal note)."""
    return outages_affecting(Contract.objects.filter(client=client))


def availability_report_list(
    *, client: Client, contract: Contract | None = None
) -> QuerySet[AvailabilityReport]:
    """SLA-10: the customer's monthly reports, newest month first."""
    queryset = AvailabilityReport.objects.filter(contract__client=client).select_related(
        "contract__offer", "credit_note"
    )
    if contract is not None:
        queryset = queryset.filter(contract=contract)
    return queryset.order_by("-month", "contract_id")


def availability_report_get(*, client: Client, pk: int) -> AvailabilityReport:
    try:
        return availability_report_list(client=client).get(pk=pk)
    except AvailabilityReport.DoesNotExist as error:
        raise Http404("No such report.") from error


@dataclass(frozen=True)
class MonthPoint:
    """One month of the availability chart: ``report`` is None for a month not computed."""

    month: date
    report: AvailabilityReport | None

    @property
    def availability(self) -> Decimal | None:
        return self.report.availability if self.report else None


def availability_history(
    *, client: Client, contract_pk: int, months: int = 12, until: date | None = None
) -> list[MonthPoint]:
    """The last ``months`` months of one of the customer's contracts, oldest first (the
    portal's chart), ending with ``until``'s month (default: last month). Http404 for another
    customer's contract."""
    if not Contract.objects.filter(pk=contract_pk, client=client).exists():
        raise Http404("No such contract.")
    last = month_start(until) if until else add_months(month_start(timezone.localdate()), -1)
    first = add_months(last, -(months - 1))
    reports = {
        r.month: r
        for r in AvailabilityReport.objects.filter(
            contract_id=contract_pk, month__gte=first, month__lte=last
        )
    }
    return [MonthPoint(m, reports.get(m)) for m in (add_months(first, i) for i in range(months))]


def liability_cap(*, contract: Contract, day: date) -> Decimal:
    """SLA-12 (PLATFORM 15.3): compensation beyond SLA credits for an event on ``day`` is
    capped at the subscriptions **paid** for the service in the 3 months before it — the
    subscription lines of the contract on the paid invoices dated in that window, less what
    corrections credited on them (``services.goodwill.liability_cap``)."""
    return _liability_cap(contract, day)


@dataclass(frozen=True)
class OpenTickets:
    """The dashboard's card: how many tickets are open (every status before resolved: new,
    acknowledged, in progress, waiting for the customer — SLA-1), how many wait for the
    customer, and the most recent ones."""

    count: int
    waiting_customer: int
    recent: list[Ticket]


def open_tickets(*, client: Client, recent: int = 3) -> OpenTickets:
    """One query: the newest open tickets, each carrying the counts of all of them (window
    aggregates are computed before the LIMIT)."""
    rows = list(
        ticket_list(client=client, filters=TicketFilters(status="open")).annotate(
            open_count=Window(Count("pk")),
            waiting_count=Window(Count("pk", filter=Q(status=TicketStatus.WAITING_CUSTOMER))),
        )[:recent]
    )
    if not rows:
        return OpenTickets(0, 0, [])
    return OpenTickets(rows[0].open_count, rows[0].waiting_count, rows)


def failure_notifications_counted(*, client: Client, since, contract: Contract | None = None):
    """SLA-6 (HOSTED-A): the customer's failure notifications whose time counts as
    unavailability — on a HOSTED-A contract (``contract`` only, when given), not caused by the
    customer (SLA-11) — still open or restored after ``since``, newest first
    (``support.services.unavailability`` reads the same ones). One query."""
    queryset = Ticket.objects.filter(
        client=client,
        contract__terms_snapshot__sla_policy="hosted_a",
        kind=TicketKind.FAILURE,
        customer_caused=False,
    )
    if contract is not None:
        queryset = queryset.filter(contract=contract)
    # One resolved or closed without a recorded restoration ends then (``ended_at``).
    return (
        queryset.annotate(ended_at=ENDED_AT)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
        .order_by("-reported_at", "-pk")
    )
