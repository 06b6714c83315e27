"""Audit of numbers and portability (NUM-1..4): cases no other test showed."""

import html
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from numbering.choices import PortStatus, RejectionReason
from numbering.models import PortRequest
from numbering.services import porting
from tests.numbering.test_porting import _create, _rio
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return make_contract(tenant.client, "hosted-w")


# NUM-3 — the desired date is from today to a year ahead when the request leaves, not only when
# it was typed: a request rejected on 2026-03-10 (holder mismatch) for Monday 2026-03-16 and
# relaunched as it is on 2026-03-20 would reach the operator asking for a day gone by. The
# relaunch is refused with a 400 on desired_date (the request stays rejected) until the date
# is fixed; fixed to 2026-04-01, it is relaunched.
def test_relaunch_with_a_desired_date_gone_by_is_refused(api, tenant, contract):
    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 16), submit=True)
    with time_machine.travel("2026-03-10 10:00 +01:00", tick=False):
        porting.port_request_reject(
            request=request, reason=RejectionReason.HOLDER_MISMATCH, actor=make_staff()
        )
    relaunch = reverse("api:port-request-relaunch", args=[request.pk])
    with time_machine.travel("2026-03-20 10:00 +01:00", tick=False):
        response = api.post(relaunch, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, response.content
        assert "desired_date" in response.json()["error"]["fields"]
        request.refresh_from_db()
        assert request.status == PortStatus.REJECTED
        detail = reverse("api:port-request-detail", args=[request.pk])
        assert api.patch(detail, {"desired_date": "2026-04-01"}, format="json").status_code == 200
        assert api.post(relaunch).json()["status"] == "submitted"


# NUM-3 — the same for a draft saved on 2026-03-02 for 2026-03-16 and sent from the portal on
# 2026-03-20: refused, the request stays a draft, the page says why.
def test_draft_sent_after_its_desired_date_is_refused(client, tenant, contract):
    from accounts.choices import Role
    from tests.conftest import login

    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 16))
    login(client, tenant.members[Role.TECHNICAL])
    with time_machine.travel("2026-03-20 10:00 +01:00", tick=False):
        response = client.post(reverse("numbering:port_submit", args=[request.pk]), follow=True)
    assert PortRequest.objects.get(pk=request.pk).status == PortStatus.DRAFT
    assert "La date souhaitée 16/03/2026 est passée" in response.content.decode()


# NUM-2 / PLATFORM 24.1.3 — a prepaid PLATFORM customer (signed 2026-06-01, period to
# 2027-06-01) reviews two numbers at 1.20 € HT a month on 2026-10-12: the confirmation says
# what leaves its prepaid balance when it confirms — November 2026 → May 2027 = 7 months,
# 2 × 7 × 1.20 = 16.80 € HT, 2 × 10.08 = 20.16 € TTC — before any money moves, and that is
# what the confirmation debits.
def test_prepaid_review_states_the_amount_debited(client, tenant, settings):
    from decimal import Decimal

    from lxml import html

    from accounts.choices import PaymentMethod, Role
    from numbering import services
    from numbering.models import NumberReservation
    from offers.models import Product
    from payments import services as payments
    from payments.models import PrepaidEntry
    from tests.conftest import login
    from tests.support.factories import reseller_billed

    Product.objects.filter(code="number-geographic").update(monthly_price=Decimal("1.20"))
    services.import_ranges(content=b"Tranche_Debut;Tranche_Fin;ZNE\n0172700000;0172700009;PARIS\n")
    reseller_billed(tenant.client)
    tenant.client.payment_method = PaymentMethod.PREPAID
    tenant.client.save(update_fields=["payment_method"])
    contract = make_contract(
        tenant.client, "platform", signature=date(2026, 6, 1), service_start=date(2026, 6, 1)
    )
    payments.prepaid_topup_record(
        client=tenant.client, amount_received="100.00", received_on=date(2026, 10, 1),
        reference="T1",
    )  # fmt: skip
    login(client, tenant.members[Role.ADMIN])
    chosen = {"numbers": ["+33172700001", "+33172700002"], "service": f"contract:{contract.pk}"}
    search = reverse("numbering:search")
    with time_machine.travel("2026-10-12 10:00 +02:00", tick=False):
        response = client.post(search, {**chosen, "step": "review"})
        assert response.status_code == 200
        tree = html.fromstring(response.content.decode())
        (box,) = tree.xpath("//*[@data-testid='prepaid-notice']")
        notice = " ".join(box.text_content().split())
        assert not PrepaidEntry.objects.filter(source_type="number_reservation").exists()
        assert (
            "Débité à la confirmation : 7 mois à partir de novembre 2026, 16,80 € HT, "
            "soit 20,16 € TTC." in notice
        ), notice
        client.post(search, {**chosen, "step": "confirm"})
    assert sum(r.amount_gross for r in NumberReservation.objects.all()) == Decimal("20.16")


# NUM-2 / BIL-3 — a number's monthly line is French whatever language the run's preparation
# runs in (a staff member's preview in English, a shell): « Numéro 01 72 70 00 01 », 1.00 € HT.
def test_monthly_number_line_is_french_whatever_the_language(tenant, contract):
    from decimal import Decimal

    from django.utils import translation

    from billing.models import PendingCharge
    from numbering import services
    from numbering.services.pricing import post_monthly_charges
    from offers.models import Product

    Product.objects.filter(code="number-geographic").update(monthly_price=Decimal("1.00"))
    services.import_ranges(content=b"Tranche_Debut;Tranche_Fin;ZNE\n0172700000;0172700009;PARIS\n")
    with time_machine.travel("2026-10-12 10:00 +02:00", tick=False):
        services.assign_numbers(client=tenant.client, numbers=["0172700001"], contract=contract)
    with translation.override("en"):
        post_monthly_charges(date(2026, 11, 1))
    charge = PendingCharge.objects.get(source_type="number")
    assert (charge.description, charge.unit_price) == ("Numéro 01 72 70 00 01", Decimal("1.0000"))


# NUM-3 — a request rejected on 2026-03-10 whose contract was terminated meanwhile: relaunched
# on 2026-03-12, it would reach the operator for numbers no contract of ours can take (the
# completion refuses it later). The relaunch is refused with a 400 on contract, nothing
# changes (still rejected, no new step).
def test_relaunch_for_a_contract_no_longer_in_service_is_refused(api, tenant, contract):
    from offers.choices import ContractStatus
    from offers.models import Contract

    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 30), submit=True)
    with time_machine.travel("2026-03-10 10:00 +01:00", tick=False):
        porting.port_request_reject(
            request=request, reason=RejectionReason.HOLDER_MISMATCH, actor=make_staff()
        )
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.TERMINATED)
    steps = request.steps.count()
    with time_machine.travel("2026-03-12 10:00 +01:00", tick=False):
        response = api.post(
            reverse("api:port-request-relaunch", args=[request.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400, response.content
    assert contract.reference in " ".join(response.json()["error"]["fields"]["contract"])
    request.refresh_from_db()
    assert (request.status, request.steps.count()) == (PortStatus.REJECTED, steps)


# NUM-3 — the same for a draft sent from the portal once its contract has ended: it stays a
# draft and the page says why, in French.
def test_draft_sent_for_a_contract_no_longer_in_service_is_refused(client, tenant, contract):
    from accounts.choices import Role
    from offers.choices import ContractStatus
    from offers.models import Contract
    from tests.conftest import login

    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 30))
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.TERMINATED)
    login(client, tenant.members[Role.TECHNICAL])
    with time_machine.travel("2026-03-04 10:00 +01:00", tick=False):
        response = client.post(reverse("numbering:port_submit", args=[request.pk]), follow=True)
    assert PortRequest.objects.get(pk=request.pk).status == PortStatus.DRAFT
    page = html.unescape(response.content.decode())
    assert f"Le contrat {contract.reference} n'est plus en service" in page


@pytest.fixture
def overseas_pool():
    """Five numbers each: Paris (01 72), La Réunion (02 62), Mayotte (02 69) and La Réunion's
    mobiles (06 92)."""
    from numbering import services
    from tests.numbering.test_api import HEADER

    services.import_ranges(
        content=(
            HEADER + "1;0172700000;0172700004;X;Métropole;;PARIS\n"
            "2;0262500000;0262500004;X;La Réunion;;SAINT-DENIS-REUNION\n"
            "3;0269610000;0269610004;X;Mayotte;;MAYOTTE\n"
            "4;0692500000;0692500004;X;La Réunion;;\n"
        ).encode(),
        source="test.csv",
    )


# NUM-1 / NUM-2 — overseas numbers are stored with their own code (+262), never +33, but the
# customer types the national prefix: "starts with 02" finds La Réunion's 02 62 and Mayotte's
# 02 69 numbers (not only mainland ones, of which there are none here); "06" the Réunion
# mobiles; "0" all twenty. Before, a prefix shorter than 4 digits was read as mainland (+332…).
@pytest.mark.parametrize(
    ("prefix", "found"),
    [
        ("0", 20),
        ("02", 10),
        ("026", 10),
        ("0269", 5),
        ("06", 5),
        ("069", 5),
        ("01", 5),
        ("0172", 5),
        ("03", 0),
    ],
)
def test_api_starts_with_finds_overseas_numbers_by_their_national_prefix(
    api, overseas_pool, prefix, found
):
    response = api.get(
        reverse("api:available-number-list"),
        {"starts_with": prefix, "page_size": 50},
    )
    assert response.json()["count"] == found, response.content


def test_portal_starts_with_02_shows_reunion_and_mayotte(client, tenant, overseas_pool):
    from lxml import html as lxml_html

    from accounts.choices import Role
    from tests.conftest import login

    login(client, tenant.members[Role.TECHNICAL])
    response = client.get(reverse("numbering:search"), {"starts_with": "02"})
    tree = lxml_html.fromstring(response.content.decode())
    found = {row.get("data-number") for row in tree.xpath("//*[@data-testid='result-row']")}
    assert found == {f"+262262500{n:03d}" for n in range(5)} | {
        f"+262269610{n:03d}" for n in range(5)
    }
