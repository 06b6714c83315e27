"""BIL-4 (SEPA Core rulebook): a pain.008 batch collects on a TARGET2 business day (not a
weekend, 1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December) and reaches the bank
at least one TARGET2 business day before it (D-1) — a file the bank would reject is never made."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import sepa
from payments.models import DebitBatch
from tests.payments.conftest import direct_customer, issue_invoice
from tests.payments.test_direct_debit_lateness import paris, send_batch, sign_mandate

pytestmark = pytest.mark.django_db
SEP = date(2026, 9, 1)


def test_bil4_target2_calendar():
    assert sepa.is_target2_day(date(2026, 10, 30))  # a Friday
    assert not sepa.is_target2_day(date(2026, 10, 31))  # a Saturday
    assert not sepa.is_target2_day(date(2026, 12, 25))  # Christmas, a Friday
    assert not sepa.is_target2_day(date(2027, 3, 29))  # Easter Monday 2027
    # D-1: a file made on Friday 30/10 collects from Monday 02/11; made on Saturday 31/10 (the
    # bank's next business day is Monday), from Tuesday 03/11.
    assert sepa.earliest_collection_date(date(2026, 10, 30)) == date(2026, 11, 2)
    assert sepa.earliest_collection_date(date(2026, 10, 31)) == date(2026, 11, 3)
    # Thursday 24/12 → Monday 28/12 (25 and 26 December are TARGET2 holidays).
    assert sepa.earliest_collection_date(date(2026, 12, 24)) == date(2026, 12, 28)


@pytest.fixture
def due_invoice():
    client = direct_customer()
    sign_mandate(client)
    return issue_invoice(client, "100.00", month=SEP, source="a")  # 120.00, due 30/10/2026


# BIL-4 — collection on Saturday 31/10/2026 or on Christmas (a Friday): no bank collects, the
# batch is refused with the next business day named (before: the file was made).
@pytest.mark.parametrize(
    ("collection_date", "next_day"),
    [(date(2026, 10, 31), "02/11/2026"), (date(2026, 12, 25), "28/12/2026")],
)
def test_bil4_collection_date_on_a_target2_closing_day_is_refused(
    due_invoice, collection_date, next_day
):
    with pytest.raises(ValidationError) as exc:
        send_batch(date(2026, 10, 28), collection_date)
    assert next_day in exc.value.message_dict["collection_date"][0]
    assert not DebitBatch.objects.exists()


# BIL-4 — D-1: a batch made on Friday 30/10 for that same day, or on Saturday 31/10 for Monday
# 02/11, reaches the bank too late; the earliest collection dates are 02/11 and 03/11.
@pytest.mark.parametrize(
    ("made_on", "collection_date", "earliest"),
    [
        (date(2026, 10, 30), date(2026, 10, 30), "02/11/2026"),
        (date(2026, 10, 31), date(2026, 11, 2), "03/11/2026"),
    ],
)
def test_bil4_collection_date_without_one_business_day_for_the_bank_is_refused(
    due_invoice, made_on, collection_date, earliest
):
    with pytest.raises(ValidationError) as exc:
        send_batch(made_on, collection_date)
    assert earliest in exc.value.message_dict["collection_date"][0]
    assert not DebitBatch.objects.exists()


# BIL-4 — made on Thursday 29/10 for Friday 30/10: one business day for the bank, accepted.
def test_bil4_collection_date_the_next_business_day_is_accepted(due_invoice):
    batch = send_batch(date(2026, 10, 29), date(2026, 10, 30))
    assert batch.count == 1


# BIL-4 — the invoice is the debit's pre-notification. December's invoice is dated 31/12/2026
# and due Saturday 30/01/2027: no bank collects that day, the batch collects it on Monday
# 01/02/2027 at the earliest — the date the invoice announces (before: « Prélèvement SEPA le
# 30/01/2027 »). An invoice due on a business day (30/10/2026, a Friday) keeps its due date.
def test_bil4_pre_notification_names_a_target2_business_day():
    from billing.documents import direct_debit_notice

    client = direct_customer()
    sign_mandate(client)
    october = issue_invoice(client, "100.00", month=SEP, source="a")
    december = issue_invoice(client, "100.00", month=date(2026, 12, 1), source="b")
    assert december.due_date == date(2027, 1, 30)
    assert direct_debit_notice(december).debit_date == date(2027, 2, 1)
    assert direct_debit_notice(october).debit_date == date(2026, 10, 30)


# BIL-4 — the batch of 28/10 collects on 30/10: settled on 29/10 (the bank has collected
# nothing yet) it is refused and the 120.00 invoice stays to pay (before: a payment "received"
# 30/10 was recorded on 29/10 and the invoice shown settled); settled on 30/10 it pays 120.00.
def test_bil4_batch_is_settled_from_its_collection_date(due_invoice):
    from kernel.errors import InvalidTransition
    from payments import services

    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    with paris(date(2026, 10, 29)), pytest.raises(InvalidTransition, match="30/10/2026"):
        services.debit_batch_settle(batch=batch)
    batch.refresh_from_db()
    assert batch.status == "created"
    assert services.invoice_state(due_invoice).open == Decimal("120.00")
    with paris(date(2026, 10, 30)):
        assert services.debit_batch_settle(batch=batch) == 1
    assert services.invoice_state(due_invoice).open == 0


# BIL-4 — the debit of the batch made 28/10 for 30/10, collected: a reject recorded on 03/11
# dated 20/11 (the future) or 27/10 (before the batch existed) is refused on its date and the
# 120.00 stay paid (before: a reversal dated 20/11 and a reject fee for 20/11 were written).
@pytest.mark.parametrize("rejected_on", [date(2026, 11, 20), date(2026, 10, 27)])
def test_bil4_reject_dated_outside_the_debits_life_is_refused(due_invoice, rejected_on):
    from payments import services
    from payments.models import DirectDebit

    batch = send_batch(date(2026, 10, 28), date(2026, 10, 30))
    with paris(date(2026, 10, 30)):
        services.debit_batch_settle(batch=batch)
    with paris(date(2026, 11, 3)), pytest.raises(ValidationError) as exc:
        services.debit_reject(
            debit=DirectDebit.objects.get(), reason="AM04", bank_fee="7.50", rejected_on=rejected_on
        )
    assert set(exc.value.message_dict) == {"rejected_on"}
    assert DirectDebit.objects.get().status == "collected"
    assert services.invoice_state(due_invoice).open == 0
