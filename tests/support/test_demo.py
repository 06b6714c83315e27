"""The demo data of support loads, twice, without duplicating anything."""

import pytest

from support import demo
from support.models import AvailabilityReport, Outage, Ticket

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(settings):
    from accounts import demo as accounts_demo
    from offers import demo as offers_demo

    settings.BILLING_RENDER_PDF = False
    accounts_demo.load()
    offers_demo.load()
    demo.load()
    counts = (Ticket.objects.count(), Outage.objects.count(), AvailabilityReport.objects.count())
    demo.load()
    assert counts == (
        Ticket.objects.count(),
        Outage.objects.count(),
        AvailabilityReport.objects.count(),
    )
    assert counts[0] == 2 and counts[1] == 1 and counts[2] >= 2
    failure = Ticket.objects.get(kind="failure_notification")
    # SLA-3 / SLA-4: the demo failure is on HOSTED-A — a restoration target, no intervention
    # deadline (HOSTED-A's terms state none).
    assert failure.intervention_deadline is None and failure.restoration_target is not None
