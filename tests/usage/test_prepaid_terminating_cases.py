"""USE-8 / CON-8: a prepaid customer whose contract is under notice (terminating) has its service
suspended when its balance reaches zero, like an active one, and resumed by a top-up, while its
termination keeps its date."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.choices import PaymentMethod
from accounts.models import AuditLog
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract
from offers.services.terminations import termination_apply
from payments.models import PrepaidEntry
from telephony.choices import SipStatus
from telephony.models import Trunk
from tests.conftest import login
from tests.telephony.factories import customer, make_trunk, top_up
from tests.usage.money_helpers import call
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


def state(trunk):
    """(contract status, open suspension's reason, trunk status)."""
    contract = Contract.objects.get(pk=trunk.contract_id)
    suspension = contract.suspensions.filter(lifted_at__isnull=True).first()
    return (
        contract.status,
        suspension.reason if suspension else None,
        Trunk.objects.get(pk=trunk.pk).status,
    )


def when(month, day, hour=10):
    return time_machine.travel(datetime(2026, month, day, hour, tzinfo=UTC), tick=False)


# USE-8 / CON-8 — a prepaid customer's trunk contract is under notice: termination requested on
# 2 October 2026 for 1 December (its last day of service 30 November). 5.00 € on the balance.
# - 20 October, calls of 10.0000 € HT → debit 12.00 (VAT 20 %) → −7.00: the service is suspended
#   ("prepaid balance exhausted"): the trunk reads suspended (what stops its calls upstream), the
#   customer's admin is e-mailed, the change is audited and the contract page says so; the
#   contract stays terminating, its termination scheduled for 1 December (before the fix: still
#   active, calls carried on a negative balance until the end of November).
# - 22 October, a top-up of 10.00 → 3.00: lifted, trunk active again, still terminating.
# - 5 November, calls of 5.0000 € HT → 6.00 → −3.00: suspended again.
# - 1 December, the nightly job terminates it (the suspension closed with it, trunk closed).
# - 2 December, a top-up of 20.00 → 17.00 resumes nothing: terminated stays terminated.
def test_use8_terminating_contract_suspended_at_zero_then_terminated_on_its_date(
    client, django_capture_on_commit_callbacks
):
    buyer = customer(payment_method=PaymentMethod.PREPAID)
    trunk = make_trunk(buyer, start=date(2026, 9, 1))
    contract = trunk.contract
    with when(10, 2):
        top_up(buyer, "5.00")
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 12, 1)
        )
    assert termination.effective_date == date(2026, 12, 1)
    mail.outbox.clear()

    with when(10, 20), django_capture_on_commit_callbacks(execute=True):
        call(buyer, contract=contract, trunk=trunk, cost="10.0000", started_at=at(10, 20))
        after_rating(batch_id=1, keys=[(buyer.pk, OCT)])
    assert balance(buyer) == Decimal("-7.00")
    assert state(trunk) == (
        ContractStatus.TERMINATING,
        SuspensionReason.PREPAID_EXHAUSTED,
        SipStatus.SUSPENDED,
    )
    termination.refresh_from_db()
    assert termination.status == TerminationStatus.SCHEDULED
    assert [m.subject for m in mail.outbox] == [f"Contrat {contract.reference} suspendu"]
    assert AuditLog.objects.filter(action="contract.suspended", object_id=str(contract.pk)).exists()
    page = login(client, buyer.memberships.get().user).get(
        reverse("offers:detail", args=[contract.pk])
    )
    assert 'data-testid="suspension"' in page.content.decode()
    assert "Motif\u00a0: Crédit prépayé épuisé" in page.content.decode()
    assert 'data-testid="termination"' in page.content.decode()

    with when(10, 22), django_capture_on_commit_callbacks(execute=True):
        top_up(buyer, "10.00")
    assert balance(buyer) == Decimal("3.00")
    assert state(trunk) == (ContractStatus.TERMINATING, None, SipStatus.ACTIVE)

    with when(11, 5):
        call(buyer, contract=contract, trunk=trunk, cost="5.0000", started_at=at(11, 5))
        after_rating(batch_id=2, keys=[(buyer.pk, NOV)])
    assert balance(buyer) == Decimal("-3.00")
    assert state(trunk) == (
        ContractStatus.TERMINATING,
        SuspensionReason.PREPAID_EXHAUSTED,
        SipStatus.SUSPENDED,
    )

    with when(12, 1, 1):
        assert termination_apply(termination_id=termination.pk, today=date(2026, 12, 1))
    assert state(trunk) == (ContractStatus.TERMINATED, None, SipStatus.CLOSED)

    with when(12, 2), django_capture_on_commit_callbacks(execute=True):
        top_up(buyer, "20.00")
    assert balance(buyer) == Decimal("17.00")
    assert state(trunk) == (ContractStatus.TERMINATED, None, SipStatus.CLOSED)


# USE-8 / CON-8 — the termination of a contract suspended for its balance while terminating is
# cancelled: the contract returns to suspended (its service stays suspended, not active on a
# negative balance); the top-up then resumes it (active).
def test_use8_cancelling_the_termination_of_a_suspended_terminating_contract(
    django_capture_on_commit_callbacks,
):
    buyer = customer(payment_method=PaymentMethod.PREPAID)
    trunk = make_trunk(buyer, start=date(2026, 9, 1))
    contract = trunk.contract
    with when(10, 2):
        top_up(buyer, "5.00")
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 12, 1)
        )
    with when(10, 20):
        call(buyer, contract=contract, trunk=trunk, cost="10.0000", started_at=at(10, 20))
        after_rating(batch_id=1, keys=[(buyer.pk, OCT)])
    with when(10, 21):
        offers.termination_cancel(termination=termination)
    assert state(trunk) == (
        ContractStatus.SUSPENDED,
        SuspensionReason.PREPAID_EXHAUSTED,
        SipStatus.SUSPENDED,
    )
    with when(10, 22), django_capture_on_commit_callbacks(execute=True):
        top_up(buyer, "10.00")
    assert state(trunk) == (ContractStatus.ACTIVE, None, SipStatus.ACTIVE)


def at(month, day, hour=9):
    return datetime(2026, month, day, hour, tzinfo=UTC)


# USE-8 / BIL-7 / CON-8 — what lifts a suspension is said where it is told: a balance exhausted
# (5.00 € − 12.00 € of calls = −7.00 €) is lifted by a top-up, not by support; a non-payment
# suspension by the payment. Before: the e-mail and the contract page told both customers to
# contact support to have it lifted.
def test_con8_suspension_says_what_lifts_it(client, django_capture_on_commit_callbacks):
    buyer = customer(payment_method=PaymentMethod.PREPAID)
    trunk = make_trunk(buyer, start=date(2026, 9, 1))
    with when(10, 2):
        top_up(buyer, "5.00")
    mail.outbox.clear()
    with when(10, 20), django_capture_on_commit_callbacks(execute=True):
        call(buyer, contract=trunk.contract, trunk=trunk, cost="10.0000", started_at=at(10, 20))
        after_rating(batch_id=1, keys=[(buyer.pk, OCT)])
    (message,) = mail.outbox
    top_up_text = (
        "Rechargez votre crédit prépayé\u00a0: le service reprend dès que votre solde "
        "redevient positif."
    )
    assert top_up_text in message.body and "Contactez le support" not in message.body
    page = login(client, buyer.memberships.get().user).get(
        reverse("offers:detail", args=[trunk.contract_id])
    )
    assert top_up_text in page.content.decode()
    assert "contactez le support" not in page.content.decode()

    unpaid = customer()
    other = make_trunk(unpaid, start=date(2026, 9, 1)).contract
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offers.contract_suspend(contract=other, reason=SuspensionReason.NON_PAYMENT)
    payment_text = (
        "Elle est levée d'elle-même dès qu'aucune facture n'a plus de 8\u00a0jours de retard."
    )
    assert payment_text in mail.outbox[0].body
    page = login(client, unpaid.memberships.get().user).get(
        reverse("offers:detail", args=[other.pk])
    )
    assert payment_text in page.content.decode()


# CON-8 — a contract terminated before its service started (ordered, then terminating) has no
# service to suspend: the balance crossing zero (5.00 € − 12.00 € = −7.00 €) suspends the
# customer's trunk contract under notice, not the ordered one, which stays without a suspension
# (its termination, if cancelled, returns it to ordered).
def test_con8_a_contract_terminated_before_its_service_is_not_suspended():
    from tests.offers.factories import make_contract

    buyer = customer(payment_method=PaymentMethod.PREPAID)
    trunk = make_trunk(buyer, start=date(2026, 9, 1))
    ordered = make_contract(buyer, "platform", status=ContractStatus.ORDERED)
    with when(10, 2):
        top_up(buyer, "5.00")
        offers.contract_request_termination(contract=ordered)
        offers.contract_request_termination(contract=trunk.contract, requested_date=NOV)
    with when(10, 20):
        call(buyer, contract=trunk.contract, trunk=trunk, cost="10.0000", started_at=at(10, 20))
        after_rating(batch_id=1, keys=[(buyer.pk, OCT)])
    assert balance(buyer) == Decimal("-7.00")
    assert state(trunk)[1] == SuspensionReason.PREPAID_EXHAUSTED
    assert Contract.objects.get(pk=ordered.pk).status == ContractStatus.TERMINATING
    assert not ordered.suspensions.exists()
