"""NUM-1 / NUM-2: a number ported in is not ours to give to someone else — it belongs to the range
of the operator it came from. Given back (or its contract ended), it spends the quarantine like
any number, then goes back to that operator: never into our pool."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kernel.clock import PARIS
from numbering import services
from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.selectors import held_at, held_periods
from numbering.services import porting
from numbering.tasks import daily
from tests.factories import ClientFactory
from tests.numbering.test_num_dates_audit import (
    _port_request,
    contract,  # noqa: F401 - the fixture
)
from tests.numbering.test_port_out import HEADER
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


# NUM-1 / NUM-2 — 01 72 70 00 12 is ported in on Monday 7 December 2026 (no range of ours holds
# it: ours is 01 72 70 00 00 – 09); the customer gives it back on 4 January 2027: quarantine
# until 4 April 2027 (4 January + 90 days: 27 + 28 + 31 + 4). On 4 April the daily job returns
# it to the operator holding its range (« ported out », out of every list), and another customer
# searching the pool does not find it — before, it came back « available » and another customer
# could take a number that was never ours. A number of our own range given back the same day
# does come back to the pool.
def test_a_number_ported_in_and_given_back_never_enters_our_pool(tenant, contract):  # noqa: F811
    services.import_ranges(content=(HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode())
    staff = make_staff()
    with time_machine.travel(date(2026, 12, 7)):
        port = _port_request(tenant, contract, date(2026, 12, 7), submit=True)
        porting.port_request_accept(request=port, scheduled_date=date(2026, 12, 7), actor=staff)
        porting.port_request_complete(request=port, actor=staff)
        services.assign_numbers(client=tenant.client, numbers=["0172700001"], contract=contract)
    ported_in = PhoneNumber.objects.get(e164="+33172700012")
    ours = PhoneNumber.objects.get(e164="+33172700001")
    assert ported_in.state == NumberState.ASSIGNED and ported_in.number_range is None
    with time_machine.travel(date(2027, 1, 4)):
        services.release_numbers(client=tenant.client, numbers=[ported_in, ours])
    ported_in.refresh_from_db()
    assert (ported_in.state, ported_in.quarantine_until) == (
        NumberState.QUARANTINE,
        date(2027, 4, 4),
    )
    with time_machine.travel(date(2027, 4, 3)):
        assert daily() == {"back_to_pool": 0, "ported_out": 0}
    with time_machine.travel(date(2027, 4, 4)):
        assert daily() == {"back_to_pool": 1, "ported_out": 1}
        assert daily() == {"back_to_pool": 0, "ported_out": 0}  # once
    ported_in.refresh_from_db()
    assert (ported_in.state, ported_in.client, ported_in.quarantine_until) == (
        NumberState.PORTED_OUT,
        None,
        None,
    )
    assert [e.to_state for e in ported_in.events.all()] == ["assigned", "quarantine", "ported_out"]
    # USE-1: it was ours while assigned only — a call to it before the port-in or after its
    # release is not on-net (not free)
    periods = held_periods(["+33172700012"])["+33172700012"]
    assert held_at(periods, datetime(2026, 12, 20, 10, tzinfo=PARIS))
    assert not held_at(periods, datetime(2026, 11, 20, 10, tzinfo=PARIS))
    assert not held_at(periods, datetime(2027, 5, 20, 10, tzinfo=PARIS))
    pool = [n.e164 for n in services.search_available(starts_with="0172")]
    assert "+33172700012" not in pool and "+33172700001" in pool
    other = ClientFactory(partner=tenant.client.partner)
    other_contract = make_contract(other, "hosted-w")
    with pytest.raises(ValidationError, match="plus disponible"):
        services.assign_numbers(client=other, numbers=["0172700012"], contract=other_contract)
