"""Audit cases: USE-8 prepaid consumption debits (CON-8 suspension) and consumption alerts.

Seeded grid (usage migration 0004): France fixed 0.0120 €/min 1/1, France mobile 0.0450 €/min
1/1. VAT 20 % (mainland regime). Hours in UTC."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.choices import DocumentKind
from billing.models import Invoice
from payments.models import PrepaidEntry
from tests.telephony.factories import customer, top_up
from tests.usage.core_helpers import account, at, row
from tests.usage.test_order_cases import hosted_w_151
from usage.models import FairUseBreach, PrepaidUsageDebit
from usage.services.billing import breach_waive

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def balance(client) -> Decimal:
    return sum((e.amount for e in PrepaidEntry.objects.filter(account__client=client)), Decimal(0))


def credit_notes_gross(client) -> Decimal:
    notes = Invoice.objects.filter(client=client, kind=DocumentKind.CREDIT_NOTE)
    return sum((n.total_gross for n in notes), Decimal(0))


# USE-8 / BIL-9 / BIL-10 (docs/rules.md USE-8: "once invoiced, the waiver's credit note credits
# it") — a prepaid HOSTED-W customer tops up 50.00 €. 151 distinct numbers → breach, 151 × 60 s
# × 0.0120 / 60 = 1.8120 € HT → debit 1.8120 × 1.20 = 2.1744 → 2.17 → balance 47.83. October is
# invoiced (1.81 + 0.36 VAT = 2.17, already paid). Staff waive the breach in November: the
# credit note of 2.17 TTC gives the money back. The waiver's re-rating pass then runs its
# after_rating task (as a worker does, once the waiver commits): it must not give the 2.17 back
# to the ledger as well — the customer would get 4.34 € for 2.17 € paid. Expected: balance
# 47.83, credit notes 2.17 (total returned 2.17).
def test_use8_waiver_after_invoicing_not_given_back_twice_when_the_rerate_task_runs(
    admin_user, imported, django_capture_on_commit_callbacks
):
    client = customer(payment_method=PaymentMethod.PREPAID)
    sip = account("hosted-w", client=client)
    top_up(client, "50.00")
    imported(hosted_w_151(sip))
    assert balance(client) == Decimal("47.83")
    billing.run_month_sync(month=OCT)

    with django_capture_on_commit_callbacks(execute=True):
        breach_waive(
            breach=FairUseBreach.objects.get(sip_account=sip), note="Geste", actor=admin_user
        )
    assert credit_notes_gross(client) == Decimal("2.17")
    assert balance(client) == Decimal("47.83")


# USE-8 / BIL-1 / BIL-9 (docs/rules.md: "A late record that lowers an invoiced month … is
# credited by the same run"; "A prepaid customer's credit note credits it as a waiver's does")
# — a prepaid SIP-UNL customer tops up 10.00 €. October: 100 distinct French fixed numbers, the
# 99 first included, the 100th (600 s) billed per second 600 × 0.0120 / 60 = 0.1200 → debit
# 0.144 → 0.14 → 9.86; invoiced 0.12 + 0.02 VAT, already paid. A late record of 1 October (the
# 100th number first, 300 s) moves the slots: the 99th number (300 s) is now the one billed,
# 0.0600 € — October is lowered by 0.06, credited by November's run (credit note 0.06 HT =
# 0.07 TTC); the ledger keeps 9.86. Then another late record of October: a French mobile call
# of 60 s, 60 × 0.0450 / 60 = 0.0450 € HT (a new line). The ledger must take 0.0450 × 1.20 =
# 0.054 → 0.05 → 9.81. It gave 0.02 back instead (9.88): the credit note's 0.06 counted a second
# time as a lower total (0.0600 + 0.0450 = 0.1050 against 0.1200 debited).
def test_use8_late_record_after_a_rerate_credit_is_debited_not_given_back(imported):
    from tests.usage.core_helpers import seconds

    client = customer(payment_method=PaymentMethod.PREPAID)
    sip = account("sip-unl", client=client)
    top_up(client, "10.00")
    durations = {98: 300, 99: 600}
    imported(
        [
            row(
                sip,
                f"+3314{i:07d}",
                start=at(2, 8) + seconds(60 * i),
                duration=durations.get(i, 60),
            )
            for i in range(100)
        ]
    )
    assert balance(client) == Decimal("9.86")
    billing.run_month_sync(month=OCT)
    imported([row(sip, f"+3314{99:07d}", start=at(1, 9), duration=300)], filename="late.csv")
    billing.run_month_sync(month=NOV)
    assert credit_notes_gross(client) == Decimal("0.07")
    assert balance(client) == Decimal("9.86")

    imported([row(sip, "0612345678", start=at(20, 9), duration=60)], filename="late2.csv")
    assert balance(client) == Decimal("9.81")


# Consumption alerts (docs/rules.md: "The dashboard card shows the month's amount, its calls and
# the last alert"; "Each threshold amount has its own three levels in a month") — on 20/10/2026,
# threshold 10.00 € with the block: 10.0000 € of calls → 100 % of 10.00, blocked. The customer
# raises it to 20.00 € → the block is lifted; 10.0000 is 50 % of 20.00: the 50 % alert of 20.00
# is recorded and sent (the last alert). The card must say "50 % of your alert threshold
# reached" (the threshold in force, reached last); before the fix it said "100 %" — it took the
# month's highest level of any threshold (order by level), the lifted 100 % of the old 10.00 €.
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_dashboard_card_shows_the_last_alert_after_the_threshold_is_raised():
    from tests.usage.core_helpers import platform
    from tests.usage.money_helpers import call
    from usage import selectors
    from usage.services import alerts
    from usage.services.post_rating import after_rating

    contract = platform()
    client = contract.client
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    call(client, contract=contract, cost="10.0000", started_at=at(5, 10))
    after_rating(batch_id=1, keys=[(client.pk, OCT)])
    assert alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    alerts.threshold_set(client=client, amount=Decimal("20.00"), block_outgoing=True)
    assert [a.level for a in alerts.alerts_check(client_id=client.pk, month=OCT)] == [50]
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))

    card = selectors.dashboard_card(client=client)
    assert card.blocked is None
    assert (card.alert.level, card.alert.threshold) == (50, Decimal("20.00"))


# USE-8 / consumption alerts, the Paris month (docs/rules.md: "Every call is rated in its Paris
# calendar month") — on 1 November 2026 at 07:00 UTC a prepaid PLATFORM customer (10.00 €
# topped up, threshold 1.00 € with the block) sends a French mobile call started at 23:30 UTC on
# 31 October — 00:30 on 1 November in Paris (CET, UTC+1): a November call. 1 800 s × 0.0450 /
# 60 = 1.3500 € HT → debited 1.35 × 1.20 = 1.62 € as November's (balance 8.38); November's 50,
# 80 and 100 % recorded (one e-mail, 100 %), outgoing calls blocked (November is the current
# month); October has no alert.
@time_machine.travel(datetime(2026, 11, 1, 7, tzinfo=UTC), tick=False)
def test_month_boundary_in_paris_time_debit_and_alert(imported, mailoutbox):
    from tests.usage.core_helpers import platform
    from usage.models import ConsumptionAlert
    from usage.services import alerts

    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client, start=date(2026, 9, 1))
    top_up(client, "10.00")
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
    imported(
        [
            row(
                contract,
                "0612345678",
                start=datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
                duration=1800,
            )
        ]
    )
    assert balance(client) == Decimal("8.38")
    assert [(d.month, d.net) for d in PrepaidUsageDebit.objects.filter(client=client)] == [
        (NOV, Decimal("1.3500"))
    ]
    assert sorted(ConsumptionAlert.objects.filter(client=client).values_list("month", "level")) == [
        (NOV, 50),
        (NOV, 80),
        (NOV, 100),
    ]
    assert len(mailoutbox) == 1 and "100" in mailoutbox[0].subject
    assert alerts.outgoing_blocked(client.pk, date(2026, 11, 1))


# Consumption alerts, two connections (docs/rules.md: the block lasts "until the month ends, the
# threshold is raised or the block switched off") — on 20/10/2026, threshold 10.00 € with the
# block, October at 10.0000 € (100 %). A rating pass's task checks the levels (reads 10.00 €)
# while the billing member raises the threshold to 20.00 € (10.0000 is then 50 %). The member's
# change commits between the task's reading and its writing: the task records the 100 % of
# 10.00 € as blocking after the raise looked for blocks to lift. Expected: once both are done,
# outgoing calls are not blocked (the threshold in force is 20.00 €, reached at 50 %) — the
# 100 % alert of 10.00 € lifted. Found: blocked until the end of the month.
@pytest.mark.django_db(transaction=True)
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_threshold_raised_while_a_task_checks_the_levels_leaves_no_block(monkeypatch):
    import threading

    from django.db import connection

    from tests.usage.core_helpers import platform
    from tests.usage.money_helpers import call
    from usage.models import ConsumptionAlert
    from usage.services import alerts

    contract = platform()
    client = contract.client
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    call(client, contract=contract, cost="10.0000", started_at=at(5, 10))

    task_read, raised = threading.Event(), threading.Event()
    original = alerts.month_consumption

    def slow_consumption(client_id, month):
        value = original(client_id, month)
        task_read.set()
        raised.wait(timeout=3)  # the member's raise commits meanwhile (or waits for the task)
        return value

    monkeypatch.setattr(alerts, "month_consumption", slow_consumption)
    errors = []

    def task():
        try:
            alerts.alerts_check(client_id=client.pk, month=OCT)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    def member():
        try:
            task_read.wait(timeout=5)
            alerts.threshold_set(client=client, amount=Decimal("20.00"), block_outgoing=True)
            raised.set()
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=task), threading.Thread(target=member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    monkeypatch.setattr(alerts, "month_consumption", original)
    alerts.alerts_check(client_id=client.pk, month=OCT)  # the page's check after the raise

    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    assert not ConsumptionAlert.objects.filter(
        client=client, level=100, blocked=True, lifted_at__isnull=True
    ).exists()
