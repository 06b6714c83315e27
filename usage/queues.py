"""Usage's staff work queue (issue 17, ``kernel.queues``): fair-use breaches awaiting a
decision (USE-4) — open breaches, to confirm (nothing to do) or waive. Deadline: the last day
of the breach's month (the run just after it bills the re-rated calls; a waiver after it
becomes a credit note)."""

from datetime import timedelta

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.queues import QueueItem, Team, end_of_paris_day, register
from offers.periods import next_month_start
from usage.choices import BreachStatus
from usage.models import FairUseBreach


def breaches_for_staff(*, partner_id=None):
    breaches = FairUseBreach.objects.filter(status=BreachStatus.OPEN).select_related(
        "client", "sip_account"
    )
    if partner_id is not None:
        breaches = breaches.filter(client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=breach.pk,
            title=f"{breach.sip_account} — {breach.month:%m/%Y}",
            client=breach.client,
            created_at=breach.detected_at,
            deadline=end_of_paris_day(next_month_start(breach.month) - timedelta(days=1)),
            detail=", ".join(breach.reason_lines),
            url=reverse("admin:usage_fairusebreach_change", args=[breach.pk]),
        )
        for breach in breaches[:500]
    ]


register(
    "usage.breaches",
    label=_("Fair-use breaches"),
    team=Team.BILLING,
    fetch=breaches_for_staff,
    order=95,
)
