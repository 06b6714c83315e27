"""NUM-1 / NUM-3 / NUM-4 in the back office: ranges uploaded, the port-in queue moved by
actions and by the upstream's status file, a port-out notice recorded; the command line import."""

from datetime import timedelta
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from kernel.clock import paris_today
from numbering.models import NumberRange, PhoneNumber, PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from numbering.services.status_file import import_status_file
from tests.factories import siret_for
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db
CSV = (
    "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"
    "1;0172700000;0172700009;X;Métropole;;PARIS\n"
)


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        email="ops@reseller.example", password="x-Long-Pass-123", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    client.user = user
    return client


def test_upload_ranges_and_see_the_pool(staff):
    url = reverse("admin:numbering_numberrange_add")
    assert staff.get(url).status_code == 200
    bad = SimpleUploadedFile("plan.csv", (CSV + "2;0172700005;0172700019;X;;;PARIS\n").encode())
    page = staff.post(url, {"file": bad})
    assert page.status_code == 200 and not NumberRange.objects.exists()  # overlap: nothing
    good = SimpleUploadedFile("plan.csv", CSV.encode())
    assert staff.post(url, {"file": good}).status_code == 302
    assert PhoneNumber.objects.count() == 10
    pool = staff.get(reverse("admin:numbering_phonenumber_changelist"))
    assert "01 72 70 00 09" in pool.content.decode()


def test_command_line_import(tmp_path):
    path = tmp_path / "majnum.csv"
    path.write_text(CSV, encoding="cp1252")
    call_command("import_number_ranges", str(path))
    assert PhoneNumber.objects.count() == 10
    with pytest.raises(CommandError):
        call_command("import_number_ranges", str(path))  # overlap: nothing more
    with pytest.raises(CommandError):
        call_command("import_number_ranges", str(Path(tmp_path) / "missing.csv"))


@pytest.fixture
def submitted(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    contract = make_contract(tenant.client, "hosted-w")
    body = "02F" + "AB1234"
    return porting.port_request_create(
        client=tenant.client,
        lines=[{"number": "0172700012", "rio": body + check_key(body, "0172700012")}],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=10)),
        contract=contract,
        mandate=SimpleUploadedFile("m.pdf", b"%PDF-1.4\n%%EOF\n"),
        submit=True,
    )


def test_queue_actions(staff, submitted):
    url = reverse("admin:numbering_portrequest_changelist")
    assert submitted.reference in staff.get(url).content.decode()
    staff.post(
        url,
        {
            "action": "reject",
            "_selected_action": [submitted.pk],
            "apply": "1",
            "reason": "holder_mismatch",
            "note": "SIRET",
        },
    )
    submitted.refresh_from_db()
    assert submitted.status == "rejected"
    detail = staff.get(reverse("admin:numbering_portrequest_change", args=[submitted.pk]))
    assert detail.status_code == 200


def test_status_file(staff, submitted):
    day = (paris_today() + timedelta(days=5)).strftime("%d/%m/%Y")
    content = f"reference;status;date;reason;note\n{submitted.reference};accepted;{day};;\n"
    assert import_status_file(content=content.encode()).moved == 1
    assert import_status_file(content=content.encode()).moved == 0  # sent twice: skipped
    wrong = "reference;status;date;reason;note\nPORT-0000-000000;completed;;;\n"
    url = reverse("admin:numbering_portrequest_status_file")
    page = staff.post(url, {"file": SimpleUploadedFile("s.csv", wrong.encode())})
    assert page.status_code == 200 and "PORT-0000-000000" in page.content.decode()
    done = f"reference;status;date;reason;note\n{submitted.reference};completed;;;\n"
    report = staff.post(url, {"file": SimpleUploadedFile("s.csv", done.encode())})
    assert report.status_code == 200 and 'data-outcome="applied"' in report.content.decode()
    assert PortRequest.objects.get(pk=submitted.pk).status == "completed"
    assert PhoneNumber.objects.get(e164="+33172700012").state == "assigned"


# NUM-3 — the signed mandate is opened from the back office through a signed-in staff download
# (attachment, PDF, nosniff, no cache), never by a link to /media/ (not served in production;
# with DEBUG, served to anyone who has the address).
def test_num3_mandate_downloaded_by_staff_as_attachment(staff, submitted):
    page = staff.get(reverse("admin:numbering_portrequest_change", args=[submitted.pk]))
    download = reverse("admin:numbering_portrequest_mandate", args=[submitted.pk])
    assert "/media/" not in page.content.decode()
    assert f'href="{download}"' in page.content.decode()
    response = staff.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="{submitted.reference}-mandat.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    staff.logout()
    assert staff.get(download).status_code == 302  # to the sign-in page
