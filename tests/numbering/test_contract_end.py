"""NUM-2 / NUM-3 / CON-4: what becomes of numbers when their contract ends."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import PendingCharge
from kernel.clock import paris_today
from numbering import services
from numbering.choices import NumberState, PortStatus
from numbering.models import PhoneNumber
from numbering.porting_days import next_porting_day
from numbering.services import porting
from offers import services as offers
from offers.choices import ContractStatus
from offers.models import Contract, Product
from tests.numbering.test_porting import _create, _rio
from tests.numbering.test_pricing import catalogue  # noqa: F401 - the fixture
from tests.numbering.test_pricing_audit import number_of_a_terminating_contract
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


# NUM-2 / CON-4 (HOSTED-W 5.4.3: numbers are never the customer's) — a HOSTED-W contract with
# 01 72 70 00 01, terminated effective 1 December 2026: once the termination is applied, the
# number is released like a number given back — in quarantine until 1 December + 90 days =
# 1 March 2027, no longer the customer's nor in its list. Before, it stayed "assigned" to the
# terminated contract for ever and never returned to the pool.
def test_numbers_of_a_terminated_contract_go_to_quarantine(partner):
    client, _contract, termination = number_of_a_terminating_contract(partner)
    number = PhoneNumber.objects.get(e164="+33172700001")
    assert number.state == NumberState.ASSIGNED  # still in service while the notice runs
    with time_machine.travel(date(2026, 12, 1)):
        assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 1))
    number.refresh_from_db()
    assert (number.state, number.quarantine_until) == (NumberState.QUARANTINE, date(2027, 3, 1))
    assert (number.client, number.contract, number.sip_account) == (None, None, None)
    assert not PhoneNumber.objects.filter(client=client).exists()  # the portal's list
    with time_machine.travel(date(2027, 3, 1)):
        assert services.quarantine_ended(today=date(2027, 3, 1)) == 1
    number.refresh_from_db()
    assert number.state == NumberState.AVAILABLE


# NUM-3 — a port-in accepted for a contract that ended before the numbers arrived: completing it
# is refused, naming the contract; no number is assigned to the ended contract, no porting fee
# (12.50) is charged, the request stays accepted for staff to reject.
def test_port_in_completion_refused_on_an_ended_contract(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    Product.objects.update_or_create(
        code="number-porting",
        defaults={"name": "Portabilité d'un numéro", "setup_price": Decimal("12.50")},
    )
    staff = make_staff()
    contract = make_contract(tenant.client, "hosted-w")
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    request = _create(tenant, contract, lines, submit=True)
    porting.port_request_accept(
        request=request,
        scheduled_date=next_porting_day(paris_today() + timedelta(days=7)),
        actor=staff,
    )
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.TERMINATED)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        porting.port_request_complete(request=request, actor=staff)
    assert error.value.messages == [
        f"Contract {contract.reference} is no longer in service: reject the request (the "
        "customer can port to another contract) rather than complete it."
    ]
    request.refresh_from_db()
    assert request.status == PortStatus.ACCEPTED
    assert not PhoneNumber.objects.filter(e164="+33172700012").exists()
    assert not PendingCharge.objects.filter(source_type="port_request_line").exists()
