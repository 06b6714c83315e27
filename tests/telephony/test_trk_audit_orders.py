"""Independent audit of TRK-3/4/5: pro-rata at month ends, each way of paying, dunning, two
increases in one period, an increase over a pending decrease, the renewal run twice."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services as billing
from billing.models import Invoice, PendingCharge
from offers import services as offers
from payments import services as payments
from payments.choices import DunningStage
from payments.models import CollectionCase
from telephony import selectors, services
from telephony.models import Trunk
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db


def held(trunk, day):
    return {pack.channels: count for pack, count in selectors.packs_held(trunk, day).items()}


# TRK-3 — pro-rata = monthly price of the added packs × days from the activation day inclusive
# to the end of the month / days in the month. 1 channel (5.00):
#  2027-02-28: 5 × 1/28 = 0.1786; 2027-02-01: 28/28 = 5.0000; 2028-02-29: 5 × 1/29 = 0.1724;
#  2028-02-01: 29/29 = 5.0000; 2026-11-30: 5 × 1/30 = 0.1667; 2026-12-31: 5 × 1/31 = 0.1613;
#  2026-12-01: 31/31 = 5.0000; 2026-12-16: 5 × 16/31 = 2.5806. 4 channels (17.00) 2027-02-15:
#  17 × 14/28 = 8.5000.
@pytest.mark.parametrize(
    ("month", "day", "add", "days", "period", "price"),
    [
        (date(2027, 2, 1), date(2027, 2, 28), 1, 1, 28, "0.1786"),
        (date(2027, 2, 1), date(2027, 2, 1), 1, 28, 28, "5.0000"),
        (date(2028, 2, 1), date(2028, 2, 29), 1, 1, 29, "0.1724"),
        (date(2028, 2, 1), date(2028, 2, 1), 1, 29, 29, "5.0000"),
        (date(2026, 11, 1), date(2026, 11, 30), 1, 1, 30, "0.1667"),
        (date(2026, 12, 1), date(2026, 12, 31), 1, 1, 31, "0.1613"),
        (date(2026, 12, 1), date(2026, 12, 1), 1, 31, 31, "5.0000"),
        (date(2026, 12, 1), date(2026, 12, 16), 1, 16, 31, "2.5806"),
        (date(2027, 2, 1), date(2027, 2, 15), 4, 14, 28, "8.5000"),
    ],
)
def test_trk3_prorata_at_month_ends(month, day, add, days, period, price):
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=month)
    top_up(trunk.contract.client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=add, today=day)
    assert selectors.trunk_capacity(trunk, day) == 8
    order = services.channel_order_pay(order=order, method="prepaid", today=day)
    assert (order.prorata_days, order.period_days) == (days, period)
    assert order.prorata_price == Decimal(price)
    assert selectors.trunk_capacity(trunk, day) == 8 + add
    charge = PendingCharge.objects.get(source_type="channel_order", source_id=str(order.pk))
    assert charge.is_paid and charge.unit_price == Decimal(price)


# TRK-3 — paid on the first day before the nightly renewal ran: the period starting that day
# comes first (renewed), then the order: a 1-channel pack for 31/31 days of December = 5.00.
def test_trk3_paid_on_the_first_before_the_renewal_job():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    top_up(trunk.contract.client, "50.00")
    order = services.channel_order_create(trunk=trunk, add=1, today=date(2026, 11, 30))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 12, 1))
    assert (order.prorata_days, order.period_days) == (31, 31)
    assert order.prorata_price == Decimal("5.0000")
    trunk.contract.refresh_from_db()
    assert trunk.contract.current_period_start == date(2026, 12, 1)
    # renewal run again: nothing more
    assert offers.contract_renew(contract_id=trunk.contract_id, today=date(2026, 12, 1)) == 0
    assert held(trunk, date(2026, 12, 1)) == {4: 2, 1: 1}


# TRK-3 — SEPA mandate but in dunning (a reminder sent on an unpaid invoice): direct debit is
# not "paid"; nothing is activated.
def test_trk3_direct_debit_refused_in_dunning():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    client = trunk.contract.client
    payments.mandate_create(
        client=client,
        account_holder="Acme",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        signed_on=date(2026, 10, 1),
    )
    billing.run_month_sync(month=date(2026, 10, 1))
    invoice = Invoice.objects.filter(client=client).first()
    assert invoice is not None
    CollectionCase.objects.update_or_create(
        invoice=invoice, defaults={"client": client, "stage": DunningStage.REMINDED}
    )
    order = services.channel_order_create(trunk=trunk, add=1, today=date(2026, 11, 21))
    with pytest.raises(ValidationError):
        services.channel_order_pay(order=order, method="direct_debit", today=date(2026, 11, 21))
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 8
    CollectionCase.objects.filter(invoice=invoice).update(
        stage=DunningStage.SETTLED, settled_on=date(2026, 11, 21)
    )
    order = services.channel_order_pay(order=order, method="direct_debit", today=date(2026, 11, 21))
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 9
    charge = PendingCharge.objects.get(source_type="channel_order", source_id=str(order.pk))
    assert charge.is_paid is False


# TRK-3 — staff record a transfer: channel_order_record_payment with the TTC amount: 4 ch on
# 2026-11-21 = 17 × 10/30 = 5.6667 -> 5.67 HT, 6.80 TTC; more received (8.00): 1.20 on account.
def test_trk3_staff_payment_and_invoice_shows_paid():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    client = trunk.contract.client
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    order = services.channel_order_record_payment(
        order=order,
        method="transfer",
        received_on=date(2026, 11, 21),
        reference="VIR-1",
        amount=Decimal("8.00"),
        today=date(2026, 11, 21),
    )
    assert order.status == "active"
    assert order.amount_gross == Decimal("6.80")
    billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    prorata = [line for line in invoice.lines.all() if line.kind == "prorata"]
    assert [(line.net_amount, line.is_paid) for line in prorata] == [(Decimal("5.67"), True)]


# TRK-3 twice in one period, then TRK-5: 8 ch (2×4 = 34.00) in November 2026.
# 2026-11-10: +1 -> 1×1 = 5.00 × 21/30 = 3.5000; 2026-11-20: +3 -> best for 3 = 3×1 = 15.00
# (4-pack 17.00 dearer) × 11/30 = 5.5000. 12 channels held: 2×4 + 4×1 = 54.00 for November's
# rest; 1 December: 12 -> 10 + 2×1 = 49.00.
def test_trk3_two_increases_in_one_period_then_reoptimised():
    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    client = trunk.contract.client
    top_up(client, "50.00")
    first = services.channel_order_create(trunk=trunk, add=1, today=date(2026, 11, 10))
    first = services.channel_order_pay(order=first, method="prepaid", today=date(2026, 11, 10))
    second = services.channel_order_create(trunk=trunk, add=3, today=date(2026, 11, 20))
    second = services.channel_order_pay(order=second, method="prepaid", today=date(2026, 11, 20))
    assert first.prorata_price == Decimal("3.5000")
    assert second.prorata_price == Decimal("5.5000")
    assert held(trunk, date(2026, 11, 20)) == {4: 2, 1: 4}
    billing.run_month_sync(month=date(2026, 11, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 11, 1))
    lines = list(invoice.lines.all())
    assert sorted(line.net_amount for line in lines if line.kind == "prorata") == [
        Decimal("3.50"),
        Decimal("5.50"),
    ]
    december = sum(line.net_amount for line in lines if line.period_start == date(2026, 12, 1))
    assert december == Decimal("49.00")
    assert held(trunk, date(2026, 12, 1)) == {10: 1, 1: 2}
    # the renewal job run twice the same day writes nothing more
    assert offers.contract_renew(contract_id=trunk.contract_id, today=date(2026, 12, 1)) == 0
    assert held(trunk, date(2026, 12, 1)) == {10: 1, 1: 2}


# TRK-3 over TRK-4: 12 ch (10+1+1 = 49.00) in November, decrease to 8 asked 2026-11-05 (remove
# 4), then +4 paid 2026-11-21 (one 4-pack 17.00 × 10/30 = 5.6667): 16 held in November; the
# renewal removes 4 -> 12 -> 10 + 2×1 = 49.00 from 1 December. The trunk page tells what the
# renewal will do: 12 channels from 01/12/2026, not the 8 computed when the decrease was asked.
def test_trk4_increase_while_a_decrease_is_pending_page_tells_the_channels_at_renewal(
    client_logged_in_factory=None,
):
    trunk = make_trunk(customer(), channels=12, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    top_up(trunk.contract.client, "50.00")
    decrease = services.channel_decrease_request(trunk=trunk, new_total=8, today=date(2026, 11, 5))
    assert decrease.channels_to_remove == 4
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 21))
    assert order.prorata_price == Decimal("5.6667")
    assert selectors.trunk_capacity(trunk, date(2026, 11, 21)) == 16
    offers.contract_renew(contract_id=trunk.contract_id, today=date(2026, 12, 1))
    assert held(Trunk.objects.get(pk=trunk.pk), date(2026, 12, 1)) == {10: 1, 1: 2}


# TRK-4 (TRUNK 7: « La réduction … est effective à la prochaine date de renouvellement ») — a
# decrease asked on 1 December at 00:02, before the nightly renewal (00:20) renewed the November
# period: the next renewal date after the request is 1 January. It was dated 1 December (the
# stale end of November's period), applied by that night's renewal — December billed for 8
# channels instead of 12 (34.00 instead of 49.00) — and could not be cancelled at all.
def test_trk4_decrease_asked_on_the_first_before_the_renewal_job_waits_for_the_next_one():
    trunk = make_trunk(customer(), channels=12, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    from telephony.views.change_preview import change_preview

    preview = change_preview(trunk, 8, date(2026, 12, 1))
    assert preview.decrease.effective_on == date(2027, 1, 1)  # what the portal shows first
    decrease = services.channel_decrease_request(trunk=trunk, new_total=8, today=date(2026, 12, 1))
    assert decrease.effective_on == date(2027, 1, 1)
    offers.contract_renew(contract_id=trunk.contract_id, today=date(2026, 12, 1))
    assert held(trunk, date(2026, 12, 1)) == {10: 1, 1: 2}
    services.channel_decrease_cancel(decrease=decrease, today=date(2026, 12, 1))


# TRK-3 / BIL-4 — a transfer of exactly twice the amount due: 4 ch on 2026-11-21 = 17 × 10/30
# = 5.6667 → 5.67 HT, 6.80 TTC; 13.60 received: 6.80 pay the order and the 13.60 − 6.80 = 6.80
# left go on account. The rest (same payer, reference, date and amount as the order's part)
# was refused as "already recorded" and the whole payment rolled back: staff could not record it.
def test_trk3_transfer_of_twice_the_amount_due_puts_the_rest_on_account():
    from payments import services as payments
    from payments.models import Payment

    trunk = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=date(2026, 11, 1))
    client = trunk.contract.client
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    order = services.channel_order_record_payment(
        order=order,
        method="transfer",
        received_on=date(2026, 11, 21),
        reference="VIR-2",
        amount=Decimal("13.60"),
        today=date(2026, 11, 21),
    )
    assert order.status == "active" and order.amount_gross == Decimal("6.80")
    received = Payment.objects.filter(client=client).order_by("pk")
    assert [p.amount for p in received] == [Decimal("6.80"), Decimal("6.80")]
    on_account = sum(payments.payment_unallocated(p) for p in received.filter(source_type=""))
    assert on_account == Decimal("6.80")
    # the same transfer recorded again as a plain payment is still refused
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        payments.payment_record(
            client=client,
            amount=Decimal("6.80"),
            method="transfer",
            received_on=date(2026, 11, 21),
            reference="VIR-2",
        )
