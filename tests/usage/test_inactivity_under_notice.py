"""ACC-6 (PLATFORM 17.3, 12.7.4) and CON-4 — a contract already under notice (its termination
scheduled) is not closed for inactivity: it ends on its own effective date, as a termination of
its own reason (its prepaid balance is not forfeited for it). The nightly job does not flag it
(its customer is not told that the account may be closed), and staff are refused a closing
with the day it ends."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.choices import PaymentMethod
from offers import services as offers
from offers.choices import TerminationStatus
from offers.models import Contract
from payments.models import PrepaidEntry
from tests.telephony.factories import customer, top_up
from tests.usage import core_helpers as core
from usage.services import inactivity

pytestmark = pytest.mark.django_db


def _notice(contract, day):
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=UTC), tick=False):
        return offers.contract_request_termination(contract=Contract.objects.get(pk=contract.pk))


# Last call 03/11/2026; the customer gave notice on 01/04/2027 (PLATFORM 17.1: effective
# 01/07/2027). On 03/05/2027 (six months after the last call) the job flagged it and e-mailed
# « may be closed », then closing it failed (« A termination is already scheduled »). Now: not
# flagged, no e-mail; it ends on 01/07/2027.
def test_contract_under_notice_is_not_flagged_inactive(django_capture_on_commit_callbacks):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = core.platform(client, start=date(2026, 9, 1))
    offers.contract_record_traffic(contract=contract, day=date(2026, 11, 3))
    termination = _notice(contract, date(2027, 4, 1))
    assert termination.effective_date == date(2027, 7, 1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 0
    assert Contract.objects.get(pk=contract.pk).inactive_flagged_on is None
    assert mail.outbox == []


# Flagged on 03/05/2027 while active; the customer gives notice on 04/05/2027 (effective
# 04/08/2027). Staff closing it for inactivity on 05/05 are refused with the day it ends;
# nothing written: the 30.00 € balance stays, the customer's termination stays scheduled.
def test_closing_a_flagged_contract_under_notice_names_the_day_it_ends():
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = core.platform(client, start=date(2026, 9, 1))
    top_up(client, "30.00")
    offers.contract_record_traffic(contract=contract, day=date(2026, 11, 3))
    assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 1
    termination = _notice(contract, date(2027, 5, 4))
    assert termination.effective_date == date(2027, 8, 4)
    with pytest.raises(ValidationError) as refused:
        inactivity.inactive_close(
            contract=Contract.objects.get(pk=contract.pk), today=date(2027, 5, 5)
        )
    message = " ".join(refused.value.messages)
    assert contract.reference in message and "04/08/2027" in message, message
    termination.refresh_from_db()
    assert termination.status == TerminationStatus.SCHEDULED
    assert termination.reason == "customer_request"
    assert not PrepaidEntry.objects.filter(source_type="inactivity_forfeit").exists()
    total = sum(e.amount for e in PrepaidEntry.objects.filter(account__client=client))
    assert total == Decimal("30.00")


# The same contract's page: it said « flagged inactive … We may close it » next to its
# termination on 04/08/2027; now only the termination (the flag stays recorded for staff).
def test_contract_page_under_notice_does_not_say_we_may_close_it(as_role, tenant):
    from django.urls import reverse

    from accounts.choices import Role

    contract = core.platform(tenant.client, start=date(2026, 9, 1))
    offers.contract_record_traffic(contract=contract, day=date(2026, 11, 3))
    assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 1
    page = as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[contract.pk]))
    assert 'data-testid="inactivity"' in page.content.decode()
    _notice(contract, date(2027, 5, 4))
    page = as_role(Role.READ_ONLY).get(reverse("offers:detail", args=[contract.pk]))
    assert page.status_code == 200
    assert 'data-testid="inactivity"' not in page.content.decode()


# ACC-6 / PLATFORM 12.7.4 — the balance is forfeited only with the account closed: a customer
# who has just ordered another PLATFORM contract (ordered, not yet in service: its calls will be
# paid from the balance) keeps it. Top-up 40.00 €; the idle contract flagged on 03/05/2027,
# another ordered on 02/05/2027; closing the idle one on 04/05/2027. Before: 40.00 € forfeited
# (« Solde perdu… »), the new contract starting on a balance of 0.00 €. After: nothing forfeited,
# 40.00 € left, no forfeit entry.
def test_nothing_forfeited_while_another_contract_is_ordered():
    client = customer(payment_method=PaymentMethod.PREPAID)
    idle = core.platform(client, start=date(2026, 9, 1))
    core.platform(client, start=date(2027, 5, 2), ordered=True)
    top_up(client, "40.00")
    Contract.objects.filter(pk=idle.pk).update(inactive_flagged_on=date(2027, 5, 3))
    _t, forfeited = inactivity.inactive_close(
        contract=Contract.objects.get(pk=idle.pk), today=date(2027, 5, 4)
    )
    assert forfeited == Decimal("0")
    balance = sum(e.amount for e in PrepaidEntry.objects.filter(account__client=client))
    assert balance == Decimal("40.00")
    assert not PrepaidEntry.objects.filter(source_type="inactivity_forfeit").exists()
