"""USE-6 traffic-quality penalties and USE-7 staff penalties: damages outside the scope of VAT
(category "O"), on an invoice of their own that passes the EN 16931 rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services as billing
from billing.en16931 import fatal
from billing.facturx_xml import build_cii_xml
from billing.models import Invoice, InvoicePurpose, PendingCharge
from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from tests.usage.money_helpers import OCT, at, call
from usage.models import Penalty, QualityHour
from usage.money_choices import PenaltyKind, PenaltyStatus
from usage.services import penalties, quality
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def platform(client):
    return make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )


def hour_of_calls(client, contract, hour: int, attempts: int, durations: list[int]):
    """``attempts`` outbound calls in the UTC hour ``hour`` of 05/10/2026, the first
    ``len(durations)`` answered with those durations."""
    for i in range(attempts):
        answered = i < len(durations)
        call(
            client,
            contract=contract,
            started_at=at(5, hour, i),
            answered=answered,
            duration=durations[i] if answered else 0,
        )


# USE-6 — hours of 05/10/2026 (UTC; Paris = UTC+2 in October):
#   10h: 10 attempts, 5 answered (5, 5, 5, 30, 20 s): ASR 50 % ≤ 60 → 10 × 0.02 = 0.20;
#        ACD 65/5 = 13 s ≤ 15 → 5 × 0.02 = 0.10; short 3/5 = 60 % ≥ 10 → 5 × 0.02 = 0.10;
#   11h: 10 attempts, 10 answered 60 s each: no penalty;
#   12h: 10 attempts, 6 answered 16 s: ASR exactly 60 % (must stay above) → 0.20; ACD 16 s ok;
#   13h: 10 attempts, 7 answered 15 s: ASR 70 % ok; ACD exactly 15 s → 7 × 0.02 = 0.14;
#   14h: 10 attempts, 10 answered (one 7 s, nine 60 s): short exactly 10 % → 10 × 0.02 = 0.20.
# Total 0.20 + 0.10 + 0.10 + 0.20 + 0.14 + 0.20 = 0.94 € on October's penalty invoice (VAT "O").
def test_use6_an_hour_breaching_each_metric():
    client = customer()
    contract = platform(client)
    hour_of_calls(client, contract, 10, 10, [5, 5, 5, 30, 20])
    hour_of_calls(client, contract, 11, 10, [60] * 10)
    hour_of_calls(client, contract, 12, 10, [16] * 6)
    hour_of_calls(client, contract, 13, 10, [15] * 7)
    hour_of_calls(client, contract, 14, 10, [7] + [60] * 9)

    after_rating(keys=[(client.pk, OCT)])  # what each rating pass triggers: seen as it goes
    rows = {r.hour.hour: r for r in QualityHour.objects.filter(client=client)}
    assert (rows[10].asr, rows[10].acd, rows[10].short_rate) == (
        Decimal(50),
        Decimal(13),
        Decimal(60),
    )
    assert {h: r.penalty for h, r in rows.items()} == {
        10: Decimal("0.40"),
        11: Decimal("0"),
        12: Decimal("0.20"),
        13: Decimal("0.14"),
        14: Decimal("0.20"),
    }

    billing.run_month_sync(month=OCT)

    extra = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    lines = list(extra.lines.order_by("position"))
    assert {line.vat_category for line in lines} == {"O"}
    assert extra.total_net == Decimal("0.94") and extra.total_vat == Decimal("0.00")
    assert sorted((line.quantity, line.net_amount) for line in lines) == [
        (Decimal(5), Decimal("0.10")),
        (Decimal(5), Decimal("0.10")),
        (Decimal(7), Decimal("0.14")),
        (Decimal(10), Decimal("0.20")),
        (Decimal(10), Decimal("0.20")),
        (Decimal(10), Decimal("0.20")),
    ]
    # The hour shown in Paris time (10h UTC = 12h–13h in October) and the metric.
    asr_10 = next(line for line in lines if "ASR 50,0\u00a0%" in line.description)
    assert "05/10/2026 12h–13h" in asr_10.description
    # The regular invoice carries no penalty (BR-O-11: "O" never beside "S").
    regular = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    assert not regular.lines.filter(kind="penalty").exists()
    assert fatal(build_cii_xml(extra)) == []
    # The run is idempotent: running again posts no second penalty.
    assert quality.post_penalties(month=OCT) == 0
    assert PendingCharge.objects.filter(source_type="usage_quality").count() == 6


# USE-6 and late records (BIL-1): after October's run billed the 10h hour of 05/10 (10 attempts,
# 5 answered: ASR 50 % → 10 × 0.02 = 0.20), two unanswered attempts of that hour arrive late:
# 12 attempts, ASR 5/12 = 41.7 % → 12 × 0.02 = 0.24, 0.20 billed already. November's run
# bills the difference, 2 × 0.02 = 0.04, on its own "O" invoice naming the October hour; the
# ACD and short-call penalties (5 answered calls, unchanged) are not billed again; October's
# issued invoice is unchanged.
def test_use6_late_records_add_to_a_billed_hour():
    from tests.usage.money_helpers import NOV

    client = customer()
    contract = platform(client)
    hour_of_calls(client, contract, 10, 10, [5, 5, 5, 30, 20])
    billing.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    assert october.total_net == Decimal("0.40")
    for second in (50, 51):
        call(
            client, contract=contract, started_at=at(5, 10, 30, second), answered=False,
            duration=0, late=True,
        )  # fmt: skip
    after_rating(keys=[(client.pk, OCT)])
    billing.run_month_sync(month=NOV)

    november = Invoice.objects.get(client=client, month=NOV, purpose=InvoicePurpose.LATE_CHARGES)
    [line] = november.lines.all()
    assert (line.quantity, line.net_amount, line.vat_category) == (Decimal(2), Decimal("0.04"), "O")
    assert "ASR 41,7\u00a0%, 05/10/2026 12h–13h" in line.description
    october.refresh_from_db()
    assert october.total_net == Decimal("0.40") and october.lines.count() == 3


def test_use6_penalties_for_pure():
    # USE-6 — an hour without any answered call: only the ASR counts (10 attempts → 0.20).
    assert quality.penalties_for(10, 0, 0, 0) == {"asr": Decimal("0.20")}
    # 61 % of 100 attempts, 61 answered of 16 s, 6 short (9.8 %): nothing.
    assert quality.penalties_for(100, 61, 61 * 16, 6) == {}


# USE-6 — only PLATFORM traffic is measured (a HOSTED-A customer's bad hour costs nothing).
def test_use6_other_offers_not_measured():
    client = customer()
    contract = make_contract(client, "hosted-a")
    hour_of_calls(client, contract, 10, 10, [])
    assert quality.quality_compute(month=OCT) == 0


# USE-7 — a regulator breach (10 000 €) and three 33700 reports (3 × 200 = 600 €), with their
# evidence: October's penalty invoice, category "O", 10 600.00 € HT, 0 VAT; it passes EN 16931.
def test_use7_staff_penalties_with_evidence(admin_user):
    client = customer()
    platform(client)
    regulator = penalties.penalty_record(
        client=client,
        kind=PenaltyKind.REGULATOR,
        occurred_on=date(2026, 10, 12),
        evidence_note="Décision ARCEP n° 2026-1234",
        actor=admin_user,
    )
    reports = penalties.penalty_record(
        client=client,
        kind=PenaltyKind.REPORT_33700,
        quantity=3,
        occurred_on=date(2026, 10, 20),
        evidence_note="Tickets 33700 n° 1, 2, 3",
        actor=admin_user,
    )
    assert (regulator.amount, reports.amount) == (Decimal("10000.00"), Decimal("600.00"))

    billing.run_month_sync(month=OCT)

    extra = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    assert (extra.total_net, extra.total_vat, extra.total_gross) == (
        Decimal("10600.00"),
        Decimal("0.00"),
        Decimal("10600.00"),
    )
    assert fatal(build_cii_xml(extra)) == []

    # Cancelled after invoicing: a credit note "O" of 600.00 correcting that invoice.
    note = penalties.penalty_cancel(penalty=reports, reason="Tickets contestés", actor=admin_user)
    assert note.corrects == extra and note.total_net == Decimal("600.00")
    assert {line.vat_category for line in note.lines.all()} == {"O"}
    reports.refresh_from_db()
    assert reports.status == PenaltyStatus.CANCELLED


# USE-7 — a penalty cancelled before invoicing withdraws its charge; the evidence is required;
# amounts come from the contract, not from the form (consumer complaint: 200 €). The abusive
# ticket penalty is charged from its ticket (SLA-11), not here: no second charge for one ticket.
def test_use7_cancel_before_invoicing_and_validation(admin_user):
    client = customer()
    platform(client)
    penalty = penalties.penalty_record(
        client=client,
        kind=PenaltyKind.CONSUMER_COMPLAINT,
        occurred_on=date(2026, 10, 12),
        evidence_note="Plainte DGCCRF n° 42",
        actor=admin_user,
    )
    assert PendingCharge.objects.get(source_type="usage_penalty").unit_price == Decimal("200")
    assert penalties.penalty_cancel(penalty=penalty, reason="Erreur", actor=admin_user) is None
    assert not PendingCharge.objects.filter(source_type="usage_penalty").exists()
    with pytest.raises(ValidationError):
        penalties.penalty_record(
            client=client,
            kind=PenaltyKind.UNAUTHORISED_CLI,
            occurred_on=date(2026, 10, 12) + timedelta(days=1),
            evidence_note="  ",
        )
    with pytest.raises(ValidationError) as error:
        penalties.penalty_record(
            client=client,
            kind=PenaltyKind.ABUSIVE_TICKET,
            occurred_on=date(2026, 10, 12),
            evidence_note="Ticket T-42: incident causé par le client",
        )
    assert "SLA-11" in error.value.message_dict["kind"][0]
    assert Penalty.objects.count() == 1


# USE-7 — the penalties of PLATFORM 27 (regulator breach 10 000 €, 33700 report 200 €,
# unauthorised CLI 2 000 €, consumer complaint 200 €, judicial requisition 200 €) are clauses of
# the voice platform's contract only: the HOSTED-W, HOSTED-A, TRUNK and SIP-UNL contracts state
# no penalty of the kind (as SLA-11 for the abusive ticket). Before, staff could record 10 000 €
# on a HOSTED-A contract, or 200 € on a customer holding no PLATFORM contract. Now refused with
# the reason, nothing written (no penalty, no charge); on a PLATFORM contract, or without a
# contract for a customer that holds one, recorded as before (200.00).
@pytest.mark.parametrize("offer_code", ["hosted-w", "hosted-a", "trunk", "sip-unl"])
def test_use7_penalties_refused_outside_platform(admin_user, offer_code):
    client = customer()
    other = make_contract(client, offer_code)
    with pytest.raises(ValidationError) as refused:
        penalties.penalty_record(
            client=client, contract=other, kind=PenaltyKind.REGULATOR,
            occurred_on=date(2026, 10, 12), evidence_note="Décision ARCEP", actor=admin_user,
        )  # fmt: skip
    assert "PLATFORM 27" in refused.value.message_dict["contract"][0]
    with pytest.raises(ValidationError) as refused:
        penalties.penalty_record(
            client=client, kind=PenaltyKind.CONSUMER_COMPLAINT,
            occurred_on=date(2026, 10, 12), evidence_note="Plainte n° 1", actor=admin_user,
        )  # fmt: skip
    assert "PLATFORM 27" in refused.value.message_dict["client"][0]
    assert not Penalty.objects.exists() and not PendingCharge.objects.exists()

    voice = platform(client)
    for contract in (voice, None):
        penalty = penalties.penalty_record(
            client=client, contract=contract, kind=PenaltyKind.CONSUMER_COMPLAINT,
            occurred_on=date(2026, 10, 12), evidence_note=f"Plainte {contract}", actor=admin_user,
        )  # fmt: skip
        assert penalty.amount == Decimal("200.00")
    assert PendingCharge.objects.filter(source_type="usage_penalty").count() == 2


# USE-6 — a recomputed month holds exactly the hours its calls give: before invoicing, the 10h
# hour of 05/10 (10 attempts, 5 answered: 0.40 €) was measured, then its calls turned out to be
# refused by the platform (blocked, TRK-6: a re-rating says so) and the 11h hour's were removed.
# Both rows go, and October's run bills no penalty (0.00 €, no "O" invoice). A stale row kept
# its 0.40 € and the run billed it for calls the customer never handed over.
def test_use6_recompute_drops_hours_left_without_measured_calls():
    from usage.models import CallRecord

    client = customer()
    contract = platform(client)
    hour_of_calls(client, contract, 10, 10, [5, 5, 5, 30, 20])
    hour_of_calls(client, contract, 11, 4, [])  # ASR 0 % → 4 × 0.02 = 0.08
    hour_of_calls(client, contract, 13, 10, [60] * 10)  # no penalty, stays
    after_rating(keys=[(client.pk, OCT)])
    assert sorted(r.hour.hour for r in QualityHour.objects.filter(client=client)) == [10, 11, 13]

    hour = {"started_at__gte": at(5, 10), "started_at__lt": at(5, 11)}
    CallRecord.objects.filter(client=client, **hour).update(blocked=True)
    hour = {"started_at__gte": at(5, 11), "started_at__lt": at(5, 12)}
    CallRecord.objects.filter(client=client, **hour).delete()
    assert quality.quality_compute(month=OCT, client_ids=[client.pk]) == 1
    assert [r.hour.hour for r in QualityHour.objects.filter(client=client)] == [13]
    # idempotent: the same calls give the same rows
    assert quality.quality_compute(month=OCT) == 1
    assert QualityHour.objects.filter(client=client).count() == 1

    billing.run_month_sync(month=OCT)
    assert not PendingCharge.objects.filter(source_type="usage_quality").exists()
    assert not Invoice.objects.filter(client=client, purpose=InvoicePurpose.LATE_CHARGES).exists()


# USE-6 / BIL-9 — an invoiced penalty whose hour is gone: October's run billed the 10h hour of
# 05/10 (ASR 50 % → 10 × 0.02 = 0.20, ACD 13 s → 5 × 0.02 = 0.10, short 60 % → 0.10: 0.40 €
# on the "O" invoice). Its calls then turn out refused by the platform: the hour measures
# nothing, so November's run credits the 0.40 € on a credit note correcting October's penalty
# invoice (three lines, one per invoice line: 0.20 + 0.10 + 0.10), October's invoice unchanged.
# Running again credits nothing more; were the calls measured again (the block lifted by a
# re-rating), December's run would bill the 0.40 € again on a line of its own.
def test_use6_invoiced_penalty_of_a_vanished_hour_credited():
    from tests.usage.money_helpers import DEC, NOV
    from usage.models import CallRecord

    client = customer()
    contract = platform(client)
    hour_of_calls(client, contract, 10, 10, [5, 5, 5, 30, 20])
    billing.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    assert october.total_net == Decimal("0.40")

    CallRecord.objects.filter(client=client).update(blocked=True)
    after_rating(keys=[(client.pk, OCT)])
    assert not QualityHour.objects.filter(client=client).exists()
    billing.run_month_sync(month=NOV)

    [note] = Invoice.objects.filter(client=client, kind="credit_note")
    assert note.corrects_id == october.pk
    assert note.total_net == Decimal("0.40") and note.total_vat == Decimal("0.00")
    assert sorted(line.net_amount for line in note.lines.all()) == [
        Decimal("0.10"),
        Decimal("0.10"),
        Decimal("0.20"),
    ]
    october.refresh_from_db()
    assert october.total_net == Decimal("0.40") and october.lines.count() == 3
    assert quality.post_penalties(month=OCT, recompute=False) == 0
    assert Invoice.objects.filter(client=client, kind="credit_note").count() == 1

    CallRecord.objects.filter(client=client).update(blocked=False)
    after_rating(keys=[(client.pk, OCT)])
    billing.run_month_sync(month=DEC)
    december = Invoice.objects.get(client=client, month=DEC, purpose=InvoicePurpose.LATE_CHARGES)
    assert december.total_net == Decimal("0.40")


# USE-6 — a penalty posted but not invoiced (the run's batch of that customer failed) whose hour
# is then gone is withdrawn by the next preparation, never invoiced.
def test_use6_pending_penalty_of_a_vanished_hour_withdrawn():
    from usage.models import CallRecord

    client = customer()
    contract = platform(client)
    hour_of_calls(client, contract, 10, 4, [])  # ASR 0 % → 4 × 0.02 = 0.08
    assert quality.post_penalties(month=OCT) == 1
    CallRecord.objects.filter(client=client).update(blocked=True)
    assert quality.post_penalties(month=OCT) == 0
    assert not PendingCharge.objects.filter(source_type="usage_quality").exists()
