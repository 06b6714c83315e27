"""Issue 17 item 3 (SLA-6): an availability page never shows this month's figure together with
"no outage recorded": the chart and the table end with the month in progress, and the list of
unavailabilities holds what the figure counts — the outages, and for HOSTED-A the customer's
failure notifications."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.models import Ticket
from tests.offers.factories import make_contract
from tests.support.factories import incident, make_staff, paris

pytestmark = pytest.mark.django_db

TODAY = paris(2026, 11, 20, 10)  # November 2026 is the month in progress


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


def _so_far(html: str) -> str:
    return re.search(r"Mois en cours, à ce jour\s*:\s*([\d,]+)\s*%", html).group(1)


# issue 17 item 3 — SLA-6 (HOSTED-A): a failure notification reported at 08:00 and restored at
# 09:30 today counts 90 min: 100 × (43 200 − 90) / 43 200 = 99.7916… → 99,791 % (3 decimals,
# truncated). The page lists that ticket under the unavailabilities (never "Aucune
# indisponibilité"), and the chart's current bar and the table's current row say 99,791 too.
def test_hosted_a_failure_notification_is_listed_with_the_month_so_far(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    with time_machine.travel(TODAY, tick=False):
        ticket = incident(contract, paris(2026, 11, 20, 8), paris(2026, 11, 20, 9, 30))
        page = as_role(Role.READ_ONLY).get(
            reverse("support:availability_contract", args=[contract.pk])
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert _so_far(html) == "99,791"
    assert "Aucune indisponibilité enregistrée" not in html
    assert ticket.number in html and reverse("support:ticket_detail", args=[ticket.pk]) in html
    assert 'data-testid="failures-count"' in html
    current = re.search(r'<g data-testid="chart-month" data-value="([\d.,]+)" data-current', html)
    assert current and current.group(1) == "99,791"
    row = html[html.index('data-testid="report-current"') :]
    assert (
        "Novembre 2026" in row[:300] and "99,791\u00a0%" in row[:600] and "90\u00a0min" in row[:800]
    )
    assert html.count('data-testid="chart-month"') == 12
    # French typography: the bar's tooltip keeps a no-break space before its colon.
    assert "<title>Novembre 2026 (en cours)\u00a0: 99,791\u00a0%</title>" in html


# SLA-6: minutes unavailable grouped by thousands (« 4 320 min », not « 4320 min »), the unit
# held to its figure by a no-break space.
def test_unavailable_minutes_grouped(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    with time_machine.travel(TODAY, tick=False):
        incident(contract, paris(2026, 11, 17, 8), paris(2026, 11, 20, 8))
        html = (
            as_role(Role.READ_ONLY)
            .get(reverse("support:availability_contract", args=[contract.pk]))
            .content.decode()
        )
    row = html[html.index('data-testid="report-current"') :]
    assert "4\u00a0320\u00a0min" in row[:800] and "4320" not in row[:800]


# issue 17 item 3 — SLA-5/SLA-6 (HOSTED-W): the outage of this month is listed, and the month
# so far (100 × (43 200 − 45) / 43 200 = 99.8958… → 99,895 %) is the chart's last bar.
def test_hosted_w_outage_this_month_matches_the_chart(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-w")
    start = paris(2026, 11, 18, 9)
    with time_machine.travel(TODAY, tick=False):
        services.outage_record(
            title="Panne cœur de réseau",
            started_at=start,
            ended_at=start + timedelta(minutes=45),
            contracts=[contract],
            actor=make_staff(),
        )
        html = (
            as_role(Role.ADMIN)
            .get(reverse("support:availability_contract", args=[contract.pk]))
            .content.decode()
        )
        overview = as_role(Role.ADMIN).get(reverse("support:availability")).content.decode()
    assert _so_far(html) == "99,895"
    assert "Panne cœur de réseau" in html and 'data-testid="failures-count"' not in html
    assert 'data-value="99,895" data-current="true"' in html
    assert "Panne cœur de réseau" in overview


# SLA-6 (HOSTED-A 4 (i): an incident we detected is a failure notification too): the outage staff
# recorded this month on a HOSTED-A site, 45 minutes without a ticket, is listed and counted:
# 100 × (43 200 − 45) / 43 200 = 99,895 % (before: listed next to 100 %).
def test_hosted_a_outage_is_counted_with_the_month_so_far(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    start = paris(2026, 11, 18, 9)
    with time_machine.travel(TODAY, tick=False):
        services.outage_record(
            title="Panne cœur de réseau",
            started_at=start,
            ended_at=start + timedelta(minutes=45),
            contracts=[contract],
            actor=make_staff(),
        )
        html = (
            as_role(Role.ADMIN)
            .get(reverse("support:availability_contract", args=[contract.pk]))
            .content.decode()
        )
    assert "Panne cœur de réseau" in html and _so_far(html) == "99,895"
    assert "incidents non excusables que nous avons détectés" in html


# issue 17 item 3 — SLA-11: a failure the customer caused does not count and is not listed; the
# month is then at 100 % with "no outage" — consistent.
def test_customer_caused_failure_not_listed(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    staff = make_staff()
    with time_machine.travel(TODAY, tick=False):
        ticket = incident(contract, paris(2026, 11, 20, 8), paris(2026, 11, 20, 9), staff=staff)
        # Charged before the penalty became PLATFORM's only (PLATFORM 27): the flag stays.
        Ticket.objects.filter(pk=ticket.pk).update(customer_caused=True)
        html = (
            as_role(Role.ADMIN)
            .get(reverse("support:availability_contract", args=[contract.pk]))
            .content.decode()
        )
    assert _so_far(html) == "100,000"
    assert ticket.number not in html
    assert "Aucune indisponibilité enregistrée" in html


# SLA-6 — a contract ordered but not in service yet (no service start) had an availability page
# saying « Mois en cours, à ce jour : 100,000 % » with a bar for the month: a figure no report
# will ever hold (the monthly job measures a contract from its service start, and skips one not
# started). Expected: the twelve months not measured, and the line saying why.
def test_service_not_started_is_not_measured(as_role, tenant):
    from offers.choices import ContractStatus

    contract = make_contract(tenant.client, "hosted-w", status=ContractStatus.ORDERED)
    assert contract.service_start_date is None
    with time_machine.travel(TODAY, tick=False):
        page = as_role(Role.READ_ONLY).get(
            reverse("support:availability_contract", args=[contract.pk])
        )
    html = page.content.decode()
    assert page.status_code == 200
    assert "Mois en cours, à ce jour" not in html and "100,000" not in html
    assert "data-current" not in html and 'data-testid="report-current"' not in html
    assert "Non mesuré (12\u00a0mois)" in html or "Non mesuré (12 mois)" in html
    assert "Le service n'a pas encore démarré" in html
