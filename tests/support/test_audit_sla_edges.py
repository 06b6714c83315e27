"""Audit of SLA-5 / SLA-6 edge cases no other test showed: outages that overlap an excusable
event on HOSTED-W, and a contract whose service has ended."""

from datetime import date

import pytest
import time_machine

from support import services
from support.choices import ExcuseReason
from tests.offers.factories import make_contract
from tests.support.factories import invoice_in_advance, make_staff, paris, reseller_billed

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


# SLA-5 / SLA-6 (HOSTED-W 7: « aucun avoir ne sera émis, pour la période au cours de laquelle le
# Service fait l'objet d'une Défaillance en raison d'un cas de force majeure » — the same
# sentence as HOSTED-A 4). October 2026 = 31 × 1 440 = 44 640 minutes; 10 users × 14.90 =
# 149.00 invoiced for October. A storm (force majeure, excusable) cuts the service on 6 October
# from 01:00 to 03:00; our platform also fails from 02:00 to 04:00 (not excusable). From 02:00
# to 03:00 the service was down by force majeure anyway: only 03:00 → 04:00 counts, 60 minutes →
# (44 640 − 60) / 44 640 = 99.865 % ≥ 99.85 → no credit. Before: the whole 120 minutes of the
# platform's outage counted → 99.731 % → [99.5, 99.85) → 5 % × 149.00 = 7.45 (a HOSTED-A contract
# already had the excusable hour taken out).
def test_hosted_w_outage_during_an_excusable_one_counts_only_outside_it(tenant):
    reseller_billed(tenant.client)
    staff = make_staff()
    contract = make_contract(tenant.client, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        services.outage_record(
            title="Storm",
            started_at=paris(2026, 10, 6, 1),
            ended_at=paris(2026, 10, 6, 3),
            excusable=True,
            excuse_reason=ExcuseReason.FORCE_MAJEURE,
            contracts=[contract],
            actor=staff,
        )
        services.outage_record(
            title="Platform failure",
            started_at=paris(2026, 10, 6, 2),
            ended_at=paris(2026, 10, 6, 4),
            contracts=[contract],
            actor=staff,
        )
    with time_machine.travel(paris(2026, 11, 1, 1), tick=False):
        report = services.availability_report_compute(contract=contract, month=OCT)
    assert report.unavailable_minutes == 60
    assert str(report.availability_display) == "99.865"
    assert (report.credit_percent, report.credit_amount) == (0, 0)
