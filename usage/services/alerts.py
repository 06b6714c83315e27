"""Consumption alerts: a customer sets a monthly threshold in euros (€ HT, its billable
consumption of the Paris calendar month); at 50, 80 and 100 % it is alerted once per level and
month — by e-mail (its administrators and billing contacts), on its dashboard and as a webhook
event (``usage.threshold_reached``). With ``block_outgoing`` the 100 % alert also blocks its
outgoing calls from the moment it is reached until the month ends or the threshold is raised or
the block switched off (``lifted_at``). The platform that carries the calls learns it from the
webhook event and the API's monthly summary, and the end of the block from
``usage.block_lifted`` (``blocks_expire`` for the months ended); what it still carries meanwhile
(outbound and forwarded calls, not emergency numbers, USE-1) is rated as blocked and never
billed, as a blocked destination is (TRK-6, ``usage.services.rating``).

Choices: the levels are checked each time calls are rated (each rating pass); levels passed at
once (a large file, a lowered threshold) are all recorded but only the highest is sent; each
threshold amount has its own 50, 80 and 100 % in a month (raised after a block, it blocks
again at its own 100 %); trial, blocked and included calls (cost 0) count for nothing. The
block asked when the month is already past its threshold starts then (``blocked_at``), not
when the level was reached: the calls placed before stay billed.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import Client
from accounts.notifications import notify_client
from kernel.money import ZERO, round_money
from usage import selectors
from usage.events import announce_block_lifted, announce_threshold
from usage.models import ConsumptionAlert, ConsumptionThreshold
from usage.partitioning import month_bounds
from usage.services.billing import billable_calls

LEVELS = (50, 80, 100)


def month_consumption(client_id: int, month: date):
    total = (
        billable_calls()
        .filter(client_id=client_id, billing_month=month)
        .aggregate(s=Sum("cost"))["s"]
    )
    return round_money(total or ZERO)


@transaction.atomic
def threshold_set(*, client: Client, amount, block_outgoing: bool, actor=None):
    """Set (or clear, with ``amount`` None) the customer's monthly threshold (audited)."""
    current = ConsumptionThreshold.objects.filter(client=client).first()
    before = {"amount": current.amount, "block": current.block_outgoing} if current else None
    if amount is None:
        if current:
            current.delete()
        threshold = None
    else:
        if amount <= 0:
            raise ValidationError({"amount": _("The threshold must be positive.")})
        threshold, _created = ConsumptionThreshold.objects.update_or_create(
            client=client,
            defaults={"amount": amount, "block_outgoing": block_outgoing, "updated_by": actor},
        )
    # a block the new threshold no longer asks for is lifted now (the calls placed from now on
    # are billed again)
    for alert in ConsumptionAlert.objects.select_for_update().filter(
        client=client, level=100, blocked=True, lifted_at__isnull=True
    ):
        if threshold is None or not threshold.block_outgoing or threshold.amount > alert.threshold:
            alert.lifted_at = timezone.now()
            alert.save(update_fields=["lifted_at"])
            announce_block_lifted(alert, reason="threshold_changed")
    audit_record(
        action="usage.threshold_set",
        instance=threshold or client,
        actor=actor,
        client=client,
        before=before,
        after={"amount": amount, "block": block_outgoing} if amount is not None else None,
    )
    return threshold


@transaction.atomic(savepoint=False)  # inside a caller's transaction, its lock is the caller's
def alerts_check(*, client_id: int, month: date) -> list[ConsumptionAlert]:
    """Send the levels of ``month`` reached and not yet sent (idempotent). The threshold's row is
    held until the alerts are written: a threshold raised (or the block switched off) meanwhile
    waits for them, then lifts the block they record — read before the change and written after
    it, a block of the old amount would be left on."""
    threshold = (
        ConsumptionThreshold.objects.select_for_update(of=("self",))
        .filter(client_id=client_id)
        .select_related("client")
        .first()
    )
    if threshold is None:
        return []
    consumption = month_consumption(client_id, month)
    sent = set(
        ConsumptionAlert.objects.filter(
            client_id=client_id, month=month, threshold=threshold.amount
        ).values_list("level", flat=True)
    )
    reached = [
        level
        for level in LEVELS
        if level not in sent and consumption * 100 >= threshold.amount * level
    ]
    # The block lasts until the month ends: a month already over (its 100 % reached by a late
    # record) blocks nothing — nor is it announced as blocking.
    blocks = threshold.block_outgoing and month == selectors.current_month()
    if blocks and 100 in sent and consumption >= threshold.amount:
        _block_now(client_id, month, threshold)
    new = []
    for level in reached:
        try:
            with transaction.atomic():
                alert = ConsumptionAlert.objects.create(
                    client=threshold.client,
                    month=month,
                    level=level,
                    consumption=consumption,
                    threshold=threshold.amount,
                    blocked=level == 100 and blocks,
                    blocked_at=timezone.now() if level == 100 and blocks else None,
                )
                if level == reached[-1]:  # levels passed at once: one e-mail, one event
                    announce_threshold(alert)
                    notify_client(
                        threshold.client,
                        "usage/email/threshold",
                        {"alert": alert},
                        roles=(Role.ADMIN, Role.BILLING),
                    )
        except IntegrityError:  # sent meanwhile by another batch
            continue
        new.append(alert)
    return new


def _block_now(client_id: int, month: date, threshold: ConsumptionThreshold) -> None:
    """The block asked once the month is already past its threshold (its 100 % recorded
    unblocked): outgoing calls are blocked from now — not from when the level was reached (the
    calls placed meanwhile stay billed) — and the platform is told (webhook event). A block
    lifted in the month (switched off, then on again) is not started again: the threshold
    raised blocks at its own 100 %."""
    with transaction.atomic():
        alert = (
            ConsumptionAlert.objects.select_for_update()
            .filter(
                client_id=client_id,
                month=month,
                level=100,
                threshold=threshold.amount,
                blocked=False,
                lifted_at__isnull=True,
            )
            .first()
        )
        if alert is None:
            return
        alert.blocked = True
        alert.blocked_at = timezone.now()
        alert.save(update_fields=["blocked", "blocked_at"])
        announce_threshold(alert)


def blocks_expire() -> int:
    """The blocks of the months before the current one (Paris) end with their month: each is
    marked lifted at the instant its month ended and the platform told (``usage.block_lifted``,
    ``month_ended``) — it learnt of the block by the same webhook, and would otherwise keep the
    calls blocked. Daily (``usage.money_tasks.blocks_expire``), idempotent: a block already
    lifted is left alone, and one locked by another run is skipped."""
    ended = 0
    with transaction.atomic():
        for alert in (
            ConsumptionAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                level=100,
                blocked=True,
                lifted_at__isnull=True,
                month__lt=selectors.current_month(),
            )
            .select_related("client")
            .order_by("month", "pk")
        ):
            alert.lifted_at = month_bounds(alert.month)[1]
            alert.save(update_fields=["lifted_at"])
            announce_block_lifted(alert, reason="month_ended")
            ended += 1
    return ended


def outgoing_blocked(client_id: int, today: date | None = None) -> bool:
    """Whether the customer's outgoing calls are blocked by its threshold this month."""
    return selectors.outgoing_block(client_id=client_id, today=today) is not None
