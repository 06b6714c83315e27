"""NUM-3 audit: what no other test showed of port-in completion."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import PendingCharge
from kernel.clock import paris_today
from numbering.choices import NumberState, PortStatus
from numbering.models import PhoneNumber
from numbering.porting_days import next_porting_day
from numbering.services import porting
from offers.models import Product
from tests.numbering.test_porting import _create, _rio
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


# NUM-1 / NUM-3 — a number already served by us cannot be ported in again: two customers each
# submitted a request for 01 72 70 00 12 (nothing was held then); the first completes and the
# number is Acme's. Completing the second must be refused, naming the number, with nothing
# written: before, it silently moved Acme's number to the other customer (client, contract,
# site) and charged a second porting fee (12.50).
def test_completion_refuses_a_number_already_served(tenant, other_tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    Product.objects.update_or_create(
        code="number-porting",
        defaults={"name": "Portabilité d'un numéro", "setup_price": Decimal("12.50")},
    )
    staff = make_staff()
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    ours = make_contract(tenant.client, "hosted-w")
    theirs = make_contract(other_tenant.client, "hosted-w")
    first = _create(tenant, ours, lines, submit=True)
    second = _create(other_tenant, theirs, lines, submit=True)
    for request in (first, second):
        porting.port_request_accept(
            request=request,
            scheduled_date=next_porting_day(paris_today() + timedelta(days=7)),
            actor=staff,
        )
    porting.port_request_complete(request=first, actor=staff)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        porting.port_request_complete(request=second, actor=staff)
    assert error.value.messages == ["01 72 70 00 12 is already served by us: nothing to port."]
    number = PhoneNumber.objects.get(e164="+33172700012")
    assert number.state == NumberState.ASSIGNED
    assert (number.client, number.contract) == (tenant.client, ours)
    second.refresh_from_db()
    assert second.status == PortStatus.ACCEPTED
    assert PendingCharge.objects.filter(source_type="port_request_line").count() == 1
