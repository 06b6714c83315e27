"""What follows a rating pass on the money side (USE-8 prepaid debits, consumption alerts, USE-5
platform limits, ACC-6 last traffic): run by the ``usage.money_tasks.after_rating`` task, or
inline by ``usage.receivers`` when the broker is down."""

from django.utils import timezone

from accounts.choices import PaymentMethod
from accounts.models import Client
from usage.models import ConsumptionThreshold
from usage.services import alerts, inactivity, limits, prepaid, quality


def after_rating(*, batch_id=None, keys=()) -> None:
    """Prepaid debits (USE-8), consumption alerts, platform limits (USE-5), traffic quality
    (USE-6) and last traffic (ACC-6) of the (client_id, month) keys a rating pass rated.
    Idempotent."""
    keys = sorted(set(keys))
    clients = Client.objects.in_bulk({c for c, _m in keys})
    source = f"batch:{batch_id}" if batch_id else f"rerate:{timezone.now():%Y%m%d%H%M%S%f}"
    with_threshold = set(
        ConsumptionThreshold.objects.filter(client_id__in=clients).values_list(
            "client_id", flat=True
        )
    )
    for client_id, month in keys:
        client = clients.get(client_id)
        if client is None:
            continue
        if client.payment_method == PaymentMethod.PREPAID:
            prepaid.prepaid_debit_month(client=client, month=month, source=source)
        if client_id in with_threshold:
            alerts.alerts_check(client_id=client_id, month=month)
    for client_id, month in limits.platform_client_months(keys):
        limits.limits_compute(client_id=client_id, month=month)
        # USE-6: the hours shown to staff and the customer as the month goes (the month's run
        # computes them again before posting the penalties)
        quality.quality_compute(month=month, client_ids=[client_id])
    inactivity.last_traffic_record(keys=keys)
