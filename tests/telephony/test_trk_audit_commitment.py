"""Audit of TRK-3..TRK-5 on trunks committed longer than a month, at month ends and on
29 February / the 31st: cases no other test shows."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from telephony import selectors, services
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, seed_catalogue, top_up

pytestmark = pytest.mark.django_db


def _yearly_trunk(client, channels, start):
    """A TRUNK contract whose staff-made terms commit it 12 months from the signature."""
    seed_catalogue()
    contract = make_contract(client, "trunk", quantity=channels, signature=start, status="ordered")
    contract.terms_snapshot.update(anchor="signature", initial_months=12, renewal_months=12)
    contract.save(update_fields=["terms_snapshot"])
    trunk, _secret = services.trunk_create(contract=contract, today=start)
    offers.contract_activate(contract=contract, service_start_date=start)
    trunk.refresh_from_db()
    return trunk


def _month_lines(client, month, period_start):
    invoice = Invoice.objects.get(client=client, month=month)
    return [line for line in invoice.lines.all() if line.period_start == period_start]


# TRK-5 (TRUNK 7: « l'offre du Client est automatiquement optimisée au meilleur tarif selon le
# nombre de canaux dont il dispose le premier jour de la période de facturation suivante ») on a
# trunk committed 12 months from its signature (1 October 2026 → 1 October 2027). Its billing
# periods are calendar months (SPEC, Time). 8 channels (2 × 4 = 34.00) + 2 paid on 21 November:
# 2 × 1 added, 2 × 5.00 × 10/30 = 3.3333 → 3.33 HT. From 1 December the 10 channels are one
# 10-pack at 39.00 € HT, not 2 × 17.00 + 2 × 5.00 = 44.00 (it stayed 44.00 until the
# anniversary: 10 × 5.00 = 50.00 € HT too much). A decrease to 4 asked on 21 November during the
# commitment waits for the renewal date (TRK-4: « effective à la prochaine date de
# renouvellement »), 1 October 2027: December keeps its 10 channels. Run twice: same invoice.
def test_trk5_committed_trunk_reoptimised_on_the_first_of_each_month():
    client = customer()
    trunk = _yearly_trunk(client, 8, date(2026, 10, 1))
    top_up(client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=2, today=date(2026, 11, 21))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 21))
    assert str(order.prorata_price) == "3.3333"
    decrease = services.channel_decrease_request(trunk=trunk, new_total=4, today=date(2026, 11, 21))
    assert decrease.effective_on == date(2027, 10, 1)
    billing.run_month_sync(month=date(2026, 11, 1))
    billing.run_month_sync(month=date(2026, 11, 1))
    december = _month_lines(client, date(2026, 11, 1), date(2026, 12, 1))
    assert sum(line.net_amount for line in december) == Decimal("39.00")
    assert selectors.trunk_capacity(trunk, date(2026, 12, 1)) == 10
    assert {p.channels: n for p, n in selectors.packs_held(trunk, date(2026, 12, 1)).items()} == {
        10: 1
    }
    decrease.refresh_from_db()
    assert decrease.status == "pending"


# TRK-4 / TRK-5 / BIL-1 — staff-made terms anchored on the signature (15 October 2026, periods of
# 2 months): the renewal falls on 15 December, mid-month. 8 channels = 2 × 4-pack (34.00 € HT);
# a decrease to 4 asked on 20 November applies on 15 December (the renewal date). October's run:
# 15–31 October 2 × 17.00 × 17/31 = 2 × 9.3226 → 18.65, and November 34.00; November's run:
# December 34.00 in advance. From 15 December the trunk holds one 4-pack; its line started that
# day, so December's run billed 15–31 December again, 17.00 × 17/31 = 9.32 € HT, on top of the
# December already invoiced in advance. Now the lines follow from the next billing month
# (1 January): December's run bills January 17.00 and nothing more for December.
def test_trk4_mid_month_renewal_bills_no_second_december():
    client = customer()
    seed_catalogue()
    start = date(2026, 10, 15)
    contract = make_contract(client, "trunk", quantity=8, signature=start, status="ordered")
    contract.terms_snapshot.update(anchor="signature", initial_months=2, renewal_months=2)
    contract.save(update_fields=["terms_snapshot"])
    trunk, _secret = services.trunk_create(contract=contract, today=start)
    offers.contract_activate(contract=contract, service_start_date=start)
    decrease = services.channel_decrease_request(trunk=trunk, new_total=4, today=date(2026, 11, 20))
    assert decrease.effective_on == date(2026, 12, 15)
    for month in (date(2026, 10, 1), date(2026, 11, 1)):
        billing.run_month_sync(month=month)
    assert offers.contract_renew(contract_id=contract.pk, today=date(2026, 12, 15)) == 1
    assert selectors.trunk_capacity(trunk, date(2026, 12, 14)) == 8
    assert selectors.trunk_capacity(trunk, date(2026, 12, 15)) == 4
    billing.run_month_sync(month=date(2026, 12, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 12, 1))
    assert [(line.period_start, line.net_amount) for line in invoice.lines.all()] == [
        (date(2027, 1, 1), Decimal("17.00"))
    ]


# TRK-3 / TRK-5 — staff-made terms renewed monthly from a signature on 31 January 2027: the
# periods are [31/01, 28/02), [28/02, 31/03) (clamped to February's last day, then back to the
# 31st from the anchor). 8 channels = 2 × 4-pack (34.00 € HT). +2 channels paid on 10 February:
# 2 × 1-pack, 2 × 5.00 × 19/28 = 6.7857 → 6.79 HT for 10–28 February. The renewal of 28 February
# re-optimises the 10 channels to one 10-pack that day; January's run billed February in full
# (34.00), so February's run bills March at 39.00 € HT and the order's 6.79 — no line for
# 28 February, nor 2 × 17.00 + 2 × 5.00 = 44.00 for March.
def test_trk5_renewal_on_28_february_of_a_trunk_signed_on_the_31st():
    client = customer()
    seed_catalogue()
    start = date(2027, 1, 31)
    contract = make_contract(client, "trunk", quantity=8, signature=start, status="ordered")
    contract.terms_snapshot.update(anchor="signature", initial_months=1, renewal_months=1)
    contract.save(update_fields=["terms_snapshot"])
    trunk, _secret = services.trunk_create(contract=contract, today=start)
    offers.contract_activate(contract=contract, service_start_date=start)
    contract.refresh_from_db()
    assert contract.current_period_end == date(2027, 2, 28)
    billing.run_month_sync(month=date(2027, 1, 1))
    top_up(client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=2, today=date(2027, 2, 10))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2027, 2, 10))
    assert str(order.prorata_price) == "6.7857"
    assert offers.contract_renew(contract_id=contract.pk, today=date(2027, 2, 28)) == 1
    contract.refresh_from_db()
    assert contract.current_period_end == date(2027, 3, 31)
    assert {p.channels: n for p, n in selectors.packs_held(trunk, date(2027, 2, 28)).items()} == {
        10: 1
    }
    billing.run_month_sync(month=date(2027, 2, 1))
    invoice = Invoice.objects.get(client=client, month=date(2027, 2, 1))
    assert sorted((line.period_start, line.net_amount) for line in invoice.lines.all()) == [
        (date(2027, 2, 10), Decimal("6.79")),
        (date(2027, 3, 1), Decimal("39.00")),
    ]


# TRK-3 / TRK-4 / TRK-5 — a monthly trunk of 12 channels (10 + 2 × 1 = 49.00 € HT) asks on
# 5 November 2026 for 8 (4 removed, pending until 1 December), then on 20 November for 4 more:
# one 4-pack, 17.00 × 11/30 = 6.2333 → 6.23 HT, 16 channels held until the renewal. The quote
# announces from December the best tariff for 16 − 4 = 12 channels, 10 + 2 × 1 = 49.00 — what
# the renewal holds and November's run bills (not 34.00 for the 8 asked on 5 November).
def test_trk4_decrease_then_increase_in_one_month_renews_as_quoted():
    from tests.telephony.factories import make_trunk

    client = customer()
    trunk = make_trunk(client, channels=12, renew_to=date(2026, 11, 1))
    services.channel_decrease_request(trunk=trunk, new_total=8, today=date(2026, 11, 5))
    quote = services.channel_quote(trunk=trunk, add=4, today=date(2026, 11, 20))
    assert (quote.next_channels, quote.next_monthly_price) == (12, Decimal("49.00"))
    top_up(client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 20))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 20))
    assert str(order.prorata_price) == "6.2333"
    assert selectors.trunk_capacity(trunk, date(2026, 11, 30)) == 16
    billing.run_month_sync(month=date(2026, 11, 1))
    assert selectors.trunk_capacity(trunk, date(2026, 12, 1)) == 12
    december = _month_lines(client, date(2026, 11, 1), date(2026, 12, 1))
    assert sum(line.net_amount for line in december) == Decimal("49.00")
