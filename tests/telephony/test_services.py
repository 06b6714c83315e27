"""Trunk channels: set-up (TRK-1), increases (TRK-3), decreases and re-optimisation at the
period start (TRK-4, TRK-5), and what the month-end run bills for them (BIL-1)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from billing import services as billing
from billing.models import Invoice, PendingCharge
from offers import services as offers
from offers.models import ContractLine
from payments import selectors as payment_selectors
from payments import services as payments
from telephony import selectors, services
from telephony.choices import DecreaseStatus, LedgerCause, OrderStatus
from telephony.models import ChannelOrder, PackLedgerEntry
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)
PAY_DAY = date(2026, 11, 21)


def held(trunk, day):
    return {pack.channels: count for pack, count in selectors.packs_held(trunk, day).items()}


def live_lines(contract, day):
    """(pack size by product code, quantity, price) of the lines billed for ``day``'s month."""
    return sorted(
        (line.product.code, line.quantity, line.unit_monthly_price)
        for line in ContractLine.objects.filter(contract=contract).select_related("product")
        if (line.started_on is None or line.started_on <= day)
        and (line.ended_on is None or line.ended_on > day)
    )


@pytest.fixture
def trunk():
    """8 channels (2 × 4-pack, 34.00), period 2026-11-01..2026-11-30."""
    return make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)


# TRK-1 / TRK-2 — a trunk set up before service starts holds the best tariff; capacity is the
# sum of its packs' channels, read from the ledger.
def test_trunk_created_with_best_packs(trunk):
    assert held(trunk, NOV) == {4: 2}
    assert selectors.trunk_capacity(trunk, NOV) == 8
    assert live_lines(trunk.contract, NOV) == [("trunk-pack-4", 2, Decimal("17.0000"))]
    assert trunk.username.startswith("trk") and trunk.secret_encrypted
    assert PackLedgerEntry.objects.get(trunk=trunk).cause == LedgerCause.INITIAL


# TRK-3 — 8 channels, period 2026-11-01..2026-11-30, an order paid on 2026-11-21 for 4 more:
# one 4-pack added, pro-rata 17.00 × 10/30 = 5.6667 → 5.67 on the invoice; not active before
# payment, active right after; the prepaid balance is debited the TTC amount (6.80 at 20 %).
def test_trk3_increase_paid_from_prepaid(trunk, django_capture_on_commit_callbacks):
    client = trunk.contract.client
    top_up(client, "100.00")
    quote = services.channel_quote(trunk=trunk, add=4, today=PAY_DAY)
    assert [(p.channels, p.count) for p in quote.packs_added] == [(4, 1)]
    assert (quote.prorata_days, quote.period_days) == (10, 30)
    assert quote.prorata_price == Decimal("5.6667")
    assert quote.prorata_net == Decimal("5.67")
    assert quote.prorata_gross == Decimal("6.80")
    assert quote.current_monthly_price == Decimal("34.00")
    assert quote.current_period_monthly_price == Decimal("51.00")
    # From the next period TRK-5 re-optimises 12 channels to 10 + 2×1 = 49.00.
    assert [(p.channels, p.count) for p in quote.next_packs] == [(10, 1), (1, 2)]
    assert quote.next_monthly_price == Decimal("49.00")

    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.reference.startswith("CH-2026-")
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8  # not active before payment

    with django_capture_on_commit_callbacks(execute=True):
        order = services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    assert order.status == OrderStatus.ACTIVE
    assert order.paid_at and order.activated_at
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 12  # active right after
    assert held(trunk, PAY_DAY) == {4: 3}
    assert payment_selectors.prepaid_balance(client) == Decimal("93.20")
    charge = PendingCharge.objects.get(source_type="channel_order", source_id=str(order.pk))
    assert (charge.kind, charge.unit_price, charge.quantity, charge.is_paid) == (
        "prorata",
        Decimal("5.6667"),
        Decimal("1"),
        True,
    )
    assert (charge.period_start, charge.period_end) == (PAY_DAY, DEC)
    # the added pack is billed from the next period by its own contract line
    assert ("trunk-pack-4", 1, Decimal("17.0000")) in live_lines(trunk.contract, DEC)
    assert ("trunk-pack-4", 1, Decimal("17.0000")) not in live_lines(trunk.contract, PAY_DAY)
    assert any("CH-2026" in m.subject for m in mail.outbox)


# TRK-3 / BIL-1 — the order month is billed exactly once: the run of November bills the pro
# rata of the order (5.67, shown paid) and December in advance, never November a second time.
def test_trk3_order_month_billed_once(trunk):
    client = trunk.contract.client
    top_up(client)
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    billing.run_month_sync(month=NOV)
    invoice = Invoice.objects.get(client=client, month=NOV)
    lines = list(invoice.lines.all())
    november = [line for line in lines if line.period_start and line.period_start < DEC]
    assert [(line.kind, line.net_amount, line.is_paid) for line in november] == [
        ("prorata", Decimal("5.67"), True)
    ]
    december = sum(line.net_amount for line in lines if line.period_start == DEC)
    assert december in (Decimal("51.00"), Decimal("49.00"))  # 49.00 once renewed first (BIL-1)


# TRK-3 — failures: an insufficient balance writes nothing and the order keeps waiting; a
# cancelled order cannot be paid; direct debit needs a mandate.
def test_trk3_insufficient_balance_writes_nothing(trunk):
    client = trunk.contract.client
    top_up(client, "5.00")
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    audit_rows = AuditLog.objects.count()
    with pytest.raises(payments.InsufficientBalance):
        services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8
    assert not PendingCharge.objects.filter(source_type="channel_order").exists()
    assert payment_selectors.prepaid_balance(client) == Decimal("5.00")
    assert AuditLog.objects.count() == audit_rows
    assert ContractLine.objects.filter(contract=trunk.contract).count() == 1


def test_trk3_cancelled_order_cannot_be_paid(trunk):
    top_up(trunk.contract.client)
    order = services.channel_order_create(trunk=trunk, add=1, today=PAY_DAY)
    services.channel_order_cancel(order=order)
    with pytest.raises(services.InvalidTransition):
        services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    with pytest.raises(services.InvalidTransition):
        services.channel_order_cancel(order=order)
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8


def test_trk3_direct_debit_needs_mandate(trunk):
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    with pytest.raises(ValidationError) as error:
        services.channel_order_pay(order=order, method="direct_debit", today=PAY_DAY)
    assert "method" in error.value.message_dict
    payments.mandate_create(
        client=trunk.contract.client,
        account_holder="Acme",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        signed_on=date(2026, 10, 1),
    )
    order = services.channel_order_pay(order=order, method="direct_debit", today=PAY_DAY)
    assert order.status == OrderStatus.ACTIVE
    charge = PendingCharge.objects.get(source_type="channel_order")
    assert charge.is_paid is False  # invoiced, then debited with the next batch


# TRK-3 — staff record a transfer for the order; it counts as paid.
def test_trk3_recorded_payment(trunk):
    client = trunk.contract.client
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    payment = payments.payment_record(
        client=client,
        amount=Decimal("6.80"),
        method="transfer",
        received_on=offers.paris_today(),
        reference="VIR-42",
        source_type="channel_order",
        source_id=order.pk,
    )
    order = services.channel_order_pay(
        order=order, method="recorded_payment", payment=payment, today=PAY_DAY
    )
    assert order.status == OrderStatus.ACTIVE
    assert order.payment_reference == f"payment:{payment.pk}"
    assert PendingCharge.objects.get(source_type="channel_order").is_paid is True


# TRK-3 — an order unpaid 7 days expires (the daily job), then cannot be paid: quoted on
# 10/11, payable until the end of 17/11 (its ``expires_on``), expired from 18/11.
def test_trk3_order_expires_after_7_days(trunk):
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 10))
    assert order.expires_on == date(2026, 11, 17)
    assert not services.channel_order_expire(order_id=order.pk, today=date(2026, 11, 17))
    with pytest.raises(services.InvalidTransition):
        services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 18))
    assert services.channel_order_expire(order_id=order.pk, today=date(2026, 11, 18))
    assert not services.channel_order_expire(order_id=order.pk, today=date(2026, 11, 19))
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED and order.expired_at


# TRK-3 / TRK-1 — the cap: at most 200 channels; a quote beyond is refused on its field.
def test_trk3_cap(trunk):
    with pytest.raises(ValidationError) as error:
        services.channel_quote(trunk=trunk, add=193, today=PAY_DAY)
    assert "add" in error.value.message_dict
    quote = services.channel_quote(trunk=trunk, total=200, today=PAY_DAY)
    assert quote.new_channels == 200
    with pytest.raises(ValidationError) as error:
        services.channel_quote(trunk=trunk, total=8, today=PAY_DAY)
    assert "total" in error.value.message_dict


# TRK-4 — a decrease waits for the next renewal date, is visible and cancellable until then,
# never below 1 channel; only one pending at a time.
def test_trk4_decrease_pending_and_cancellable(trunk):
    with pytest.raises(ValidationError):
        services.channel_decrease_request(trunk=trunk, new_total=0, today=PAY_DAY)
    decrease = services.channel_decrease_request(trunk=trunk, new_total=5, today=PAY_DAY)
    assert (decrease.channels_to_remove, decrease.effective_on) == (3, DEC)
    assert selectors.pending_decrease(trunk) == decrease
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8  # unchanged until then
    with pytest.raises(services.InvalidTransition):
        services.channel_decrease_request(trunk=trunk, channels_to_remove=1, today=PAY_DAY)
    services.channel_decrease_cancel(decrease=decrease, today=PAY_DAY)
    assert selectors.pending_decrease(trunk) is None
    decrease.refresh_from_db()
    assert decrease.status == DecreaseStatus.CANCELLED


# TRK-4 / TRK-5 — at the renewal (offers.services.contract_renew → period_started): the decrease
# from 12 to 8 applies, the packs become 2 × 4 (34.00), the lines follow, the customer is told.
def test_trk4_trk5_at_renewal(trunk, django_capture_on_commit_callbacks):
    top_up(trunk.contract.client)
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    decrease = services.channel_decrease_request(trunk=trunk, new_total=8, today=PAY_DAY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert offers.contract_renew(contract_id=trunk.contract_id, today=DEC) == 1
    assert held(trunk, DEC) == {4: 2}
    assert live_lines(trunk.contract, DEC) == [("trunk-pack-4", 2, Decimal("17.0000"))]
    decrease.refresh_from_db()
    assert decrease.status == DecreaseStatus.APPLIED
    assert any("packs" in m.subject for m in mail.outbox)
    # idempotent: applying the period start again changes nothing
    rows = PackLedgerEntry.objects.count()
    services.trunk_period_start(contract=trunk.contract, period_start=DEC)
    assert PackLedgerEntry.objects.count() == rows


# TRK-5 — without a decrease, 12 channels held as 3 × 4 (51.00) become 10 + 2 × 1 (49.00).
def test_trk5_reoptimisation(trunk):
    top_up(trunk.contract.client)
    order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
    services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    offers.contract_renew(contract_id=trunk.contract_id, today=DEC)
    assert held(trunk, DEC) == {10: 1, 1: 2}
    assert selectors.trunk_capacity(trunk, DEC) == 12
    assert live_lines(trunk.contract, DEC) == [
        ("trunk-channels", 2, Decimal("5.0000")),
        ("trunk-pack-10", 1, Decimal("39.0000")),
    ]
    entry = AuditLog.objects.filter(action="trunk.reoptimise").get()
    assert Decimal(entry.before["monthly"]) == Decimal("51.00")
    assert Decimal(entry.after["monthly"]) == Decimal("49.00")


# TRK-3 / TRK-4 / TRK-5 — the quote tells what the renewal will bill, also where the packs
# added cover more than asked or a decrease is pending (pack table 1 = 5.00, 4 = 17.00,
# 10 = 39.00, 30 = 99.00):
# - 1 channel held, 9 added: the best tariff for 9 is one 10-pack (39.00 for 10 channels, not
#   4 + 4 + 1, 39.00 for 9: at equal price, more channels), so 11 channels are held; the
#   renewal re-optimises 11 → 10 + 1 = 44.00, not the 39.00 of the 10 channels asked for.
# - 8 held (2 × 4), a decrease of 3 pending for 1 December, 2 added (2 × 1 = 10.00): 10 held,
#   less 3 at the renewal = 7 → 4 + 3 × 1 = 32.00 (7 channels), not 39.00 for 10.
@pytest.mark.parametrize(
    ("channels", "decrease_to", "add", "packs", "price"),
    [
        (1, None, 9, {10: 1, 1: 1}, Decimal("44.00")),
        (8, 5, 2, {4: 1, 1: 3}, Decimal("32.00")),
    ],
)
def test_trk5_quote_tells_what_the_renewal_bills(channels, decrease_to, add, packs, price):
    trunk = make_trunk(customer(), channels=channels, start=date(2026, 10, 1), renew_to=NOV)
    top_up(trunk.contract.client)
    if decrease_to is not None:
        services.channel_decrease_request(trunk=trunk, new_total=decrease_to, today=PAY_DAY)
    quote = services.channel_quote(trunk=trunk, add=add, today=PAY_DAY)
    assert {p.channels: p.count for p in quote.next_packs} == packs
    assert quote.next_channels == sum(size * count for size, count in packs.items())
    assert quote.next_monthly_price == price

    order = services.channel_order_create(trunk=trunk, add=add, today=PAY_DAY)
    services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    offers.contract_renew(contract_id=trunk.contract_id, today=DEC)
    assert held(trunk, DEC) == packs
    assert sum(qty * unit for _code, qty, unit in live_lines(trunk.contract, DEC)) == price


# TRK-1 — a trunk set up on a contract already in service keeps the lines it is billed for
# (8 one-channel packs, 40.00) until its next period start, where TRK-5 makes them 2 × 4. Such a
# contract was put in service before trunks were set up at activation: the activation's
# receiver is disconnected to build one.
def test_trunk_on_contract_in_service_reoptimised_at_next_period():
    from offers.signals import contract_activated
    from telephony.models import Trunk
    from telephony.receivers import trunk_on_activation
    from tests.offers.factories import make_contract

    client = customer()
    uid = "telephony.trunk_on_activation"
    contract_activated.disconnect(dispatch_uid=uid)
    try:
        contract = make_contract(
            client,
            "trunk",
            quantity=8,
            signature=date(2026, 10, 1),
            service_start=date(2026, 10, 1),
        )
    finally:
        contract_activated.connect(trunk_on_activation, dispatch_uid=uid)
    assert not Trunk.objects.filter(contract=contract).exists()
    trunk, secret = services.trunk_create(contract=contract, today=date(2026, 10, 5))
    assert len(secret) == 24
    assert held(trunk, date(2026, 10, 5)) == {1: 8}
    offers.contract_renew(contract_id=contract.pk, today=NOV)
    assert held(trunk, NOV) == {4: 2}
    assert live_lines(contract, NOV) == [("trunk-pack-4", 2, Decimal("17.0000"))]
    assert ChannelOrder.objects.count() == 0


# BIL-3 — the words of an invoice line are French (the invoice is a French legal document),
# whatever the language of the person who paid the order: an administrator reading the portal
# in English (or a partner asking the API in English) pays 4 more channels on 2026-11-21; the
# pending charge (5.6667 HT = 17.00 × 10/30, printed as it is on the invoice) reads
# « Trunk CT-… : +4 canaux (1×4), 10/30 jours », not « Trunk CT-…: +4 channels (1×4), 10/30 days ».
def test_bil3_channel_order_charge_is_written_in_french(trunk):
    from django.utils import translation

    top_up(trunk.contract.client, "100.00")
    with translation.override("en"):
        order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
        services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    charge = PendingCharge.objects.get(source_type="channel_order", source_id=str(order.pk))
    reference = trunk.contract.reference
    assert charge.description == f"Trunk {reference}\u00a0: +4 canaux (1×4), 10/30 jours"
    assert charge.unit_price == Decimal("5.6667")


# TRK-3 / BIL-3 — one channel more is singular in French: « +1 canal », « 1 canal
# supplémentaire est actif », never « +1 canaux ». 8 channels (2 × 4 at 17.00) + 1 on
# 2026-11-21: a 1-channel pack (5.00 a month) for the 10 days left of 30 = 1.6667.
def test_trk3_one_channel_more_is_singular(trunk, django_capture_on_commit_callbacks):
    top_up(trunk.contract.client, "100.00")
    order = services.channel_order_create(trunk=trunk, add=1, today=PAY_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    charge = PendingCharge.objects.get(source_type="channel_order", source_id=str(order.pk))
    reference = trunk.contract.reference
    assert charge.description == f"Trunk {reference}\u00a0: +1 canal (1×1), 10/30 jours"
    assert charge.unit_price == Decimal("1.6667")
    (body,) = [m.body for m in mail.outbox if order.reference in m.subject]
    assert "1 canal supplémentaire est actif sur" in body and "canaux supplémentaires" not in body


# BIL-10 — the prepaid ledger's line of an order paid by someone reading the portal in English
# is French like every ledger line (6.80 TTC = 5.67 HT + 20 %): « Commande de canaux CH-… ».
def test_prepaid_debit_of_an_order_paid_in_english_is_french(trunk):
    from django.utils import translation

    from payments.models import PrepaidEntry

    top_up(trunk.contract.client, "100.00")
    with translation.override("en"):
        order = services.channel_order_create(trunk=trunk, add=4, today=PAY_DAY)
        services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
    entry = PrepaidEntry.objects.get(source_type="channel_order", source_id=str(order.pk))
    assert (entry.description, entry.amount) == (
        f"Commande de canaux {order.reference}",
        Decimal("-6.80"),
    )


# TRK-4 (TRUNK 7: « Au cours de chaque période de facturation, le Client peut augmenter ou
# réduire le nombre de canaux ») — a suspended contract is still billed (CON-8), so its customer
# may still reduce its channels from the next renewal date: 8 channels (2 × 4 = 34.00 a month),
# suspended for non-payment, a decrease to 4 asked on 2026-11-21 → from 1 December one 4-pack,
# 17.00 a month (it was refused, 409 contract_not_active, and December billed 34.00).
def test_trk4_decrease_on_a_suspended_trunk(trunk):
    offers.contract_suspend(contract=trunk.contract, reason="non_payment")
    decrease = services.channel_decrease_request(trunk=trunk, new_total=4, today=PAY_DAY)
    assert (decrease.channels_to_remove, decrease.effective_on) == (4, DEC)
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8  # unchanged until then
    offers.contract_renew(contract_id=trunk.contract_id, today=DEC)
    assert held(trunk, DEC) == {4: 1}
    assert live_lines(trunk.contract, DEC) == [("trunk-pack-4", 1, Decimal("17.0000"))]
    # more channels still need an active contract (an order is paid and activated at once)
    from telephony.models import Trunk

    with pytest.raises(services.InvalidTransition) as error:
        services.channel_quote(trunk=Trunk.objects.get(pk=trunk.pk), add=1, today=DEC)
    assert error.value.code == "contract_not_active"


# TRK-4 — a terminating contract is renewed until its termination takes effect (CON-3): ending
# on 2027-02-01, a decrease from 8 to 4 asked on 2026-11-21 bills December and January at 17.00
# instead of 34.00. Ending on 2026-12-01 (the next renewal date) there is nothing to decrease: the
# refusal names the day the contract ends.
def test_trk4_decrease_on_a_terminating_trunk():
    import time_machine

    from kernel.clock import PARIS

    later = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    ending = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        offers.contract_request_termination(
            contract=later.contract, requested_date=date(2027, 2, 1)
        )
        offers.contract_request_termination(contract=ending.contract)
    decrease = services.channel_decrease_request(trunk=later, new_total=4, today=PAY_DAY)
    assert decrease.effective_on == DEC
    offers.contract_renew(contract_id=later.contract_id, today=DEC)
    assert live_lines(later.contract, DEC) == [("trunk-pack-4", 1, Decimal("17.0000"))]

    with pytest.raises(services.InvalidTransition) as error:
        services.channel_decrease_request(trunk=ending, new_total=4, today=PAY_DAY)
    assert error.value.code == "contract_ending"
    assert "1er décembre 2026" in error.value.messages[0]


# TRK-3 (TRUNK 7: « Au cours de chaque période de facturation, le Client peut augmenter ou
# réduire le nombre de canaux ») — a terminating contract is in service, in a billing period,
# until its termination takes effect; more channels were refused (409 contract_not_active)
# from the notice on: for two months when the notice of 21 November asked for 1 February.
# 8 channels (2 × 4 = 34.00):
# - ending on 2027-02-01: +2 on 2026-12-10 → 2 one-channel packs, 2 × 5.00 × 22/31 = 7.0968
#   → 7.10 HT (8.52 TTC); from 1 January the best tariff for 10, one 10-pack, 39.00 — what
#   December's run bills for January;
# - ending on 2026-12-01 (the notice's next 1st): +2 on 2026-11-25 → 2 × 5.00 × 6/30 = 2.0000
#   → 2.00 HT; no next period (nothing from 1 December: no next packs, no contract line), so
#   November's run bills the 2.00 alone; on 2026-12-01 nothing more (ended).
def test_trk3_more_channels_on_a_terminating_trunk_until_it_ends():
    import time_machine

    from kernel.clock import PARIS
    from telephony.models import Trunk

    later = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    ending = make_trunk(customer(), channels=8, start=date(2026, 10, 1), renew_to=NOV)
    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        offers.contract_request_termination(
            contract=later.contract, requested_date=date(2027, 2, 1)
        )
        offers.contract_request_termination(contract=ending.contract)
    offers.contract_renew(contract_id=later.contract_id, today=DEC)
    later, ending = (Trunk.objects.get(pk=t.pk) for t in (later, ending))  # terminating now

    top_up(later.contract.client, "20.00")
    quote = services.channel_quote(trunk=later, add=2, today=date(2026, 12, 10))
    assert (quote.prorata_price, quote.contract_ends_on) == (Decimal("7.0968"), date(2027, 2, 1))
    assert (quote.next_channels, quote.next_monthly_price) == (10, Decimal("39.00"))
    order = services.channel_order_create(trunk=later, add=2, today=date(2026, 12, 10))
    order = services.channel_order_pay(order=order, method="prepaid", today=date(2026, 12, 10))
    assert order.status == OrderStatus.ACTIVE and order.amount_gross == Decimal("8.52")
    assert selectors.trunk_capacity(later, date(2026, 12, 10)) == 10
    with time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=PARIS), tick=False):
        billing.run_month_sync(month=DEC)  # just after midnight at the end of December (BIL-1)
    invoice = Invoice.objects.get(client=later.contract.client, month=DEC)
    amounts = sorted((line.kind, line.net_amount) for line in invoice.lines.all())
    assert amounts == [("prorata", Decimal("7.10")), ("subscription", Decimal("39.00"))]

    top_up(ending.contract.client, "20.00")
    day = date(2026, 11, 25)
    quote = services.channel_quote(trunk=ending, add=2, today=day)
    assert (quote.prorata_price, quote.contract_ends_on) == (Decimal("2.0000"), DEC)
    assert (quote.next_packs, quote.next_channels, quote.next_monthly_price) == ([], 0, 0)
    order = services.channel_order_create(trunk=ending, add=2, today=day)
    order = services.channel_order_pay(order=order, method="prepaid", today=day)
    assert selectors.trunk_capacity(ending, day) == 10
    assert live_lines(ending.contract, DEC) == [("trunk-pack-4", 2, Decimal("17.0000"))]
    billing.run_month_sync(month=NOV)
    invoice = Invoice.objects.get(client=ending.contract.client, month=NOV)
    assert [(line.kind, line.net_amount) for line in invoice.lines.all()] == [
        ("prorata", Decimal("2.00"))
    ]
    # on its last day it still may; from the day it ends, not any more
    services.channel_quote(trunk=ending, add=1, today=date(2026, 11, 30))
    with pytest.raises(services.InvalidTransition) as error:
        services.channel_quote(trunk=ending, add=1, today=DEC)
    assert error.value.code == "contract_not_active"
    # CON-8: a terminating contract whose suspension is still open gets none either
    offers.contract_suspend(contract=later.contract, reason="fraud")
    suspended = Trunk.objects.get(pk=later.pk)
    with pytest.raises(services.InvalidTransition) as error:
        services.channel_quote(trunk=suspended, add=1, today=date(2026, 12, 11))
    assert error.value.code == "contract_not_active"
