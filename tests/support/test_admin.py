"""Back office of support: the ticket queue and its actions (SLA-1, SLA-3, SLA-11), outage
entry with the 7-business-day rule (SLA-5), credit approval and refusal (SLA-8, SLA-10), the
liability cap (SLA-12). Every action goes through the services."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import User
from billing.models import PendingCharge
from support import services
from support.choices import ReportStatus, TicketKind, TicketStatus
from support.models import AvailabilityReport, Outage, OutageAnnouncement, Ticket
from tests.factories import PASSWORD
from tests.offers.factories import make_contract
from tests.support.factories import invoice_in_advance, paris

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return user


def _action(client, model, action, objects, **data):
    return client.post(
        reverse(f"admin:support_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


@pytest.fixture
def incident(tenant):
    contract = make_contract(tenant.client, "hosted-a")
    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        return services.ticket_open(
            client=tenant.client,
            kind=TicketKind.FAILURE,
            subject="No dial tone",
            body="Down",
            contract=contract,
        )


@pytest.fixture
def requested_report(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        services.outage_record(
            title="Down",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    invoice_in_advance(OCT)  # SLA-7: the base is October's invoiced subscriptions
    report = services.availability_report_compute(contract=contract, month=OCT)
    return services.credit_request(report=report)


# ACC-4 — every support page answers for staff: lists with filters, change and add pages.
def test_back_office_pages(client, staff, incident, requested_report):
    outage = Outage.objects.get()
    for model, queries in (
        ("ticket", [{}, {"status": "new"}, {"overdue": "yes"}, {"open": "no"}, {"q": "dial"}]),
        ("outage", [{}, {"ongoing": "yes"}, {"excusable__exact": "0"}]),
        ("availabilityreport", [{}, {"status": "requested"}, {"q": "CT-"}]),
        ("attachment", [{}]),
    ):
        for query in queries:
            response = client.get(reverse(f"admin:support_{model}_changelist"), query)
            assert response.status_code == 200, (model, query)
    for url in (
        reverse("admin:support_ticket_change", args=[incident.pk]),
        reverse("admin:support_ticket_add"),
        reverse("admin:support_outage_change", args=[outage.pk]),
        reverse("admin:support_outage_add"),
        reverse("admin:support_availabilityreport_change", args=[requested_report.pk]),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(
        reverse("admin:support_availabilityreport_change", args=[requested_report.pk])
    )
    assert "liability cap (sla-12)" in page.content.decode().lower()


# A ticket's history rows were headed with the stored codes on the French back office
# (« T2026-000001:  → new »): now the statuses' names.
def test_ticket_history_rows_name_the_statuses(client, staff, incident):
    url = reverse("admin:support_ticket_change", args=[incident.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"{incident.number}:  → new" not in page
    assert f"{incident.number} — Nouveau" in page


# SLA-3 / SLA-4 — the queue lists the nearest SLA deadline first (the intervention deadline,
# else the restoration target); tickets without one — a TRUNK failure (no clause), a question —
# last, oldest report first. HOSTED-W reported Monday 5 October 2026 09:00 → restore by 13:00;
# PLATFORM reported 10:00 → work starts by 14:00; HOSTED-A (the fixture) reported Tuesday 6
# October 10:00 → restore by 18:00; TRUNK reported Wednesday 7 October: no deadline.
def test_queue_order(client, staff, tenant, incident):
    question = services.ticket_open(
        client=tenant.client, kind=TicketKind.QUESTION, subject="Question", body="?"
    )

    def failure(offer_code, when):
        contract = make_contract(tenant.client, offer_code)
        with time_machine.travel(when, tick=False):
            return services.ticket_open(
                client=tenant.client,
                kind=TicketKind.FAILURE,
                subject=offer_code,
                body="x",
                contract=contract,
            )

    trunk = failure("trunk", paris(2026, 10, 7, 10))
    platform = failure("platform", paris(2026, 10, 5, 10))
    hosted_w = failure("hosted-w", paris(2026, 10, 5, 9))
    assert trunk.intervention_deadline is None and trunk.restoration_target is None
    page = client.get(reverse("admin:support_ticket_changelist")).content.decode()
    positions = [page.index(t.number) for t in (hosted_w, platform, incident, trunk, question)]
    assert positions == sorted(positions)


# SLA-1 — staff reply (intermediate form, then the service), change the status, record the
# restoration; SLA-11 — charge the penalty once.
def test_ticket_actions(client, staff, incident):
    form = _action(client, "ticket", "reply", [incident])
    assert form.status_code == 200 and b"apply" in form.content
    _action(client, "ticket", "reply", [incident], apply="1", body="On it", internal="")
    incident.refresh_from_db()
    assert incident.status == TicketStatus.ACKNOWLEDGED
    assert incident.messages.filter(from_staff=True, body="On it").exists()
    _action(client, "ticket", "change_status", [incident], apply="1", status="in_progress", note="")
    incident.refresh_from_db()
    assert incident.status == TicketStatus.IN_PROGRESS
    # A move outside the map is refused with a message, nothing changes.
    response = _action(
        client, "ticket", "change_status", [incident], apply="1", status="new", note=""
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == TicketStatus.IN_PROGRESS
    _action(
        client,
        "ticket",
        "record_restoration",
        [incident],
        apply="1",
        restored_at="2026-10-06 15:00:00",
    )
    incident.refresh_from_db()
    assert incident.restored_at == paris(2026, 10, 6, 15)
    # SLA-11: the penalty is PLATFORM's only (PLATFORM 27): refused on this HOSTED-A ticket,
    # charged once on a PLATFORM one.
    _action(client, "ticket", "charge_penalty", [incident], apply="1", note="Own PBX")
    assert not PendingCharge.objects.exists()
    voice = services.ticket_open(
        client=incident.client,
        kind=TicketKind.FAILURE,
        subject="No dial tone",
        body="Down",
        contract=make_contract(incident.client, "platform"),
    )
    for _ in range(2):
        _action(client, "ticket", "charge_penalty", [voice], apply="1", note="Own PBX")
    charge = PendingCharge.objects.get(source_type="ticket")
    assert charge.unit_price == Decimal("100.0000") and charge.created_by == staff


# SLA-11 / USE-7 — the penalty's confirmation page tells staff what is charged: 100.00 € outside
# the scope of VAT (damages, category "O"), as billing invoices it — not "taxable", as it said.
def test_penalty_confirmation_says_outside_the_scope_of_vat(client, staff, incident):
    page = _action(client, "ticket", "charge_penalty", [incident]).content.decode()
    assert "outside the scope of VAT" in page and "taxable" not in page
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = html.unescape(_action(client, "ticket", "charge_penalty", [incident]).content.decode())
    assert "hors du champ d'application de la TVA" in page and "soumis à la TVA" not in page
    assert not PendingCharge.objects.exists()


def _phoned_in(tenant, contract, **extra):
    """The back office's new-ticket form: a failure phoned in, reported 07/10/2026 at 10:00."""
    return {
        "client": tenant.client.pk,
        "contract": contract.pk,
        "kind": "failure_notification",
        "subject": "Phoned in",
        "body": "Customer called",
        "reported_at_0": "2026-10-07",
        "reported_at_1": "10:00:00",
        **extra,
    }


# SLA-1 — staff open a ticket for a customer from the back office (through ticket_open).
def test_open_ticket_from_back_office(client, staff, tenant, incident):
    contract = incident.contract
    response = client.post(reverse("admin:support_ticket_add"), _phoned_in(tenant, contract))
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket = Ticket.objects.get(subject="Phoned in")
    assert ticket.source == "staff" and ticket.opened_by == staff
    # SLA-3 / SLA-4: HOSTED-A states no intervention deadline, a restoration target of 8
    # business hours (9:00–18:00): 10:00 + 8 h = 18:00 the same day.
    assert ticket.intervention_deadline is None
    assert ticket.restoration_target == paris(2026, 10, 7, 18)


# SLA-1 / SLA-4 — staff opening a failure notification for a customer (phoned in on Wednesday 7
# October 2026 at 12:00, reported 10:00) with a detection after the report (11:00: it would start
# HOSTED-W's 4-hour restoration target at 11:00, 15:00 instead of 14:00) or in the future
# (13:00) get the form back with the field's error, nothing written. Before: a server error
# (500), the service's refusal raised past the form.
@pytest.mark.parametrize(
    ("detected", "error"),
    [
        ("11:00:00", "A failure is detected before it is reported, or when."),
        ("13:00:00", "A failure cannot be detected in the future."),
    ],
)
def test_open_ticket_from_back_office_refuses_a_late_detection(
    client, staff, tenant, detected, error
):
    contract = make_contract(tenant.client, "hosted-w")
    with time_machine.travel(paris(2026, 10, 7, 12), tick=False):
        response = client.post(
            reverse("admin:support_ticket_add"),
            _phoned_in(tenant, contract, detected_at_0="2026-10-07", detected_at_1=detected),
        )
    assert response.status_code == 200
    assert error in html.unescape(response.content.decode())
    assert not Ticket.objects.exists()


# SLA-5 — outage entry: a planned maintenance too close is refused on the form; one far enough
# is recorded and announced; ending it is an action.
def test_outage_entry(client, staff, tenant):
    contract = make_contract(tenant.client, "hosted-w")
    data = {
        "title": "Upgrade",
        "description": "",
        "internal_note": "",
        "started_at_0": "2026-11-16",
        "started_at_1": "02:00:00",
        "ended_at_0": "2026-11-16",
        "ended_at_1": "04:00:00",
        "excusable": "on",
        "excuse_reason": "planned_maintenance",
        "scope": "contracts",
        "contracts": [contract.pk],
        "announcements-TOTAL_FORMS": "0",
        "announcements-INITIAL_FORMS": "0",
    }
    with time_machine.travel(paris(2026, 11, 7, 9), tick=False):
        refused = client.post(reverse("admin:support_outage_add"), data)
    assert refused.status_code == 200 and "7 working days" in refused.content.decode()
    assert not Outage.objects.exists()
    with time_machine.travel(paris(2026, 11, 2, 9), tick=False):
        created = client.post(reverse("admin:support_outage_add"), data)
    assert created.status_code == 302, created.content.decode()[:2000]
    outage = Outage.objects.get()
    assert list(outage.contracts.all()) == [contract] and outage.created_by == staff
    assert OutageAnnouncement.objects.filter(outage=outage).count() == 1
    _action(
        client,
        "outage",
        "end_outage",
        [outage],
        apply="1",
        ended_at="2026-11-16 03:00:00",
    )
    outage.refresh_from_db()
    assert outage.ended_at == paris(2026, 11, 16, 3)


# SLA-5 / SLA-6 — an unexcused outage's end typed a day late (20 November 19:00 on 20 November
# at 9:00: 10 hours, 600 minutes, not lived yet) is refused with a message on the form, nothing
# written; the « End the outage » action refuses it too, with a message, and leaves it ongoing.
def test_outage_entry_refuses_an_unexcused_end_in_the_future(client, staff, tenant):
    contract = make_contract(tenant.client, "hosted-w")
    data = {
        "title": "Carrier failure",
        "description": "",
        "internal_note": "",
        "started_at_0": "2026-11-19",
        "started_at_1": "10:00:00",
        "ended_at_0": "2026-11-20",
        "ended_at_1": "19:00:00",
        "excuse_reason": "",
        "scope": "contracts",
        "contracts": [contract.pk],
        "announcements-TOTAL_FORMS": "0",
        "announcements-INITIAL_FORMS": "0",
    }
    with time_machine.travel(paris(2026, 11, 20, 9), tick=False):
        refused = client.post(reverse("admin:support_outage_add"), data)
        assert refused.status_code == 200
        assert "cannot end in the future" in html.unescape(refused.content.decode())
        assert not Outage.objects.exists()
        data["ended_at_0"], data["ended_at_1"] = "", ""
        assert client.post(reverse("admin:support_outage_add"), data).status_code == 302
        outage = Outage.objects.get()
        page = client.post(
            reverse("admin:support_outage_changelist"),
            {
                "action": "end_outage",
                ACTION_CHECKBOX_NAME: [outage.pk],
                "apply": "1",
                "ended_at": "2026-11-20 19:00:00",
            },
            follow=True,
        )
    assert "cannot end in the future" in html.unescape(page.content.decode())
    outage.refresh_from_db()
    assert outage.is_ongoing


# SLA-10 — refuse asks a reason; approve issues the credit note (SLA-8 cap applied).
def test_credit_actions(client, staff, requested_report, tenant):
    form = _action(client, "availabilityreport", "refuse", [requested_report], apply="1", reason="")
    assert form.status_code == 200  # the reason is required: the form again
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.REQUESTED
    page = _action(client, "availabilityreport", "approve", [requested_report])
    assert f'name="amount_{requested_report.pk}" value="7.45"' in page.content.decode()
    _action(
        client,
        "availabilityreport",
        "approve",
        [requested_report],
        apply="1",
        **{f"amount_{requested_report.pk}": "7.45"},  # the amount the page showed
    )
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.APPROVED
    assert requested_report.approved_amount == Decimal("7.45")
    assert requested_report.credit_note.total_net == Decimal("7.45")
    # Refusing an approved credit is refused with a message.
    _action(client, "availabilityreport", "refuse", [requested_report], apply="1", reason="No")
    assert AvailabilityReport.objects.get().status == ReportStatus.APPROVED


# SLA-10 — « Recompute » on two reports, one computed and one whose credit (7.45 €) was already
# requested: only the first is recomputed, the second is left as it is (a requested report never
# changes), and the message says so — it said « 2 rapport(s) recalculé(s) ».
def test_recompute_says_which_were_left(client, staff, tenant, requested_report):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    other = make_contract(tenant.client, "hosted-w", quantity=10)
    computed = services.availability_report_compute(contract=other, month=OCT)
    page = client.post(
        reverse("admin:support_availabilityreport_changelist"),
        {"action": "recompute", ACTION_CHECKBOX_NAME: [computed.pk, requested_report.pk]},
        follow=True,
    )
    text = html.unescape(page.content.decode())
    assert "1 rapport recalculé." in text
    assert "1 rapport laissé tel quel\u00a0: son crédit a déjà été demandé ou décidé." in text
    assert "2 rapport(s) recalculé(s)" not in text
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.REQUESTED
    assert requested_report.credit_amount == Decimal("7.45")


# SLA-10 / ACC-4 — staff recomputing a report not yet requested change its credit: the change
# is audited with who made it, before and after. HOSTED-W October 2026 (44 640 minutes), 10
# users invoiced 149.00 for October: 70 minutes down → 99.843 % → 5 % = 7.45; an outage of 450
# minutes recorded on 2 November → 520 minutes → 98.835 % → [97, 99.5) → 10 % = 14.90. Before:
# the credit doubled and the audit log said nothing.
def test_recompute_is_audited(client, staff, tenant):
    from accounts.models import AuditLog

    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        services.outage_record(
            title="Down",
            started_at=paris(2026, 10, 12, 9),
            ended_at=paris(2026, 10, 12, 10, 10),
            contracts=[contract],
            actor=staff,
        )
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = services.availability_report_compute(contract=contract, month=OCT)
    assert report.credit_amount == Decimal("7.45")
    with time_machine.travel(paris(2026, 11, 2, 9), tick=False):
        services.outage_record(
            title="Down again",
            started_at=paris(2026, 10, 13, 9),
            ended_at=paris(2026, 10, 13, 16, 30),
            contracts=[contract],
            actor=staff,
        )
        _action(client, "availabilityreport", "recompute", [report])
    report.refresh_from_db()
    assert (report.credit_percent, report.credit_amount) == (Decimal("10"), Decimal("14.90"))
    row = AuditLog.objects.get(action="availability_report.recompute")
    assert row.actor == staff and row.client == tenant.client
    assert row.object_id == str(report.pk)
    assert (row.before["credit_amount"], row.after["credit_amount"]) == ("7.45", "14.90")
    assert (row.before["unavailable_minutes"], row.after["unavailable_minutes"]) == (
        "70.00",
        "520.00",
    )


# SLA-10 / SLA-8 / ACC-4 — deciding an SLA credit is billing's (the console's credits queue): an
# approval issues a credit note (BIL-9). A support agent who may change the reports (to recompute
# them) is offered neither decision, and a forged POST of each leaves the report requested with
# no credit note; staff who may issue credit notes (``billing.add_invoice``) approve it: 7.45 €.
def test_credit_decisions_need_the_credit_note_right(client, requested_report):
    from django.contrib.auth.models import Group, Permission

    from billing.models import Invoice
    from kernel.queues import TEAM_GROUPS, Team

    def member(email, team, *codenames):
        user = User.objects.create_user(email=email, is_staff=True)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
        user.groups.add(Group.objects.get_or_create(name=TEAM_GROUPS[team])[0])
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        return user

    amount = {f"amount_{requested_report.pk}": "7.45"}
    client.force_login(
        member("support@reseller.example", Team.SUPPORT, "view_availabilityreport",
               "change_availabilityreport")
    )  # fmt: skip
    page = client.get(reverse("admin:support_availabilityreport_changelist")).content.decode()
    assert 'value="recompute"' in page
    assert 'value="approve"' not in page and 'value="refuse"' not in page
    _action(client, "availabilityreport", "approve", [requested_report], apply="1", **amount)
    _action(client, "availabilityreport", "refuse", [requested_report], apply="1", reason="Non")
    requested_report.refresh_from_db()
    assert (requested_report.status, requested_report.credit_note) == (ReportStatus.REQUESTED, None)
    assert not Invoice.objects.filter(kind="credit_note").exists()

    client.force_login(
        member("compta@reseller.example", Team.BILLING, "view_availabilityreport", "add_invoice")
    )
    _action(client, "availabilityreport", "approve", [requested_report], apply="1", **amount)
    requested_report.refresh_from_db()
    assert requested_report.status == ReportStatus.APPROVED
    assert requested_report.credit_note.total_net == Decimal("7.45")


# SLA-1 — a file attached to a ticket is opened from the back office through a signed-in staff
# download (attachment, its checked type, nosniff, no cache), never by a link to /media/ (not
# served in production; with DEBUG, a text file shown inline to anyone with the address).
def test_attachment_downloaded_by_staff_as_attachment(client, staff, tenant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support.models import Attachment

    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        services.ticket_open(
            client=tenant.client,
            kind=TicketKind.QUESTION,
            subject="Trace",
            body="See the log",
            attachments=[SimpleUploadedFile("trace.log", b"SIP/2.0 503\n")],
        )
    attachment = Attachment.objects.get()
    page = client.get(reverse("admin:support_attachment_change", args=[attachment.pk]))
    download = reverse("admin:support_attachment_download", args=[attachment.pk])
    assert "/media/" not in page.content.decode()
    assert f'href="{download}"' in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"SIP/2.0 503\n"
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="trace.log"'
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(download).status_code == 302  # to the sign-in page


# SLA-8 / SLA-10 — the back office's approval shows the amount each credit gets and approves
# that amount only. HOSTED-W, 10 channels, base 149.00 a month, cap 20 % = 29.80. September:
# 24 hours down → 96.667 % < 97 % → 20 % → 29.80; October: 70 minutes down → 5 % → 7.45.
# Approved together, oldest first: September 29.80, then October 0.00 (29.80 - 29.80 left).
# Before: the page listed « CT-… 2026-09 », « CT-… 2026-10 » without any amount, and October
# previewed alone (7.45) was approved at 0.00 when September was approved meanwhile.
def test_credit_approval_shows_and_keeps_the_amounts(client, staff, tenant):
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 10, 30), tick=False):
        for start, end in (
            (paris(2026, 9, 10, 9), paris(2026, 9, 11, 9)),
            (paris(2026, 10, 12, 9), paris(2026, 10, 12, 10, 10)),
        ):
            services.outage_record(
                title="Down", started_at=start, ended_at=end, contracts=[contract], actor=staff
            )
    invoice_in_advance(date(2026, 9, 1))
    invoice_in_advance(OCT)
    september, october = (
        services.credit_request(
            report=services.availability_report_compute(contract=contract, month=month)
        )
        for month in (date(2026, 9, 1), OCT)
    )
    assert (september.credit_amount, october.credit_amount) == (Decimal("29.80"), Decimal("7.45"))

    page = _action(client, "availabilityreport", "approve", [october, september])
    text = page.content.decode()
    assert f'name="amount_{september.pk}" value="29.80"' in text
    assert f'name="amount_{october.pk}" value="0.00"' in text
    assert "29.80" in text and "7.45" in text  # computed and approved, on the page

    # a hand-made confirmation without the amounts shown approves nothing: the page again
    again = _action(client, "availabilityreport", "approve", [october], apply="1")
    assert f'name="amount_{october.pk}" value="7.45"' in again.content.decode()
    october.refresh_from_db()
    assert october.status == ReportStatus.REQUESTED

    # October previewed alone (7.45); September approved meanwhile: 0.00 now → refused
    services.credit_approve(report=september, actor=staff)
    refused = _action(
        client,
        "availabilityreport",
        "approve",
        [october],
        apply="1",
        **{f"amount_{october.pk}": "7.45"},
    )
    october.refresh_from_db()
    assert october.status == ReportStatus.REQUESTED and october.credit_note is None
    assert "0.00" in html.unescape(client.get(refused.url).content.decode())

    _action(
        client,
        "availabilityreport",
        "approve",
        [october],
        apply="1",
        **{f"amount_{october.pk}": "0.00"},
    )
    october.refresh_from_db()
    assert (october.status, october.approved_amount) == (ReportStatus.APPROVED, Decimal("0.00"))


# SLA-6 — the back office in French writes the availability as the other figures of the row,
# with a decimal comma: 70 minutes down in October (31 × 1 440 = 44 640 minutes) →
# (44 640 − 70) / 44 640 × 100 = 99.8431…, truncated to 99,843. The list and the report's page
# read « 99.843 » beside « 7,45 » (a figure a French reader takes for ninety-nine thousand).
def test_availability_reads_the_french_way_in_the_back_office(client, requested_report):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    for url in (
        reverse("admin:support_availabilityreport_changelist"),
        reverse("admin:support_availabilityreport_change", args=[requested_report.pk]),
    ):
        page = client.get(url).content.decode()
        assert "99,843" in page, url
        assert "99.843" not in page, url
