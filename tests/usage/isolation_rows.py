"""Usage's rows of the tenant-isolation matrix (tests/test_isolation.py): every usage page and
API route is named here. The tenant's own call (and invoice, for the annex) are built here and
cached on the tenant."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing import services as billing
from billing.models import Invoice
from kernel.clock import paris_today
from usage.models import CallRecord, ImportBatch, TariffAnnouncement, TariffNotice
from usage.services.rollup import rollup_refresh


def _call(t):
    """A rated call of the tenant, this month."""
    if getattr(t, "usage_call", None) is None:
        now = timezone.now() - timedelta(minutes=5)
        t.usage_call = CallRecord.objects.create(
            call_id=f"iso-{t.client.pk}",
            started_at=now,
            account_ref=f"iso{t.client.pk}",
            answered=True,
            duration=65,
            called="+33140000000",
            call_type="outbound",
            client=t.client,
            billing_month=paris_today().replace(day=1),
            country="FR",
            line_type="mobile",
            price_class="standard",
            billed_seconds=65,
            list_cost=Decimal("987.6543"),  # a total no other customer's page shows
            cost=Decimal("987.6543"),
            rated=True,
        )
        rollup_refresh([(t.client.pk, t.usage_call.billing_month)])
    return t.usage_call


def _invoice(t):
    """An issued invoice of the tenant (a run of last month), for the call-detail annex."""
    if getattr(t, "usage_invoice", None) is None:
        month = (paris_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        billing.charge_post(
            client=t.client,
            kind="setup",
            source_type="usage-isolation",
            source_id=t.client.pk,
            period_start=month,
            description="Frais",
            unit_price=Decimal("10"),
        )
        billing.run_month_sync(month=month)
        # the buyer is the customer, or its partner when partner-billed (ACC-3)
        t.usage_invoice = Invoice.objects.filter(lines__end_client=t.client, month=month).first()
    return t.usage_invoice


def _cdr_import(t):
    """A CDR batch the tenant's partner sent through the API (ucore)."""
    if getattr(t, "usage_import", None) is None:
        t.usage_import = ImportBatch.objects.create(
            source="api", partner=t.client.partner, filename="iso.csv"
        )
    return t.usage_import


def _tariff_change(t):
    """An announced increase told to the tenant (CON-6), with a HOSTED-A contract that may
    refuse it: (announcement, contract)."""
    if getattr(t, "usage_tariff_change", None) is None:
        from tests.offers.factories import make_contract

        contract = make_contract(t.client, "hosted-a")
        announcement = TariffAnnouncement.objects.create(
            first_day=paris_today() + timedelta(days=20), increase=True
        )
        TariffNotice.objects.create(announcement=announcement, client=t.client)
        t.usage_tariff_change = (announcement, contract)
    return t.usage_tariff_change


API_RESOURCES = [
    ("api:call-list", "api:call-detail", lambda t: _call(t).pk, CallRecord),
    (
        "api:cdr-import-list",
        "api:cdr-import-detail",
        lambda t: _cdr_import(t).pk,
        ImportBatch,
    ),  # ucore
    (
        "api:tariff-change-list",
        "api:tariff-change-detail",
        lambda t: _tariff_change(t)[0].pk,
        TariffAnnouncement,
    ),
]
# The consumption summary names a customer: another partner's is a 400 "unknown customer"
# (tests/usage/test_surfaces.py::test_api_summary_other_partner_customer_refused).
# An import's refused lines: another partner's import is a 404
# (tests/usage/test_isolation_cases.py::test_rejections_of_another_partners_import_are_a_404).
# Refusing another partner's announcement is a 404, another partner's contract a 400
# (tests/usage/test_tariff_changes.py::test_con6_api_lists_and_refuses_scoped).
API_OTHER_ROUTES = {"api:call-summary", "api:cdr-import-rejections", "api:tariff-change-refuse"}
OWN_ROWS = {
    CallRecord: _call,
    ImportBatch: _cdr_import,
    TariffAnnouncement: lambda t: _tariff_change(t)[0],
}
PORTAL_PAGES = [
    ("usage:consumption", None),
    ("usage:calls_csv", None),
    ("usage:tariffs", None),
    ("usage:threshold", None),
]
PORTAL_OBJECT_PAGES = [
    ("usage:invoice_annex", lambda t: [_invoice(t).pk]),
    ("usage:tariff_refuse", lambda t: [_tariff_change(t)[0].pk, _tariff_change(t)[1].pk]),
]
PORTAL_WRITES = [
    ("usage:threshold", lambda t: [], {"amount": "100", "block_outgoing": "on"}),
]
# The tenant's call, as its CSV export shows it (its id, its account) and its consumption page
# and dashboard (its month's total).
TENANT_MARKS = [lambda t: [_call(t).call_id, _call(t).account_ref, "987,65"]]
