"""NUM-3: port-in requests — every line's RIO checked against its own number, the wrong line
named; submit, reject with a reason, fix and relaunch, accept with a date, complete: the numbers
are assigned and each line's porting fee waits for the next invoice. Every step is dated and
announced to the partner."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.choices import Role
from billing.models import PendingCharge
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.models import OutboxEvent
from numbering.choices import NumberState, PortStatus, RejectionReason
from numbering.models import PhoneNumber
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from offers.models import Product
from tests.factories import siret_for
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _rio(body, national):
    return body + check_key(body, national)


def _mandate():
    return SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf")


@pytest.fixture
def contract(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return make_contract(tenant.client, "hosted-w")


def _create(tenant, contract, lines, **extra):
    fields = {
        "client": tenant.client,
        "lines": lines,
        "holder_name": "Acme SAS",
        "holder_siret": siret_for(tenant.client.siren),
        "current_operator": "Opérateur historique",
        "desired_date": next_porting_day(paris_today() + timedelta(days=14)),
        "contract": contract,
        "mandate": _mandate(),
        "actor": tenant.members[Role.TECHNICAL].user,
    }
    fields.update(extra)
    return porting.port_request_create(**fields)


def test_multi_line_request_names_the_wrong_line(tenant, contract):
    # NUM-3: line 2's key is wrong; lines 1 and 3 are right (fixed and mobile); nothing written.
    lines = [
        {"number": "01 72 70 00 12", "rio": _rio("02F" + "AB1234", "0172700012")},
        {"number": "0172700013", "rio": _rio("02F" + "AB1234", "0172700012")},  # line 1's key
        {"number": "06 12 34 56 78", "rio": "01 p 123456 36q"},  # normalised
    ]
    with pytest.raises(ValidationError) as error, translation.override("en"):
        _create(tenant, contract, lines)
    (message,) = error.value.message_dict["lines"]
    assert message.startswith("Line 2 (01 72 70 00 13)") and "check key" in message
    from numbering.models import PortRequest

    assert not PortRequest.objects.exists()
    lines[1]["rio"] = _rio("02F" + "AB1234", "0172700013")
    request = _create(tenant, contract, lines, submit=True)
    assert request.status == PortStatus.SUBMITTED
    assert [line.rio for line in request.lines.all()][2] == "01P12345636Q"
    assert request.reference.startswith(f"PORT-{paris_today().year}-")


def test_reject_fix_relaunch_accept_complete(tenant, contract):
    Product.objects.update_or_create(
        code="number-porting",
        defaults={"name": "Portabilité d'un numéro", "setup_price": Decimal("12.50")},
    )
    staff = make_staff()
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    request = _create(tenant, contract, lines, submit=True)
    porting.port_request_reject(
        request=request, reason=RejectionReason.HOLDER_MISMATCH, note="SIRET", actor=staff
    )
    request.refresh_from_db()
    assert request.status == PortStatus.REJECTED and request.rejection_reason == "holder_mismatch"
    with pytest.raises(InvalidTransition):
        porting.port_request_accept(
            request=request, scheduled_date=next_porting_day(paris_today()), actor=staff
        )
    porting.port_request_update(
        request=request, holder_name="ACME S.A.S.", actor=tenant.members[Role.ADMIN].user
    )
    porting.port_request_submit(request=request, actor=tenant.members[Role.ADMIN].user)
    porting.port_request_accept(
        request=request,
        scheduled_date=next_porting_day(paris_today() + timedelta(days=7)),
        actor=staff,
    )
    with translation.override("en"):  # staff reading the back office in English
        porting.port_request_complete(request=request, actor=staff)
    request.refresh_from_db()
    assert [s.status for s in request.steps.all()] == [
        "draft", "submitted", "rejected", "submitted", "accepted", "completed",
    ]  # fmt: skip
    number = PhoneNumber.objects.get(e164="+33172700012")
    assert number.state == NumberState.ASSIGNED and number.contract == contract
    (charge,) = PendingCharge.objects.filter(source_type="port_request_line")
    assert charge.kind == "porting" and charge.unit_price == Decimal("12.50")
    # BIL-3: the invoice line is French whatever staff's language.
    assert charge.description == f"Portabilité du 01 72 70 00 12 ({request.reference})"
    assert charge.client == tenant.client
    events = OutboxEvent.objects.filter(type="port_request.updated").order_by("occurred_at")
    statuses = [e.data["status"] for e in events]
    assert statuses[-1] == "completed" and "rejected" in statuses


def test_read_only_role_cannot_bring_numbers(tenant, contract):
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    with pytest.raises(PermissionDenied):
        _create(tenant, contract, lines, actor=tenant.members[Role.READ_ONLY].user)


def test_submit_needs_the_mandate(tenant, contract):
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    request = _create(tenant, contract, lines, mandate=None)
    with pytest.raises(ValidationError) as error:
        porting.port_request_submit(request=request)
    assert "mandate" in error.value.message_dict


def test_mandate_must_be_a_pdf(tenant, contract):
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    fake = SimpleUploadedFile("mandat.pdf", b"not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        _create(tenant, contract, lines, mandate=fake)
    assert "mandate" in error.value.message_dict


@pytest.mark.parametrize(
    "field, value",
    [
        ("holder_siret", "12345678901234"),
        ("desired_date", paris_today() - timedelta(days=1)),
        ("holder_name", "  "),
    ],
)
def test_request_fields_checked(tenant, contract, field, value):
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    with pytest.raises(ValidationError) as error:
        _create(tenant, contract, lines, **{field: value})
    assert field in error.value.message_dict


# NUM-1 — a geographic number ported in takes the ZNE of the site it serves, restricted to it
# overseas (as an overseas range is) and free in mainland France; a mobile has no ZNE.
def test_ported_in_numbers_take_their_site_zone(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    staff = make_staff()
    reunion = tenant.client.sites.create(
        name="Agence de Saint-Denis",
        address_line1="1 rue de Paris",
        postal_code="97400",
        city="Saint-Denis",
        insee_code="97411",
    )
    paris = tenant.client.sites.create(
        name="Siège", address_line1="1 rue de Rivoli", postal_code="75001", city="Paris",
        insee_code="75056",
    )  # fmt: skip
    cases = {reunion: ["0262900012", "0692120034"], paris: ["0172700012"]}
    for site, numbers in cases.items():
        contract = make_contract(tenant.client, "hosted-w", site=site)
        lines = [
            {"number": n, "rio": _rio(("01P" if n[1] in "67" else "02F") + "AB1234", n)}
            for n in numbers
        ]
        request = _create(tenant, contract, lines, submit=True)
        porting.port_request_accept(
            request=request,
            scheduled_date=next_porting_day(paris_today() + timedelta(days=7)),
            actor=staff,
        )
        porting.port_request_complete(request=request, actor=staff)
    got = {
        n.e164: (n.number_type, n.zne, n.zne_restricted, n.number_range_id)
        for n in PhoneNumber.objects.all()
    }
    assert got == {
        "+262262900012": ("geographic", "SAINT-DENIS-REUNION", True, None),
        "+262692120034": ("mobile", "", False, None),
        "+33172700012": ("geographic", "PARIS", False, None),
    }


# NUM-3 (failure paths): a request sent with its mandate whose submission fails after the
# mandate is stored (here the submit step raising) writes nothing — no request, and no signed
# mandate (the holder's personal data) left in the media folder without its row.
def test_a_failed_submission_leaves_no_mandate_file(tenant, contract, settings, monkeypatch):
    from pathlib import Path

    from numbering.models import PortRequest

    def broken(**kwargs):
        raise RuntimeError("operator gateway down")

    monkeypatch.setattr(porting, "port_request_submit", broken)
    lines = [{"number": "0172700012", "rio": _rio("02F" + "AB1234", "0172700012")}]
    with pytest.raises(RuntimeError):
        _create(tenant, contract, lines, submit=True)
    assert not PortRequest.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
