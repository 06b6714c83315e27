"""Audit of the usage back office in a real Chromium (live_server, the demo data): what a member
of staff signed in with the second factor sees when searching the money lists and opening a
penalty's evidence."""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from playwright.sync_api import expect

from accounts.models import Client
from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp
from usage.models import Penalty, QualityHour


# USE-6 / USE-7 — staff type a customer's name in the search box of "Pénalités" and of the
# traffic quality hours: the page answered "Erreur du serveur (500)" (the lists searched a
# customer field that does not exist). Then the penalty's evidence file opens from its page
# (its /media/ link was a 404). The quality hour 11:00 UTC on 6 October 2026 reads
# "6 octobre 2026, 13h–14h" (Paris, summer time).
def test_staff_search_penalty_and_open_its_evidence(
    page, live_server, demo_data, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    target = Client.objects.order_by("pk").first()
    penalty = Penalty.objects.create(
        client=target, kind="consumer_complaint", occurred_on=date(2026, 10, 12), quantity=2,
        unit_amount=Decimal("200.00"), amount=Decimal("400.00"),
        evidence_note="Plaintes DGCCRF n° 77 et 78",
    )  # fmt: skip
    penalty.evidence.save("plaintes-77-78.pdf", ContentFile(b"%PDF-1.4 plaintes"))
    QualityHour.objects.create(
        client=target, hour=datetime(2026, 10, 6, 11, tzinfo=UTC), month=date(2026, 10, 1),
        attempts=30, answered=12, answered_seconds=60, short_calls=12,
        asr_penalty=Decimal("0.60"), acd_penalty=Decimal("0.24"), short_penalty=Decimal("0.24"),
    )  # fmt: skip
    word = target.legal_name.split()[0]

    _sign_in_with_totp(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/console/")
    page.goto(f"{live_server.url}/backoffice/usage/qualityhour/")
    page.locator("#searchbar").fill(word)
    page.locator("#changelist-search [type='submit']").click()
    expect(page.locator("#result_list")).to_contain_text("6 octobre 2026, 13h–14h")
    expect(page.locator("#result_list")).to_contain_text(target.legal_name)
    screenshot(page, "usage-backoffice-quality-search.png")

    page.goto(f"{live_server.url}/backoffice/usage/penalty/")
    page.locator("#searchbar").fill(word)
    page.locator("#changelist-search [type='submit']").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("400,00")
    rows.first.locator("a").first.click()
    link = page.locator("[data-testid='penalty-evidence']")
    expect(link).to_have_text("plaintes-77-78.pdf")
    screenshot(page, "usage-backoffice-penalty.png")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert download.value.suggested_filename == "plaintes-77-78.pdf"
    with open(path, "rb") as handle:
        assert handle.read() == b"%PDF-1.4 plaintes"
