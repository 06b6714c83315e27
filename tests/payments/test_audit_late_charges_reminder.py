"""BIL-6 / BIL-7: the first reminder warns that late payment bears interest and the 40 €
recovery indemnity — true of an invoice of prices, not of a late-charges invoice of interest and
indemnities alone, which bears neither (late-payment charges bear no late-payment charges: Code
civil art. 1343-2; no indemnity posted at its first reminder)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from billing import services as billing
from billing.models import Invoice
from payments import services
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def bodies_about(invoice: Invoice) -> list[str]:
    return [m.body for m in mail.outbox if invoice.number in m.subject]


# BIL-6, BIL-7 — 1 200.00 € due 30/10/2026 paid 29/11/2026: 30 days × 1 200.00 × 12.15 % / 365 =
# 11.98 € + 40.00 € → the November run's late-charges invoice of 51.98 €, due 30/12/2026.
# Unpaid, it is reminded on 31/12/2026 — the e-mail names the 51.98 € but no longer says that
# late payment bears interest and the 40 € indemnity (before: « Tout retard de paiement
# entraîne des intérêts de retard … indemnité forfaitaire … de 40 € »), and no indemnity is posted.
def test_bil7_reminder_of_a_late_charges_invoice_threatens_no_late_charges(
    ecb, django_capture_on_commit_callbacks
):
    client = direct_customer()
    issue_invoice(client, "1000.00")
    with time_machine.travel("2026-11-29 10:00 +01:00", tick=False):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    billing.run_month_sync(month=NOV)
    extra = Invoice.objects.get(client=client, month=NOV, purpose="late_charges")
    assert extra.amount_due == Decimal("51.98")
    indemnities = client.charges.filter(kind="recovery_indemnity").count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.collection_run(today=date(2026, 12, 31))
    bodies = bodies_about(extra)
    assert bodies, "the late-charges invoice is reminded"
    for body in bodies:
        assert "51,98" in body or "51.98" in body
        assert "40\u00a0€" not in body and "40 €" not in body
        assert "BCE" not in body and "ECB" not in body
    assert client.charges.filter(kind="recovery_indemnity").count() == indemnities


# BIL-7 — an invoice of prices keeps the warning, in both languages.
def test_bil7_reminder_of_an_ordinary_invoice_keeps_the_warning():
    from types import SimpleNamespace

    invoice = SimpleNamespace(number="F2026-000123")
    context = {"invoice": invoice, "amount": 1, "due_on": date(2026, 10, 30)}
    with translation.override("fr"):
        text = render_to_string("payments/email/reminder_first_message.txt", context)
        assert "indemnité forfaitaire pour frais de recouvrement de 40\u00a0€" in text
        text = render_to_string(
            "payments/email/reminder_first_message.txt", {**context, "no_late_charges": True}
        )
        assert "40\u00a0€" not in text and "BCE" not in text
        assert text.rstrip().endswith("délais.")
