"""E-mails that survive a mail server down (``kernel.mail``): the change that asked for the
e-mail is kept, the customer gets the e-mail once the server is back, and never twice."""

import smtplib
from datetime import timedelta

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
