"""Demo invoices: the run of last month, so the portal has invoices to show. Idempotent (the
run skips buyers already invoiced)."""

from datetime import timedelta

from django.utils import timezone

from billing.services.runs import run_month_sync
from offers.periods import month_start


def load() -> str:
    last_month = month_start(month_start(timezone.localdate()) - timedelta(days=1))
    run = run_month_sync(month=last_month)
    return f"run {run} — {run.done}/{run.total} buyers invoiced, {run.failed} failed"
