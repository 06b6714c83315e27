"""Issue 15 (back office: "progress while a large file runs"): a running CDR import's page shows
its progress as the import goes, without reloading itself (no <meta refresh>, which takes the
reader's place and focus away: WCAG 2.2.1), says it in a live region, can be paused (WCAG
2.2.2), and shows the whole report once the import has ended. Real Chromium, live_server."""

from playwright.sync_api import expect

from tests.e2e.pages import screenshot
from tests.e2e.test_console import _sign_in_with_totp
from usage.choices import ImportSource, ImportStatus
from usage.models import ImportBatch


def test_running_import_progress_updates_in_place_then_report(page, live_server, demo_data):
    batch = ImportBatch.objects.create(
        source=ImportSource.UPLOAD, status=ImportStatus.RUNNING, filename="octobre.csv",
        total_lines=1001, rows_read=0,
    )  # fmt: skip
    _sign_in_with_totp(page, live_server)
    # The page's 5-second timer is run by the test's clock (page.clock.run_for), not waited for.
    page.clock.install()
    page.goto(f"{live_server.url}/backoffice/usage/importbatch/{batch.pk}/change/")
    expect(page.locator("[data-testid='import-progress']")).to_contain_text("toutes les 5 secondes")
    assert page.locator("meta[http-equiv='refresh']").count() == 0
    progress = page.locator(".field-progress_display .readonly")
    expect(progress).to_contain_text("ligne 0 sur 1001")
    page.evaluate("window.stillHere = true")  # gone if the page reloads

    # 400 of the 1 000 rows read (line 1 is the header): 40 %, line 401 — shown in place, and
    # said to a screen reader
    ImportBatch.objects.filter(pk=batch.pk).update(rows_read=400, imported=398, rejected=2)
    page.clock.run_for(5_000)
    expect(progress).to_contain_text("ligne 401 sur 1001")
    expect(page.locator("[data-import-live]")).to_contain_text("40")
    expect(page.locator("[data-import-live]")).to_contain_text("ligne 401 sur 1001")
    assert page.evaluate("window.stillHere") is True
    screenshot(page, "import-progress.png")

    # paused: nothing moves; resumed: the page catches up
    pause = page.get_by_role("button", name="Suspendre les mises à jour")
    pause.click()
    expect(page.get_by_role("button", name="Reprendre les mises à jour")).to_have_attribute(
        "aria-pressed", "true"
    )
    ImportBatch.objects.filter(pk=batch.pk).update(rows_read=700, imported=698)
    page.clock.run_for(60_000)
    page.wait_for_timeout(300)  # a fetch, had one been sent, would have come back by now
    expect(progress).to_contain_text("ligne 401 sur 1001")
    page.get_by_role("button", name="Reprendre les mises à jour").click()
    expect(progress).to_contain_text("ligne 701 sur 1001")

    # ended: the page reloads once, with the whole report and no more updates
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.DONE, rows_read=1000, imported=998
    )
    page.clock.run_for(5_000)
    expect(progress).to_contain_text("ligne 1001 sur 1001")
    expect(page.locator("[data-testid='import-progress']")).to_have_count(0)
    assert page.evaluate("window.stillHere") is None
