"""E-mails that survive a mail server down (``kernel.mail``): the change that asked for the
e-mail is kept, the customer gets the e-mail once the server is back, and never twice."""

import smtplib
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from kernel import tasks
from kernel.mail import retry_soon
from kernel.models import OutgoingMail
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from tests.offers.factories import make_contract
from tests.telephony.factories import customer

pytestmark = pytest.mark.django_db

DOWN = "tests.accounts.test_mail_retry.DownBackend"
UP = "django.core.mail.backends.locmem.EmailBackend"


class DownBackend(EmailBackend):
    """A mail server that drops every connection."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


# CON-8: "the customer is notified" of a suspension. With the mail server down the suspension
# used to fail after its commit (the contract suspended, the e-mail lost, the staff member shown
# an error, a nightly job stopped); now the e-mail waits and leaves when the server is back.
def test_suspension_notice_reaches_the_customer_once_the_mail_server_is_back(
    settings, django_capture_on_commit_callbacks
):
    client = customer()
    contract = make_contract(client, "hosted-a")
    start = timezone.now()
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        offers.contract_suspend(contract=contract, reason=SuspensionReason.NON_PAYMENT)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED
    assert mail.outbox == []
    kept = OutgoingMail.objects.get()
    assert kept.attempts == 1 and "Connection unexpectedly closed" in kept.last_error
    assert kept.to == [client.memberships.get().user.email]
    # not due before 5 minutes; still down at 6 minutes: the next try 30 minutes on
    assert tasks.mail_retry() == (0, 0)
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert tasks.mail_retry() == (0, 1)
    kept.refresh_from_db()
    assert kept.attempts == 2 and kept.sent_at is None
    settings.EMAIL_BACKEND = UP
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert tasks.mail_retry() == (0, 0)  # 6 + 30 minutes not reached
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        assert tasks.mail_retry() == (1, 0)
        assert tasks.mail_retry() == (0, 0)  # never twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == kept.to
    assert contract.reference in mail.outbox[0].body
    kept.refresh_from_db()
    assert kept.sent_at is not None and kept.next_try_at is None


# After its 6 tries (about 32 h) an e-mail stays unsent in the back office with its error;
# staff's "send again" gives it one more try at the next run.
def test_tries_run_out_then_staff_send_it_again(settings, django_capture_on_commit_callbacks):
    client = customer()
    contract = make_contract(client, "hosted-a")
    settings.EMAIL_BACKEND = DOWN
    with django_capture_on_commit_callbacks(execute=True):
        offers.contract_suspend(contract=contract, reason=SuspensionReason.FRAUD)
    moment = timezone.now()
    for _try in range(5):
        moment += timedelta(days=2)
        with time_machine.travel(moment, tick=False):
            assert tasks.mail_retry() == (0, 1)
    kept = OutgoingMail.objects.get()
    assert kept.attempts == 6 and kept.next_try_at is None  # given up
    with time_machine.travel(moment + timedelta(days=2), tick=False):
        assert tasks.mail_retry() == (0, 0)
    settings.EMAIL_BACKEND = UP
    assert retry_soon(OutgoingMail.objects.all()) == 1
    assert tasks.mail_retry() == (1, 0)
    assert len(mail.outbox) == 1
    assert retry_soon(OutgoingMail.objects.all()) == 0  # a sent e-mail is not sent again


# BIL-7 (failing half way, nothing lost) — the daily collection commits the first reminder
# (case « reminded » on 31/10/2026, due date 30/10) and only then sends its e-mails, on commit.
# A worker stopped between the two (a deploy, the OOM killer: acks_late redelivers the batch)
# left the case reminded and the customer never told — the redelivered batch and the next days'
# runs find the step done and send nothing, and the 40.00 € indemnity the reminder announces is
# charged anyway. Now the e-mails are kept in the step's own transaction: the mail job sends
# them (admin and billing: 2 e-mails) once they are 5 minutes old, once.
def test_reminder_lost_with_its_worker_is_sent_by_the_mail_job(
    django_capture_on_commit_callbacks,
):
    from django.core import mail as outbox

    from payments import services as payments
    from payments.models import CollectionCase
    from tests.payments.conftest import direct_customer, issue_invoice

    payments.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")  # 1 200.00 € TTC, due 30/10/2026
    outbox.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):  # committed, then the worker died
        payments.collection_run(today=date(2026, 10, 31))
    case = CollectionCase.objects.get(invoice=invoice)
    assert (case.stage, case.first_reminder_on) == ("reminded", date(2026, 10, 31))
    assert outbox.outbox == []
    with django_capture_on_commit_callbacks(execute=True):  # the next morning's run
        payments.collection_run(today=date(2026, 11, 1))
    assert outbox.outbox == []  # the step is done: nothing sent again by the collection
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        assert tasks.mail_retry() == (2, 0)
        assert tasks.mail_retry() == (0, 0)  # never twice
    assert len(outbox.outbox) == 2
    assert all(invoice.number in m.body for m in outbox.outbox)
    assert sorted(m.to[0] for m in outbox.outbox) == sorted(
        client.memberships.values_list("user__email", flat=True)
    )


# The e-mail sent on commit as before is not sent a second time by the mail job.
def test_notice_sent_on_commit_is_not_sent_again(django_capture_on_commit_callbacks):
    client = customer()
    contract = make_contract(client, "hosted-a")
    with django_capture_on_commit_callbacks(execute=True):
        offers.contract_suspend(contract=contract, reason=SuspensionReason.NON_PAYMENT)
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert tasks.mail_retry() == (0, 0)
    assert len(mail.outbox) == 1
    assert not OutgoingMail.objects.exists()
