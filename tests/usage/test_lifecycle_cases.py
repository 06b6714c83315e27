"""Audit of the usage lifecycle tasks (helper C): partitions and the 12-month retention
(PLATFORM 6.7), ACC-6 inactivity, consumption alerts, USE-8 prepaid debits, USE-5 limits.
Each test names its rule and computes its amounts by hand."""

import os
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing import services as billing
from billing.models import Invoice
from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from tests.usage.money_helpers import OCT, at, call
from usage.services import retention

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.USAGE_INBOX_DIR = str(tmp_path / "inbox")


@pytest.fixture
def _travel_20_october():
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        yield


def platform(client, start=date(2026, 9, 1)):
    return make_contract(client, "platform", signature=start, service_start=start)


def credit_notes(client):
    return list(Invoice.objects.filter(client=client, kind="credit_note"))


# PLATFORM 6.7 / BIL-1 / BIL-9 — October 2026: one mobile call of 12.3400 € HT, invoiced by
# October's run (a line of 12.34 €). The purge of 31 October 2027 (00:30, the day before the
# run) drops October 2026 whole (kept: the calls after 31/10/2026). October 2027's run
# (00:05 on 1 November 2027) looks back at the twelve months before it to bill late records:
# October 2026 — its calls lawfully gone — must not be read as "re-rated to 0 €": no credit
# note of 12.34 € may be issued for it.
def test_retention_purge_never_credits_an_invoiced_month(tmp_path):
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="12.3400", line_type="mobile", called="+33612345678")
    billing.run_month_sync(month=OCT)
    assert Invoice.objects.filter(client=client, kind="invoice").count() >= 1
    with time_machine.travel(datetime(2027, 10, 31, 0, 30, tzinfo=PARIS), tick=False):
        retention.retention_purge(inbox=tmp_path)
    with time_machine.travel(datetime(2027, 11, 1, 0, 5, tzinfo=PARIS), tick=False):
        billing.run_month_sync(month=date(2027, 10, 1))
    assert [n.total_net for n in credit_notes(client)] == []


# PLATFORM 6.7 (docs/rules.md: "with the calls go the CDR files stored with each import and the
# raw lines of its rejected rows") — the carrier's file of 19 November 2026 is imported on 22
# November 2026 (a call of 19/11 and one of 21/11, and a bad line). The purge of 20 November
# 2027 deletes the calls up to 20/11/2026 included: the call of 19/11/2026 goes, so must the
# stored file and the raw rejected line that repeat it (kept, they hold traffic data for more
# than the 12-month maximum), and its copy in the inbox's done/ folder. The import's counters
# stay; another file of the same day (calls of 21/11) stays.
def test_retention_cdr_file_goes_with_its_oldest_call(tmp_path):
    from tests.usage.core_helpers import account, row, run_import
    from usage.models import CallRecord, ImportBatch

    def paris(month, day, hour=10, year=2026):
        return datetime(year, month, day, hour, tzinfo=PARIS).astimezone(UTC)

    sip = account("sip-unl")
    batch = run_import(
        [row(sip, "0123456789", start=paris(11, 19)), row(sip, "0123456780", start=paris(11, 21))]
        + ["bad,row"]
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=paris(11, 22, 3), source="inbox", filename="cdr-20261119.csv"
    )
    done = tmp_path / "done"
    done.mkdir()
    for name in ("cdr-20261119.csv", "cdr-20261121.csv"):  # moved there on 22/11/2026
        (done / name).write_text("x")
        os.utime(done / name, (paris(11, 22, 3).timestamp(),) * 2)
    retention.retention_purge(date(2027, 11, 20), inbox=tmp_path)
    assert [p.name for p in done.iterdir()] == ["cdr-20261121.csv"]
    assert list(CallRecord.objects.values_list("started_at", flat=True)) == [paris(11, 21)]
    batch.refresh_from_db()
    assert (bool(batch.file), batch.rejections.count()) == (False, 0)
    assert (batch.imported, batch.rejected) == (2, 1)
    # run twice: nothing more, nothing fails
    again = retention.retention_purge(date(2027, 11, 20), inbox=tmp_path)
    assert (again["files"], again["rejections"]) == (0, 0)


# USE-4 / consumption alerts — the e-mails are plain text: a French name or label keeps its
# apostrophe. The admin "N'Golo" (French) is told of the breach of SIP account "Poste
# d'accueil" for October 2026, and of the 50 % alert of a 10.00 € threshold (5.0000 € of
# calls): never "N&#x27;Golo" nor "Poste d&#x27;accueil".
@pytest.mark.usefixtures("_travel_20_october")
def test_emails_keep_apostrophes(mailoutbox, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from accounts.models import Membership
    from tests.telephony.factories import make_sip_account
    from usage.models import FairUseBreach
    from usage.receivers import on_breach_recorded
    from usage.services import alerts
    from usage.services.post_rating import after_rating

    client = customer()
    user = Membership.objects.get(client=client).user
    user.first_name, user.language = "N'Golo", "fr"
    user.save()
    sip, _secret = make_sip_account(client, offer_code="hosted-w")
    sip.label = "Poste d'accueil"
    sip.save()
    breach = FairUseBreach.objects.create(
        client=client, sip_account=sip, month=OCT, plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}], detected_at=timezone.now(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        on_breach_recorded(None, breach_id=breach.pk)
    mail = mailoutbox[-1]
    assert mail.subject == (
        "Usage raisonnable dépassé par le compte « Poste d'accueil » en octobre 2026"
    )
    assert mail.body.startswith("Bonjour N'Golo,")
    assert "Les appels du compte « Poste d'accueil » en octobre 2026" in mail.body

    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=False)
    call(client, contract=sip.contract, sip_account=sip, cost="5.0000", line_type="mobile")
    with django_capture_on_commit_callbacks(execute=True):
        after_rating(batch_id=1, keys=[(client.pk, OCT)])
    mail = mailoutbox[-1]
    assert "50" in mail.subject
    assert mail.body.startswith("Bonjour N'Golo,") and "&#" not in mail.body


def _inactive_prepaid_customer(language):
    """A prepaid PLATFORM customer (30.00 € left) whose last call was on 3 November 2026,
    flagged inactive on 3 May 2027."""
    from accounts.choices import PaymentMethod
    from accounts.models import Membership
    from offers import services as offers
    from tests.telephony.factories import top_up
    from tests.usage.money_helpers import NOV
    from usage.services import inactivity

    client = customer(payment_method=PaymentMethod.PREPAID)
    for member in Membership.objects.filter(client=client).select_related("user"):
        member.user.language = language
        member.user.save()
    contract = platform(client)
    top_up(client, "30.00")
    call(client, contract=contract, started_at=at(3, month=NOV), cost="0")
    inactivity.last_traffic_record(client_ids=[client.pk])
    assert offers.contracts_flag_inactive(today=date(2027, 5, 3)) == 1
    contract.refresh_from_db()
    return client, contract


# ACC-6 (PLATFORM 17.3 « La résiliation donnera lieu à une information auprès du Client »,
# 12.7.4) — staff close the contract flagged inactive on 4 May 2027: the whole balance,
# 30.00 € incl. VAT, is forfeited (its last contract). The customer is told: the contract was
# closed for inactivity on that day, since its last call of 3 November 2026, and the 30.00 €
# stay with the reseller.
def test_acc6_closing_for_inactivity_is_notified_with_the_forfeit(
    mailoutbox, django_capture_on_commit_callbacks
):
    from usage.services import inactivity

    client, contract = _inactive_prepaid_customer("en")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _t, forfeited = inactivity.inactive_close(contract=contract, today=date(2027, 5, 4))
    assert forfeited == Decimal("30.00")
    notices = [m for m in mailoutbox if "inactivity" in m.subject]
    assert [m.subject for m in notices] == [f"Contract {contract.reference} closed for inactivity"]
    body = notices[0].body
    assert "3 November 2026" in body and "4 May 2027" in body
    assert "30.00 € incl. VAT" in body


# ACC-6 / CON-4 — the same closing must not tell the customer that the termination is merely
# "scheduled" and can be cancelled "until that date": it took effect on the day of the closing
# and cannot be cancelled. (The e-mail is offers' termination_scheduled notice, sent by
# offers.contract_request_termination for every reason.)
def test_acc6_closing_for_inactivity_not_announced_as_cancellable(
    mailoutbox, django_capture_on_commit_callbacks
):
    from usage.services import inactivity

    _client, contract = _inactive_prepaid_customer("en")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        inactivity.inactive_close(contract=contract, today=date(2027, 5, 4))
    assert mailoutbox
    assert not [m.subject for m in mailoutbox if "cancel" in m.body.lower()]


# Celery tasks run twice (a task delivered again, a beat tick repeated) change nothing more:
# - usage.tasks.import_run: a prepaid PLATFORM customer (VAT 20 %, 10.00 € topped up, threshold
#   1.00 € without block) — one French mobile call of 1 800 s at 0.0450 €/min per second =
#   1.3500 € HT is imported once, debited once (1.35 × 1.20 = 1.62 € → balance 8.38 €),
#   alerted once (1.35 ≥ 1.00: 50, 80, 100 % recorded, one e-mail: 100 %), its last traffic
#   day set (5/10); the second run of the task (and a second after_rating) does nothing;
# - usage.tasks.inbox_scan and imports_resume: nothing queued twice;
# - usage.tasks.partitions_daily on 31 December 2026: January–March 2027 created the first
#   time, nothing the second; the purge finds nothing more the second time.
@pytest.mark.usefixtures("_travel_20_october")
def test_tasks_are_idempotent(monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    from accounts.choices import PaymentMethod
    from payments.models import PrepaidEntry
    from tests.telephony.factories import top_up
    from tests.usage import core_helpers as core
    from usage import money_tasks, tasks
    from usage.choices import ImportSource
    from usage.models import CallRecord, ConsumptionAlert, PrepaidUsageDebit
    from usage.services import alerts, imports

    monkeypatch.setattr(
        money_tasks.after_rating, "delay", lambda b, k: money_tasks.after_rating(b, k)
    )
    monkeypatch.setattr(imports, "_queue", lambda batch_id: None)
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = core.platform(client)
    top_up(client, "10.00")
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=False)
    content = core.csv_of(
        [core.row(contract.reference, "0612345678", start=core.at(5), duration=1800)]
    )
    batch = imports.import_create(
        source=ImportSource.COMMAND, filename="d.csv", content=content, run=False
    )
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks.import_run(batch.pk)
            assert tasks.inbox_scan()["resumed"] == []
            assert tasks.imports_resume() == []
    assert result["imported"] == 1
    assert CallRecord.objects.get().cost == Decimal("1.3500")
    with django_capture_on_commit_callbacks(execute=True):
        money_tasks.after_rating(batch.pk, [(client.pk, OCT.isoformat())])
    assert PrepaidUsageDebit.objects.count() == 1
    balance = sum(
        PrepaidEntry.objects.filter(account__client=client).values_list("amount", flat=True)
    )
    assert balance == Decimal("8.38")
    assert sorted(ConsumptionAlert.objects.values_list("level", flat=True)) == [50, 80, 100]
    assert len([m for m in mailoutbox if "100" in m.subject]) == 1
    contract.refresh_from_db()
    assert contract.last_traffic_on == date(2026, 10, 5)

    with time_machine.travel(datetime(2026, 12, 31, 0, 30, tzinfo=PARIS), tick=False):
        first, second = tasks.partitions_daily(), tasks.partitions_daily()
    assert {"2027-01-01", "2027-02-01", "2027-03-01"} <= set(first["created"])
    assert second["created"] == [] and second["months_dropped"] == []
    assert (second["files"], second["rejections"], second["roll_up_days"]) == (0, 0, 0)


# Consumption alerts — 20 October: threshold 10.00 € without block; the month's calls reach
# 12.0000 € HT → the 100 % alert is sent (no block asked). The billing member then ticks
# "block outgoing calls at 100 %" on the same 10.00 € (the portal's form: threshold_set, then
# the levels checked at once): the month is at 120 %, so outgoing calls must be blocked from
# now — they are not: the 100 % of 10.00 € was already recorded, unblocked, and one alert per
# (level, month, threshold) is all the model allows.
@pytest.mark.usefixtures("_travel_20_october")
def test_alerts_block_asked_when_already_over_blocks_now():
    from usage import selectors
    from usage.services import alerts
    from usage.services.post_rating import after_rating

    client = customer()
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=False)
    call(client, contract=contract, cost="12.0000", line_type="mobile")
    after_rating(batch_id=1, keys=[(client.pk, OCT)])
    assert not alerts.outgoing_blocked(client.pk, date(2026, 10, 20))
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    alerts.alerts_check(client_id=client.pk, month=selectors.current_month())
    assert alerts.outgoing_blocked(client.pk, date(2026, 10, 20))


# Consumption alerts, French wording — the 50 % alert of October 2026 (5.0000 € of a 10.00 €
# threshold) to a French admin: "de" elides before a vowel — "Vos appels de octobre 2026"
# (also "de avril", "de août") is not French; the month is written 10/2026, as the invoice's
# "Communications de 10/2026".
@pytest.mark.usefixtures("_travel_20_october")
def test_threshold_email_french_month_elision(mailoutbox, django_capture_on_commit_callbacks):
    from usage.services import alerts
    from usage.services.post_rating import after_rating

    client = customer()
    contract = platform(client)
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=False)
    call(client, contract=contract, cost="5.0000", line_type="mobile")
    with django_capture_on_commit_callbacks(execute=True):
        after_rating(batch_id=1, keys=[(client.pk, OCT)])
    body = mailoutbox[-1].body
    assert "de octobre" not in body
    assert "Vos appels de 10/2026 ont atteint 50\u00a0% du seuil" in body
    assert "5,00\u00a0€ HT sur 10,00\u00a0€" in body


# ACC-6 / BIL-10 — the forfeit is a line of the customer's prepaid statement (the portal shows
# its stored description): written in French, the customer's statement language, even when the
# staff member who closes the contract reads the console in English —
# "Solde acquis : compte clos pour inactivité (CT-…)", 30.00 € debited.
def test_acc6_forfeit_line_in_french_whatever_the_staff_language():
    from django.utils import translation

    from payments.models import PrepaidEntry
    from usage.services import inactivity

    client, contract = _inactive_prepaid_customer("fr")
    with translation.override("en"):
        inactivity.inactive_close(contract=contract, today=date(2027, 5, 4))
    entry = PrepaidEntry.objects.get(account__client=client, source_type="inactivity_forfeit")
    assert entry.amount == Decimal("-30.00")
    assert (
        entry.description
        == f"Solde acquis\u00a0: compte clos pour inactivité ({contract.reference})"
    )
