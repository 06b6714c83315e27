"""NUM-3 in the back office, in a real Chromium (live_server, the demo data): staff import the
upstream's status file and read the report of each line by its number — applied, or refused
with its reason — the good lines imported."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from kernel.clock import paris_today
from numbering.models import PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp
from tests.factories import ClientFactory, SiteFactory, siret_for
from tests.offers.factories import make_contract


def _submitted(client, contract, number):
    body = "02F" + "AB1234"
    return porting.port_request_create(
        client=client,
        lines=[{"number": number, "rio": body + check_key(body, number)}],
        holder_name="Acme SAS",
        holder_siret=siret_for(client.siren),
        current_operator="Opérateur historique",
        desired_date=next_porting_day(paris_today() + timedelta(days=10)),
        contract=contract,
        mandate=SimpleUploadedFile("m.pdf", b"%PDF-1.4\n%%EOF\n"),
        submit=True,
    )


# NUM-3 — line 2 accepted then line 3 completed (the same request), line 4 a porting date
# already past (refused, named by its line), line 5 another request accepted: 3 applied, 1 refused.
def test_status_file_report_names_each_line(page, live_server, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    client = ClientFactory(legal_name="Acme SAS")
    SiteFactory(client=client, name="Siège Acme")
    contract = make_contract(client, "hosted-w")
    first = _submitted(client, contract, "0298765431")
    second = _submitted(client, contract, "0298765432")
    third = _submitted(client, contract, "0298765433")
    today = paris_today()
    past, later = today - timedelta(days=1), today + timedelta(days=5)
    content = (
        "reference;status;date;reason;note\n"
        f"{first.reference};accepted;{today:%d/%m/%Y};;\n"
        f"{first.reference};completed;{today:%d/%m/%Y};;\n"
        f"{second.reference};accepted;{past:%d/%m/%Y};;\n"
        f"{third.reference};accepted;{later:%d/%m/%Y};;\n"
    )
    _sign_in_with_totp(page, live_server)
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/backoffice/numbering/portrequest/status-file/")
    page.set_input_files(
        "input[type='file']",
        files=[{"name": "statuts.csv", "mimeType": "text/csv", "buffer": content.encode()}],
    )
    page.locator("input[type='submit']").click()
    rows = page.locator("[data-testid='status-file-line']")
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_have_attribute("data-outcome", "refused")
    expect(rows.nth(2)).to_contain_text("4")
    expect(rows.nth(2)).to_contain_text(f"{past:%d/%m/%Y}")
    assert [rows.nth(i).get_attribute("data-outcome") for i in (0, 1, 3)] == ["applied"] * 3
    screenshot(page, "backoffice-status-file-report.png")
    statuses = dict(PortRequest.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[third.pk]) == (
        "completed",
        "submitted",
        "accepted",
    )
