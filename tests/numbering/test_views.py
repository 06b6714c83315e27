"""Customer portal pages of numbers: the numbers per site and service and their release to
quarantine (NUM-2), the search of the pool with prices and the assignment (a number taken
meanwhile named), the port-in wizard with each line's error on its own line, the request's
timeline, fix and relaunch after a rejection, cancellation (NUM-3); roles (ACC-2) and query
counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from accounts.choices import Role
from kernel.clock import paris_today
from numbering import services
from numbering.choices import NumberState, PortStatus, RejectionReason
from numbering.models import PhoneNumber, PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from offers.models import Product
from tests.factories import SiteFactory, siret_for
from tests.offers.factories import make_contract
from tests.support.factories import make_staff
from tests.telephony.factories import make_sip_account

pytestmark = pytest.mark.django_db
HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NUMBERS = reverse("numbering:numbers")
SEARCH = reverse("numbering:search")
PORTS = reverse("numbering:ports")
PORT_NEW = reverse("numbering:port_create")


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.NUMBERS_QUARANTINE_DAYS = 90
    settings.PORT_IN_EXPECTED_DAYS = 10


@pytest.fixture
def english(client):
    """The pages in English (the source strings), whatever the catalogue says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def pool():
    """Ten Paris numbers (no ZNE restriction) and ten of La Réunion (restricted to their ZNE)."""
    services.import_ranges(
        content=(
            HEADER + "1;0172700000;0172700009;X;Métropole;;PARIS\n"
            "2;0262500000;0262500009;X;La Réunion;;SAINT-DENIS-REUNION\n"
        ).encode(),
        source="test.csv",
    )


@pytest.fixture
def contract(tenant):
    return make_contract(tenant.client, "hosted-w")


def _page(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def _texts(tree, xpath) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def _testid(tree, testid) -> list[str]:
    return _texts(tree, f"//*[@data-testid='{testid}']")


def _rio(national, body="02F" + "AB1234"):
    return body + check_key(body, national)


def _mandate():
    return SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf")


def _assigned(tenant, contract, *numbers):
    return services.assign_numbers(client=tenant.client, numbers=list(numbers), contract=contract)


def _port_data(tenant, target, lines, **extra):
    """The wizard's POST: ``lines`` as (number, RIO) pairs in the form's rows."""
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
        "holder_name": "Acme SAS",
        "holder_siret": siret_for(tenant.client.siren),
        "current_operator": "Opérateur historique",
        "desired_date": (next_porting_day(paris_today() + timedelta(days=14))).isoformat(),
        "contract": str(target.pk),
        "service": "",
        "action": "submit",
    }
    for index, (number, rio) in enumerate(lines):
        data[f"lines-{index}-number"] = number
        data[f"lines-{index}-rio"] = rio
    data.update(extra)
    return data


def _port_request(tenant, contract, *, submit=True, number="0172700012"):
    return porting.port_request_create(
        client=tenant.client,
        lines=[{"number": number, "rio": _rio(number)}],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=14)),
        contract=contract,
        mandate=_mandate(),
        submit=submit,
        actor=tenant.members[Role.ADMIN].user,
    )


# --- Every page renders ------------------------------------------------------------------------


def test_every_page_renders_for_the_admin(as_role, tenant, pool, contract):
    (number,) = _assigned(tenant, contract, "0172700001")
    port = _port_request(tenant, contract, submit=False)
    browser = as_role(Role.ADMIN)
    for url in [
        NUMBERS,
        SEARCH,
        PORTS,
        PORT_NEW,
        reverse("numbering:release", args=[number.pk]),
        reverse("numbering:port_detail", args=[port.pk]),
        reverse("numbering:port_edit", args=[port.pk]),
        reverse("numbering:port_cancel", args=[port.pk]),
    ]:
        assert browser.get(url).status_code == 200, url
    mandate = browser.get(reverse("numbering:port_mandate", args=[port.pk]))
    assert mandate.status_code == 200 and mandate["Content-Type"] == "application/pdf"
    assert mandate["X-Content-Type-Options"] == "nosniff"
    assert b"".join(mandate.streaming_content) == PDF


def test_nav_entry_on_every_page(as_role):
    tree = _page(as_role(Role.READ_ONLY).get(reverse("dashboard")))
    assert tree.xpath(f"//nav[@class='mainnav']/a[@href='{NUMBERS}']")


def test_empty_states(english, tenant):
    english.force_login(tenant.members[Role.ADMIN].user)
    tree = _page(english.get(NUMBERS))
    assert _testid(tree, "no-number") and not tree.xpath("//*[@data-testid='number-table']")
    assert tree.xpath(f"//*[@data-testid='no-number']//a[@href='{PORT_NEW}']")
    tree = _page(english.get(PORTS))
    assert _testid(tree, "no-port")
    tree = _page(english.get(SEARCH))
    assert _testid(tree, "no-result")


# --- Numbers per site and service, release (NUM-2) ---------------------------------------------


def test_numbers_per_site_and_service(as_role, tenant, pool, contract):
    # NUM-2: one group per site; each number names the service it serves, with its state.
    account, _secret = make_sip_account(tenant.client)  # at the Marseille site
    paris = SiteFactory(client=tenant.client, name="Agence Paris", insee_code="75101")
    other = make_contract(tenant.client, "hosted-w", site=paris)
    _assigned(tenant, contract, "0172700001")
    _assigned(tenant, other, "0172700002")
    services.assign_numbers(client=tenant.client, numbers=["0172700003"], sip_account=account)
    tree = _page(as_role(Role.ADMIN).get(NUMBERS))
    groups = tree.xpath("//*[@data-testid='site-group']")
    headers = [" ".join(g.xpath("string(.//tr[@class='num-group'])").split()) for g in groups]
    assert headers[0].startswith("Agence Paris")
    rows = {
        row.get("data-number"): " ".join(row.text_content().split())
        for row in tree.xpath("//*[@data-testid='number-row']")
    }
    assert set(rows) == {"+33172700001", "+33172700002", "+33172700003"}
    assert other.reference in rows["+33172700002"]
    assert account.username in rows["+33172700003"]
    assert "01 72 70 00 01" in rows["+33172700001"]
    # Filtered by site: only that site's numbers.
    tree = _page(as_role(Role.ADMIN).get(NUMBERS, {"site": paris.pk}))
    assert [r.get("data-number") for r in tree.xpath("//*[@data-testid='number-row']")] == [
        "+33172700002"
    ]


def test_release_confirmation_then_quarantine(english, tenant, pool, contract):
    # NUM-2: the confirmation page states the quarantine; the POST sends the number there.
    (number,) = _assigned(tenant, contract, "0172700001")
    english.force_login(tenant.members[Role.TECHNICAL].user)
    url = reverse("numbering:release", args=[number.pk])
    tree = _page(english.get(url))
    warning = _testid(tree, "quarantine-warning")[0]
    assert "90 days" in warning and "cannot be recovered" in warning
    number.refresh_from_db()
    assert number.state == NumberState.ASSIGNED  # a GET changes nothing
    response = english.post(url)
    assert response.status_code == 302 and response["Location"] == NUMBERS
    number.refresh_from_db()
    assert number.state == NumberState.QUARANTINE and number.client is None
    assert number.quarantine_until == paris_today() + timedelta(days=90)
    # Released, it is no longer the customer's: its page is a 404.
    assert english.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BILLING])
def test_roles_without_technical_see_no_button_and_get_403(as_role, tenant, pool, contract, role):
    # ACC-2 / NUM-2: viewing is open; releasing, searching and bringing numbers are not.
    (number,) = _assigned(tenant, contract, "0172700001")
    port = _port_request(tenant, contract, submit=False)
    browser = as_role(role)
    tree = _page(browser.get(NUMBERS))
    assert tree.xpath("//*[@data-testid='number-row']")
    assert not tree.xpath("//*[@data-testid='release']")
    assert not tree.xpath("//*[@data-testid='get-numbers']")
    assert not tree.xpath(f"//nav[@class='subnav']/a[@href='{SEARCH}']")
    assert browser.post(reverse("numbering:release", args=[number.pk])).status_code == 403
    assert browser.get(SEARCH).status_code == 403
    assert browser.post(SEARCH, {"numbers": ["+33172700002"]}).status_code == 403
    assert browser.get(PORT_NEW).status_code == 403
    tree = _page(browser.get(reverse("numbering:port_detail", args=[port.pk])))
    for action in ("edit-port", "submit-port", "cancel-port"):
        assert not tree.xpath(f"//*[@data-testid='{action}']")
    for route in ("port_edit", "port_submit", "port_cancel"):
        assert browser.post(reverse(f"numbering:{route}", args=[port.pk])).status_code == 403
    number.refresh_from_db()
    port.refresh_from_db()
    assert number.state == NumberState.ASSIGNED and port.status == PortStatus.DRAFT


def test_other_customers_number_is_404(as_role, tenant, other_tenant, pool):
    theirs = make_contract(other_tenant.client, "hosted-w")
    (number,) = services.assign_numbers(
        client=other_tenant.client, numbers=["0172700001"], contract=theirs
    )
    browser = as_role(Role.ADMIN)
    url = reverse("numbering:release", args=[number.pk])
    assert browser.get(url).status_code == 404
    assert browser.post(url).status_code == 404
    number.refresh_from_db()
    assert number.state == NumberState.ASSIGNED
    # A number of the pool is no one's either.
    free = PhoneNumber.objects.get(e164="+33172700005")
    assert browser.post(reverse("numbering:release", args=[free.pk])).status_code == 404


# --- Search and assignment (NUM-2) -------------------------------------------------------------


def test_search_filters_and_prices(as_role, tenant, pool, contract):
    Product.objects.filter(code="number-geographic").update(
        setup_price=Decimal("5.00"), monthly_price=Decimal("1.00")
    )
    browser = as_role(Role.TECHNICAL)
    tree = _page(browser.get(SEARCH, {"ends_with": "07"}))
    rows = {r.get("data-number"): r for r in tree.xpath("//*[@data-testid='result-row']")}
    assert set(rows) == {"+33172700007", "+262262500007"}
    cells = _texts(rows["+33172700007"], "./td")
    assert cells[1] == "01 72 70 00 07" and cells[4] == "5,00 €" and cells[5] == "1,00 €"
    tree = _page(browser.get(SEARCH, {"starts_with": "02 62", "number_type": "geographic"}))
    assert len(tree.xpath("//*[@data-testid='result-row']")) == 10
    # A pattern that is not digits is a field error, and no results.
    tree = _page(browser.get(SEARCH, {"ends_with": "7x"}))
    assert _testid(tree, "error-ends_with") and not tree.xpath("//*[@data-testid='result-row']")


def test_search_at_a_site_keeps_the_numbers_allowed_there(as_role, tenant, pool):
    # NUM-2: La Réunion's numbers are restricted to their ZNE: not offered at a Marseille site.
    tree = _page(as_role(Role.ADMIN).get(SEARCH, {"site": tenant.site.pk}))
    numbers = [r.get("data-number") for r in tree.xpath("//*[@data-testid='result-row']")]
    assert len(numbers) == 10 and all(n.startswith("+33172") for n in numbers)


# NUM-2 — the search without a site shows first the numbers usable at the customer's sites (a
# Marseille customer: Paris's unrestricted numbers, then La Réunion's, restricted to their zone,
# although "+262…" sorts before "+331…"), a page at a time.
def test_search_usable_numbers_first_and_paginated(as_role, tenant, pool):
    services.import_ranges(
        content=(HEADER + "1;0172710000;0172710059;X;Métropole;;PARIS\n").encode(), source="b"
    )
    browser = as_role(Role.ADMIN)
    first = _page(browser.get(SEARCH))
    numbers = [r.get("data-number") for r in first.xpath("//*[@data-testid='result-row']")]
    assert len(numbers) == 50 and all(n.startswith("+33172") for n in numbers)
    second = _page(browser.get(SEARCH, {"page": 2}))
    numbers = [r.get("data-number") for r in second.xpath("//*[@data-testid='result-row']")]
    assert numbers[:20] == [n for n in numbers if n.startswith("+33172")][:20]
    assert len(numbers) == 30 and numbers[-10:] == [f"+26226250000{i}" for i in range(10)]


def test_assign_shows_the_prices_then_assigns(english, tenant, pool, contract):
    # NUM-2: tick two numbers and a service; the review shows the prices; confirm assigns.
    Product.objects.filter(code="number-geographic").update(
        setup_price=Decimal("5.00"), monthly_price=Decimal("1.50")
    )
    english.force_login(tenant.members[Role.TECHNICAL].user)
    chosen = {"numbers": ["+33172700001", "+33172700002"], "service": f"contract:{contract.pk}"}
    tree = _page(english.post(SEARCH + "?ends_with=0", {**chosen, "step": "review"}))
    assert len(tree.xpath("//*[@data-testid='review-row']")) == 2
    assert _testid(tree, "setup-total") == ["10.00 €"]
    assert _testid(tree, "monthly-total") == ["3.00 €"]
    assert not PhoneNumber.objects.filter(state=NumberState.ASSIGNED).exists()
    response = english.post(SEARCH, {**chosen, "step": "confirm"})
    assert response.status_code == 302 and response["Location"] == NUMBERS
    assigned = PhoneNumber.objects.filter(state=NumberState.ASSIGNED)
    assert {n.e164 for n in assigned} == set(chosen["numbers"])
    assert {n.contract_id for n in assigned} == {contract.pk}
    # BIL-3: the set-up fees (2 × 5.00 HT) go on the invoice in French, although the customer
    # assigned the numbers in English: « Mise en service du numéro 01 72 70 00 01 ».
    from billing.models import PendingCharge

    charges = PendingCharge.objects.filter(source_type="number_setup", client=tenant.client)
    assert sorted((c.description, c.unit_price) for c in charges) == [
        ("Mise en service du numéro 01 72 70 00 01", Decimal("5.0000")),
        ("Mise en service du numéro 01 72 70 00 02", Decimal("5.0000")),
    ]


def test_assign_to_a_sip_account(as_role, tenant, pool):
    account, _secret = make_sip_account(tenant.client)
    browser = as_role(Role.ADMIN)
    response = browser.post(
        SEARCH, {"numbers": ["+33172700004"], "service": f"sip:{account.pk}", "step": "confirm"}
    )
    assert response.status_code == 302
    number = PhoneNumber.objects.get(e164="+33172700004")
    assert number.sip_account == account and number.contract == account.contract


# The services drop-down groups and the telephony page's heading read « Comptes SIP », capitalised
# (the model's plural, « comptes SIP », is for sentences).
def test_sip_accounts_heading_capitalised(as_role, tenant, pool, contract):
    make_sip_account(tenant.client)
    browser = as_role(Role.ADMIN)
    for url in (PORT_NEW, SEARCH, reverse("telephony:index")):
        page = browser.get(url).content.decode()
        assert "Comptes SIP" in page and "comptes SIP<" not in page
        assert 'label="comptes SIP"' not in page


def test_number_taken_meanwhile_is_named(english, tenant, other_tenant, pool, contract):
    # NUM-2: between the review and the confirmation another customer took one of the numbers:
    # nothing is assigned and the page says which number, clearly, with the pool as it is now.
    english.force_login(tenant.members[Role.ADMIN].user)
    chosen = {"numbers": ["+33172700001", "+33172700002"], "service": f"contract:{contract.pk}"}
    _page(english.post(SEARCH, {**chosen, "step": "review"}))
    services.assign_numbers(
        client=other_tenant.client,
        numbers=["+33172700002"],
        contract=make_contract(other_tenant.client, "hosted-w"),
    )
    tree = _page(english.post(SEARCH, {**chosen, "step": "confirm"}))
    (error,) = _testid(tree, "assign-error")
    assert "01 72 70 00 02" in error and "no longer available" in error
    assert tree.xpath("//div[@data-testid='assign-error'][@role='alert']")
    listed = [r.get("data-number") for r in tree.xpath("//*[@data-testid='result-row']")]
    assert "+33172700002" not in listed and "+33172700001" in listed
    assert tree.xpath("//input[@name='numbers'][@value='+33172700001'][@checked]")
    assert not PhoneNumber.objects.filter(client=tenant.client).exists()
    # Taken before the review: the review says it at once.
    tree = _page(english.post(SEARCH, {**chosen, "step": "review"}))
    assert "01 72 70 00 02" in _testid(tree, "assign-error")[0]


def test_assign_refuses_another_customers_service_and_bounds(
    as_role, tenant, other_tenant, pool, contract
):
    theirs = make_contract(other_tenant.client, "hosted-w")
    browser = as_role(Role.ADMIN)
    tree = _page(
        browser.post(
            SEARCH,
            {"numbers": ["+33172700001"], "service": f"contract:{theirs.pk}", "step": "confirm"},
        )
    )
    assert _testid(tree, "error-service")
    tree = _page(browser.post(SEARCH, {"numbers": [], "service": "", "step": "confirm"}))
    assert _testid(tree, "assign-error") and _testid(tree, "error-service")
    too_many = [f"+3317270{i:04d}" for i in range(101)]
    tree = _page(browser.post(SEARCH, {"numbers": too_many, "step": "review"}))
    assert _testid(tree, "assign-error")
    assert not PhoneNumber.objects.filter(state=NumberState.ASSIGNED).exists()


# --- Port-in wizard (NUM-3) --------------------------------------------------------------------


def test_wizard_shows_each_error_on_its_own_line(english, tenant, contract):
    # NUM-3: line 2's key is wrong (the first row is left empty: rows are mapped, not counted);
    # its error shows on that row only; nothing is written.
    english.force_login(tenant.members[Role.TECHNICAL].user)
    lines = [
        ("", ""),
        ("01 72 70 00 12", _rio("0172700012")),
        ("0172700013", _rio("0172700012")),  # the key of the line above
        ("06 12 34 56 78", "01 p 123456 36q"),  # normalised
    ]
    data = _port_data(tenant, contract, lines)
    tree = _page(english.post(PORT_NEW, {**data, "mandate": _mandate()}))
    rows = tree.xpath("//*[@data-testid='port-lines']//tr[@data-testid='port-line']")
    errors = {row.get("data-line"): _texts(row, ".//*[@data-testid='line-error']") for row in rows}
    assert errors["1"] == errors["2"] == errors["4"] == []
    (message,) = errors["3"]
    assert "check key" in message and "0172700013" in message
    assert rows[2].get("class") == "num-line-error"
    assert _testid(tree, "file-dropped")  # the mandate must be attached again
    assert not PortRequest.objects.exists()
    # Fixed: sent.
    data["lines-2-rio"] = _rio("0172700013")
    response = english.post(PORT_NEW, {**data, "mandate": _mandate()})
    port = PortRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("numbering:port_detail", args=[port.pk])
    assert port.status == PortStatus.SUBMITTED and port.lines.count() == 3
    assert [line.rio for line in port.lines.order_by("pk")][2] == "01P12345636Q"


def test_wizard_field_errors_and_lines_errors(english, tenant, contract):
    english.force_login(tenant.members[Role.ADMIN].user)
    data = _port_data(tenant, contract, [("", "")], holder_siret="123", current_operator="")
    tree = _page(english.post(PORT_NEW, data))
    assert _testid(tree, "error-holder_siret") and _testid(tree, "error-current_operator")
    assert "at least one number" in _testid(tree, "lines-errors")[0]
    # A number that is not a number: the error is on the number's field of its row.
    data = _port_data(tenant, contract, [("01 72", "X")])
    tree = _page(english.post(PORT_NEW, data))
    (row,) = tree.xpath("//tbody[@data-lines]/tr")
    assert row.xpath(".//td[2]//*[@data-testid='line-error']")
    assert not PortRequest.objects.exists()


# NUM-3 — an empty SIRET is missing (« Indiquez le SIRET du titulaire »), not « format
# incorrect »; the fields the request needs are marked « * » as on the company and site forms.
def test_wizard_empty_siret_is_missing_and_required_fields_marked(as_role, tenant, contract):
    browser = as_role(Role.ADMIN)
    form = browser.get(PORT_NEW).content.decode()
    for name in ("holder_name", "holder_siret", "current_operator", "desired_date", "contract"):
        label = form.split(f'<label for="id_{name}">')[1].split("</label>")[0]
        assert label.endswith('<span aria-hidden="true">*</span>'), name
    data = _port_data(tenant, contract, [("0172700012", "")], holder_siret="")
    tree = _page(browser.post(PORT_NEW, data))
    assert _testid(tree, "error-holder_siret") == ["Indiquez le SIRET du titulaire."]


def test_wizard_sending_needs_the_mandate(english, tenant, contract):
    english.force_login(tenant.members[Role.ADMIN].user)
    data = _port_data(tenant, contract, [("0172700012", _rio("0172700012"))])
    tree = _page(english.post(PORT_NEW, data))
    assert _testid(tree, "error-mandate")
    assert not PortRequest.objects.exists()
    # As a draft, it is kept; sent from its page once the mandate is attached.
    response = english.post(PORT_NEW, {**data, "action": "draft"})
    port = PortRequest.objects.get()
    assert response.status_code == 302 and port.status == PortStatus.DRAFT
    tree = _page(english.get(reverse("numbering:port_detail", args=[port.pk])))
    assert not tree.xpath("//*[@data-testid='submit-port']")
    edit = reverse("numbering:port_edit", args=[port.pk])
    tree = _page(english.get(edit))
    assert tree.xpath("//input[@name='lines-0-number'][@value='01 72 70 00 12']")
    edited = _port_data(tenant, contract, [("0172700012", _rio("0172700012"))], action="draft")
    assert english.post(edit, {**edited, "mandate": _mandate()}).status_code == 302
    port.refresh_from_db()
    assert port.mandate and port.status == PortStatus.DRAFT
    submit = reverse("numbering:port_submit", args=[port.pk])
    assert english.get(submit).status_code == 302  # a GET changes nothing
    port.refresh_from_db()
    assert port.status == PortStatus.DRAFT
    assert english.post(submit).status_code == 302
    port.refresh_from_db()
    assert port.status == PortStatus.SUBMITTED


def test_add_a_line_without_javascript(english, tenant, contract):
    # The "add a line" button posts the form: the page comes back with one more empty row,
    # what was typed kept, no error shown and nothing written.
    english.force_login(tenant.members[Role.ADMIN].user)
    data = _port_data(tenant, contract, [("0172700012", "02F")], holder_name="", add_line="1")
    tree = _page(english.post(PORT_NEW, data))
    assert len(tree.xpath("//tbody[@data-lines]/tr")) == 2
    assert tree.xpath("//input[@name='lines-TOTAL_FORMS'][@value='2']")
    assert tree.xpath("//input[@name='lines-0-rio'][@value='02F']")
    assert not tree.xpath("//*[contains(@class, 'error')][@data-testid]")
    assert not PortRequest.objects.exists()
    # The JavaScript that does it in place is a file (CSP: no inline script).
    assert tree.xpath("//script[contains(@src, 'js/port_lines.js')]")
    assert tree.xpath("//template[@id='port-line-template']")


def test_each_number_and_rio_field_has_its_label(english, tenant):
    # The number and RIO fields of each line had no label (a screen reader announced "edit
    # text", nothing else): each has one naming its column and its line, the rows added by
    # "add a line" too (the template's row).
    english.force_login(tenant.members[Role.ADMIN].user)
    tree = _page(english.get(PORT_NEW))
    inputs = tree.xpath("//tbody[@data-lines]//input")
    assert len(inputs) == 6  # 3 lines × (number, RIO)
    labels = {
        field.get("id"): " ".join(
            tree.xpath(f"//label[@for='{field.get('id')}']")[0].text_content().split()
        )
        for field in inputs
    }
    assert labels["id_lines-0-number"] == "Number, line 1"
    assert labels["id_lines-2-rio"] == "RIO, line 3"
    template = html.tostring(tree.xpath("//template[@id='port-line-template']")[0]).decode()
    assert 'for="id_lines-__prefix__-number"' in template and "line __position__" in template


def test_rejected_request_fixed_and_relaunched(english, tenant, contract):
    # NUM-3: the rejection's reason is shown prominently; the customer fixes and relaunches.
    port = _port_request(tenant, contract)
    porting.port_request_reject(
        request=port,
        reason=RejectionReason.HOLDER_MISMATCH,
        note="Le SIRET ne correspond pas.",
        actor=make_staff(),
    )
    english.force_login(tenant.members[Role.TECHNICAL].user)
    detail = reverse("numbering:port_detail", args=[port.pk])
    tree = _page(english.get(detail))
    assert _testid(tree, "rejection-reason") == [str(RejectionReason.HOLDER_MISMATCH.label)]
    assert _testid(tree, "rejection-note") == ["Le SIRET ne correspond pas."]
    steps = tree.xpath("//*[@data-testid='step']")
    assert [s.get("data-status") for s in steps] == ["draft", "submitted", "rejected"]
    assert tree.xpath("//*[@data-testid='edit-port']") and tree.xpath(
        "//*[@data-testid='cancel-port']"
    )
    edit = reverse("numbering:port_edit", args=[port.pk])
    tree = _page(english.get(edit))
    assert _testid(tree, "rejection-reason") and not tree.xpath("//*[@data-testid='save-draft']")
    data = _port_data(
        tenant, contract, [("0172700012", _rio("0172700012"))], holder_name="ACME S.A.S."
    )
    del data["contract"], data["service"]
    response = english.post(edit, data)
    assert response.status_code == 302 and response["Location"] == detail
    port.refresh_from_db()
    assert port.status == PortStatus.SUBMITTED and port.holder_name == "ACME S.A.S."
    assert port.rejection_reason == "" and port.mandate  # the mandate is kept
    tree = _page(english.get(detail))
    statuses = [s.get("data-status") for s in tree.xpath("//*[@data-testid='step']")]
    assert statuses == ["draft", "submitted", "rejected", "submitted"]


def test_accepted_step_shows_the_porting_date(english, tenant, contract):
    port = _port_request(tenant, contract)
    day = next_porting_day(paris_today() + timedelta(days=9))
    porting.port_request_accept(request=port, scheduled_date=day, actor=make_staff())
    english.force_login(tenant.members[Role.READ_ONLY].user)
    tree = _page(english.get(reverse("numbering:port_detail", args=[port.pk])))
    assert _testid(tree, "scheduled-date") == [day.strftime("%d/%m/%Y")]
    accepted = tree.xpath("//*[@data-testid='step'][@data-status='accepted']")[0]
    assert day.strftime("%d/%m/%Y") in accepted.text_content()
    assert day.isoformat() not in accepted.text_content()


def test_cancel_confirmation(as_role, tenant, contract):
    port = _port_request(tenant, contract)
    browser = as_role(Role.ADMIN)
    url = reverse("numbering:port_cancel", args=[port.pk])
    assert browser.get(url).status_code == 200
    assert browser.post(url).status_code == 302
    port.refresh_from_db()
    assert port.status == PortStatus.CANCELLED
    # A cancelled request can no longer be cancelled nor edited: back to its page.
    assert browser.get(url).status_code == 302
    assert browser.get(reverse("numbering:port_edit", args=[port.pk])).status_code == 302


def test_other_customers_request_is_404(as_role, tenant, other_tenant):
    theirs = _port_request(other_tenant, make_contract(other_tenant.client, "hosted-w"))
    browser = as_role(Role.ADMIN)
    for route in ("port_detail", "port_edit", "port_submit", "port_cancel", "port_mandate"):
        url = reverse(f"numbering:{route}", args=[theirs.pk])
        assert browser.get(url).status_code == 404, route
        assert browser.post(url).status_code == 404, route
    theirs.refresh_from_db()
    assert theirs.status == PortStatus.SUBMITTED


def test_wizard_offers_only_the_customers_services(as_role, tenant, other_tenant, contract):
    theirs = make_contract(other_tenant.client, "hosted-w")
    browser = as_role(Role.ADMIN)
    tree = _page(browser.get(PORT_NEW))
    options = tree.xpath("//select[@name='contract']/option/@value")
    assert str(contract.pk) in options and str(theirs.pk) not in options
    data = _port_data(tenant, theirs, [("0172700012", _rio("0172700012"))])
    tree = _page(browser.post(PORT_NEW, {**data, "mandate": _mandate()}))
    assert _testid(tree, "error-contract")
    assert not PortRequest.objects.exists()


# --- Query counts ------------------------------------------------------------------------------


def test_number_list_query_count(as_role, tenant, pool, contract, django_assert_max_num_queries):
    browser = as_role(Role.ADMIN)
    _assigned(tenant, contract, "0172700001")
    browser.get(NUMBERS)
    with CaptureQueriesContext(connection) as one:
        assert browser.get(NUMBERS).status_code == 200
    account, _secret = make_sip_account(tenant.client)
    _assigned(tenant, contract, *[f"017270000{i}" for i in range(2, 6)])
    services.assign_numbers(
        client=tenant.client, numbers=["0172700006", "0172700007"], sip_account=account
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        tree = _page(browser.get(NUMBERS))
    assert len(tree.xpath("//*[@data-testid='number-row']")) == 7


def test_search_query_count(as_role, tenant, contract, django_assert_max_num_queries):
    # The pool's page costs the same for 10 numbers as for 100 (prices read once).
    services.import_ranges(
        content=(HEADER + "1;0172700000;0172700009;X;Métropole;;PARIS\n").encode(), source="a"
    )
    browser = as_role(Role.ADMIN)
    browser.get(SEARCH)
    with CaptureQueriesContext(connection) as one:
        assert browser.get(SEARCH).status_code == 200
    services.import_ranges(
        content=(HEADER + "1;0172710000;0172710099;X;Métropole;;PARIS\n").encode(), source="b"
    )
    with django_assert_max_num_queries(len(one.captured_queries)):
        tree = _page(browser.get(SEARCH))
    # a page of 50 (the pool's 110 numbers on 3 pages)
    assert len(tree.xpath("//*[@data-testid='result-row']")) == 50
    assert "Page 1 sur 3" in " ".join(tree.xpath("//nav[@class='pagination']//text()"))
    assert len(one.captured_queries) <= 16


def test_port_list_query_count(as_role, tenant, contract, django_assert_max_num_queries):
    browser = as_role(Role.ADMIN)
    _port_request(tenant, contract, number="0172700012")
    browser.get(PORTS)
    with CaptureQueriesContext(connection) as one:
        assert browser.get(PORTS).status_code == 200
    for index in range(3, 9):
        _port_request(tenant, contract, number=f"01727000{index:02d}", submit=index % 2 == 0)
    with django_assert_max_num_queries(len(one.captured_queries)):
        tree = _page(browser.get(PORTS))
    assert len(tree.xpath("//*[@data-testid='port-row']")) == 7


def test_port_detail_query_count(as_role, tenant, contract, django_assert_max_num_queries):
    # A request's page costs the same for 1 line and 1 step as for 5 lines and 4 steps.
    one_line = _port_request(tenant, contract, submit=False)
    browser = as_role(Role.ADMIN)
    browser.get(reverse("numbering:port_detail", args=[one_line.pk]))
    with CaptureQueriesContext(connection) as one:
        assert browser.get(reverse("numbering:port_detail", args=[one_line.pk])).status_code == 200
    numbers = [f"01727000{index:02d}" for index in range(20, 25)]
    port = porting.port_request_create(
        client=tenant.client,
        lines=[{"number": n, "rio": _rio(n)} for n in numbers],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=14)),
        contract=contract,
        mandate=_mandate(),
        submit=True,
    )
    staff = make_staff()
    porting.port_request_reject(request=port, reason=RejectionReason.DATE_UNAVAILABLE, actor=staff)
    porting.port_request_submit(request=port, actor=tenant.members[Role.ADMIN].user)
    with django_assert_max_num_queries(len(one.captured_queries)):
        tree = _page(browser.get(reverse("numbering:port_detail", args=[port.pk])))
    assert len(tree.xpath("//*[@data-testid='port-line']")) == 5
    assert len(tree.xpath("//*[@data-testid='step']")) == 4
    assert len(one.captured_queries) <= 12


def test_another_customers_member_sees_none_of_it(as_role, tenant, other_tenant, pool, contract):
    _assigned(tenant, contract, "0172700001")
    _port_request(tenant, contract)
    browser = as_role(Role.ADMIN)
    browser.force_login(other_tenant.members[Role.ADMIN].user)
    assert b"01 72 70 00 01" not in browser.get(NUMBERS).content
    assert b"PORT-" not in browser.get(PORTS).content


# NUM-2 / NUM-3 — the portal's choices of a service for numbers (search and assign, port-in)
# leave an equipment rental out: it is a contract in service, not a telephone service.
def test_equipment_rental_not_offered_for_numbers(as_role, tenant, pool, contract):
    from tests.equipment.factories import make_model, rent

    rental = rent(tenant.client, tenant.site, make_model()).contract
    browser = as_role(Role.ADMIN)
    search = _page(browser.get(SEARCH, {"ends_with": "07"}))
    options = search.xpath("//select[@name='service']//option/@value")
    assert f"contract:{contract.pk}" in options and f"contract:{rental.pk}" not in options
    options = _page(browser.get(PORT_NEW)).xpath("//select[@name='contract']//option/@value")
    assert str(contract.pk) in options and str(rental.pk) not in options
    # posted anyway (a stale page): refused with the form's message, nothing written
    data = _port_data(tenant, rental, [("0172700012", _rio("0172700012"))], mandate=_mandate())
    response = browser.post(PORT_NEW, data)
    assert response.status_code == 200 and not PortRequest.objects.exists()


# NUM-1 — the search and the customer's numbers say what an 08 number's callers pay (its price
# class), in French: « Tarification spéciale (08) : gratuit pour l'appelant (0800 à 0805) »;
# « Surtaxé » for a 0899. Before: « Tarification spéciale (08) » for both.
def test_special_numbers_show_their_price_class(as_role, tenant, contract):
    services.import_ranges(
        content=(HEADER + "3;0800100000;0800100004;X;;;\n4;0899100000;0899100004;X;;;\n").encode()
    )
    browser = as_role(Role.ADMIN)
    response = browser.get(SEARCH, {"number_type": "special"})
    assert "(08)\u00a0: gratuit pour l" in response.content.decode()  # a no-break space
    found = _page(response).xpath("//*[@data-testid='result-row']")
    rows = {r.get("data-number"): r for r in found}
    assert _texts(rows["+33800100001"], "./td")[2] == (
        "Tarification spéciale (08) : gratuit pour l'appelant (0800 à 0805)"
    )
    assert _texts(rows["+33899100001"], "./td")[2] == (
        "Tarification spéciale (08) : surtaxé (0836, 085 à 089)"
    )
    services.assign_numbers(client=tenant.client, numbers=["0899100001"], contract=contract)
    tree = _page(browser.get(NUMBERS))
    (row,) = tree.xpath("//*[@data-testid='number-row']")
    assert _texts(row, "./td")[1] == "Tarification spéciale (08) : surtaxé (0836, 085 à 089)"
