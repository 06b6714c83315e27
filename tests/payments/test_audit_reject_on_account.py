"""BIL-4: a rejected direct debit takes back every allocation of its payment — the invoices its
rest on account settled included — and each of them is due again."""

from datetime import date
from decimal import Decimal

import pytest

from payments import selectors, services
from payments.models import CollectionCase, DirectDebit
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate

pytestmark = pytest.mark.django_db
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


# BIL-4 — September's invoice 100.00 HT = 120.00 TTC (due 30/10) is in the batch of 28/10 for
# 30/10, and the customer also transfers 120.00 on 29/10: the debit collected on 30/10 finds it
# settled, its 120.00 stay on account and settle October's invoice 50.00 HT = 60.00 TTC (due
# 30/11) on 02/11. The bank rejects the debit on 05/11: its 60.00 on October's invoice are
# reversed, so October is due again — 60.00 to pay, in the next batch, and the payments page
# says so (before: October stayed "settled" with 60.00 unpaid, never debited nor dunned).
def test_bil4_reject_reopens_the_invoice_its_rest_on_account_settled():
    client = direct_customer()
    sign_mandate(client)
    september = issue_invoice(client, "100.00", month=SEP, source="a")
    send_batch(date(2026, 10, 28), date(2026, 10, 30))
    with paris(date(2026, 10, 29)):
        services.payment_record(
            client=client, amount="120.00", method="transfer", received_on=date(2026, 10, 29)
        )
    batch = DirectDebit.objects.get().batch
    with paris(date(2026, 10, 31)):
        services.debit_batch_settle(batch=batch)
    october = issue_invoice(client, "50.00", month=OCT, source="b")
    with paris(date(2026, 11, 2)):
        services.collection_run(today=date(2026, 11, 2))
    assert services.invoice_state(october).open == 0
    with paris(date(2026, 11, 5)):
        services.debit_reject(
            debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0", rejected_on=None
        )
    assert services.invoice_state(september).open == 0
    assert services.invoice_state(october).open == Decimal("60.00")
    assert CollectionCase.objects.get(invoice=october).settled_on is None
    summary = selectors.account_summary(client, date(2026, 11, 5))
    assert summary.due == Decimal("60.00")
    with paris(date(2026, 11, 25)):
        candidates = services.debit_candidates(date(2026, 11, 30))
    assert [(i.pk, amount) for i, _m, amount in candidates] == [(october.pk, Decimal("60.00"))]


# BIL-4 (PLATFORM 12.3.3) — the bank rejected the 120.00 debit without a fee (0.00): the
# e-mail says the invoice is due again and says nothing of a fee (before: "The bank fee is
# re-invoiced on your next invoice" with no fee charged); with a 7.50 fee it says so.
@pytest.mark.parametrize(("fee", "mentions_fee"), [("0", False), ("7.50", True)])
def test_bil4_reject_email_mentions_a_fee_only_when_there_is_one(
    django_capture_on_commit_callbacks, fee, mentions_fee
):
    from django.core import mail

    client = direct_customer()
    sign_mandate(client)
    issue_invoice(client, "100.00", month=SEP, source="a")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    with paris(date(2026, 10, 31)):
        services.debit_batch_settle(batch=batch)
    mail.outbox.clear()
    with paris(date(2026, 11, 3)), django_capture_on_commit_callbacks(execute=True):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee=fee)
    bodies = [m.body for m in mail.outbox if "rejected" in m.subject or "rejeté" in m.subject]
    assert bodies
    assert all(("fee" in b or "frais" in b) is mentions_fee for b in bodies), bodies
