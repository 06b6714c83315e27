"""SLA-2 / SLA-3 / SLA-4 — the deadlines of a failure notification come from the offer's terms
only: PLATFORM's intervention clause (4 business hours, 9:00–17:00), HOSTED-W's restoration
target (4 elapsed hours from detection), HOSTED-A's restoration target (8 business hours,
9:00–18:00). An offer without a clause (TRUNK, SIP-UNL) has no deadline: none on the ticket
page, null in the API, last in the back-office queue. PLATFORM 14.2: an interruption of 30
minutes or less, or one the customer caused, is no incident — its intervention deadline goes."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.choices import TicketStatus
from support.models import Ticket
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, open_failure, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def staff():
    return make_staff()


def failure_at(tenant, offer_code, when, **kwargs):
    contract = make_contract(tenant.client, offer_code, **kwargs)
    with time_machine.travel(when, tick=False):
        return open_failure(tenant, contract)


# SLA-3 — TRUNK and SIP-UNL state no intervention clause and no restoration target: a failure
# notification on them has no deadline at all (the old code gave them 4 business hours).
@pytest.mark.parametrize("offer_code", ["trunk", "sip-unl"])
def test_offers_without_clause_have_no_deadline(offer_code, tenant, client, api):
    ticket = failure_at(tenant, offer_code, paris(2026, 11, 16, 10))  # a Monday, in hours
    assert ticket.intervention_deadline is None and ticket.restoration_target is None
    assert ticket.intervention_met is None and not ticket.is_overdue
    # The portal's ticket page shows no intervention deadline, and says why.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(tenant.members[Role.TECHNICAL].user)
    page = client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="intervention-deadline"' not in page and "Work starts by" not in page
    assert 'data-testid="no-deadline"' in page
    # The partner API returns null.
    body = api.get(reverse("api:ticket-detail", args=[ticket.pk])).json()
    assert body["intervention_deadline"] is None and body["intervention_met"] is None
    assert body["restoration_target"] is None
    # Days later, nothing is overdue: there was no deadline to miss.
    with time_machine.travel(paris(2026, 11, 30, 10), tick=False):
        ticket.refresh_from_db()
        assert ticket.intervention_met is None and not ticket.is_overdue


# SLA-2 / SLA-3 — PLATFORM (9:00–17:00, Monday–Friday): reported Friday 13 November 2026 at
# 16:00 → 1 h on Friday + 3 h on Monday → Monday 16 November 12:00. Boundaries: reported at
# 13:00 the deadline is Friday's closing time itself (17:00); reported at 17:00 (closed) the
# clock starts on Monday 9:00 → 13:00.
def test_platform_friday_to_monday(tenant):
    assert failure_at(tenant, "platform", paris(2026, 11, 13, 16)).intervention_deadline == (
        paris(2026, 11, 16, 12)
    )
    at_closing = failure_at(tenant, "platform", paris(2026, 11, 13, 13))
    assert at_closing.intervention_deadline == paris(2026, 11, 13, 17)
    after_hours = failure_at(tenant, "platform", paris(2026, 11, 13, 17))
    assert after_hours.intervention_deadline == paris(2026, 11, 16, 13)
    # PLATFORM states no restoration target (SLA-4).
    assert after_hours.restoration_target is None


# SLA-2 / SLA-3 — a French public holiday on the Monday shifts the deadline to Tuesday: Friday
# 3 April 2026 16:00 + 1 h Friday, Easter Monday 6 April off, + 3 h Tuesday → Tuesday 7 April
# 12:00; the same with Whit Monday (Friday 22 May → Tuesday 26 May 12:00).
def test_platform_public_holiday_monday(tenant):
    easter = failure_at(tenant, "platform", paris(2026, 4, 3, 16))
    assert easter.intervention_deadline == paris(2026, 4, 7, 12)
    whit = failure_at(tenant, "platform", paris(2026, 5, 22, 16))
    assert whit.intervention_deadline == paris(2026, 5, 26, 12)


# SLA-4 — HOSTED-W: 4 elapsed hours from detection, nights and weekends included — Saturday 21
# November 2026 22:00 → Sunday 02:00; no intervention deadline (no such clause). On the night
# clocks go back (Sunday 25 October 2026, 03:00 summer time → 02:00 winter time), 4 real hours
# from 00:30 (22:30 UTC) end at 02:30 UTC = 03:30 Paris time: 3 hours on the wall clock.
def test_hosted_w_restoration_elapsed_hours(tenant):
    ticket = failure_at(tenant, "hosted-w", paris(2026, 11, 21, 22))
    assert ticket.restoration_target == paris(2026, 11, 22, 2)
    assert ticket.intervention_deadline is None
    dst = failure_at(tenant, "hosted-w", paris(2026, 10, 25, 0, 30))
    assert dst.restoration_target == paris(2026, 10, 25, 3, 30)
    assert dst.restoration_target - dst.reported_at == timedelta(hours=4)


# SLA-4 — HOSTED-A: 8 business hours in 9:00–18:00 from the notification. Monday 16 November
# 2026 09:00 → 17:00; 10:00 → 18:00 (closing time itself); Friday 13 November 15:00 → 3 h
# Friday + 5 h Monday → Monday 14:00; reported Saturday → Monday 9:00 + 8 h → 17:00. Never an
# intervention deadline.
def test_hosted_a_restoration_business_hours(tenant):
    cases = [
        (paris(2026, 11, 16, 9), paris(2026, 11, 16, 17)),
        (paris(2026, 11, 16, 10), paris(2026, 11, 16, 18)),
        (paris(2026, 11, 13, 15), paris(2026, 11, 16, 14)),
        (paris(2026, 11, 14, 11), paris(2026, 11, 16, 17)),
    ]
    for reported, target in cases:
        ticket = failure_at(tenant, "hosted-a", reported)
        assert ticket.restoration_target == target, reported
        assert ticket.intervention_deadline is None


# SLA-3 (PLATFORM 14.2) — an interruption of 30 minutes or less is no incident: reported
# Monday 16 November 2026 at 10:00, restored at 10:30 (exactly 30 minutes, not "longer than")
# → the 14:00 deadline goes, nothing is overdue in the afternoon. Restoration corrected to
# 10:31 (31 minutes) → an incident again: 14:00.
def test_platform_short_interruption_is_no_incident(tenant, staff):
    ticket = failure_at(tenant, "platform", paris(2026, 11, 16, 10))
    assert ticket.intervention_deadline == paris(2026, 11, 16, 14)
    with time_machine.travel(paris(2026, 11, 16, 15), tick=False):
        ticket = services.ticket_record_restoration(
            ticket=ticket, restored_at=paris(2026, 11, 16, 10, 30), actor=staff
        )
        assert ticket.intervention_deadline is None and not ticket.is_overdue
        assert not Ticket.objects.filter(
            intervention_deadline__lt=paris(2026, 11, 16, 15)
        ).exists()  # the back office's "overdue" filter
        ticket = services.ticket_record_restoration(
            ticket=ticket, restored_at=paris(2026, 11, 16, 10, 31), actor=staff
        )
    ticket.refresh_from_db()
    assert ticket.intervention_deadline == paris(2026, 11, 16, 14)


# SLA-3 (PLATFORM 14.2) — counted from the detection when the customer gives it: detected at
# 09:45, reported at 10:00, restored at 10:20 → 35 minutes of interruption: an incident.
def test_platform_interruption_counted_from_detection(tenant, staff):
    contract = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 11, 16, 10), tick=False):
        ticket = open_failure(tenant, contract, detected_at=paris(2026, 11, 16, 9, 45))
    with time_machine.travel(paris(2026, 11, 16, 11), tick=False):
        ticket = services.ticket_record_restoration(
            ticket=ticket, restored_at=paris(2026, 11, 16, 10, 20), actor=staff
        )
    assert ticket.intervention_deadline == paris(2026, 11, 16, 14)


# SLA-3 / SLA-4 — a detection after the report (reported 10:00, "detected" 10:30) would start
# HOSTED-W's 4-hour restoration target at 10:30 instead of 10:00: refused, nothing written. A
# detection within the minute of the report (a clock a little ahead) is taken.
def test_detection_after_the_report_refused(tenant):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    contract = make_contract(tenant.client, "hosted-w")
    with (
        time_machine.travel(paris(2026, 11, 16, 11), tick=False),
        pytest.raises(ValidationError) as error,
        translation.override("en"),
    ):
        open_failure(
            tenant,
            contract,
            reported_at=paris(2026, 11, 16, 10),
            detected_at=paris(2026, 11, 16, 10, 30),
        )
    assert error.value.message_dict == {
        "detected_at": ["A failure is detected before it is reported, or when."]
    }
    assert not Ticket.objects.exists()
    with time_machine.travel(paris(2026, 11, 16, 10), tick=False):
        ticket = open_failure(
            tenant, contract, detected_at=paris(2026, 11, 16, 10) + timedelta(seconds=30)
        )
    assert ticket.restoration_target == paris(2026, 11, 16, 14) + timedelta(seconds=30)


# SLA-3 / SLA-11 — an interruption the customer caused is no incident: once staff charge the
# abusive-ticket penalty, the intervention deadline goes (and with it the "missed").
def test_platform_customer_caused_is_no_incident(tenant, staff):
    ticket = failure_at(tenant, "platform", paris(2026, 11, 16, 10))
    with time_machine.travel(paris(2026, 11, 17, 10), tick=False):
        assert ticket.intervention_met is False
        services.ticket_charge_abusive_penalty(ticket=ticket, actor=staff, note="Own PBX")
        ticket.refresh_from_db()
        assert ticket.customer_caused and ticket.intervention_deadline is None
        assert ticket.intervention_met is None and not ticket.is_overdue


# SLA-3 — the portal's confirmation says the deadline the contract states, for a report on
# Monday 16 November 2026 at 08:00: PLATFORM its intervention deadline (opening 9:00 + 4 h →
# 13:00), HOSTED-W its restoration target (08:00 + 4 elapsed hours → 12:00), TRUNK none.
def test_portal_confirmation_message(tenant, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(tenant.members[Role.TECHNICAL].user)
    expected = {
        "platform": "Our support starts working on it by 16/11/2026 13:00.",
        "hosted-w": "Our target is to restore the service by 16/11/2026 12:00.",
        "trunk": "is registered as ticket",
    }
    for offer_code, text in expected.items():
        contract = make_contract(tenant.client, offer_code)
        with time_machine.travel(paris(2026, 11, 16, 8), tick=False):
            page = client.post(
                reverse("support:ticket_create"),
                {
                    "kind": "failure_notification",
                    "contract": contract.pk,
                    "subject": "Down",
                    "body": "No calls.",
                },
                follow=True,
            ).content.decode()
        assert text in page, offer_code
        if offer_code == "trunk":
            assert "starts working on it" not in page and "restore the service by" not in page


# SLA-3 — the ticket's status moves never make up a deadline for an offer without a clause.
def test_no_deadline_through_the_pipeline(tenant, staff):
    ticket = failure_at(tenant, "trunk", paris(2026, 11, 16, 10))
    with time_machine.travel(paris(2026, 11, 16, 11), tick=False):
        services.ticket_set_status(ticket=ticket, status=TicketStatus.IN_PROGRESS, actor=staff)
        services.ticket_record_restoration(ticket=ticket, actor=staff)
    ticket.refresh_from_db()
    assert ticket.intervention_deadline is None and ticket.intervention_met is None


# SLA-1 / SLA-4 — on the portal, the customer says when the failure began. HOSTED-W counts its
# 4 elapsed hours from the detection: detected Saturday 21 November 2026 at 22:00, reported at
# 23:30 → target Sunday 22 November 02:00 (before: the portal had no such field, the target ran
# from the report, 03:30). A detection after the report (23:45, still ahead on the portal) is
# refused on the form, nothing written; a question ignores the field.
def test_portal_failure_notification_gives_its_detection(tenant, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(tenant.members[Role.TECHNICAL].user)
    contract = make_contract(tenant.client, "hosted-w")
    form = client.get(reverse("support:ticket_create")).content.decode()
    assert 'name="detected_at"' in form and 'type="datetime-local"' in form

    def post(detected, kind="failure_notification"):
        with time_machine.travel(paris(2026, 11, 21, 23, 30), tick=False):
            return client.post(
                reverse("support:ticket_create"),
                {
                    "kind": kind,
                    "contract": contract.pk,
                    "subject": "Down",
                    "body": "No calls.",
                    "detected_at": detected,
                },
                follow=True,
            )

    refused = post("2026-11-21T23:45")
    assert "A failure cannot be detected in the future." in refused.content.decode()
    assert not Ticket.objects.exists()
    page = post("2026-11-21T22:00").content.decode()
    assert "Our target is to restore the service by 22/11/2026 02:00." in page
    ticket = Ticket.objects.get()
    assert ticket.detected_at == paris(2026, 11, 21, 22)
    assert ticket.restoration_target == paris(2026, 11, 22, 2)
    post("2026-11-21T23:45", kind="question")
    question = Ticket.objects.get(kind="question")
    assert question.detected_at is None


# SLA-4 / SLA-1 (the clock change) — a partner gives the failure's detection without a UTC
# offset: Paris time. On Sunday 25 October 2026 the clocks go back at 03:00 CEST to 02:00 CET,
# so « 02:30 » happened twice (00:30 and 01:30 UTC); on Sunday 28 March 2027 « 02:30 » never
# happened. The API took the first silently (HOSTED-W target 04:30 UTC = 05:30 CET, an hour
# earlier than for a failure seen at 02:30 CET, 06:30) and the non-existent one as 01:30 UTC,
# where the portal's form refused both. Now both are a 400 on detected_at asking for the offset;
# with it the target is exact: 02:30+01:00 → 4 elapsed hours → 06:30 CET.
def test_api_detection_at_the_clock_change_needs_its_offset(tenant, api):
    contract = make_contract(tenant.client, "hosted-w")
    payload = {
        "customer": tenant.client.pk,
        "kind": "failure_notification",
        "contract": contract.pk,
        "subject": "Down",
        "body": "No calls.",
    }
    api.raise_request_exception = False
    with time_machine.travel(paris(2026, 10, 25, 6), tick=False):
        for naive in ("2026-10-25T02:30:00", "2026-10-25T02:00"):
            answer = api.post("/api/v1/tickets/", {**payload, "detected_at": naive}, format="json")
            assert answer.status_code == 400, answer.content
            assert "précisez son décalage UTC" in str(
                answer.json()["error"]["fields"]["detected_at"]
            )
        assert not Ticket.objects.exists()
        answer = api.post(
            "/api/v1/tickets/",
            {**payload, "detected_at": "2026-10-25T02:30:00+01:00"},
            format="json",
        )
        assert answer.status_code == 201, answer.content
        assert answer.json()["restoration_target"] == "2026-10-25T06:30:00+01:00"
        answer = api.post(
            "/api/v1/tickets/", {**payload, "detected_at": "2026-10-25T04:00:00"}, format="json"
        )
        assert answer.status_code == 201  # an hour that happened once: Paris time, as before
        assert answer.json()["restoration_target"] == "2026-10-25T08:00:00+01:00"
    with time_machine.travel(paris(2027, 3, 28, 9), tick=False):
        answer = api.post(
            "/api/v1/tickets/", {**payload, "detected_at": "2027-03-28T02:30:00"}, format="json"
        )
        assert answer.status_code == 400
        assert "précisez son décalage UTC" in str(answer.json()["error"]["fields"]["detected_at"])
