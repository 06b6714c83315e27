"""BIL-7 / BIL-8: a dispute rejected is due again by its new due date, and dunning resumes from
it — reminders at that date + 1 and + 8 days, naming that date — even when the invoice's
undisputed part had been reminded before it was paid.

The invoice: 1 000.00 € HT + 20 % VAT = 1 200.00 € TTC, issued 30/09/2026, due 30/10/2026.
"""

from datetime import date

import pytest
from django.core import mail

from payments import services
from payments.models import CollectionCase
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris

pytestmark = pytest.mark.django_db


def run(day, capture):
    mail.outbox.clear()
    with paris(day), capture(execute=True):
        services.collection_run(today=day)
    return [m.body for m in mail.outbox]


# BIL-7 / BIL-8 — 200.00 € disputed on 20/10; the 1 000.00 € undisputed paid 6 days late, on
# 05/11 (first reminder sent on 31/10 for it). The dispute is rejected on 10/11, the 200.00 €
# due again by 10/12 and left unpaid. Before: no reminder on 11/12 (the invoice's first
# reminder was already sent), and on 18/12 a « second reminder » saying the invoice was « échue
# le 30 octobre 2026 » and « 8 jours de retard » (30/10 + 8 = 07/11, not 18/12). Now: a first
# reminder on 11/12 and a second on 18/12, both naming 10 décembre 2026, 200,00 € unpaid; the
# suspension proposed on 19/12 (more than 8 days after 10/12).
def test_bil7_rejected_dispute_reminded_from_its_new_due_date(
    ecb, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    dispute = services.dispute_open(
        invoice=invoice, amount="200.00", reason="Not ordered", today=date(2026, 10, 20)
    )
    bodies = run(date(2026, 10, 31), capture)
    assert bodies and "30 octobre 2026" in bodies[0] and "000,00" in bodies[0]
    with paris(date(2026, 11, 5)):
        services.payment_record(
            client=client, amount="1000.00", method="transfer", received_on=date(2026, 11, 5)
        )
    with paris(date(2026, 11, 10)):
        services.dispute_reject(
            dispute=dispute, note="Ordered on 02/09", new_due_date=date(2026, 12, 10)
        )
    assert run(date(2026, 12, 10), capture) == []  # due today: not late yet
    bodies = run(date(2026, 12, 11), capture)
    assert len(bodies) == 2  # the admin and the billing member
    assert "était à régler le 10 décembre 2026" in bodies[0]
    assert "200,00" in bodies[0]
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 12, 11))
    bodies = run(date(2026, 12, 18), capture)
    assert len(bodies) == 2
    assert "échue le 10 décembre 2026, présente 8 jours de retard" in bodies[0]
    assert "30 octobre" not in bodies[0]
    assert run(date(2026, 12, 19), capture) == []
    assert CollectionCase.objects.get(invoice=invoice).stage == "suspension_proposed"
