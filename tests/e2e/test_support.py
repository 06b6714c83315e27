"""SLA-1, SLA-3, SLA-5, SLA-6, SLA-10: the demo clinic's administrator opens a failure
notification on its HOSTED-W contract and sees the ticket's number and intervention deadline;
staff record an outage last month; the monthly job computes last month's report; the
administrator sees the availability chart and requests the credit in one click.

Driven in a real Chromium against live_server, with the `make run` demo data (load_demo).
"""

from datetime import datetime, timedelta

from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.models import User
from offers.models import Contract
from offers.periods import add_months, month_start
from support import services, tasks
from support.availability import PARIS
from support.choices import ReportStatus, TicketKind
from support.models import AvailabilityReport, Ticket
from tests.e2e.pages import screenshot, sign_in, translated

ADMIN_EMAIL = "admin@clinique-alpes.example"


def french_deadline(moment):
    """A deadline as the ticket page prints it: weekday, short date and time, Paris time."""
    local = timezone.localtime(moment)
    with translation.override("fr"):
        return f"{date_format(local, 'D')} {date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"


def test_failure_notification_then_credit_request(
    page, live_server, demo_data, settings, tmp_path, monkeypatch
):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = tmp_path
    contract = Contract.objects.get(client__siren="834567893", offer__code="hosted-w")
    assert contract.sla_applicable

    # The customer opens a failure notification of its HOSTED-W service, with a log.
    sign_in(page, live_server, ADMIN_EMAIL)
    page.locator("nav.mainnav a[href='/support/']").click()
    expect(page).to_have_url(f"{live_server.url}/support/")
    page.locator("[data-testid='new-ticket']").click()
    expect(page).to_have_url(f"{live_server.url}/support/new/")
    form = page.locator("[data-testid='ticket-form']")
    form.locator(f"input[name='kind'][value='{TicketKind.FAILURE}']").check()
    form.locator("select[name='contract']").select_option(str(contract.pk))
    form.locator("input[name='subject']").fill("Plus aucun appel entrant")
    form.locator("textarea[name='body']").fill(
        "Depuis 8 h, les appels entrants sonnent occupé sur tous les postes de l'accueil."
    )
    form.locator("input[name='attachments']").set_input_files(
        [{"name": "trace.log", "mimeType": "text/plain", "buffer": b"SIP/2.0 486 Busy Here\n"}]
    )
    form.locator("button[type='submit']").click()

    ticket = Ticket.objects.get(subject="Plus aucun appel entrant")
    expect(page).to_have_url(f"{live_server.url}/support/{ticket.pk}/")
    expect(page.locator(".msg-success")).to_contain_text(ticket.number)
    expect(page.locator("[data-testid='ticket-number']")).to_have_text(ticket.number)
    assert ticket.kind == TicketKind.FAILURE and ticket.contract == contract
    # SLA-3/SLA-4: HOSTED-W states no intervention deadline, a restoration target of 4 elapsed
    # hours from the notification.
    assert ticket.intervention_deadline is None and ticket.restoration_target is not None
    expect(page.locator("[data-testid='intervention-deadline']")).to_have_count(0)
    expect(page.locator("[data-testid='restoration-target']")).to_have_text(
        french_deadline(ticket.restoration_target)
    )
    expect(page.locator("[data-testid='restoration-pending']")).to_be_visible()
    expect(page.locator("[data-testid='attachments']")).to_contain_text("trace.log")
    screenshot(page, "ticket.png")

    # Staff record a 4-hour outage of the service last month (the back office is another page).
    this_month = month_start(timezone.localdate())
    last_month = add_months(this_month, -1)
    start = datetime(last_month.year, last_month.month, 20, 8, 0, tzinfo=PARIS)
    services.outage_record(
        title="Panne du routeur de cœur de réseau",
        description="Appels entrants impossibles.",
        internal_note="Carte de ligne remplacée.",
        started_at=start,
        ended_at=start + timedelta(hours=4),
        contracts=[contract],
        actor=User.objects.get(email="staff@azur-telecom.example"),
    )

    # The monthly job for last month, run eagerly (one task per contract, called in place).
    monkeypatch.setattr(
        tasks.compute_sla_report, "delay", lambda *args: tasks.compute_sla_report.apply(args)
    )
    assert tasks.monthly_sla_reports.apply(kwargs={"month": last_month.isoformat()}).get() >= 1
    report = AvailabilityReport.objects.get(contract=contract, month=last_month)
    assert report.can_request and report.credit_amount > 0
    assert report.credit_percent == 10  # 4 h + the demo's 95 minutes: [97, 99.5) → 10 %

    # The customer sees the chart of the last 12 months and requests the credit in one click.
    page.locator("nav.subnav a[href='/support/availability/']").click()
    expect(page).to_have_url(f"{live_server.url}/support/availability/")
    expect(page.locator("[data-testid='outage-table']")).to_contain_text(
        "Panne du routeur de cœur de réseau"
    )
    expect(page.locator("body")).not_to_contain_text("Carte de ligne remplacée")
    page.locator(
        f"[data-testid='availability-row'] a[href='/support/availability/{contract.pk}/']"
    ).first.click()
    expect(page).to_have_url(f"{live_server.url}/support/availability/{contract.pk}/")
    chart = page.locator("[data-testid='availability-chart'] svg")
    expect(chart).to_be_visible()
    expect(page.locator("[data-testid='chart-month']")).to_have_count(12)
    row = page.locator(f"#report-{report.pk}")
    row.locator("[data-testid='request-credit']").click()

    expect(page).to_have_url(
        f"{live_server.url}/support/availability/{contract.pk}/#report-{report.pk}"
    )
    expect(page.locator(".msg-success")).to_be_visible()
    expect(row.locator("[data-testid='credit-status']")).to_have_text(
        translated(ReportStatus.REQUESTED.label)
    )
    expect(row.locator("[data-testid='request-credit']")).to_have_count(0)
    report.refresh_from_db()
    assert report.status == ReportStatus.REQUESTED
    assert report.requested_by.email == ADMIN_EMAIL
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "availability.png")


# SLA-1 / SLA-4 — the new-ticket form lets the customer say when the failure began (HOSTED-W's
# restoration target counts 4 hours from then); the ticket page shows the detection and the
# target counted from it.
def test_failure_notification_with_its_detection(page, live_server, demo_data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contract = Contract.objects.get(client__siren="834567893", offer__code="hosted-w")
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/support/new/")
    form = page.locator("[data-testid='ticket-form']")
    form.locator(f"input[name='kind'][value='{TicketKind.FAILURE}']").check()
    form.locator("select[name='contract']").select_option(str(contract.pk))
    detected = timezone.localtime() - timedelta(hours=1)
    form.locator("input[name='detected_at']").fill(detected.strftime("%Y-%m-%dT%H:%M"))
    expect(form).to_contain_text("quand la panne a commencé")
    screenshot(page, "support/ticket_form_detection.png")
    form.locator("input[name='subject']").fill("Standard muet")
    form.locator("textarea[name='body']").fill("Plus aucun appel depuis une heure.")
    form.locator("button[type='submit']").click()
    ticket = Ticket.objects.get(subject="Standard muet")
    assert ticket.detected_at == detected.replace(second=0, microsecond=0)
    assert ticket.restoration_target == ticket.detected_at + timedelta(hours=4)
    expect(page.locator("body")).to_contain_text(ticket.number)


# SLA-8 / SLA-10 — a credit approved at 0.00 because the 20 % cap over 30 days was used says so
# on the contract's availability page (partner-billed or not), never « accordé à <partner> ».
def test_credit_capped_to_nothing_on_the_availability_page(page, live_server, demo_data):
    contract = Contract.objects.get(client__siren="834567893", offer__code="hosted-w")
    staff = User.objects.get(email="staff@azur-telecom.example")
    last_month = add_months(month_start(timezone.localdate()), -1)
    start = datetime(last_month.year, last_month.month, 10, 8, 0, tzinfo=PARIS)
    services.outage_record(
        title="Panne",
        started_at=start,
        ended_at=start + timedelta(minutes=2000),
        contracts=[contract],
        actor=staff,
    )
    report = services.availability_report_compute(contract=contract, month=last_month)
    assert report.credit_percent == 20 and report.credit_amount > 0
    services.credit_request(report=report)
    # As ``credit_approve`` leaves a report whose 30 days' cap was used by an earlier credit
    # (tests/support/test_sla_audit.py builds that case through the services).
    AvailabilityReport.objects.filter(pk=report.pk).update(
        status=ReportStatus.APPROVED, approved_amount=0, decided_at=timezone.now()
    )
    sign_in(page, live_server, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/support/availability/{contract.pk}/")
    row = page.locator(f"#report-{report.pk}")
    expect(row.locator("[data-testid='credit-capped']")).to_contain_text("plafond de 20")
    expect(row).not_to_contain_text("accordé à")
    screenshot(page, "support/availability_credit_capped.png")
