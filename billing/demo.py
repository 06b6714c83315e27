"""Demo invoices: the run of last month, so the portal has invoices to show. Idempotent (the
run skips buyers already invoiced)."""

from datetime import timedelta

from billing import services
from offers.periods import month_start


def load() -> str:
    last_month = month_start(month_start(services.timezone.localdate()) - timedelta(days=1))
    run = services.run_month_sync(month=last_month)
    return f"run {run} — {run.done}/{run.total} buyers invoiced, {run.failed} failed"
