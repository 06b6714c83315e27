"""BIL-4 (SEPA Core rulebook): a collection is pre-notified — amount and date — at least 14
calendar days before it. The invoice is the notice of its first debit; after the bank rejects
it, the reject e-mail is the notice of the next one, which is never presented sooner."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from payments import services
from payments.choices import MandateStatus
from payments.models import DirectDebit, Mandate
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)


def _rejected(django_capture_on_commit_callbacks, *, revoke=False):
    """September's invoice (100.00 HT = 120.00 TTC, due 30/10) debited on 30/10 and rejected
    by the bank on Tuesday 03/11; its reject e-mails."""
    client = direct_customer()
    sign_mandate(client)
    invoice = issue_invoice(client, "100.00", month=SEP, source="a")
    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    with paris(date(2026, 10, 31)):
        services.debit_batch_settle(batch=batch)
    if revoke:  # MD01/MD06: the customer revoked the mandate
        Mandate.objects.filter(client=client).update(status=MandateStatus.REVOKED)
    mail.outbox.clear()
    with paris(date(2026, 11, 3)), django_capture_on_commit_callbacks(execute=True):
        services.debit_reject(debit=DirectDebit.objects.get(), reason="AM04", bank_fee="0")
    bodies = [m.body for m in mail.outbox if "rejeté" in m.subject or "rejected" in m.subject]
    return invoice, bodies


# BIL-4 — rejected on Tuesday 03/11: told that day, the debit is presented again from 17/11
# (03/11 + 14 days, a TARGET2 day) and not in a batch collecting on 16/11 (before: the very next
# batch took it again, with no notice, while the e-mail asked for a transfer — paid twice if the
# customer did both). The e-mail names the date; 120.00 still due is collected on the 17th.
def test_bil4_rejected_debit_presented_again_only_after_its_notice(
    django_capture_on_commit_callbacks,
):
    invoice, bodies = _rejected(django_capture_on_commit_callbacks)
    assert services.represent_date(date(2026, 11, 3)) == date(2026, 11, 17)
    with paris(date(2026, 11, 10)):
        assert services.debit_candidates(date(2026, 11, 16)) == []
        again = services.debit_candidates(date(2026, 11, 17))
    assert [(i.pk, amount) for i, _m, amount in again] == [(invoice.pk, Decimal("120.00"))]
    assert bodies and all("17 novembre 2026" in b and "pré-notification" in b for b in bodies)
    assert all("virement" in b for b in bodies)


# A notice date on a weekend or a TARGET2 holiday: the next business day. Rejected on Friday
# 11/12/2026: + 14 = Friday 25/12, Christmas (TARGET2 closed), then 26/12 and 27/12 (weekend):
# Monday 28/12.
def test_bil4_represent_date_is_a_target2_day():
    assert services.represent_date(date(2026, 12, 11)) == date(2026, 12, 28)


# No mandate in force any more (revoked): nothing will be debited again; the e-mail asks for a
# transfer and announces no debit.
def test_bil4_rejected_under_a_revoked_mandate_asks_for_a_transfer(
    django_capture_on_commit_callbacks,
):
    _invoice, bodies = _rejected(django_capture_on_commit_callbacks, revoke=True)
    assert bodies and all("Merci de la régler par virement." in b for b in bodies)
    assert not any("pré-notification" in b for b in bodies)
