"""CON-6: a refusal (HOSTED-A 6) whose letter reached us before
the effective date but was recorded by staff after the change was applied. The customer used
its right in time: the contract keeps the old price from the effective date and what was
already invoiced at the new price is credited (BIL-9) — an issued invoice is never edited."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from offers.models import Contract, ContractLine, PriceChangeLine
from tests.offers.factories import make_contract
from tests.offers.test_price_changes_pipeline import staff_user  # noqa: F401 — a fixture
from tests.payments.conftest import direct_customer
from tests.payments.test_price_changes import at_catalogue_price

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
DEC = date(2026, 12, 1)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def _increase_applied(offer_code: str, old: str, new: str, quantity: int = 1):
    """A contract of ``quantity`` at ``old`` € a month, told on 10 October of ``new`` from
    1 December; November's run (the night of 30 November) bills December at ``new`` and the
    nightly job applies the change on 1 December."""
    client = direct_customer()
    offer = at_catalogue_price(offer_code, old)
    with at(date(2026, 10, 1)):
        contract = make_contract(client, offer_code, quantity=quantity)
    with at(date(2026, 10, 10)):
        change = offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price=new,
            effective_date=DEC,
        )
        offers.price_change_notify(price_change=change)
    with at(DEC, 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    assert offers.price_changes_daily(today=DEC) == 1
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1), kind="invoice")
    return contract, change, november


# CON-6 (HOSTED-A 6) / BIL-9 — 3 users at 280.00 € told of 305.50 € from 1 December; the
# customer's refusal reached us on 28 November, staff record it on 3 December. November's
# invoice billed December at 3 × 305.50 = 916.50 € HT. Now: the contract ends on 28 November
# + 30 days = 28 December, without fee; its line is back at 280.00; a credit note corrects
# November's invoice by 916.50 − 3 × 280.00 = 76.50 € HT, 20 % VAT 15.30, 91.80 € TTC. The run
# of December bills no January (the contract ended on 28 December).
def test_con6_refusal_received_in_time_recorded_after_the_change_was_applied():
    contract, change, november = _increase_applied("hosted-a", "280.00", "305.50", quantity=3)
    assert november.lines.get(kind="subscription").net_amount == Decimal("916.50")
    with at(date(2026, 12, 3)):
        notice = offers.price_change_refuse(
            price_change=change, contract=contract, received_on=date(2026, 11, 28)
        )
    termination = notice.termination
    assert (termination.effective_date, termination.fee_amount) == (
        date(2026, 12, 28),
        Decimal("0.00"),
    )
    assert termination.reason == "price_increase_refused"
    line = ContractLine.objects.get(contract=contract)
    assert line.unit_monthly_price == Decimal("280.0000")
    assert not PriceChangeLine.objects.filter(line=line).exists()
    credit = Invoice.objects.get(kind="credit_note", client=contract.client)
    assert credit.corrects_id == november.pk
    assert (credit.total_net, credit.total_vat, credit.total_gross) == (
        Decimal("76.50"),
        Decimal("15.30"),
        Decimal("91.80"),
    )
    credit_line = credit.lines.get()
    assert credit_line.vat_rate == Decimal("20.00")
    assert "280,00" in credit_line.description and "01/12/2026 au 31/12/2026" in (
        credit_line.description
    )
    # the nightly job does not apply the change again to the refusing contract
    assert offers.price_changes_daily(today=date(2026, 12, 4)) == 0
    assert ContractLine.objects.get(pk=line.pk).unit_monthly_price == Decimal("280.0000")
    with at(date(2027, 1, 1), 0):
        billing.run_month_sync(month=DEC)
    january = Invoice.objects.filter(client=contract.client, month=DEC, kind="invoice").first()
    assert january is None or not january.lines.filter(
        kind="subscription", contract_reference=contract.reference
    )


# CON-6 — the letter's day is checked: received on the effective date itself is too late (the
# right ends the day before), in the future or before the customer was told is refused with
# the field's message; nothing is written (no termination, no credit, the new price stays).
def test_con6_late_letter_refused_when_it_came_too_late_or_the_date_is_wrong():
    contract, change, _november = _increase_applied("hosted-a", "280.00", "305.50")
    with at(date(2026, 12, 3)):
        with pytest.raises(offers.InvalidTransition) as late:
            offers.price_change_refuse(price_change=change, contract=contract, received_on=DEC)
        assert late.value.code == "too_late"
        with pytest.raises(ValidationError) as future:
            offers.price_change_refuse(
                price_change=change, contract=contract, received_on=date(2026, 12, 4)
            )
        assert set(future.value.message_dict) == {"received_on"}
        with pytest.raises(ValidationError) as early:
            offers.price_change_refuse(
                price_change=change, contract=contract, received_on=date(2026, 10, 9)
            )
        assert "10/10/2026" in early.value.message_dict["received_on"][0]
        # without the letter's day, a refusal typed after the effective date is too late
        with pytest.raises(offers.InvalidTransition):
            offers.price_change_refuse(price_change=change, contract=contract)
    assert Contract.objects.get(pk=contract.pk).terminations.count() == 0
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("305.5000")
    assert not Invoice.objects.filter(kind="credit_note", client=contract.client).exists()


# CON-6 (PLATFORM 7.1.2 / 12.2) — a PLATFORM increase 250.00 → 262.40 from 1 December is an
# amendment: not accepted, it never applies (December billed 250.00, the nightly job changes
# nothing), so an objection letter received on 25 November and typed on 2 December has nothing
# to undo: 409 no_refusal_right, no termination, no credit note.
def test_con6_platform_objection_letter_has_nothing_to_undo():
    client = direct_customer()
    offer = at_catalogue_price("platform", "250.00")
    with at(date(2026, 10, 1)):
        contract = make_contract(client, "platform")
    with at(date(2026, 10, 10)):
        change = offers.price_change_schedule(
            offer=offer, product=offer.main_product, new_monthly_price="262.40", effective_date=DEC
        )
        offers.price_change_notify(price_change=change)
    with at(DEC, 0):
        billing.run_month_sync(month=date(2026, 11, 1))
    assert offers.price_changes_daily(today=DEC) == 0
    november = Invoice.objects.get(client=client, month=date(2026, 11, 1), kind="invoice")
    line = november.lines.get(kind="subscription", contract_reference=contract.reference)
    assert line.net_amount == Decimal("250.00")
    with at(date(2026, 12, 2)), pytest.raises(offers.InvalidTransition):
        offers.price_change_refuse(
            price_change=change, contract=contract, received_on=date(2026, 11, 25)
        )
    assert ContractLine.objects.get(contract=contract).unit_monthly_price == Decimal("250.0000")
    assert Contract.objects.get(pk=contract.pk).terminations.count() == 0
    assert not Invoice.objects.filter(kind="credit_note").exists()


# CON-6 — staff enter the letter's day in the back office's refusal action (a confirmation
# page first): the refusal is recorded from it and the credit note issued, by that member.
def test_con6_admin_records_a_letter_received_before_the_effective_date(
    client,
    staff_user,  # noqa: F811 — the fixture imported above
):
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    from offers.models import PriceChangeNotice

    contract, change, november = _increase_applied("hosted-a", "280.00", "305.50")
    notice = PriceChangeNotice.objects.get(contract=contract, price_change=change)
    Authenticator.objects.create(
        user=staff_user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    data = {"action": "record_refusal", ACTION_CHECKBOX_NAME: [notice.pk]}
    url = reverse("admin:offers_pricechangenotice_changelist")
    with at(date(2026, 12, 3)):
        client.force_login(staff_user)
        form = client.post(url, data)
        assert "letter received on" in form.content.decode().lower() or (
            "courrier reçu le" in form.content.decode().lower()
        )
        done = client.post(url, {**data, "apply": "1", "received_on": "2026-11-30"})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.response == "refused" and notice.responded_by == staff_user
    assert notice.termination.effective_date == date(2026, 12, 30)  # 30 November + 30 days
    credit = Invoice.objects.get(kind="credit_note", client=contract.client)
    assert (credit.corrects_id, credit.total_net) == (november.pk, Decimal("25.50"))


# CON-6 (HOSTED-A 6) / CON-4 / BIL-9 — the same refusal (received on 28 November, 3 users at
# 280.00 told of 305.50 from 1 December) typed in only on 5 January 2027, after the runs billed
# December (November's invoice) and January (December's invoice) at 3 × 305.50 = 916.50 € HT.
# The contract ends on 28 December, fees from 1 January: January is not due at all and is
# credited in full, 916.50 € HT (termination credit); December is due at the old price,
# 916.50 − 840.00 = 76.50 € HT credited. January must not also get the price difference
# (76.50 more, 993.00 € credited on an invoice line of 916.50 — or the refusal refused).
def test_con6_late_refusal_after_the_months_of_the_termination_were_invoiced():
    contract, change, november = _increase_applied("hosted-a", "280.00", "305.50", quantity=3)
    with at(date(2027, 1, 1), 0):
        billing.run_month_sync(month=DEC)
    december = Invoice.objects.get(client=contract.client, month=DEC, kind="invoice")
    assert december.lines.get(kind="subscription").net_amount == Decimal("916.50")
    with at(date(2027, 1, 5)):
        notice = offers.price_change_refuse(
            price_change=change, contract=contract, received_on=date(2026, 11, 28)
        )
    assert notice.termination.fee_start == date(2027, 1, 1)
    credits = Invoice.objects.filter(kind="credit_note", client=contract.client)
    by_invoice = {}
    for credit in credits:
        by_invoice[credit.corrects_id] = by_invoice.get(credit.corrects_id, 0) + credit.total_net
    assert by_invoice == {november.pk: Decimal("76.50"), december.pk: Decimal("916.50")}
