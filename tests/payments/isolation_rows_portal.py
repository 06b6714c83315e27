"""Rows of tests/test_isolation.py for the portal pages of payments (BIL-4, BIL-8, BIL-10).

Builders create the tenant's own objects through the services and cache them on the tenant
object, like the builders of test_isolation.
"""

from datetime import timedelta

from accounts.choices import BillingMode
from accounts.models import Partner
from billing import services as billing
from offers.periods import month_start
from payments import services


def _dispute_invoice(t):
    """An invoice of the tenant's customer itself (kind "invoice"), issued by last month's run.

    The tenant's partner is partner-billed, so a run invoices the partner, not the customer
    (ACC-3). The builder switches the partner to reseller-billed in the database for the run
    only and restores the mode right after: last month has no run yet in these tests (the
    builders of test_isolation run the current month), so only this charge is invoiced."""
    if getattr(t, "dispute_invoice", None) is None:
        last_month = month_start(month_start(services.paris_today()) - timedelta(days=1))
        charge = billing.charge_post(
            client=t.client,
            kind="setup",
            source_type="isolation-dispute",
            source_id=t.client.pk,
            period_start=last_month,
            description="Setup fee",
            unit_price="49.00",
        )
        partner = Partner.objects.filter(pk=t.client.partner_id)
        mode = partner.values_list("billing_mode", flat=True).get()
        partner.update(billing_mode=BillingMode.RESELLER_BILLED)
        try:
            billing.run_month_sync(month=last_month)
        finally:
            partner.update(billing_mode=mode)
        charge.refresh_from_db()
        t.dispute_invoice = charge.invoice_line.invoice
        assert t.dispute_invoice.client_id == t.client.pk
    return t.dispute_invoice


def _dispute(t):
    """A dispute of the tenant's invoice (``payments.services``), cached."""
    if getattr(t, "dispute", None) is None:
        t.dispute = services.dispute_open(
            invoice=_dispute_invoice(t), amount="10.00", reason="Isolation check"
        )
    return t.dispute


PORTAL_PAGES = [
    ("payments:overview", None),
    ("payments:disputes", None),
    ("payments:prepaid", None),
]
PORTAL_OBJECT_PAGES = [
    ("payments:dispute_create", lambda t: [_dispute_invoice(t).pk]),
    ("payments:dispute_detail", lambda t: [_dispute(t).pk]),
]
# A read-only member posting a valid dispute gets 403 (ACC-2: disputing needs "billing").
PORTAL_WRITES = [
    (
        "payments:dispute_create",
        lambda t: [_dispute_invoice(t).pk],
        {"amount": "10.00", "reason": "Wrong amount"},
    ),
]
