"""Call records for the money tests (usurf), written as the rating engine leaves them: rated,
with their cost, so that each test states its amounts by hand. ``rate`` runs the real engine
when a test needs it."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

from usage.models import CallRecord

_ids = count(1)
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)


def at(day: int, hour: int = 10, minute: int = 0, second: int = 0, month: date = OCT):
    """A UTC instant of ``month`` (Paris month = the same month for hours 1..21 UTC)."""
    return datetime(month.year, month.month, day, hour, minute, second, tzinfo=UTC)


def call(
    client,
    *,
    started_at=None,
    cost="0",
    list_cost=None,
    contract=None,
    sip_account=None,
    trunk=None,
    answered=True,
    duration=60,
    call_type="outbound",
    called="+33140000000",
    country="FR",
    line_type="fixed",
    price_class="standard",
    month=None,
    **extra,
) -> CallRecord:
    started_at = started_at or at(5)
    if month is None:
        local = started_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
        month = date(local.year, local.month, 1)
    cost = Decimal(cost)
    return CallRecord.objects.create(
        call_id=f"test-{next(_ids)}",
        started_at=started_at,
        account_ref=getattr(sip_account, "username", "") or getattr(trunk, "username", "") or "x",
        answered=answered,
        duration=duration if answered else 0,
        called=called,
        call_type=call_type,
        client=client,
        contract=contract or getattr(sip_account, "contract", None),
        sip_account=sip_account,
        trunk=trunk,
        billing_month=month,
        country=country,
        line_type=line_type,
        price_class=price_class,
        billed_seconds=duration if answered else 0,
        list_cost=Decimal(list_cost) if list_cost is not None else cost,
        cost=cost,
        rated=True,
        **extra,
    )


def calls(client, n: int, *, start=None, step=timedelta(seconds=1), **kwargs) -> list:
    start = start or at(5)
    return [call(client, started_at=start + i * step, **kwargs) for i in range(n)]


def breached_month(client):
    """A HOSTED-W user whose October is in breach: 10 calls to French fixed numbers, each
    billed 1.5000 € because of the breach (10 × 1.5000 = 15.0000 €)."""
    from django.utils import timezone

    from tests.telephony.factories import make_sip_account
    from usage.models import FairUseBreach

    account, _secret = make_sip_account(client, offer_code="hosted-w")
    for i in range(10):
        call(
            client,
            sip_account=account,
            started_at=at(5 + i, 10),
            called=f"+3314000000{i}",
            cost="1.5000",
            list_cost="1.5000",
            breach=True,
        )
    breach = FairUseBreach.objects.create(
        client=client,
        sip_account=account,
        month=OCT,
        plan="hosted_w",
        reasons=[{"code": "distinct_numbers", "value": 151, "limit": 150}],
        detected_at=timezone.now(),
    )
    return account, breach
