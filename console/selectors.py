"""Reads of the console: the queues a member of staff works (with their counts), a queue's rows
(assignee, time left), the customer search and the customer 360.

Staff see every customer: these reads are not scoped by tenant but by team (``console.access``);
a customer's member never reaches them."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from accounts.models import AuditLog, Client, User
from billing.models import Invoice
from console.models import Assignment
from kernel.queues import REGISTRY, QueueItem, WorkQueue, queues
from payments import selectors as payments
from support.models import AvailabilityReport, Ticket
from telephony.models import SipAccount, Trunk

SEARCH_LIMIT = 25


def queues_for(teams: set[str]) -> list[WorkQueue]:
    return [queue for queue in queues() if queue.team in teams]


@dataclass
class QueueCount:
    queue: WorkQueue
    count: int
    overdue: int


def queue_counts(teams: set[str], now: datetime | None = None) -> list[QueueCount]:
    """The navigation: each queue of the teams, its open items and how many are overdue (one
    query per queue)."""
    now = now or timezone.now()
    counts = []
    for queue in queues_for(teams):
        items = list(queue.fetch(partner_id=None))
        overdue = sum(1 for item in items if item.deadline and item.deadline < now)
        counts.append(QueueCount(queue=queue, count=len(items), overdue=overdue))
    return counts


@dataclass
class QueueRow:
    item: QueueItem
    assignee: User | None
    overdue: bool
    time_left: str


def time_left(deadline: datetime | None, now: datetime) -> tuple[bool, str]:
    if deadline is None:
        return False, ""
    if deadline < now:
        return True, _("%(time)s late") % {"time": timesince(deadline, now, depth=2)}
    return False, _("%(time)s left") % {"time": timeuntil(deadline, now, depth=2)}


ASSIGNED_TO_ME, UNASSIGNED = "me", "none"


def queue_rows(
    queue: WorkQueue, *, partner_id=None, assignee: str = "", user=None, now=None
) -> list[QueueRow]:
    """A queue's items, most urgent first (``QueueItem.sort_key``), each with its assignee;
    ``assignee`` filters: "" everyone, "me", "none" (nobody took it) or a user's pk."""
    now = now or timezone.now()
    items = queue.items(partner_id=partner_id)
    taken = {
        a.item_pk: a.assignee
        for a in Assignment.objects.filter(queue_key=queue.key).select_related("assignee")
    }
    rows = []
    for item in items:
        who = taken.get(str(item.pk))
        if assignee == ASSIGNED_TO_ME and (who is None or who.pk != user.pk):
            continue
        if assignee == UNASSIGNED and who is not None:
            continue
        if assignee.isdigit() and (who is None or who.pk != int(assignee)):
            continue
        overdue, left = time_left(item.deadline, now)
        rows.append(QueueRow(item=item, assignee=who, overdue=overdue, time_left=left))
    return rows


def in_queue(*, queue_key: str, item_pk) -> bool:
    """Whether the queue lists the item now (every partner's: staff see them all)."""
    queue = REGISTRY.get(queue_key)
    if queue is None:
        return False
    return any(str(item.pk) == str(item_pk) for item in queue.fetch(partner_id=None))


def assignee_of(queue_key: str, item_pk) -> User | None:
    row = (
        Assignment.objects.filter(queue_key=queue_key, item_pk=str(item_pk))
        .select_related("assignee")
        .first()
    )
    return row.assignee if row else None


def customer_search(query: str):
    """By name, SIREN/SIRET, a user's or an invoice recipient's e-mail, or an invoice number;
    by name, the console shows them ``SEARCH_LIMIT`` a page."""
    query = (query or "").strip()
    if len(query) < 2:
        return Client.objects.none()
    digits = query.replace(" ", "")
    condition = (
        Q(legal_name__icontains=query)
        | Q(memberships__user__email__icontains=query)
        | Q(invoice_recipients__icontains=query)
        | Q(invoices__number__iexact=query)
    )
    if digits.isdigit():
        condition |= Q(siren__startswith=digits[:9]) | Q(siret__startswith=digits)
    return (
        Client.objects.filter(condition)
        .select_related("partner")
        .distinct()
        .order_by("legal_name", "pk")
    )


RECENT = 10


def customer_360(client: Client, *, today) -> dict:
    """Everything staff look at about one customer, each list bounded (a fixed number of
    queries, whatever the customer's history)."""
    contracts = list(client.contracts.select_related("offer", "site").order_by("-id"))
    return {
        "sites": list(client.sites.all()),
        "members": list(client.memberships.select_related("user").order_by("user__email")),
        "contracts": contracts,
        "summary": payments.account_summary(client, today),
        "invoices": payments.with_left_to_pay(
            Invoice.objects.filter(client=client, number__isnull=False).order_by(
                "-issue_date", "-id"
            )[:RECENT]
        ),
        "payments": list(payments.client_payments(client)[:RECENT]),
        "mandate": payments.active_mandate(client),
        "prepaid_entries": list(payments.prepaid_entries(client)[:RECENT]),
        "disputes": list(payments.client_disputes(client).prefetch_related(None)[:RECENT]),
        "trunks": list(
            Trunk.objects.filter(contract__client=client).select_related("contract__offer")
        ),
        "sip_accounts": list(
            SipAccount.objects.filter(contract__client=client).select_related("contract")[:50]
        ),
        "tickets": list(Ticket.objects.filter(client=client)[:RECENT]),
        "availability": list(
            AvailabilityReport.objects.filter(contract__client=client)
            .select_related("contract")
            .order_by("-month", "contract_id")[:RECENT]
        ),
        "audit": list(AuditLog.objects.filter(client=client).select_related("actor")[: RECENT * 2]),
    }
