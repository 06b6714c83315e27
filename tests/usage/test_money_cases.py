"""Independent cases of the money side of usage: USE-8 prepaid debits (VAT regimes, re-imports,
a batch crossing zero, top-ups), CON-7 trial traffic (end day, a trial ended mid-month), late
records, ACC-6 inactivity and its closing, consumption alerts (threshold changed mid-month, the
block).

Seeded grid (migration 0004, see test_rating.py): France fixed 0.0120 €/min 1/1, France mobile
0.0450 €/min 1/1, Morocco fixed 0.1500 €/min 60/60."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.models import Invoice, InvoicePurpose
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract
from payments import services as payments
from payments.choices import PrepaidKind
from payments.models import PrepaidEntry
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, top_up
from tests.usage import core_helpers as core
from tests.usage.money_helpers import NOV, OCT, at, call
from usage.models import CallRecord, ConsumptionAlert, PrepaidUsageDebit
from usage.services import alerts, inactivity
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def platform(client, start=date(2026, 9, 1), *, ordered=False):
    return core.platform(client, start=start, ordered=ordered)


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


def rated(client, batch_id, month=OCT):
    after_rating(batch_id=batch_id, keys=[(client.pk, month)])


def status(contract):
    return Contract.objects.get(pk=contract.pk).status


# --- USE-8 prepaid ---------------------------------------------------------------------------


# USE-8 / BIL-10 — the debit carries the VAT of the customer's regime. 10.0000 € HT of calls:
# a customer in Guadeloupe (8.5 %) is debited 10.00 × 1.085 = 10.85 → 50.00 − 10.85 = 39.15; an
# EU business under reverse charge (0 %) 10.00 → 40.00; a mainland one 12.00 → 38.00.
@pytest.mark.parametrize(
    "regime,expected", [("overseas", "39.15"), ("reverse_charge", "40.00"), ("standard", "38.00")]
)
def test_use8_debit_at_the_vat_rate_of_the_regime(regime, expected):
    client = customer(payment_method=PaymentMethod.PREPAID, vat_regime=regime)
    contract = platform(client)
    top_up(client, "50.00")
    call(client, contract=contract, cost="6.0000", line_type="mobile")
    call(client, contract=contract, cost="4.0000", country="GB")
    rated(client, 1)
    assert balance(client) == Decimal(expected)


# USE-8 / CON-8 — a batch crossing zero: 5.00 € on the balance, a batch of 10.0000 € HT →
# debit 12.00 → −7.00 (traffic already carried is not refused): the entry is an overdraft and
# both active contracts are suspended ("prepaid balance exhausted"); a contract already
# suspended for non-payment keeps that reason. A transfer of 10.00 € received with a 0.40 €
# bank fee counts 9.60 → 2.60: the prepaid suspensions are lifted, not the non-payment one.
def test_use8_batch_crossing_zero_then_topup_net_of_fee_lifts(django_capture_on_commit_callbacks):
    client = customer(payment_method=PaymentMethod.PREPAID)
    first, second, unpaid = platform(client), platform(client), platform(client)
    offers.contract_suspend(contract=unpaid, reason=SuspensionReason.NON_PAYMENT)
    top_up(client, "5.00")
    call(client, contract=first, cost="10.0000", line_type="mobile")
    rated(client, 1)
    assert balance(client) == Decimal("-7.00")
    debit = PrepaidEntry.objects.get(kind=PrepaidKind.DEBIT)
    assert (debit.amount, debit.overdraft) == (Decimal("-12.00"), True)
    assert [status(c) for c in (first, second, unpaid)] == [ContractStatus.SUSPENDED] * 3
    assert first.suspensions.get().reason == SuspensionReason.PREPAID_EXHAUSTED
    assert second.suspensions.get().reason == SuspensionReason.PREPAID_EXHAUSTED

    with django_capture_on_commit_callbacks(execute=True):
        payments.prepaid_topup_record(
            client=client,
            amount_received=Decimal("10.00"),
            bank_fee=Decimal("0.40"),
            received_on=offers.paris_today(),
            reference="VIR-2",
        )
    assert balance(client) == Decimal("2.60")
    assert [status(c) for c in (first, second, unpaid)] == [
        ContractStatus.ACTIVE,
        ContractStatus.ACTIVE,
        ContractStatus.SUSPENDED,
    ]


# USE-8 / BIL-10 — money received is recorded even when it does not clear the debt: at −7.00 €
# (a batch crossed zero), a transfer of 5.00 € → −2.00 €, the service stays suspended; a second
# transfer of 3.00 € → 1.00 €, lifted. PLATFORM 12.7.3: "Seul le montant effectivement reçu …
# donnera lieu à crédit" — a transfer received cannot be refused.
def test_use8_topup_smaller_than_the_debt_is_recorded(django_capture_on_commit_callbacks):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "5.00")
    call(client, contract=contract, cost="10.0000", line_type="mobile")
    rated(client, 1)
    assert balance(client) == Decimal("-7.00")
    with django_capture_on_commit_callbacks(execute=True):
        top_up(client, "5.00")
    assert balance(client) == Decimal("-2.00")
    assert status(contract) == ContractStatus.SUSPENDED
    with django_capture_on_commit_callbacks(execute=True):
        top_up(client, "3.00")
    assert balance(client) == Decimal("1.00")
    assert status(contract) == ContractStatus.ACTIVE


# USE-8 through the real import: a file of two French mobile calls of 10 min (600 × 0.0450 / 60
# = 0.4500 each → 0.9000 € HT → debit 1.08) → 20.00 − 1.08 = 18.92. The same file sent again
# (its calls are duplicates) debits nothing; a third file repeating one of them and adding a
# fixed call of 5 min (300 × 0.0120 / 60 = 0.0600 → 0.07 with VAT 0.072) debits 0.07 only.
def test_use8_reimport_debits_once(imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "20.00")
    first = [
        core.row(contract, "0612345678", start=core.at(5, 9), duration=600, call_id="m1"),
        core.row(contract, "0612345679", start=core.at(5, 10), duration=600, call_id="m2"),
    ]
    imported(first)
    assert balance(client) == Decimal("18.92")
    imported(first, filename="cdr-again.csv")
    assert balance(client) == Decimal("18.92")
    imported(
        [first[0], core.row(contract, "0140000000", start=core.at(6, 9), duration=300)],
        filename="cdr-3.csv",
    )
    assert balance(client) == Decimal("18.85")
    assert sum(d.net for d in PrepaidUsageDebit.objects.filter(client=client)) == Decimal("0.9600")


# BIL-10 ("payments squares the rounding", docs/rules.md USE-8) — four import batches of one
# mobile call of 0.0125 € HT each: each debit is 0.0125 × 1.20 = 0.015 → 0.02, the ledger takes
# 0.08. October's invoice has one line 0.0500 → 0.05, VAT 0.01, 0.06 paid in advance: the 0.02
# taken in excess goes back to the balance: 10.00 − 0.08 + 0.02 = 9.94.
def test_use8_ledger_squared_with_the_invoice_of_the_consumption():
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "10.00")
    for batch in range(1, 5):
        call(client, contract=contract, cost="0.0125", line_type="mobile")
        rated(client, batch)
    assert balance(client) == Decimal("9.92")
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    line = invoice.lines.get(kind="consumption")
    assert line.net_amount == Decimal("0.05") and line.charge.is_paid
    assert invoice.paid_in_advance == Decimal("0.06")
    assert balance(client) == Decimal("9.94")


# --- CON-7 trial ------------------------------------------------------------------------------


def regular_invoice(client, month):
    return Invoice.objects.get(client=client, month=month, purpose=InvoicePurpose.REGULAR)


def consumption_amounts(client, month):
    invoice = regular_invoice(client, month)
    return sorted(line.net_amount for line in invoice.lines.filter(kind="consumption"))


# CON-7 (docs/rules.md: "Staff can grant free test access until an end date; traffic before
# that date is trial traffic"; the contract page: "Free trial until <date> (excluded)") — a
# PLATFORM contract ordered on 01/09, on trial until 15/10/2026 (Paris summer time, UTC+2),
# activated with its service started on 15/10 (the trial ends there). Four French mobile calls
# of 60 s (0.0450 each): 14/10 21:30 UTC = 23:30 Paris → trial; 14/10 22:30 UTC = 15/10 00:30
# Paris, 15/10 10:00 UTC and 16/10 → not trial: 3 × 0.0450 = 0.1350 → one line of 0.14 €.
def test_con7_trial_end_day_is_not_trial():
    client = customer()
    contract = platform(client, ordered=True)
    offers.contract_set_trial(contract=contract, ends_on=date(2026, 10, 15))
    assert offers.is_in_trial(Contract.objects.get(pk=contract.pk), date(2026, 10, 14))
    assert not offers.is_in_trial(Contract.objects.get(pk=contract.pk), date(2026, 10, 15))
    offers.contract_activate(contract=contract, service_start_date=date(2026, 10, 15))
    core.run_import(
        [
            core.row(contract, "0612345671", start=core.at(14, 21, 30)),
            core.row(contract, "0612345672", start=core.at(14, 22, 30)),
            core.row(contract, "0612345673", start=core.at(15, 10)),
            core.row(contract, "0612345674", start=core.at(16, 10)),
        ]
    )
    trial = dict(CallRecord.objects.values_list("called", "trial"))
    assert trial["+33612345671"] is True
    billing.run_month_sync(month=OCT)
    assert consumption_amounts(client, OCT) == [Decimal("0.14")]


# CON-7 — a HOSTED-A contract ordered on 01/09, on trial until 31/10, converts mid-month: the
# customer signs and staff activate it on 15/10, its service started that day — the activation
# ends the trial (its remaining days are not carried over). Its calls to a Moroccan fixed
# number (not included, 60 s at 0.1500 €/min 60/60 = 0.1500 each): 10/10 during the trial →
# never invoiced; 20/10 after the activation → invoiced. October's invoice: one line of 0.15 €
# (the trial call stays trial when the run re-rates the HOSTED-A month at the day's tariffs).
# Before: the trial ran on to 31/10 on a contract in service from the 15th, the 20/10 call was
# trial and October billed no call.
def test_con7_trial_converted_mid_month_trial_calls_never_invoiced():
    sip = core.account("hosted-a", ordered=True)
    contract = sip.contract
    offers.contract_set_trial(contract=contract, ends_on=date(2026, 10, 31))
    core.run_import([core.row(sip, "+212522000001", start=core.at(10, 9), duration=60)])
    assert CallRecord.objects.get().trial
    with time_machine.travel(core.at(15, 9), tick=False):  # converted on 15/10
        offers.contract_activate(
            contract=Contract.objects.get(pk=contract.pk), service_start_date=date(2026, 10, 15)
        )
    core.run_import([core.row(sip, "+212522000002", start=core.at(20, 9), duration=60)])
    assert [c.trial for c in core.calls()] == [True, False]
    billing.run_month_sync(month=OCT)
    assert consumption_amounts(sip.client, OCT) == [Decimal("0.15")]


# CON-7 — the same on a SIP-UNL account (ordered, not in service), seen through an import only:
# a call of 12/10 during the trial (mobile 60 s, per second: 0.0450, trial), the trial ended by
# staff on 15/10, then a file carrying a call of 05/10 that the carrier sent late (it starts
# before a stored call: the month is rated again, whole). The 12/10 call was placed during the
# trial: it stays trial, never invoiced; so is the 05/10 call, placed during the trial too (the
# trial keeps its days when it ends: it ended on 15/10, excluded).
def test_con7_trial_calls_stay_trial_when_a_late_file_rerates_the_month():
    sip = core.account("sip-unl", ordered=True)
    offers.contract_set_trial(contract=sip.contract, ends_on=date(2026, 10, 31))
    core.run_import([core.row(sip, "0612345678", start=core.at(12, 9), duration=60)])
    with time_machine.travel(core.at(15, 9), tick=False):
        offers.contract_set_trial(contract=Contract.objects.get(pk=sip.contract_id), ends_on=None)
    core.run_import([core.row(sip, "0612345679", start=core.at(5, 9), duration=60)])
    assert CallRecord.objects.get(called="+33612345678").trial
    assert CallRecord.objects.get(called="+33612345679").trial


# --- late records ------------------------------------------------------------------------------


# Late records (BIL-1, docs/rules.md) for a prepaid customer (USE-8). Top-up 20.00 €.
# October: a mobile call of 600 s = 0.4500 € HT → debit 0.54 → 19.46; October's run invoices
# it (0.45, already paid). Then a file arrives with a call of 20/10 (1 200 s = 0.9000, late:
# debited at once 1.08 → 18.38) and one of 31/10 23:30 UTC = 01/11 00:30 Paris (November, not
# late; 300 s = 0.2250 → debit 0.27 → 18.11). October's issued invoice is untouched; November's
# run bills 0.90 for October ("reçues après facturation") and 0.23 for November, both already
# paid.
def test_late_record_of_a_prepaid_customer_debited_then_billed_next_run_as_paid(imported):
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "20.00")
    imported([core.row(contract, "0612345678", start=core.at(5, 9), duration=600)])
    assert balance(client) == Decimal("19.46")
    billing.run_month_sync(month=OCT)
    october = regular_invoice(client, OCT)
    before = (october.number, october.total_gross, october.paid_in_advance, october.amount_due)
    assert consumption_amounts(client, OCT) == [Decimal("0.45")]

    imported(
        [
            core.row(contract, "0612345679", start=core.at(20, 9), duration=1200),
            core.row(contract, "0612345670", start=core.at(31, 23, 30), duration=300),
        ],
        filename="late.csv",
    )
    late = CallRecord.objects.get(called="+33612345679")
    nov = CallRecord.objects.get(called="+33612345670")
    assert (late.billing_month, late.late) == (OCT, True)
    assert (nov.billing_month, nov.late) == (NOV, False)
    assert balance(client) == Decimal("18.11")

    billing.run_month_sync(month=NOV)
    october.refresh_from_db()
    assert consumption_amounts(client, OCT) == [Decimal("0.45")]
    after = (october.number, october.total_gross, october.paid_in_advance, october.amount_due)
    assert after == before
    november = regular_invoice(client, NOV)
    lines = {
        line.charge.period_start: (line.net_amount, line.charge.is_paid)
        for line in november.lines.filter(kind="consumption")
    }
    assert lines == {OCT: (Decimal("0.90"), True), NOV: (Decimal("0.23"), True)}
    assert "reçues après facturation" in november.lines.get(charge__period_start=OCT).description


# --- ACC-6 inactivity -----------------------------------------------------------------------


# ACC-6 (PLATFORM 17.3: "absence totale d'utilisation du Service pendant 6 mois à compter de la
# dernière communication acheminée") — a trunk's only call is an unanswered inbound one on
# 31/10/2026 23:30 UTC = 01/11 00:30 Paris (CET): its last traffic day is 01/11/2026 (shown on
# the contract's page). Six months later it is still not flagged: only PLATFORM's terms let the
# reseller close an account for inactivity, a TRUNK contract has no such clause (nor is its
# customer told its account may be closed). A new call (02/11, imported late) moves the day.
def test_acc6_unanswered_inbound_trunk_call_is_traffic(
    imported, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.telephony.factories import make_trunk

    core.seed()
    client = customer()
    trunk = make_trunk(client)
    imported(
        [
            core.row(
                trunk.username,
                "+33140000000",
                start=core.at(31, 23, 30),
                answered=False,
                duration=0,
                call_type="inbound",
            )
        ]
    )
    contract = Contract.objects.get(pk=trunk.contract_id)
    assert contract.last_traffic_on == date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert offers.contracts_flag_inactive(today=date(2027, 5, 1)) == 0
    contract.refresh_from_db()
    assert contract.inactive_flagged_on is None and mailoutbox == []

    imported([core.row(trunk.username, "0612345678", start=core.at(2, 9, month=NOV))], filename="b")
    contract.refresh_from_db()
    assert contract.last_traffic_on == date(2026, 11, 2)


# ACC-6 — a contract that never carried a call counts from its service start (15/04/2026): not
# flagged on 14/10/2026, flagged on 15/10/2026.
def test_acc6_never_used_counts_from_service_start():
    client = customer()
    make_contract(client, "platform", signature=date(2026, 4, 1), service_start=date(2026, 4, 15))
    assert offers.contracts_flag_inactive(today=date(2026, 10, 14)) == 0
    assert offers.contracts_flag_inactive(today=date(2026, 10, 15)) == 1


# ACC-6 (PLATFORM 17.3: "le Prestataire pourra fermer le compte et résilier le Service";
# 12.7.4: the balance stays with the reseller "jusqu'à la date de résiliation") — staff close a
# PLATFORM contract flagged inactive on 04/05/2027: 30.00 € are forfeited at once, and the
# service ends with the closing: the termination takes effect by the end of May 2027 at the
# latest (not after the 3 months' notice of a customer's termination for convenience, 17.1,
# which would bill June, July and August's subscriptions after the balance was taken).
def test_acc6_closing_for_inactivity_ends_the_service_without_notice():
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    top_up(client, "30.00")
    offers.contract_record_traffic(contract=contract, day=date(2026, 11, 3))
    assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 1
    with time_machine.travel(datetime(2027, 5, 4, 10, tzinfo=UTC), tick=False):
        termination, forfeited = inactivity.inactive_close(
            contract=Contract.objects.get(pk=contract.pk), today=date(2027, 5, 4)
        )
    assert forfeited == Decimal("30.00") and balance(client) == Decimal("0.00")
    assert termination.fee_amount == Decimal("0")
    assert termination.effective_date <= date(2027, 5, 31), termination.effective_date


# ACC-6 / PLATFORM 12.7.4 — only an unconsumed balance is forfeited: a balance already below
# zero (−7.00 €, a batch crossed zero) forfeits nothing and writes no entry.
def test_acc6_forfeit_nothing_below_zero():
    owing = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(owing)
    top_up(owing, "5.00")
    call(owing, contract=contract, cost="10.0000", line_type="mobile")
    rated(owing, 1)
    assert balance(owing) == Decimal("-7.00")
    Contract.objects.filter(pk=contract.pk).update(inactive_flagged_on=date(2027, 5, 3))
    _t, forfeited = inactivity.inactive_close(
        contract=Contract.objects.get(pk=contract.pk), today=date(2027, 5, 4)
    )
    assert forfeited == Decimal("0") and balance(owing) == Decimal("-7.00")
    assert not PrepaidEntry.objects.filter(source_type="inactivity_forfeit").exists()


# ACC-6 / PLATFORM 12.7.4, 17.3 — a contract whose termination is scheduled is still in service
# until its effective date (CON-4) and pays its calls from the balance: closing the customer's
# other, inactive contract forfeits nothing (12.7.4 keeps only « le solde non consommé » of an
# account closed for inactivity; this account is still used). Top-up 25.00 €; the terminating
# contract's call of 6.0000 € HT the next day is debited 7.20 € TTC → 17.80 €, the contract
# keeps running. Before: 25.00 € forfeited at the closing, the call took the balance to −7.20 €
# and suspended a contract the customer may use until its end.
def test_acc6_nothing_forfeited_while_a_terminating_contract_still_runs():
    leaving = customer(payment_method=PaymentMethod.PREPAID)
    idle, other = platform(leaving), platform(leaving)
    top_up(leaving, "25.00")
    with time_machine.travel(datetime(2027, 5, 3, 10, tzinfo=UTC), tick=False):
        termination = offers.contract_request_termination(contract=other)
    assert termination.effective_date == date(2027, 8, 3)
    Contract.objects.filter(pk=idle.pk).update(inactive_flagged_on=date(2027, 5, 3))
    _t, forfeited = inactivity.inactive_close(
        contract=Contract.objects.get(pk=idle.pk), today=date(2027, 5, 4)
    )
    assert forfeited == Decimal("0") and balance(leaving) == Decimal("25.00")
    assert not PrepaidEntry.objects.filter(source_type="inactivity_forfeit").exists()
    call(
        leaving,
        contract=other,
        cost="6.0000",
        line_type="mobile",
        started_at=datetime(2027, 5, 5, 9, tzinfo=UTC),
    )
    rated(leaving, 1, month=date(2027, 5, 1))
    assert balance(leaving) == Decimal("17.80")
    assert status(other) == ContractStatus.TERMINATING


# --- consumption alerts ---------------------------------------------------------------------

DEC = date(2026, 12, 1)
JAN = date(2027, 1, 1)


# Consumption alerts, a threshold changed mid-month (docs/rules.md: "levels passed at once (a
# large file, a lowered threshold) are all recorded, only the highest is sent"; "Each threshold
# amount has its own three levels in a month"). December 2026 so far: 30.0000 € HT. The billing
# member sets 100.00 € (30 %: nothing), lowers it to 40.00 € (75 %: the 50 % alert, one e-mail
# per admin / billing member, one webhook event), then to 25.00 € (120 %: 50, 80 and 100 % of
# 25.00 recorded, only the 100 % sent); saving 25.00 € again sends nothing. January starts over:
# 12.5000 € → 50 % of 25.00 again.
def test_alerts_threshold_lowered_mid_month_and_next_month(
    as_role, tenant, mailoutbox, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from accounts.choices import Role
    from kernel.models import OutboxEvent

    client = tenant.client
    contract = platform(client)
    call(client, contract=contract, cost="30.0000", started_at=at(2, month=DEC))
    rated(client, 1, month=DEC)
    web = as_role(Role.BILLING)

    def set_threshold(amount):
        with (
            time_machine.travel(datetime(2026, 12, 4, 12, tzinfo=UTC), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            web.post(reverse("usage:threshold"), {"amount": amount})

    def levels(amount, month=DEC):
        return sorted(
            ConsumptionAlert.objects.filter(month=month, threshold=Decimal(amount)).values_list(
                "level", flat=True
            )
        )

    set_threshold("100.00")
    assert not ConsumptionAlert.objects.exists() and mailoutbox == []
    set_threshold("40.00")
    assert levels("40.00") == [50]
    assert len(mailoutbox) == 2 and all("50" in m.subject for m in mailoutbox)
    set_threshold("25.00")
    assert levels("25.00") == [50, 80, 100]
    assert len(mailoutbox) == 4 and all("100" in m.subject for m in mailoutbox[2:])
    events = OutboxEvent.objects.filter(type="usage.threshold_reached")
    assert sorted(e.data["level"] for e in events) == [50, 100]
    set_threshold("25.00")
    assert len(mailoutbox) == 4 and events.count() == 2

    call(client, contract=contract, cost="12.5000", started_at=at(4, month=JAN))
    with django_capture_on_commit_callbacks(execute=True):
        rated(client, 2, month=JAN)
    assert levels("25.00", month=JAN) == [50]
    assert len(mailoutbox) == 6


# Consumption alerts with "block outgoing calls at 100 %", through the real import and rating.
# Threshold 1.00 € with the block. On 10/10 12:00 UTC a file brings a mobile call of 1 200 s
# (0.9000 € → 90 %), then a second one of 600 s (0.4500 → 1.3500 = 135 %): the 100 % alert
# blocks from that moment. On 12/10 a file brings: an outbound call placed on 10/10 11:00 UTC,
# before the alert (60 s, 0.0450: billed); on 11/10 an outbound and a forwarded mobile call
# (blocked, never billed), an inbound call and a call to 112 (never blocked). The threshold is
# raised to 5.00 € on 12/10 12:00: a call of 12/10 13:00 is billed again (0.0450). October's
# invoice: 0.9000 + 0.4500 + 0.0450 + 0.0450 = 1.4400 → 1.44.
def test_alerts_block_outgoing_and_forwarded_not_inbound_nor_emergency(imported):
    client = customer()
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
    with time_machine.travel(datetime(2026, 10, 10, 12, tzinfo=UTC), tick=False):
        imported([core.row(contract, "0612340001", start=core.at(10, 8), duration=1200)])
        assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 10))
        imported(
            [core.row(contract, "0612340002", start=core.at(10, 9), duration=600)], filename="2"
        )
        assert alerts.outgoing_blocked(client.pk, date(2026, 10, 10))
    with time_machine.travel(datetime(2026, 10, 12, 10, tzinfo=UTC), tick=False):
        imported(
            [
                core.row(contract, "0612340003", start=core.at(10, 11)),
                core.row(contract, "0612340004", start=core.at(11, 9)),
                core.row(contract, "0612340005", start=core.at(11, 9, 5), call_type="forwarded"),
                core.row(contract, "0612340006", start=core.at(11, 9, 10), call_type="inbound"),
                core.row(contract, "112", start=core.at(11, 9, 15)),
            ],
            filename="3",
        )
    with time_machine.travel(datetime(2026, 10, 12, 12, tzinfo=UTC), tick=False):
        alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=True)
    with time_machine.travel(datetime(2026, 10, 13, 10, tzinfo=UTC), tick=False):
        imported([core.row(contract, "0612340007", start=core.at(12, 13))], filename="4")
    blocked = dict(CallRecord.objects.values_list("called", "blocked"))
    assert blocked == {
        "+33612340001": False,
        "+33612340002": False,
        "+33612340003": False,
        "+33612340004": True,
        "+33612340005": True,
        "+33612340006": False,
        "112": False,
        "+33612340007": False,
    }
    billing.run_month_sync(month=OCT)
    assert consumption_amounts(client, OCT) == [Decimal("1.44")]


# Consumption alerts, a late record (docs/rules.md: the 100 % alert "blocks outgoing calls from
# the moment it is reached until the month ends") — threshold 1.00 € with the block. October
# ends at 0.9000 € (90 %). On 05/11 a file brings a call of 30/10 that the carrier sent late
# (600 s mobile, 0.4500 → 1.3500 = 135 % of October): October's 100 % alert is recorded, but
# October is over — nothing is blocked: the alert is not a blocking one, its e-mail does not
# tell the customer that outgoing calls are blocked, the webhook says outgoing_blocked false,
# and November's calls are not blocked.
def test_alerts_late_record_of_a_past_month_blocks_nothing(
    imported, mailoutbox, django_capture_on_commit_callbacks
):
    from kernel.models import OutboxEvent
    from tests.factories import PartnerFactory

    client = customer(partner=PartnerFactory())
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        imported([core.row(contract, "0612340001", start=core.at(20, 8), duration=1200)])
    with time_machine.travel(datetime(2026, 11, 5, 12, tzinfo=UTC), tick=False):
        imported(
            [
                core.row(contract, "0612340002", start=core.at(30, 9), duration=600),
                core.row(contract, "0612340003", start=core.at(5, 11, month=NOV)),
            ],
            filename="late.csv",
        )
        assert not alerts.outgoing_blocked(client.pk)
    november = CallRecord.objects.get(called="+33612340003")
    assert not november.blocked
    alert = ConsumptionAlert.objects.get(month=OCT, level=100)
    event = OutboxEvent.objects.get(type="usage.threshold_reached", data__level=100)
    assert "bloqu" not in mailoutbox[-1].body
    assert event.data["outgoing_blocked"] is False
    assert alert.blocked is False


# USE-8 / USE-4 (docs/rules.md USE-8: "A lower total after a waiver is not paid back to the
# ledger here: the waiver's credit note credits it") — a prepaid HOSTED-W user in breach in
# October: 10 calls billed 1.5000 € each = 15.0000 € HT, debited 18.00 € TTC (50.00 → 32.00).
# Staff waive the breach before October is invoiced: the month is re-rated as included (0 €)
# and the run bills nothing. The 18.00 € taken for calls that are finally free come back to the
# customer, on the balance or as a credit note: balance back + credit notes TTC = 18.00 €.
def test_use8_waiver_before_invoicing_gives_the_prepaid_debit_back(
    admin_user, django_capture_on_commit_callbacks
):
    from billing.choices import DocumentKind
    from tests.usage.test_waivers import breached_month
    from usage.services.billing import breach_waive

    client = customer(payment_method=PaymentMethod.PREPAID)
    top_up(client, "50.00")
    account, breach = breached_month(client)
    rated(client, 1)
    assert balance(client) == Decimal("32.00")
    with django_capture_on_commit_callbacks(execute=True):
        assert breach_waive(breach=breach, note="Bonne foi", actor=admin_user) == []
    assert sum(c.cost for c in CallRecord.objects.filter(sip_account=account)) == 0
    billing.run_month_sync(month=OCT)
    assert consumption_amounts(client, OCT) == []
    credits = Invoice.objects.filter(client=client, kind=DocumentKind.CREDIT_NOTE)
    credited = sum((c.total_gross for c in credits), Decimal(0))
    assert (balance(client) - Decimal("32.00")) + credited == Decimal("18.00")


# ACC-6 — a HOSTED-W contract flagged inactive before the rule knew only PLATFORM (or by hand):
# staff cannot close it for inactivity — its terms have no such clause; nothing is terminated,
# no balance forfeited (30.00 € stay).
def test_acc6_only_a_platform_contract_is_closed_for_inactivity():
    from django.core.exceptions import ValidationError

    from payments.selectors import prepaid_balance

    client = customer(payment_method=PaymentMethod.PREPAID)
    hosted = make_contract(client, "hosted-w", signature=date(2026, 1, 1),
                           service_start=date(2026, 1, 15))  # fmt: skip
    Contract.objects.filter(pk=hosted.pk).update(inactive_flagged_on=date(2026, 10, 1))
    top_up(client, "30.00")
    with pytest.raises(ValidationError, match="PLATFORM"):
        inactivity.inactive_close(contract=hosted, today=date(2026, 10, 2))
    hosted.refresh_from_db()
    assert hosted.status == "active" and not hosted.terminations.exists()
    assert prepaid_balance(client) == Decimal("30.00")
