"""Staff work queues (issue 17): each app registers the queues of items that wait for a staff
decision in its own ``queues`` module (imported at start-up by ``KernelConfig.ready``); the staff
console (``console`` app) lists them, counts them in its navigation and sorts them by urgency.

    from kernel.queues import QueueItem, Team, register

    def _overdue_tickets(*, partner_id=None):
        qs = Ticket.objects.filter(...)        # unscoped: staff see every customer
        if partner_id is not None:
            qs = qs.filter(client__partner_id=partner_id)
        return [QueueItem.of(client=t.client, pk=t.pk, title=t.reference,
                             deadline=t.sla_deadline, created_at=t.created_at,
                             url=reverse("console:ticket", args=[t.pk]))
                for t in qs.select_related("client")]

    register("support.tickets", label=_("Tickets"), team=Team.SUPPORT, fetch=_overdue_tickets)

``fetch`` returns the queue's open items (a few hundred at most: these are tasks, not archives);
the console sorts them (deadline first, then age), filters by assignee (its own assignment rows
keyed by ``(queue key, pk)``) and paginates.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.clock import PARIS


def end_of_paris_day(day: date | None) -> datetime | None:
    """A deadline given as a day (an order's expiry, a desired porting date) ends at midnight,
    Paris time, after that day: the console compares it with ``now`` like any other deadline."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=PARIS)


def start_of_paris_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS)


class Team(models.TextChoices):
    SUPPORT = "support", _("Support")
    BILLING = "billing", _("Billing")


# The Django group of each team (created by console's migration ``0002_staff_groups``): the back
# office's user page gives a member of staff a team like any other group.
TEAM_GROUPS = {
    Team.SUPPORT: "Équipe support",
    Team.BILLING: "Équipe facturation",
}


@dataclass(frozen=True)
class QueueItem:
    pk: int | str
    title: str
    client_id: int | None
    client_name: str
    created_at: datetime
    url: str
    deadline: datetime | None = None
    partner_id: int | None = None
    detail: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, *, client, **fields) -> "QueueItem":
        """An item about one customer: its id, name and partner taken from ``client`` (a
        ``select_related`` one, so a queue stays one query)."""
        return cls(
            client_id=client.pk,
            client_name=client.legal_name,
            partner_id=client.partner_id,
            **fields,
        )

    @property
    def sort_key(self):
        """Overdue and nearest deadlines first, then items without a deadline, oldest first; two
        of the same moment in the order they were made (their ids), not the database's."""
        return (self.deadline is None, self.deadline or self.created_at, self.created_at, self.pk)


@dataclass(frozen=True)
class WorkQueue:
    key: str
    label: str
    team: str
    fetch: Callable[..., Iterable[QueueItem]]
    order: int = 100

    def items(self, *, partner_id: int | None = None) -> list[QueueItem]:
        return sorted(self.fetch(partner_id=partner_id), key=lambda item: item.sort_key)


REGISTRY: dict[str, WorkQueue] = {}


def register(key: str, *, label, team: str, fetch, order: int = 100) -> WorkQueue:
    """Add (or replace: idempotent) a work queue. ``key`` is ``"<app>.<queue>"``."""
    if "." not in key:
        raise ValueError(f"A queue key is '<app>.<queue>', not {key!r}")
    queue = WorkQueue(key=key, label=label, team=team, fetch=fetch, order=order)
    REGISTRY[key] = queue
    return queue


def queues(*, team: str | None = None) -> list[WorkQueue]:
    found = [q for q in REGISTRY.values() if team is None or q.team == team]
    return sorted(found, key=lambda q: (q.order, q.key))
