"""NUM-4 audit: a port-out notice received after its porting date."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_notice
from offers.choices import ContractStatus, TerminationReason
from tests.numbering.test_port_out import hosted_w, trunk_two_numbers  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


# NUM-4 / CON-5 — the upstream's notice often arrives after the porting (the number left on
# Tuesday 20 October 2026, staff record it on Thursday 22): the number leaves at once and, the
# last of its contract, ends it on the porting date, 20 October (the porting is the notice).
# Before, the notice was refused
# ("The requested date is in the past.") and the number stayed assigned.
def test_late_notice_of_the_last_number_ends_the_contract_on_the_porting_date(hosted_w):  # noqa: F811
    with time_machine.travel(date(2026, 10, 22)):
        port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
        last, termination = port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
    assert termination.reason == TerminationReason.PORT_OUT
    assert termination.effective_date == date(2026, 10, 20)
    # The same CON-5 fee as a notice received in time: 8 months × 2 × 14.90 = 238.40.
    assert termination.fee_amount == Decimal("238.40")
    assert PhoneNumber.objects.get(pk=last.pk).state == NumberState.PORTED_OUT
    hosted_w.refresh_from_db()
    assert hosted_w.status in (ContractStatus.TERMINATING, ContractStatus.TERMINATED)


# NUM-4 / CON-5 / BIL-9 (TRUNK 6-7: renewed each month, no fee) — the last number of a trunk of
# 8 channels (2 × 4-pack, 34.00 € HT a month) left on 15 November 2026; the upstream's notice is
# recorded on 3 December. The contract ends on 15 November (November, started, is due), but
# December was invoiced in advance on 30 November before the notice — the packs, 34.00, and
# the number, 1.00: both are credited, 35.00 € HT (42.00 € TTC), on a credit note correcting
# that invoice. Before, December stayed due for a service that had ended.
def test_late_port_out_credits_the_month_invoiced_after_the_end():
    from billing import services as billing
    from billing.models import Invoice
    from numbering import services
    from tests.factories import ClientFactory, SiteFactory
    from tests.telephony.factories import make_trunk

    services.import_ranges(
        content=(
            "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"
            "1;0172700000;0172700009;X;;;PARIS\n"
        ).encode()
    )
    client = ClientFactory()
    SiteFactory(client=client, insee_code="75056")
    trunk = make_trunk(client, channels=8, start=date(2026, 10, 1))
    with time_machine.travel(date(2026, 10, 2)):
        services.assign_numbers(client=client, numbers=["0172700001"], contract=trunk.contract)
    with time_machine.travel(date(2026, 12, 1)):
        billing.run_month_sync(month=date(2026, 11, 1))
    november = Invoice.objects.get(client=client, kind="invoice", month=date(2026, 11, 1))
    assert november.total_net == Decimal("35.00")  # December, in advance: packs and number
    with time_machine.travel(date(2026, 12, 3)):
        _row, termination = port_out_notice(number="0172700001", porting_date=date(2026, 11, 15))
    assert (termination.effective_date, termination.fee_amount) == (
        date(2026, 11, 15),
        Decimal("0.00"),
    )
    (note,) = Invoice.objects.filter(kind="credit_note", corrects=november)
    assert (note.total_net, note.total_gross) == (Decimal("35.00"), Decimal("42.00"))


# NUM-4 / NUM-2 / BIL-9 — a number that is NOT the last of its contract leaves too: the trunk
# (2 × 4-pack, 34.00 € HT a month) keeps 01 72 70 00 02, while 01 72 70 00 01 left on
# 15 November 2026; the upstream's notice is recorded on 3 December, after November's run
# invoiced December in advance: packs 34.00 + 2 numbers × 1.00 = 36.00 € HT. The number's
# November (started) is due, its December is not (« no month from its porting date on »): its
# 1.00 € HT (1.20 € TTC) is credited on a credit note correcting that invoice — as the last
# number's month is when its contract ends. The trunk and the number staying are not touched.
# Before, only the last number's months were credited: this one's December stayed due.
def test_late_port_out_of_one_number_credits_its_month_invoiced_after_it_left(
    trunk_two_numbers,  # noqa: F811
):
    from billing import services as billing
    from billing.models import Invoice, PendingCharge
    from numbering.services.pricing import post_monthly_charges

    trunk = trunk_two_numbers
    client = trunk.contract.client
    with time_machine.travel(date(2026, 12, 1)):
        billing.run_month_sync(month=date(2026, 11, 1))
    november = Invoice.objects.get(client=client, kind="invoice", month=date(2026, 11, 1))
    assert november.total_net == Decimal("36.00")
    with time_machine.travel(date(2026, 12, 3)):
        row, termination = port_out_notice(number="0172700001", porting_date=date(2026, 11, 15))
    assert termination is None
    assert PhoneNumber.objects.get(pk=row.pk).state == NumberState.PORTED_OUT
    (note,) = Invoice.objects.filter(kind="credit_note", corrects=november)
    assert (note.total_net, note.total_gross) == (Decimal("1.00"), Decimal("1.20"))
    assert "01 72 70 00 01" in note.lines.get().description
    # recorded again (the file sent twice) or the run of December: nothing more
    assert post_monthly_charges(date(2027, 1, 1)) == 1  # the number staying only
    assert not PendingCharge.objects.filter(
        source_type="number", source_id=str(row.pk), period_start=date(2027, 1, 1)
    ).exists()
    hosted = trunk.contract
    hosted.refresh_from_db()
    assert hosted.status == ContractStatus.ACTIVE
