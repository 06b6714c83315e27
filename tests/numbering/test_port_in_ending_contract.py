"""NUM-3 / CON-4: a port-in cannot leave for the operator when its contract's termination takes
effect on or before the desired porting date — before, it was sent (portal, partner API) and
accepted (back office), and only its completion was refused, with the numbers already moving."""

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from kernel.clock import paris_today
from numbering.choices import PortStatus
from numbering.models import PortRequest
from numbering.services import porting
from offers import services as offers
from tests.numbering.test_api import PORTS, _fields, _line, _mandate, _port_body
from tests.numbering.test_porting import _create, _rio
from tests.numbering.test_views import PORT_NEW, _page, _port_data, _testid
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db
LINES = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]


@pytest.fixture(autouse=True)
def _december_8():
    """Tuesday 8 December 2026: the contract's end, 8 January 2027, is a Friday, and the day
    before it a porting day too (NUM-3: weekdays, no public holiday)."""
    with time_machine.travel(date(2026, 12, 8)):
        yield


@pytest.fixture
def ending(tenant, settings, tmp_path):
    """A HOSTED-W contract whose termination is scheduled, and its effective date (the first
    day without service)."""
    settings.MEDIA_ROOT = str(tmp_path)
    contract = make_contract(tenant.client, "hosted-w")
    termination = offers.contract_request_termination(
        contract=contract, requested_date=paris_today() + timedelta(days=30)
    )
    assert paris_today() < termination.effective_date <= paris_today() + timedelta(days=300)
    return contract, termination.effective_date


def _ends(contract, end) -> str:
    return (
        f"Contract {contract.reference} ends on {end:%d/%m/%Y} (its termination takes effect "
        "that day): the numbers must arrive before it. Choose an earlier date or port them to "
        "another contract."
    )


# NUM-3 — the contract stops on its effective date E: a request desired on E is refused when
# sent, on its date, naming E; nothing is written. Saved as a draft it stays a draft (it did not
# leave); the day before E it leaves.
def test_sending_refused_on_or_after_the_end(tenant, ending):
    contract, end = ending
    with pytest.raises(ValidationError) as error, translation.override("en"):
        _create(tenant, contract, LINES, desired_date=end, submit=True)
    assert error.value.message_dict == {"desired_date": [_ends(contract, end)]}
    assert not PortRequest.objects.exists()
    draft = _create(tenant, contract, LINES, desired_date=end + timedelta(days=3))
    with pytest.raises(ValidationError) as error, translation.override("en"):
        porting.port_request_submit(request=draft, actor=draft.created_by)
    assert error.value.message_dict == {"desired_date": [_ends(contract, end)]}
    draft.refresh_from_db()
    assert draft.status == PortStatus.DRAFT
    porting.port_request_update(
        request=draft, desired_date=end - timedelta(days=1), actor=draft.created_by
    )
    assert porting.port_request_submit(request=draft, actor=draft.created_by).status == (
        PortStatus.SUBMITTED
    )


# NUM-3 — staff accepting (back office) a porting date on E: refused on the porting date.
def test_acceptance_refused_on_the_end(tenant, ending):
    contract, end = ending
    request = _create(tenant, contract, LINES, desired_date=end - timedelta(days=1), submit=True)
    with pytest.raises(ValidationError) as error, translation.override("en"):
        porting.port_request_accept(request=request, scheduled_date=end, actor=make_staff())
    assert error.value.message_dict == {"scheduled_date": [_ends(contract, end)]}
    request.refresh_from_db()
    assert request.status == PortStatus.SUBMITTED


# NUM-3 / ACC-3 — through the partner API: submit=true desired on E is a 400 on desired_date
# naming E, no request; a draft desired on E answers the same 400 on /submit/.
def test_api_sending_refused(api, tenant, ending):
    contract, end = ending
    body = _port_body(tenant, contract, [_line("0172700012")], desired_date=str(end))
    refused = api.post(
        PORTS, {**body, "lines": json.dumps(body["lines"]), "submit": "true",
                "mandate": _mandate()}, format="multipart", HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert _fields(refused) == {"desired_date": [_ends(contract, end)]}
    assert not PortRequest.objects.exists()
    draft = api.post(PORTS, body, format="json").json()
    api.patch(reverse("api:port-request-detail", args=[draft["id"]]), {"mandate": _mandate()},
              format="multipart")  # fmt: skip
    submit = reverse("api:port-request-submit", args=[draft["id"]])
    assert _fields(api.post(submit, HTTP_ACCEPT_LANGUAGE="en")) == {
        "desired_date": [_ends(contract, end)]
    }
    assert PortRequest.objects.get().status == PortStatus.DRAFT


# NUM-3 — in the portal (French): the form sent for E comes back with the refusal on « date
# souhaitée », the contract and E named (the no-break space read as a space); nothing written.
def test_portal_form_shows_the_refusal_on_the_date(client, tenant, ending):
    contract, end = ending
    client.force_login(tenant.members[Role.TECHNICAL].user)
    lines = [("01 72 70 00 12", LINES[0]["rio"])]
    data = _port_data(tenant, contract, lines, desired_date=end.isoformat())
    response = client.post(PORT_NEW, {**data, "mandate": _mandate()}, HTTP_ACCEPT_LANGUAGE="fr")
    tree = _page(response)
    assert _testid(tree, "error-desired_date") == [
        f"Le contrat {contract.reference} prend fin le {end:%d/%m/%Y} (sa résiliation prend "
        "effet ce jour-là) : les numéros doivent arriver avant. Choisissez une date "
        "antérieure ou portez-les vers un autre contrat."
    ]
    assert not PortRequest.objects.exists()
