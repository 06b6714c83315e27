"""Tenant-isolation rows of the payments API (merged by tests/test_isolation.py)."""

from accounts.choices import BillingMode
from accounts.models import Client, Partner
from billing import services as billing
from billing.models import Invoice
from offers.periods import month_start
from payments import services
from payments.models import Dispute, Payment, PrepaidEntry


def _payment(t):
    """A transfer received from the tenant's customer (on account), cached on the tenant. A
    partner-billed partner's customer pays us nothing (its partner does, ACC-3): the partner is
    reseller-billed while the payment is recorded, then restored."""
    if getattr(t, "payment", None) is None:
        partner = Partner.objects.get(pk=t.client.partner_id)
        Partner.objects.filter(pk=partner.pk).update(billing_mode=BillingMode.RESELLER_BILLED)
        try:
            t.payment = services.payment_record(
                client=Client.objects.select_related("partner").get(pk=t.client.pk),
                amount="25.00",
                method="transfer",
                received_on=services.paris_today(),
                reference=f"ISO-{t.client.pk}",
            )
        finally:
            Partner.objects.filter(pk=partner.pk).update(billing_mode=partner.billing_mode)
    return t.payment


def _prepaid_entry(t):
    if getattr(t, "prepaid_entry", None) is None:
        t.prepaid_entry = services.prepaid_topup_record(
            client=t.client,
            amount_received="50.00",
            received_on=services.paris_today(),
            reference=f"TOPUP-{t.client.pk}",
        )
    return t.prepaid_entry


def _customer_invoice(t) -> Invoice:
    """An invoice issued to the tenant's customer itself. The fixtures' partners are
    partner-billed (their customers' charges go on the partner's monthly invoice, which
    ``dispute_open`` refuses), so the partner is switched to reseller-billed for this one run,
    then restored (``billing.services`` only)."""
    partner = Partner.objects.get(pk=t.client.partner_id)
    month = month_start(services.paris_today())
    billing.charge_post(
        client=t.client,
        kind="setup",
        source_type="isolation-dispute",
        source_id=t.client.pk,
        period_start=month,
        description="Setup fee",
        unit_price="100.00",
    )
    Partner.objects.filter(pk=partner.pk).update(billing_mode=BillingMode.RESELLER_BILLED)
    try:
        billing.run_month_sync(month=month)
    finally:
        Partner.objects.filter(pk=partner.pk).update(billing_mode=partner.billing_mode)
    return Invoice.objects.get(client=t.client, month=month, kind="invoice")


def _dispute(t):
    if getattr(t, "dispute", None) is None:
        t.dispute = services.dispute_open(
            invoice=_customer_invoice(t), amount="10.00", reason="Isolation check"
        )
    return t.dispute


def _partner_invoice(t) -> Invoice:
    """The monthly invoice of the tenant's partner-billed partner itself (ACC-3), issued by the
    month's run (``billing.services``)."""
    partner = Partner.objects.get(pk=t.client.partner_id)
    month = month_start(services.paris_today())
    found = Invoice.objects.filter(partner=partner, month=month, kind="invoice").first()
    if found is not None:
        return found
    billing.charge_post(
        client=t.client,
        kind="setup",
        source_type="isolation-partner-dispute",
        source_id=t.client.pk,
        period_start=month,
        description="Setup fee",
        unit_price="100.00",
    )
    billing.run_month_sync(month=month)
    return Invoice.objects.get(partner=partner, month=month, kind="invoice")


def _partner_dispute(t):
    """BIL-8 (PLATFORM 12.6): the tenant's partner disputing its own monthly invoice."""
    if getattr(t, "partner_dispute", None) is None:
        t.partner_dispute = services.dispute_open(
            invoice=_partner_invoice(t), amount="10.00", reason="Isolation check"
        )
    return t.partner_dispute


def _disputes(t):
    """Both kinds of the tenant's disputes: its customer's and its partner's own."""
    _partner_dispute(t)
    return _dispute(t)


API_RESOURCES = [
    ("api:payment-list", "api:payment-detail", lambda t: _payment(t).pk, Payment),
    ("api:dispute-list", "api:dispute-detail", lambda t: _dispute(t).pk, Dispute),
    # A partner's dispute of its own monthly invoice: another partner's is a 404 too.
    ("api:dispute-list", "api:dispute-detail", lambda t: _partner_dispute(t).pk, Dispute),
    (
        "api:prepaid-entry-list",
        "api:prepaid-entry-detail",
        lambda t: _prepaid_entry(t).pk,
        PrepaidEntry,
    ),
]
API_OTHER_ROUTES = {
    # Another partner's customer is a 404 (tests/payments/test_api.py::test_balance_scoped).
    "api:customer-balance",
}
OWN_ROWS = {Payment: _payment, Dispute: _disputes, PrepaidEntry: _prepaid_entry}
