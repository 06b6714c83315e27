"""Demo invoices: the runs of the two months before this one, so the portal has invoices to
show and last month's subscriptions are invoiced (its SLA credit base reads them, SLA-7).
Idempotent (a run skips buyers already invoiced)."""

from datetime import timedelta

from django.utils import timezone

from billing.services.runs import run_month_sync
from offers.periods import month_start


def load() -> str:
    last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    month_before = month_start(last_month - timedelta(days=1))
    runs = [run_month_sync(month=month) for month in (month_before, last_month)]
    return "; ".join(
        f"run {run} — {run.done}/{run.total} buyers invoiced, {run.failed} failed" for run in runs
    )
