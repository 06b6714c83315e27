"""NUM-3 / NUM-4 dates: the day a contract ends when its numbers leave on different porting
dates, and the porting dates a customer or staff may choose (French business days)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_apply, port_out_notice
from offers.choices import TerminationReason
from tests.numbering.test_port_out import hosted_w  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_contract_ends_when_its_last_number_leaves_not_on_the_earlier_porting_date(hosted_w):  # noqa: F811
    # NUM-4 / CON-5: 01 72 70 00 01 leaves on 20 November, then the upstream's notice for
    # 01 72 70 00 02 (leaving earlier, 20 October) is recorded. The contract still serves
    # 00 01 until 20 November: it ends on 20 November, not 20 October.
    with time_machine.travel(date(2026, 10, 5)):
        _first, termination = port_out_notice(number="0172700001", porting_date=date(2026, 11, 20))
        assert termination is None
        _last, termination = port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
    assert termination.reason == TerminationReason.PORT_OUT
    assert termination.effective_date == date(2026, 11, 20)
    # HOSTED-W 8.1: remaining months of the initial period (10 June 2026 → 9 June 2027) from
    # 20 November 2026: 20 Nov → 19 Dec, … 20 May → 9 June 2027 = 7 months × 29.80 € = 208.60 €.
    assert termination.fee_amount == Decimal("208.60")
    # 00 02 leaves on its own date, 00 01 on its own; neither goes to quarantine.
    port_out_apply(number_id=_last.pk, today=date(2026, 10, 20))
    states = dict(PhoneNumber.objects.values_list("e164", "state"))
    assert states["+33172700002"] == NumberState.PORTED_OUT
    assert states["+33172700001"] == NumberState.ASSIGNED


# NUM-4 / CON-4 / BIL-9 (TRUNK: renewed each month, no fee) — a trunk of 8 channels (2 × 4-pack,
# 34.00 € HT a month) with 01 72 70 00 01 and 00 02. On 2 November the upstream announces that
# 00 01 leaves on 20 January 2027; November's run (1 December) bills December in advance:
# 34.00 + 2 × 1.00 = 36.00 € HT. On 3 December the notice of 00 02, which left on 15 November,
# is recorded: the trunk still serves 00 01 until 20 January, so the contract ends then and only
# 00 02's December is not due: a credit note of 1.00 € HT (1.20 € TTC). Before, the contract
# ended on 15 November and December was credited whole, 36.00 € HT, trunk and 00 01 included,
# while 00 01 kept calling through it until 20 January.
def test_late_notice_of_an_earlier_porting_does_not_end_the_trunk_still_serving():
    from billing import services as billing
    from billing.models import Invoice
    from numbering import services
    from tests.factories import ClientFactory, SiteFactory
    from tests.numbering.test_port_out import HEADER
    from tests.telephony.factories import make_trunk

    services.import_ranges(content=(HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode())
    client = ClientFactory()
    SiteFactory(client=client, insee_code="75056")
    trunk = make_trunk(client, channels=8, start=date(2026, 10, 1))
    with time_machine.travel(date(2026, 10, 2)):
        services.assign_numbers(
            client=client, numbers=["0172700001", "0172700002"], contract=trunk.contract
        )
    with time_machine.travel(date(2026, 11, 2)):
        port_out_notice(number="0172700001", porting_date=date(2027, 1, 20))
    with time_machine.travel(date(2026, 12, 1)):
        billing.run_month_sync(month=date(2026, 11, 1))
    november = Invoice.objects.get(client=client, kind="invoice", month=date(2026, 11, 1))
    assert november.total_net == Decimal("36.00")
    with time_machine.travel(date(2026, 12, 3)):
        _row, termination = port_out_notice(number="0172700002", porting_date=date(2026, 11, 15))
    assert (termination.effective_date, termination.fee_amount) == (
        date(2027, 1, 20),
        Decimal("0.00"),
    )
    (note,) = Invoice.objects.filter(kind="credit_note", corrects=november)
    assert (note.total_net, note.total_gross) == (Decimal("1.00"), Decimal("1.20"))
    assert "01 72 70 00 02" in note.lines.get().description
