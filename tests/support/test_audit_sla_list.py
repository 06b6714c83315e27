"""SLA-3 / SLA-4 — the ticket list shows, for each failure notification, the deadline its
contract states: PLATFORM its intervention deadline, HOSTED-W and HOSTED-A their restoration
target (they have no intervention clause), each with whether it was met."""

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.choices import TicketStatus
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, open_failure, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


def rows_of(page: str) -> dict[str, str]:
    """Each row of the ticket table, by ticket number."""
    body = page.split('data-testid="ticket-table"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in body.split('data-testid="ticket-row"')[1:]:
        number = row.split('">', 2)[2].split("<", 1)[0]
        rows[number] = row
    return rows


# SLA-4 — HOSTED-A reported Friday 15 May 2026 at 16:59: 8 business hours in 9:00–18:00 →
# 1 h 01 on Friday + 6 h 59 on Monday 18 May → Monday 15:59. HOSTED-W detected and reported
# Saturday 28 March 2026 at 23:30 (22:30 UTC), the night clocks go forward: 4 elapsed hours =
# 02:30 UTC = Sunday 29 March 04:30 summer time (5 hours on the wall clock). PLATFORM reported
# Wednesday 13 May 2026 (the eve of Ascension) at 16:00: 1 h on Wednesday, Thursday 14 off,
# 3 h on Friday → Friday 15 May 12:00.
# Before, the list showed « — » for both HOSTED tickets (their restoration target was only on the
# ticket's page).
def test_ticket_list_shows_the_restoration_target_of_hosted_failures(tenant, client, as_role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    hosted_a = make_contract(tenant.client, "hosted-a")
    hosted_w = make_contract(tenant.client, "hosted-w", quantity=2)
    platform = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 5, 15, 16, 59), tick=False):
        site = open_failure(tenant, hosted_a)
    with time_machine.travel(paris(2026, 3, 28, 23, 30), tick=False):
        users = open_failure(tenant, hosted_w)
    with time_machine.travel(paris(2026, 5, 13, 16), tick=False):
        voice = open_failure(tenant, platform)

    as_role(Role.READ_ONLY)
    with time_machine.travel(paris(2026, 5, 18, 12), tick=False):
        rows = rows_of(client.get(reverse("support:tickets")).content.decode())
    assert "Service restored by" in rows[site.number] and "18/05/2026 15:59" in rows[site.number]
    assert 'data-testid="restoration-pending"' in rows[site.number]
    assert "29/03/2026 04:30" in rows[users.number]
    assert 'data-testid="restoration-missed"' in rows[users.number]  # never restored
    assert "Work starts by" in rows[voice.number] and "15/05/2026 12:00" in rows[voice.number]
    assert 'data-testid="intervention-missed"' in rows[voice.number]
    assert "restoration-" not in rows[voice.number]  # PLATFORM states no restoration target

    # Restored Monday 18 May at 15:59, the target itself: met.
    with time_machine.travel(paris(2026, 5, 18, 15, 59), tick=False):
        services.ticket_record_restoration(ticket=site, actor=make_staff())
        rows = rows_of(client.get(reverse("support:tickets")).content.decode())
    assert 'data-testid="restoration-met"' in rows[site.number]
    assert "intervention-" not in rows[site.number]  # HOSTED-A states no intervention deadline


# SLA-11 — the 100 € abusive-ticket penalty is a clause of the voice platform's contract only
# (PLATFORM 27, « Support Abusif … 100 € »); the HOSTED-W, HOSTED-A, TRUNK and SIP-UNL contracts
# state no such penalty. Before, staff could charge it on a HOSTED-A failure notification: a
# 100.00 € charge without contractual basis. Now it is refused and nothing is written; on a
# PLATFORM failure notification it is charged (100.00, once).
@pytest.mark.parametrize("offer_code", ["hosted-a", "hosted-w", "trunk"])
def test_abusive_ticket_penalty_is_platform_only(tenant, offer_code):
    from django.core.exceptions import ValidationError

    from billing.models import PendingCharge

    staff = make_staff()
    other = make_contract(tenant.client, offer_code)
    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        ticket = open_failure(tenant, other)
        with pytest.raises(ValidationError) as refused:
            services.ticket_charge_abusive_penalty(ticket=ticket, actor=staff)
    assert "PLATFORM 27" in str(refused.value)
    ticket.refresh_from_db()
    assert not ticket.customer_caused and not PendingCharge.objects.exists()

    platform = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 10, 6, 10), tick=False):
        voice = open_failure(tenant, platform)
        charge = services.ticket_charge_abusive_penalty(ticket=voice, actor=staff)
    assert charge.unit_price == 100 and PendingCharge.objects.count() == 1


# SLA-3 (PLATFORM 14.2) — a PLATFORM failure notification reported Monday 16 November 2026 at
# 10:00 and restored at 10:20 (20 minutes: not "longer than 30 minutes") is no incident: its
# 14:00 intervention deadline goes. Before, the ticket's page then said « Your contract states no
# intervention deadline or restoration target for this service » — false: the contract states
# one; this interruption is not an incident. Now it says why. One the customer caused (SLA-11,
# the penalty charged) says so too.
def test_platform_report_that_is_no_incident_says_why(tenant, client, as_role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    staff = make_staff()
    platform = make_contract(tenant.client, "platform")
    with time_machine.travel(paris(2026, 11, 16, 10), tick=False):
        short = open_failure(tenant, platform)
        caused = open_failure(tenant, platform)
    as_role(Role.TECHNICAL)
    with time_machine.travel(paris(2026, 11, 16, 10, 20), tick=False):
        services.ticket_record_restoration(ticket=short, actor=staff)
        services.ticket_charge_abusive_penalty(ticket=caused, actor=staff)
        pages = {
            ticket: client.get(reverse("support:ticket_detail", args=[ticket.pk])).content.decode()
            for ticket in (short, caused)
        }
    for page in pages.values():
        assert 'data-testid="intervention-deadline"' not in page
        assert "Your contract states no intervention deadline" not in page
    assert 'data-testid="no-incident"' in pages[short]
    assert "lasted 30 minutes or less" in pages[short]
    assert "caused on your side" in pages[caused]


# SLA-3 / SLA-4 — a failure notification the customer withdraws (new → closed) before its
# deadline stops the clock: nobody failed to meet it. PLATFORM reported Monday 16 November 2026
# at 10:00 (intervention deadline 14:00), withdrawn at 11:00; HOSTED-A reported Tuesday 17
# November at 16:00 (restoration target Wednesday 15:00), withdrawn at 16:30. Before, once each
# deadline had passed the pages said « Missed » and the API ``*_met: false`` — a breach reported
# on a withdrawn ticket. Now: « Closed before the deadline » and null. A deadline missed before
# the withdrawal stays missed (HOSTED-W reported Monday 16 November 08:00, target 12:00,
# withdrawn at 13:00).
def test_withdrawn_failure_notification_misses_no_deadline(tenant, client, as_role, api):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    member = tenant.members[Role.TECHNICAL].user
    platform = make_contract(tenant.client, "platform")
    hosted_a = make_contract(tenant.client, "hosted-a")
    hosted_w = make_contract(tenant.client, "hosted-w", quantity=2)
    with time_machine.travel(paris(2026, 11, 16, 8), tick=False):
        late = open_failure(tenant, hosted_w)
    with time_machine.travel(paris(2026, 11, 16, 10), tick=False):
        voice = open_failure(tenant, platform)
    with time_machine.travel(paris(2026, 11, 16, 11), tick=False):
        services.ticket_set_status(ticket=voice, status=TicketStatus.CLOSED, actor=member)
    with time_machine.travel(paris(2026, 11, 16, 13), tick=False):
        services.ticket_set_status(ticket=late, status=TicketStatus.CLOSED, actor=member)
    with time_machine.travel(paris(2026, 11, 17, 16), tick=False):
        site = open_failure(tenant, hosted_a)
    with time_machine.travel(paris(2026, 11, 17, 16, 30), tick=False):
        services.ticket_set_status(ticket=site, status=TicketStatus.CLOSED, actor=member)

    as_role(Role.TECHNICAL)
    with time_machine.travel(paris(2026, 11, 18, 16), tick=False):
        rows = rows_of(client.get(reverse("support:tickets")).content.decode())
        detail = client.get(reverse("support:ticket_detail", args=[voice.pk])).content.decode()
        listed = {t["number"]: t for t in api.get("/api/v1/tickets/").json()["results"]}
    assert 'data-testid="intervention-withdrawn"' in rows[voice.number]
    assert (
        'data-testid="intervention-withdrawn"' in detail and "Closed before the deadline" in detail
    )
    assert 'data-testid="restoration-withdrawn"' in rows[site.number]
    assert 'data-testid="restoration-missed"' in rows[late.number]
    assert listed[voice.number]["intervention_met"] is None
    assert listed[site.number]["restoration_met"] is None
    assert listed[late.number]["restoration_met"] is False
