"""NUM-3 / NUM-2: staff completing a port-in by hand from the back office enter the day the
numbers arrived (today by default, never in the future), as the status file gives it: the
number is ours from that day and its first billed month follows it."""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from kernel.clock import PARIS
from numbering.models import PhoneNumber, PortRequest
from numbering.services.status_file import import_status_file
from offers.models import Product
from tests.factories import sign_in_staff
from tests.numbering.test_status_file_audit import _file, _request
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(tenant, settings, tmp_path):
    """A port-in of 01 72 70 00 12 sent on 20/11/2026, accepted for 28/11/2026."""
    settings.MEDIA_ROOT = str(tmp_path)
    Product.objects.update_or_create(code="number-geographic", defaults={"name": "Numéro"})
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=PARIS), tick=False):
        contract = make_contract(
            tenant.client, "hosted-w", signature=date(2026, 9, 1), service_start=date(2026, 9, 2)
        )
        request = _request(tenant.client, contract, "0172700012", date(2026, 11, 27))
        import_status_file(content=_file(f"{request.reference};accepted;28/11/2026;;"))
    return request


def _complete(client, request, day):
    return client.post(
        reverse("admin:numbering_portrequest_changelist"),
        {
            "action": "complete",
            ACTION_CHECKBOX_NAME: [request.pk],
            "apply": "1",
            "occurred_on": day,
        },
        follow=True,
    )


# NUM-3 / NUM-2 — the numbers arrived on 28/11/2026, staff record it on 02/12: the number is
# assigned from 28/11 (before, from 02/12: November's run had billed December without it, and
# December was never billed).
def test_staff_complete_a_port_in_on_the_day_the_numbers_arrived(client, accepted):
    with time_machine.travel(datetime(2026, 12, 2, 15, tzinfo=PARIS), tick=False):
        sign_in_staff(client)
        page = _complete(client, accepted, "28/11/2026")
    assert page.status_code == 200
    assert PortRequest.objects.get(pk=accepted.pk).status == "completed"
    number = PhoneNumber.objects.get(e164="+33172700012")
    assert number.assigned_at.astimezone(PARIS).date() == date(2026, 11, 28)


# NUM-3 — the form asks for the day first (today by default); a day in the future is refused
# with its reason and nothing moves.
def test_the_complete_action_asks_the_day_and_refuses_the_future(client, accepted):
    with time_machine.travel(datetime(2026, 12, 2, 15, tzinfo=PARIS), tick=False):
        sign_in_staff(client)
        form = client.post(
            reverse("admin:numbering_portrequest_changelist"),
            {"action": "complete", ACTION_CHECKBOX_NAME: [accepted.pk]},
        )
        assert 'name="occurred_on"' in form.content.decode()
        assert 'value="02/12/2026"' in form.content.decode()
        page = _complete(client, accepted, "03/12/2026")
    assert "03/12/2026" in page.content.decode()
    assert PortRequest.objects.get(pk=accepted.pk).status == "accepted"
    assert not PhoneNumber.objects.filter(e164="+33172700012", state="assigned").exists()


# NUM-3, BIL-1 — completing a port-in charges each line's porting fee (catalogue 15.00 € HT):
# one line, 1 × 15.00 = 15.00 € HT on the customer's next invoice. Before, the page asking for
# the day said « The numbers are assigned from the day they arrived » and named the request,
# never the fee it charges; now it says it before anything moves (and nothing has moved).
def test_the_complete_action_shows_the_porting_fee_it_charges(client, accepted):
    from decimal import Decimal

    from billing.models import PendingCharge

    Product.objects.update_or_create(
        code="number-porting",
        defaults={"name": "Portabilité entrante", "setup_price": Decimal("15.00")},
    )
    with time_machine.travel(datetime(2026, 12, 2, 15, tzinfo=PARIS), tick=False):
        sign_in_staff(client)
        form = client.post(
            reverse("admin:numbering_portrequest_changelist"),
            {"action": "complete", ACTION_CHECKBOX_NAME: [accepted.pk]},
            HTTP_ACCEPT_LANGUAGE="fr",
        ).content.decode()
    assert (
        f"{accepted.reference}\u00a0: frais de portabilité de 15,00\u00a0€ HT (1 × 15,00\u00a0€) "
        "sur la prochaine facture du client." in form
    )
    assert not PendingCharge.objects.filter(source_type="port_request_line").exists()
    assert PortRequest.objects.get(pk=accepted.pk).status == "accepted"
