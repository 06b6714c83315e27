"""Audit of numbers and portability (NUM-1..4): cases no other test shows."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html

from accounts.choices import Role
from kernel.clock import paris_today
from numbering.models import PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from tests.factories import siret_for
from tests.numbering.test_views import _port_data as _data
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db
PORT_NEW = reverse("numbering:port_create")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def contract(tenant):
    return make_contract(tenant.client, "hosted-w")


def _rio(national, body="02FAB1234"):
    return body + check_key(body, national)


def _tree(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def _row_errors(tree):
    """{line position: ([number errors], [RIO errors])}"""
    rows = tree.xpath("//*[@data-testid='port-lines']//tr[@data-testid='port-line']")
    return {
        row.get("data-line"): tuple(
            [" ".join(e.text_content().split()) for e in row.xpath(f"./td[{i}]//small")]
            for i in (2, 3)
        )
        for row in rows
    }


# NUM-3 (« Every refusal of the service is shown where it belongs »): line 1's number is not a
# number and its RIO has 5 characters — both are shown at once on that line, not the number's
# alone (the customer fixed it, sent again, and only then learnt the RIO was wrong too).
def test_wizard_shows_a_bad_rio_next_to_a_bad_number(english, tenant, contract):
    english.force_login(tenant.members[Role.ADMIN].user)
    lines = [("01 72", "12345"), ("06 12 34 56 78", "01P12345636Q"), ("0172700012", "")]
    tree = _tree(english.post(PORT_NEW, _data(tenant, contract, lines)))
    errors = _row_errors(tree)
    number_errors, rio_errors = errors["1"]
    assert number_errors and "12 characters (this one has 5)" in rio_errors[0]
    assert errors["2"] == ([], [])
    assert errors["3"][0] == [] and "this one has 0" in errors["3"][1][0]
    assert not PortRequest.objects.exists()


# NUM-3: every field's error at once — a missing contract, a missing holder's name and a date
# the browser sent in a wrong shape were each shown only after the lines' errors were fixed.
def test_wizard_names_every_field_with_the_lines_at_once(english, tenant, contract):
    english.force_login(tenant.members[Role.ADMIN].user)
    lines = [("0172700012", "02FAB1234XXX")]
    data = _data(tenant, contract, lines, contract="", holder_name="")
    tree = _tree(english.post(PORT_NEW, data))
    assert tree.xpath("//*[@data-testid='error-contract']")
    assert tree.xpath("//*[@data-testid='error-holder_name']")
    assert "check key" in _row_errors(tree)["1"][1][0]
    # A date the form cannot read: the lines and the other fields are still checked.
    data = _data(tenant, contract, lines, holder_name="", desired_date="2026-02-30")
    tree = _tree(english.post(PORT_NEW, data))
    assert tree.xpath("//*[@data-testid='error-desired_date']")
    assert tree.xpath("//*[@data-testid='error-holder_name']")
    assert "check key" in _row_errors(tree)["1"][1][0]
    # A mandate that is no PDF is named with the lines' errors, not after them.
    text = SimpleUploadedFile("mandat.pdf", b"hello", content_type="application/pdf")
    tree = _tree(english.post(PORT_NEW, {**_data(tenant, contract, lines), "mandate": text}))
    assert tree.xpath("//*[@data-testid='error-mandate']")
    assert "check key" in _row_errors(tree)["1"][1][0]
    # Sent without a mandate: said with the lines' errors too.
    tree = _tree(english.post(PORT_NEW, _data(tenant, contract, lines)))
    assert tree.xpath("//*[@data-testid='error-mandate']")
    assert not PortRequest.objects.exists()


# NUM-1 (« overseas +596 … never +33 »): a Martinique line typed the international way from
# France, « +33 5 96 60 12 34 », was kept as +33596601234 — a number of mainland France, no ZNE
# restriction, another number than the same line typed « 05 96 60 12 34 » (+596596601234): the
# same line could be brought twice, and a port-out notice typed one way missed it typed the
# other. Typed with +33 or 0033, an overseas number is its territory's.
@pytest.mark.parametrize(
    "typed, e164",
    [
        ("+33 5 96 60 12 34", "+596596601234"),
        ("0033 5 96 60 12 34", "+596596601234"),
        ("+33 2 69 60 12 34", "+262269601234"),  # Mayotte: +262, never +269 (the Comoros)
        ("+33 9 76 61 23 45", "+596976612345"),
        ("+33 2 62 50 00 03", "+262262500003"),  # was refused, unlike 05 96
        ("+33 1 72 70 00 12", "+33172700012"),
    ],
)
def test_overseas_number_typed_with_33_is_its_territorys(tenant, contract, typed, e164):
    from numbering.services import porting
    from tests.factories import SiteFactory

    # an overseas geographic number is brought to a site of its territory (NUM-1, D406-18)
    insee = {"+596596": "97209", "+262269": "97611", "+262262": "97411"}.get(e164[:7])
    if insee:
        site = SiteFactory(client=tenant.client, insee_code=insee)
        contract = make_contract(tenant.client, "hosted-w", site=site)
    national = "0" + e164[-9:]
    port = porting.port_request_create(
        client=tenant.client,
        lines=[{"number": typed, "rio": _rio(national)}],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=14)),
        contract=contract,
        actor=tenant.members[Role.ADMIN].user,
    )
    assert [line.e164 for line in port.lines.all()] == [e164]


# NUM-3 (« a desired date (today to a year ahead) »): on 1 March 2027 the date a year ahead is
# 1 March 2028 — 366 days later, across 29 February 2028 — and was refused « Choose a date
# within a year »; the day after it still is.
def test_desired_date_a_year_ahead_across_a_leap_day(tenant, contract):
    import time_machine
    from django.core.exceptions import ValidationError

    from numbering.services import porting

    def create(desired):
        return porting.port_request_create(
            client=tenant.client,
            lines=[{"number": "0172700012", "rio": _rio("0172700012")}],
            holder_name="Acme SAS",
            holder_siret=siret_for(tenant.client.siren),
            current_operator="Opérateur historique",
            desired_date=desired,
            contract=contract,
            actor=tenant.members[Role.ADMIN].user,
        )

    with time_machine.travel("2027-03-01 10:00 +01:00", tick=False):
        assert create(date(2028, 3, 1)).desired_date == date(2028, 3, 1)
        with pytest.raises(ValidationError) as refused:
            create(date(2028, 3, 2))
        assert "desired_date" in refused.value.error_dict


# NUM-1 (« every move is a dated row with its author »): a number ported in became « assigned »
# with no row — its history in the back office was empty, who completed the port-in unknown; a
# number ported out and brought back showed it leave, never come back.
def test_a_number_ported_in_has_its_move_with_its_author(tenant, contract):
    from numbering.choices import NumberState
    from numbering.models import NumberEvent
    from numbering.services import porting
    from tests.support.factories import make_staff

    staff = make_staff()
    port = porting.port_request_create(
        client=tenant.client,
        lines=[{"number": "0172700012", "rio": _rio("0172700012")}],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=14)),
        contract=contract,
        mandate=SimpleUploadedFile("m.pdf", PDF, content_type="application/pdf"),
        submit=True,
        actor=tenant.members[Role.ADMIN].user,
    )
    porting.port_request_accept(
        request=port, scheduled_date=next_porting_day(paris_today()), actor=staff
    )
    porting.port_request_complete(request=port, actor=staff)
    (event,) = NumberEvent.objects.filter(number__e164="+33172700012")
    assert (event.from_state, event.to_state) == ("", NumberState.ASSIGNED)
    assert (event.actor, event.client) == (staff, tenant.client)
    assert port.reference in event.note
