"""NUM-4 audit: a port-out notice received after its porting date."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_notice
from offers.choices import ContractStatus, TerminationReason
from tests.numbering.test_port_out import hosted_w  # noqa: F401 - the fixture

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
