"""BIL-4 (SEPA Core rulebook): a mandate with no collection presented for 36 months — from its
last collection, even rejected, or from its signature when never used — has lapsed: no batch
collects on it any more (before: it was collected again, as FRST). The customer signs a new one;
meanwhile the invoice is paid by transfer."""

from datetime import date

import pytest

from accounts.models import AuditLog
from payments import selectors, services, tasks
from payments.models import Mandate
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate

pytestmark = pytest.mark.django_db


def collected_once(client, month: date, made_on: date, collection_date: date):
    """An invoice of ``month`` collected by a batch of ``collection_date``."""
    issue_invoice(client, "10.00", month=month, source=f"old-{month}")
    batch = send_batch(made_on, collection_date)
    with paris(collection_date):
        services.debit_batch_settle(batch=batch)


# BIL-4 — Alice's mandate was last collected on 30/10/2023, Bob's on 30/11/2023. The batch of
# 30/10/2026 does not collect Alice's 120.00 (36 months without a collection: her mandate has
# lapsed, audited, and her invoice stays to pay) and collects Bob's 120.00 (35 months) as RCUR.
def test_bil4_mandate_unused_for_36_months_has_lapsed():
    alice, bob = direct_customer(legal_name="Alice SARL"), direct_customer(legal_name="Bob SAS")
    sign_mandate(alice, signed_on=date(2023, 9, 1))
    sign_mandate(bob, signed_on=date(2023, 9, 1))
    collected_once(alice, date(2023, 9, 1), date(2023, 10, 26), date(2023, 10, 30))
    collected_once(bob, date(2023, 10, 1), date(2023, 11, 27), date(2023, 11, 30))
    issue_invoice(alice, "100.00", month=date(2026, 9, 1), source="a")
    b = issue_invoice(bob, "100.00", month=date(2026, 9, 1), source="b")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    assert list(batch.debits.values_list("invoice_id", "sequence_type", "amount")) == [
        (b.pk, "RCUR", b.total_gross)
    ]
    assert Mandate.objects.get(client=alice).status == "lapsed"
    assert Mandate.objects.get(client=bob).status == "active"
    assert selectors.active_mandate(alice) is None  # her pages ask for a new mandate
    assert AuditLog.objects.filter(action="mandate.lapse").count() == 1


# BIL-4 — a mandate signed on 15/09/2023 and never used lapses on 15/09/2026: the daily job of
# 14/09 leaves it active, that of 15/09 marks it lapsed (once: the job runs again, nothing more).
# A new mandate signed on 01/10/2026 collects the customer's invoice, as FRST.
def test_bil4_unused_mandate_lapses_36_months_after_its_signature():
    client = direct_customer()
    sign_mandate(client, signed_on=date(2023, 9, 15))
    tasks.daily_collection("2026-09-14")
    assert Mandate.objects.get(client=client).status == "active"
    tasks.daily_collection("2026-09-15")
    tasks.daily_collection("2026-09-15")
    assert Mandate.objects.get(client=client).status == "lapsed"
    assert AuditLog.objects.filter(action="mandate.lapse").count() == 1
    with paris(date(2026, 10, 1)):
        sign_mandate(client, signed_on=date(2026, 10, 1))
    invoice = issue_invoice(client, "100.00", month=date(2026, 9, 1), source="a")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    assert list(batch.debits.values_list("invoice_id", "sequence_type")) == [(invoice.pk, "FRST")]
