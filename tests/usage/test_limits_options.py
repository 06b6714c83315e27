"""OPT platform options as catalogue products, and USE-5 platform limits computed from the
records (CAPS lots raise the attempts per second, capacity reservations the simultaneous
calls)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offers import services as offers
from offers.models import Offer, Product
from offers.services.contracts import LineRequest
from tests.telephony.factories import customer
from tests.usage.money_helpers import OCT, at, call
from usage.models import LimitBreach
from usage.money_choices import LimitKind
from usage.services import limits

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)


def platform(client, options=()):
    offer = Offer.objects.get(code="platform")
    contract = offers.contract_create(
        client=client,
        offer=offer,
        site=client.sites.first(),
        signature_date=SEP,
        order_date=SEP,
        options=list(options),
    )
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=SEP)
    contract.refresh_from_db()
    return contract


# OPT (PLATFORM 28) — the options with their NRC / MRC (€ HT) as in the rule book's table.
def test_opt_catalogue_products():
    expected = {
        "opt-direct-interconnection": ("1000.0000", "250.0000", False),
        "opt-bgp-peering": ("1000.0000", "250.0000", False),
        "opt-caps": ("0.0000", "150.0000", False),
        "opt-short-number": ("0.0000", "0.0000", True),
        "opt-sla-guarantee": ("0.0000", "0.0000", True),
        "opt-capacity-reservation": ("0.0000", "30.0000", False),
        "opt-number-range-hosting": ("1500.0000", "400.0000", False),
    }
    products = {p.code: p for p in Product.objects.filter(code__in=expected)}
    assert {
        code: (str(p.setup_price), str(p.monthly_price), p.price_on_quote)
        for code, p in products.items()
    } == expected
    platform_options = set(
        Offer.objects.get(code="platform").options.values_list("code", flat=True)
    )
    assert set(expected) <= platform_options


# OPT — an "on quote" option needs a staff-entered price (a short number at 45 €/month).
def test_opt_on_quote_option_priced_by_staff():
    client = customer()
    short = Product.objects.get(code="opt-short-number")
    with pytest.raises(ValidationError):
        platform(client, [LineRequest(product=short)])
    contract = platform(client, [LineRequest(product=short, unit_monthly_price=Decimal("45"))])
    line = contract.lines.get(product=short)
    assert line.unit_monthly_price == Decimal("45.0000")


# USE-5 — without options: 10 simultaneous calls, 1 attempt per second. Two CAPS lots raise the
# attempts to 1 + 2 × 10 = 21 per second; one capacity reservation raises the simultaneous
# calls to 10 + 30 = 40.
def test_use5_caps_lots_raise_the_limit():
    client = customer()
    assert limits.limits_for(client.pk) == {"simultaneous": 10, "caps": 1}
    caps = Product.objects.get(code="opt-caps")
    reservation = Product.objects.get(code="opt-capacity-reservation")
    platform(client, [LineRequest(product=caps, quantity=2), LineRequest(product=reservation)])
    assert limits.limits_for(client.pk, date(2026, 10, 5)) == {"simultaneous": 40, "caps": 21}


# USE-5 — computed from the records: 12 calls answered at 10:00:00..10:00:11 (one per second,
# 10 minutes each) → 12 simultaneous at 10:00:11 > 10: a breach of the 10h hour, peak 12;
# 3 attempts in the second 11:00:00 > 1 CAPS: a breach of the 11h hour, peak 3. Recomputing
# rewrites the same rows. With two CAPS lots (21/s) the 3 attempts are fine.
def test_use5_breaches_from_the_records():
    client = customer()
    contract = platform(client)
    for i in range(12):
        call(client, contract=contract, started_at=at(5, 10, 0, i), duration=600)
    for _ in range(3):
        call(client, contract=contract, started_at=at(5, 11), answered=False)

    limits.limits_compute(client_id=client.pk, month=OCT)
    limits.limits_compute(client_id=client.pk, month=OCT)

    breaches = {(b.kind, b.hour.hour): (b.peak, b.limit) for b in LimitBreach.objects.all()}
    assert breaches == {
        (LimitKind.SIMULTANEOUS, 10): (12, 10),
        (LimitKind.CAPS, 11): (3, 1),
        # the 12 calls of 10:00:00..10:00:11 are one per second: no CAPS breach at 10h
    }
    caps = Product.objects.get(code="opt-caps")
    LimitBreach.objects.all().delete()
    other = customer()
    contract = platform(other, [LineRequest(product=caps, quantity=2)])
    for _ in range(3):
        call(other, contract=contract, started_at=at(5, 11), answered=False)
    assert limits.limits_compute(client_id=other.pk, month=OCT) == []


# USE-5 — a call ending exactly when another starts does not overlap it.
def test_use5_sweep_boundaries():
    t0 = at(5, 10)
    intervals = [(t0, t0 + timedelta(seconds=60)), (t0 + timedelta(seconds=60), t0 + timedelta(1))]
    assert [n for _s, n in limits.peak_simultaneous(intervals)] == [1, 1]


# USE-5 — a month is measured against the options of its days, whenever it is computed: a CAPS
# lot from 15 October (1 + 10 = 11 attempts/s). 5 attempts in one second on 10 October > 1: a
# breach (limit 1); 5 in one second on 20 October ≤ 11: none — computed today, in December.
def test_use5_limits_of_the_calls_day():
    client = customer()
    caps = Product.objects.get(code="opt-caps")
    contract = platform(client, [LineRequest(product=caps, quantity=1)])
    contract.lines.filter(product=caps).update(started_on=date(2026, 10, 15))
    for day in (10, 20):
        for _ in range(5):
            call(client, contract=contract, started_at=at(day, 11), answered=False)
    breaches = limits.limits_compute(client_id=client.pk, month=OCT)
    assert [(b.kind, b.hour.day, b.peak, b.limit) for b in breaches] == [(LimitKind.CAPS, 10, 5, 1)]
