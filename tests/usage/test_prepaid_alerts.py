"""USE-8 prepaid debits per import batch and suspension at zero; consumption alerts (e-mail,
dashboard, webhook, optional block); ACC-6 inactivity from the call records."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import PaymentMethod
from kernel.models import OutboxEvent
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract
from payments.models import PrepaidEntry
from tests.factories import PartnerFactory
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, top_up
from tests.usage.money_helpers import NOV, OCT, at, call
from usage.models import ConsumptionAlert, PrepaidUsageDebit
from usage.services import alerts, inactivity
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db


def platform(client):
    return make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


def rated(client, batch_id, month=OCT):
    """What ucore's rating sends after a batch's calls are rated."""
    after_rating(batch_id=batch_id, keys=[(client.pk, month)])


# USE-8 / BIL-10 / CON-8 — a prepaid customer (VAT 20 %) tops up 12.00 €. Batch 1 rates calls
# for 5.0000 € HT → debit 5.00 × 1.20 = 6.00 → balance 6.00, service on. Batch 2 adds 5.0000 →
# the month is 10.0000, 5.0000 debited already → debit 6.00 → balance 0.00: at zero the
# contract is suspended ("prepaid balance exhausted"). The same batch sent again debits
# nothing. A top-up of 10.00 € brings the balance to 10.00 and lifts the suspension.
def test_use8_debit_per_batch_suspend_at_zero_lift_on_topup(django_capture_on_commit_callbacks):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "12.00")
    call(client, contract=contract, cost="2.0000")
    call(client, contract=contract, cost="3.0000", line_type="mobile")
    call(client, contract=contract, cost="4.0000", trial=True)  # CON-7: never debited
    rated(client, 1)
    assert balance(client) == Decimal("6.00")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE

    call(client, contract=contract, cost="5.0000")
    rated(client, 2)
    rated(client, 2)
    assert balance(client) == Decimal("0.00")
    assert [d.net for d in PrepaidUsageDebit.objects.order_by("pk")] == [
        Decimal("5.0000"),
        Decimal("5.0000"),
    ]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED
    assert contract.suspensions.get().reason == SuspensionReason.PREPAID_EXHAUSTED

    with django_capture_on_commit_callbacks(execute=True):
        top_up(client, "10.00")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert balance(client) == Decimal("10.00")


# USE-8 — one batch rated in two passes (on PostgreSQL each chunk of a file is a pass of its
# own, announced with the batch's id; a carrier's file in call order puts a customer in every
# chunk). Top-up 20.00 €, VAT 20 %. Chunk 1 rates 2.0000 + 3.0000 € HT → debit 6.00 → 14.00.
# Chunk 2 rates 4.5000 more → the month is 9.5000, 5.0000 debited → debit 4.50 × 1.20 = 5.40 →
# 8.60. The task of chunk 2 delivered twice debits nothing more. The month's debits sum to its
# billable total.
def test_use8_every_chunk_of_a_batch_is_debited():
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "20.00")
    call(client, contract=contract, cost="2.0000")
    call(client, contract=contract, cost="3.0000")
    rated(client, 7)
    assert balance(client) == Decimal("14.00")

    call(client, contract=contract, cost="4.5000", line_type="mobile")
    rated(client, 7)
    rated(client, 7)
    assert balance(client) == Decimal("8.60")
    debits = PrepaidUsageDebit.objects.order_by("pk")
    assert [(d.source, d.net) for d in debits] == [
        ("batch:7", Decimal("5.0000")),
        ("batch:7#2", Decimal("4.5000")),
    ]
    assert sum(d.net for d in debits) == Decimal("9.5000")


# USE-8 — a postpaid customer is never debited.
def test_use8_postpaid_not_debited():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="5.0000")
    rated(client, 1)
    assert not PrepaidUsageDebit.objects.exists()


# Consumption alerts — threshold 10.00 €, blocking at 100 %. Calls for 5.0000 € → 50 % (one
# e-mail, one webhook event, a dashboard badge); a second batch to 8.0000 → 80 %; a third to
# 10.0000 → 100 %, outgoing calls blocked; nothing is sent twice. (On 20 October: the block
# lasts until the month ends, a month already over blocks nothing.)
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_alerts_at_50_80_100_percent(mailoutbox, django_capture_on_commit_callbacks):
    client = customer(partner=PartnerFactory())
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    with django_capture_on_commit_callbacks(execute=True):
        call(client, contract=contract, cost="5.0000")
        rated(client, 1)
        rated(client, 1)
    assert list(ConsumptionAlert.objects.values_list("level", flat=True)) == [50]
    assert len(mailoutbox) == 1 and "50" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        call(client, contract=contract, cost="3.0000")
        rated(client, 2)
        call(client, contract=contract, cost="2.0000")
        rated(client, 3)
    assert sorted(ConsumptionAlert.objects.values_list("level", flat=True)) == [50, 80, 100]
    assert len(mailoutbox) == 3
    events = OutboxEvent.objects.filter(type="usage.threshold_reached")
    assert sorted(e.data["level"] for e in events) == [50, 80, 100]
    assert ConsumptionAlert.objects.get(level=100).blocked
    assert alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    # Raising the threshold to 12.00 € lifts the block until its own 100 %: 10.0000 is 83 % of
    # it (its 50 and 80 % recorded, one e-mail, one event: 80 %); 2.0000 more → 12.0000 = 100 %
    # of 12.00: blocked again.
    alerts.threshold_set(client=client, amount=Decimal("12.00"), block_outgoing=True)
    assert ConsumptionAlert.objects.get(level=100, threshold=10).lifted_at is not None
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    with django_capture_on_commit_callbacks(execute=True):
        rated(client, 4)
    assert sorted(
        ConsumptionAlert.objects.filter(threshold=12).values_list("level", flat=True)
    ) == [50, 80]
    assert len(mailoutbox) == 4 and "80" in mailoutbox[3].subject
    assert events.all().count() == 4
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    with django_capture_on_commit_callbacks(execute=True):
        call(client, contract=contract, cost="2.0000")
        rated(client, 5)
    assert alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    assert len(mailoutbox) == 5 and "100" in mailoutbox[4].subject
    # Switching the block off lifts it; the next month starts free of it.
    alerts.threshold_set(client=client, amount=Decimal("12.00"), block_outgoing=False)
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    assert not alerts.outgoing_blocked(client.pk, date(2026, 11, 2))


# ACC-6 — the last call (inbound included) sets the contract's last traffic day (Paris); six
# months without any call flag it; closing it for inactivity forfeits the prepaid balance
# (PLATFORM 12.7.4) when it was the customer's last live contract.
def test_acc6_inactivity_from_the_records_and_forfeit(mailoutbox):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    never = make_contract(client, "platform", service_start=date(2026, 9, 1))
    top_up(client, "30.00")
    # 22:30 UTC on 31/10 is 23:30 in Paris (CET from 25/10): still 31/10.
    call(client, contract=contract, call_type="inbound", started_at=at(31, 22, 30), cost="0")
    inactivity.last_traffic_record(client_ids=[client.pk])  # an inbound call is traffic
    contract.refresh_from_db()
    assert contract.last_traffic_on == date(2026, 10, 31)
    call(client, contract=contract, started_at=at(3, month=NOV), cost="0")
    inactivity.last_traffic_record(client_ids=[client.pk])
    contract.refresh_from_db()
    assert contract.last_traffic_on == date(2026, 11, 3)

    # 03/05/2027: six months after 03/11/2026 → flagged; the never-used contract counts from
    # its service start (01/09/2026) → flagged too.
    assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 2
    contract.refresh_from_db()
    assert contract.inactive_flagged_on == date(2027, 5, 3)

    _t, forfeited = inactivity.inactive_close(contract=never, today=date(2027, 5, 4))
    assert forfeited == Decimal("0")  # another live contract remains
    contract.refresh_from_db()
    _t, forfeited = inactivity.inactive_close(contract=contract, today=date(2027, 5, 4))
    assert forfeited == Decimal("30.00")
    assert balance(client) == Decimal("0.00")


# USE-8 / CON-8 (ACC-2: paying is the admin's or billing's; the prepaid top-up page is the
# billing role's) — a prepaid customer tops up 6.00 €; a batch of 5.0000 € HT is debited 6.00 €
# TTC → balance 0.00: its contract is suspended, and the e-mail says « Rechargez votre crédit
# prépayé ». It reached the administrator only: the billing member, the one who tops up, was
# not told, nor of the lifting once 10.00 € came in. Both e-mails now reach the administrator
# and the billing member (not the technical member); a suspension for another reason (fraud)
# still goes to the administrators only.
def test_use8_exhausted_balance_suspension_told_to_the_billing_members(
    mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.choices import Role
    from tests.factories import MembershipFactory

    client = customer(payment_method=PaymentMethod.PREPAID)
    admin = client.memberships.get(role=Role.ADMIN).user.email
    payer = MembershipFactory(client=client, role=Role.BILLING).user.email
    MembershipFactory(client=client, role=Role.TECHNICAL)
    contract = platform(client)
    top_up(client, "6.00")
    call(client, contract=contract, cost="5.0000")
    with django_capture_on_commit_callbacks(execute=True):
        rated(client, 1)
    assert balance(client) == Decimal("0.00")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([admin, payer])
    assert all("Rechargez votre crédit prépayé" in m.body for m in mailoutbox)

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        top_up(client, "10.00")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    restored = [m for m in mailoutbox if "a été levée" in m.body]
    assert sorted(m.to[0] for m in restored) == sorted([admin, payer])

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        offers.contract_suspend(contract=contract, reason=SuspensionReason.FRAUD)
    assert [m.to[0] for m in mailoutbox] == [admin]


# CON-7 (PLATFORM 6.2: « un accès gratuit aux Services … aux seules fins de test ») and the
# consumption alerts — threshold 10.00 € HT with the block, on 20 October. A trial's test calls
# rated 30.0000 € (shown, never invoiced) reach no level: no alert, no e-mail, no block. A paid
# call of 5.0000 € then reaches 50 % of 10.00 — the trial's 30.00 € counting for nothing.
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_con7_trial_calls_trigger_no_alert(mailoutbox, django_capture_on_commit_callbacks):
    client = customer()
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    with django_capture_on_commit_callbacks(execute=True):
        call(client, contract=contract, cost="30.0000", trial=True)
        rated(client, 1)
    assert not ConsumptionAlert.objects.exists() and mailoutbox == []
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    with django_capture_on_commit_callbacks(execute=True):
        call(client, contract=contract, cost="5.0000")
        rated(client, 2)
    assert list(ConsumptionAlert.objects.values_list("level", "consumption")) == [
        (50, Decimal("5.00"))
    ]


# USE-8 / BIL-10 — a ledger line is French, whatever the language of the request that rated
# the calls: a partner's CDR upload with Accept-Language: en, rated inline (the broker down),
# wrote "Calls of 10/2026" on a French customer's prepaid statement, between « Rechargement
# reçu le … » lines. Top-up 12.00 €, calls 5.0000 € HT → debit 6.00 TTC « Communications de
# 10/2026 »; the month re-rated to 2.0000 € HT (the 3.0000 € call dropped) gives back 3.60 TTC
# « Communications de 10/2026 revalorisées : montant restitué ».
def test_use8_ledger_lines_stay_french_in_an_english_request():
    from django.utils import translation

    from usage.models import CallRecord

    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "12.00")
    call(client, contract=contract, cost="2.0000")
    dropped = call(client, contract=contract, cost="3.0000")
    with translation.override("en"):
        rated(client, 1)
    CallRecord.objects.filter(pk=dropped.pk).update(cost=Decimal("0"))
    with translation.override("en"):
        rated(client, 2)
    lines = PrepaidEntry.objects.filter(
        account__client=client, source_type="usage_consumption"
    ).order_by("pk")
    assert [(e.amount, e.description) for e in lines] == [
        (Decimal("-6.00"), "Communications de 10/2026"),
        (Decimal("3.60"), "Communications de 10/2026 revalorisées\u00a0: montant restitué"),
    ]


# BIL-10 / USE-8 — the prepaid statement read in English: its lines were French on the English
# page (« Rechargement reçu le … », « Communications de 10/2026 », « Arrondi à la facture … »
# beside "Top-up" and "Debit"). Top-up 12.00 €, calls of October 5.0000 € HT → debit 6.00 TTC:
# "Top-up received on <day>" and "Calls of 10/2026" in English; the French page and the stored
# description (the statement's words, BIL-10) stay French.
def test_use8_prepaid_statement_in_the_readers_language(client):
    import html

    from django.urls import reverse

    from accounts.choices import Role
    from kernel.clock import paris_today
    from tests.conftest import login
    from tests.factories import MembershipFactory

    payer = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(payer)
    top_up(payer, "12.00")
    call(payer, contract=contract, cost="5.0000")
    rated(payer, 1)
    day = f"{paris_today():%d/%m/%Y}"
    web = login(client, MembershipFactory(client=payer, role=Role.BILLING))
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = html.unescape(web.get(reverse("payments:prepaid")).content.decode())
    assert f"Top-up received on {day}" in english and "Calls of 10/2026" in english
    assert "Rechargement" not in english and "Communications de" not in english
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    french = html.unescape(web.get(reverse("payments:prepaid")).content.decode())
    assert f"Rechargement reçu le {day}" in french and "Communications de 10/2026" in french
    assert sorted(PrepaidEntry.objects.values_list("description", flat=True)) == [
        "Communications de 10/2026",
        f"Rechargement reçu le {day}",
    ]
