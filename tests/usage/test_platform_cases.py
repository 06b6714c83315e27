"""Independent cases of USE-4 (hosted fair use), OPT / USE-5 (platform options and limits),
USE-6 (traffic quality penalties) and USE-7 (staff penalties): cases the other usage tests do
not show — Paris month edges, several users of one customer, what does not take a slot,
breaches found after invoicing, limit and quality hours at the month's edge, penalties after the
run.

Seeded grid (usage migration 0004): France fixed 0.0120 €/min 1/1, France mobile 0.0450 1/1,
United Kingdom fixed 0.0200 1/1, Morocco mobile 0.4500 60/60, shared cost (084) 0.0900 60/60
minimum 60. October 2026 is UTC+2 in Paris until Sunday 25 October 01:00 UTC, UTC+1 after."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import Invoice, InvoicePurpose, PendingCharge
from numbering.models import PhoneNumber
from telephony import services as telephony
from telephony.models import SipDevice
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    limit_rows,
    option,
    platform_with,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord, FairUseBreach

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fixed(n: int, base: int = 14) -> str:
    return f"+33{base}{n:07d}"


def numbers(sip, n, *, first=0, base=14, duration=30, start=None):
    """``n`` answered 30 s calls to distinct French fixed numbers, one a minute."""
    start = start or at(2, 8)
    return [
        row(sip, fixed(first + i, base), start=start + seconds(60 * i), duration=duration)
        for i in range(n)
    ]


def breach_of(sip, month=OCT):
    return FairUseBreach.objects.filter(sip_account=sip, month=month).first()


def codes(sip, month=OCT):
    breach = breach_of(sip, month)
    return [r["code"] for r in breach.reasons] if breach else []


def cost_of(sip, month=None):
    qs = CallRecord.objects.filter(sip_account_id=sip.pk)
    if month is not None:
        qs = qs.filter(billing_month=month)
    return sum((c.cost for c in qs), Decimal(0))


# --- USE-4: what takes a slot among the 150 ------------------------------------------------


# USE-4 (HOSTED-A 7 "plus de 150 numéros différents"; rules: answered, > 0 s, outbound or
# forwarded, not on-net, not emergency, not blocked — destinations included or not). 149 French
# fixed numbers + a Moroccan mobile (not included: billed at its tariff, 61 s → 120 s × 0.45 /
# 60 = 0.9000) = 150 distinct numbers. Taking no slot: a second call to the first number, a
# number of ours (on-net), 112, an inbound call, an unanswered call, an answered 0 s call and a
# premium-rate 089 call (blocked by default). No breach, 0.9000 €.
# A 151st number breaks it; per minute: 150 calls of 30 s → 60 s × 0.012 / 60 = 0.012 each
# (149 first calls + the repeat) = 1.8000, the new one 0.012, Morocco 0.9000 (60/60 already):
# 2.7120; on-net, 112, inbound, unanswered, 0 s and blocked stay at 0.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_what_takes_no_slot_among_the_150(offer):
    sip = account(offer)
    PhoneNumber.objects.create(
        e164="+33199990000", number_type="geographic", state="assigned", client=customer()
    )
    run_import(
        numbers(sip, 149)
        + [
            row(sip, "+212612345678", start=at(3, 8), duration=61),
            row(sip, fixed(0), start=at(3, 9), duration=30),
            row(sip, "+33199990000", start=at(3, 10), duration=60),
            row(sip, "112", start=at(3, 11), duration=60),
            row(sip, "+33145000001", start=at(3, 12), duration=60, call_type="inbound"),
            row(sip, "+33145000002", start=at(3, 13), duration=0, answered=False),
            row(sip, "+33145000003", start=at(3, 14), duration=0),
            row(sip, "0899123456", start=at(3, 15), duration=60),
        ]
    )
    assert codes(sip) == []
    assert cost_of(sip) == Decimal("0.9000")
    assert max(c.slot or 0 for c in calls()) == 150

    run_import([row(sip, "+33145000004", start=at(4, 8), duration=30)])
    assert codes(sip) == ["distinct_numbers"]
    assert breach_of(sip).reasons[0]["value"] == 151
    assert cost_of(sip) == Decimal("2.7120")
    # on-net, 112, inbound, unanswered, 0 s and blocked: the only calls left at 0
    assert sum(1 for c in calls() if c.cost == 0) == 6
    assert_matches_reference()


# USE-4 counts per Paris calendar month: 30/09 22:30 UTC is 1 October 00:30 in Paris (an
# October number), 31/10 23:30 UTC is 1 November 00:30 (a November number). 149 numbers of
# 2 October + the one of 30/09 22:30 UTC = 150 in October: no breach, and the 31/10 23:30 UTC
# call does not make a 151st. A call at 31/10 22:30 UTC (23:30 in Paris, still October) does:
# October's 151 calls of 30 s are billed per minute, 151 × 0.012 = 1.8120; November's call is
# not touched (0).
def test_use4_distinct_numbers_by_paris_month_edges():
    sip = account("hosted-w")
    run_import(
        numbers(sip, 149)
        + [
            row(sip, fixed(500), start=utc(2026, 9, 30, 22, 30), duration=30),
            row(sip, fixed(501), start=utc(2026, 10, 31, 23, 30), duration=30),
        ]
    )
    edge = {c.called: c.billing_month for c in calls(called__in=[fixed(500), fixed(501)])}
    assert edge == {fixed(500): OCT, fixed(501): NOV}
    assert codes(sip) == [] and codes(sip, NOV) == []
    run_import([row(sip, fixed(502), start=utc(2026, 10, 31, 22, 30), duration=30)])
    assert codes(sip) == ["distinct_numbers"]
    assert cost_of(sip, OCT) == Decimal("1.8120")
    assert cost_of(sip, NOV) == 0 and codes(sip, NOV) == []
    assert_matches_reference()


# USE-4 per user ("un utilisateur appelle au cours du mois plus de 150 numéros différents"): two
# users of one customer calling 100 different numbers each (200 for the customer) keep the
# unlimited; 51 more numbers for the first one break only its month: 151 × 0.012 = 1.8120
# for it, the second user's 100 calls stay included (0).
def test_use4_counted_per_user_not_per_customer():
    first = account("hosted-w")
    second, _secret = telephony.sip_account_create(contract=first.contract, label="Poste 2")
    run_import(numbers(first, 100) + numbers(second, 100, first=100, start=at(2, 12)))
    assert codes(first) == [] and codes(second) == []
    run_import(numbers(first, 51, first=200, start=at(3, 8)))
    assert codes(first) == ["distinct_numbers"] and codes(second) == []
    assert cost_of(first) == Decimal("1.8120")
    assert cost_of(second) == 0
    assert_matches_reference()


# --- USE-4: forwarding, simultaneous calls, devices -----------------------------------------


# USE-4 HOSTED-W ("2h de Fair-Use pour les renvois d'appels"): 3 600 + 3 600 s answered
# forwarded in October = 7 200 s, within; an unanswered forwarded call whose record carries 500 s
# of ringing, and 600 s forwarded on 31/10 23:30 UTC (1 November in Paris) do not add to
# October. No breach, nothing billed. One forwarded second on 31/10 22:00 UTC (23:00 Paris)
# makes 7 201 s: per minute 2 × 3 600 s × 0.012 / 60 = 1.4400 + 60 s → 0.0120 = 1.4520.
def test_use4_hosted_w_forwarding_answered_seconds_of_the_paris_month():
    sip = account("hosted-w")
    run_import(
        [
            row(sip, "0123456789", start=at(2), duration=3600, call_type="forwarded"),
            row(sip, "0123456788", start=at(3), duration=3600, call_type="forwarded"),
            row(
                sip,
                "0123456787",
                start=at(4),
                duration=500,
                answered=False,
                call_type="forwarded",
            ),
            row(
                sip,
                "0123456786",
                start=utc(2026, 10, 31, 23, 30),
                duration=600,
                call_type="forwarded",
            ),
        ]
    )
    assert codes(sip) == [] and codes(sip, NOV) == []
    assert cost_of(sip) == 0
    run_import(
        [
            row(
                sip,
                "0123456785",
                start=utc(2026, 10, 31, 22),
                duration=1,
                call_type="forwarded",
            )
        ]
    )
    assert codes(sip) == ["forwarding"]
    assert breach_of(sip).reasons[0]["value"] == 7201
    assert cost_of(sip, OCT) == Decimal("1.4520")
    assert cost_of(sip, NOV) == 0
    assert_matches_reference()


# USE-4 HOSTED-W ("plus de trois appels simultanés"; rules: answered calls of any direction).
# Three outbound calls of 600 s from 09:00 and an unanswered fourth at 09:05: three at once,
# no breach. An inbound call answered at 09:06 for 60 s makes four: breach. Per minute the
# three outbound calls cost 3 × 600 s × 0.012 / 60 = 0.3600; inbound and unanswered cost 0.
def test_use4_hosted_w_simultaneous_counts_inbound_not_unanswered():
    sip = account("hosted-w")
    run_import(
        [row(sip, fixed(i), start=at(2, 9), duration=600) for i in range(3)]
        + [row(sip, fixed(3), start=at(2, 9, 5), duration=0, answered=False)]
    )
    assert codes(sip) == []
    run_import([row(sip, "+33145000009", start=at(2, 9, 6), duration=60, call_type="inbound")])
    assert codes(sip) == ["simultaneous"]
    assert breach_of(sip).reasons[0]["value"] == 4
    assert cost_of(sip) == Decimal("0.3600")
    assert_matches_reference()


# USE-4: HOSTED-A 7 has no simultaneous-call nor device criterion (HOSTED-W only): four calls
# at once and four devices of ours registered keep the unlimited (0 €).
def test_use4_hosted_a_has_no_simultaneous_nor_device_limit():
    sip = account("hosted-a")
    for i in range(4):
        SipDevice.objects.create(account=sip, device_id=f"mac-{i}", supplied_by_reseller=True)
    SipDevice.objects.update(created_at=at(1))
    run_import(
        [row(sip, fixed(i), start=at(2, 9), duration=600, device=f"mac-{i}") for i in range(4)]
    )
    assert codes(sip) == []
    assert cost_of(sip) == 0


# USE-4 HOSTED-W "plus de trois appels simultanés", at the Paris month's edge: three calls from
# 31/10 22:50 UTC (23:50 in Paris) for 20 minutes, a fourth at 31/10 23:05 UTC (1 November
# 00:05 in Paris) while they are still in progress: the user had four calls at once.
# Expected: a breach (of November, the month in which the fourth call started).
def test_use4_simultaneous_calls_across_the_month_edge():
    sip = account("hosted-w")
    run_import(
        [row(sip, fixed(i), start=utc(2026, 10, 31, 22, 50), duration=1200) for i in range(3)]
        + [row(sip, fixed(3), start=utc(2026, 10, 31, 23, 5), duration=60)]
    )
    assert FairUseBreach.objects.filter(sip_account=sip).exists()


# USE-4 HOSTED-W "a enregistré plus de trois équipements ... en simultané", at the Paris month's
# edges (rules: a device counts from its registration to the last time it was seen, clipped to
# the Paris month). Three devices registered in September and still there, a fourth last seen
# on 30/09 21:59 UTC (23:59 on 30 September in Paris) and a fifth registered on 31/10 23:00 UTC
# (1 November 00:00 in Paris): never four at once in October, no breach. The fourth last seen at
# 30/09 22:00 UTC (1 October 00:00 in Paris): four at once in October; likewise the fifth
# registered on 31/10 22:59 UTC (23:59 in Paris): breach, two calls of 61 s per minute:
# 2 × 120 s × 0.012 / 60 = 0.0480.
def test_use4_hosted_w_devices_seen_in_the_paris_month():
    def devices_of(sip, last_seen, registered):
        devices = [
            SipDevice.objects.create(account=sip, device_id=f"mac-{i}", supplied_by_reseller=True)
            for i in range(5)
        ]
        SipDevice.objects.filter(pk__in=[d.pk for d in devices]).update(
            created_at=utc(2026, 9, 15, 9)
        )
        SipDevice.objects.filter(pk=devices[3].pk).update(last_seen_at=last_seen)
        SipDevice.objects.filter(pk=devices[4].pk).update(created_at=registered)
        return sip

    def month_of(sip):
        run_import(
            [
                row(sip, "0123456789", start=at(2), duration=61, device="mac-1"),
                row(sip, "0123456788", start=at(3), duration=61, device="mac-2"),
            ]
        )
        return codes(sip), cost_of(sip)

    within = devices_of(account("hosted-w"), utc(2026, 9, 30, 21, 59), utc(2026, 10, 31, 23))
    assert month_of(within) == ([], 0)
    first = devices_of(account("hosted-w"), utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
    assert month_of(first) == (["devices"], Decimal("0.0480"))
    last = devices_of(account("hosted-w"), utc(2026, 9, 30, 21, 59), utc(2026, 10, 31, 22, 59))
    assert month_of(last) == (["devices"], Decimal("0.0480"))


# USE-4 (HOSTED-A 7: "le(s) téléphone(s) ... fourni(s) par ALLSET"): a device of ours is one of
# the account's own devices marked "supplied by us"; the same device id registered as ours on
# another user of the customer does not make it ours for this user. Calls without a device id
# prove nothing. 61 s → per minute 120 s × 0.012 / 60 = 0.0240 per call, two calls 0.0480.
def test_use4_device_supplied_is_per_account():
    sip = account("hosted-a")
    colleague, _secret = telephony.sip_account_create(contract=sip.contract, label="Poste 2")
    SipDevice.objects.create(account=colleague, device_id="mac-9", supplied_by_reseller=True)
    run_import([row(sip, "0123456789", start=at(2), duration=61)])
    assert codes(sip) == [] and cost_of(sip) == 0
    run_import([row(sip, "0123456788", start=at(3), duration=61, device="mac-9")])
    assert codes(sip) == ["third_party_device"]
    assert cost_of(sip) == Decimal("0.0480")
    assert codes(colleague) == []


# --- USE-4: what a breach bills -------------------------------------------------------------


# USE-4 ("facturée à la minute selon la tarification"): a telecom-professional customer's
# HOSTED-W user, every billable call per minute (60/60) at its own tariff:
#   French fixed 61 s → 120 s × 0.0120 / 60 = 0.0240
#   French mobile 61 s → 120 s × 0.0450 / 60 = 0.0900
#   UK fixed (an included destination) 61 s → 120 s × 0.0200 / 60 = 0.0400
#   French 09 30 s → 60 s × 0.0120 / 60 = 0.0120
#   shared cost 084, 10 s → 60 s (its minimum) × 0.0900 / 60 = 0.0900
#   Moroccan mobile 61 s → 120 s × 0.4500 / 60 = 0.9000
#   112, inbound, unanswered, on-net: 0.                                     total 1.1560
def test_use4_breach_bills_every_billable_call_per_minute_at_its_tariff():
    sip = account("hosted-w", is_telecom_professional=True)
    PhoneNumber.objects.create(
        e164="+33199990001", number_type="geographic", state="assigned", client=customer()
    )
    run_import(
        [
            row(sip, "0123456789", start=at(2, 8), duration=61),
            row(sip, "0612345678", start=at(2, 9), duration=61),
            row(sip, "+442079460958", start=at(2, 10), duration=61),
            row(sip, "0912345678", start=at(2, 11), duration=30),
            row(sip, "0840123456", start=at(2, 12), duration=10),
            row(sip, "+212612345678", start=at(2, 13), duration=61),
            row(sip, "112", start=at(2, 14), duration=61),
            row(sip, "+33145000001", start=at(2, 15), duration=61, call_type="inbound"),
            row(sip, "+33145000002", start=at(2, 16), duration=0, answered=False),
            row(sip, "+33199990001", start=at(2, 17), duration=61),
        ]
    )
    assert codes(sip) == ["telecom_professional"]
    assert [c.cost for c in calls()] == [
        Decimal(x)
        for x in ("0.0240", "0.0900", "0.0400", "0.0120", "0.0900", "0.9000", "0", "0", "0", "0")
    ]
    assert cost_of(sip) == Decimal("1.1560")
    assert_matches_reference()


# --- USE-4: a breach found after the month was invoiced --------------------------------------


def consumption_lines(client, month):
    invoice = Invoice.objects.get(client=client, month=month, purpose=InvoicePurpose.REGULAR)
    return invoice, list(invoice.lines.filter(kind="consumption").order_by("position"))


# USE-4 / BIL-1 (HOSTED-W 6.1: "le Prestataire se réserve le droit d'établir une facture
# complémentaire"; rules: the difference goes on the next run, on its own line naming the month,
# "…, reçues après facturation"). October: 150 numbers, 30 s each, included: October's invoice
# bills no consumption. A late record of October (a 151st number) opens the breach after that
# invoice: November's run bills October's 151 calls per minute, 151 × 60 s × 0.012 / 60 =
# 1.8120 → 1.81 €, on a line naming 10/2026 that says it was recorded after invoicing (even
# though October's invoice had no line for that class to revise); October's issued invoice is
# unchanged. BIL-3: each invoice's call-detail annex lists the calls it billed — October's none
# of them, November's the 151 (1.8120 €).
def test_use4_breach_after_invoicing_billed_by_the_next_run():
    from usage import selectors
    from usage.services.revisions import after_invoicing

    sip = account("hosted-w")
    client = sip.contract.client
    run_import(numbers(sip, 150))
    billing.run_month_sync(month=OCT)
    october, lines = consumption_lines(client, OCT)
    assert lines == []
    total = october.total_net

    run_import([row(sip, fixed(150), start=at(20), duration=30)], filename="late.csv")
    assert codes(sip) == ["distinct_numbers"]
    assert cost_of(sip, OCT) == Decimal("1.8120")
    billing.run_month_sync(month=NOV)

    november, lines = consumption_lines(client, NOV)
    assert [(line.net_amount, "10/2026" in line.description) for line in lines] == [
        (Decimal("1.81"), True)
    ]
    assert lines[0].description.endswith(after_invoicing(""))
    october.refresh_from_db()
    assert october.total_net == total
    assert selectors.annex_calls(invoice=october).count() == 0
    billed = list(selectors.annex_calls(invoice=november))
    assert len(billed) == 151
    assert sum(c.cost for c in billed) == Decimal("1.8120")


# USE-4 waiver after a breach billed by the next run: the credit note corrects the invoice that
# carried it — November's: 1.81 € HT + 20 % VAT 0.362 → 0.36 = 2.17 € TTC; October's (which
# billed nothing of it) is not credited. Audited once.
def test_use4_waiver_of_a_breach_billed_by_the_next_run(admin_user):
    from accounts.models import AuditLog
    from usage.services.billing import breach_waive

    sip = account("hosted-w")
    client = sip.contract.client
    run_import(numbers(sip, 150))
    billing.run_month_sync(month=OCT)
    run_import([row(sip, fixed(150), start=at(20), duration=30)], filename="late.csv")
    billing.run_month_sync(month=NOV)
    november = Invoice.objects.get(client=client, month=NOV, purpose=InvoicePurpose.REGULAR)

    [credit] = breach_waive(breach=breach_of(sip), note="Geste commercial", actor=admin_user)

    assert credit.credit_note.corrects == november
    assert (credit.credit_note.total_net, credit.credit_note.total_gross) == (
        Decimal("1.81"),
        Decimal("2.17"),
    )
    assert cost_of(sip) == 0
    assert AuditLog.objects.filter(action="usage.breach_waive", client=client).count() == 1


# USE-4 waiver per user: two breached users of a telecom-professional customer (61 s French
# fixed → 0.0240 each); waiving the first re-rates only its month (0), the second user's stays
# billed per minute (0.0240) and its breach open.
def test_use4_waiver_of_one_user_leaves_the_other_breached(admin_user):
    from usage.services.billing import breach_waive

    first = account("hosted-w", is_telecom_professional=True)
    second, _secret = telephony.sip_account_create(contract=first.contract, label="Poste 2")
    run_import(
        [
            row(first, "0123456789", start=at(2), duration=61),
            row(second, "0123456788", start=at(2), duration=61),
        ]
    )
    assert (cost_of(first), cost_of(second)) == (Decimal("0.0240"), Decimal("0.0240"))
    breach_waive(breach=breach_of(first), note="Erreur de profil", actor=admin_user)
    assert (cost_of(first), cost_of(second)) == (Decimal(0), Decimal("0.0240"))
    assert breach_of(first).status == "waived" and breach_of(second).status == "open"


# --- OPT / USE-5 -----------------------------------------------------------------------------


# OPT (PLATFORM 28: "CAPS 0 € / 150 € / lot de 10 CAPS", "Peering BGP 1000 € / 250 € / peering",
# "Réservation de capacité vocale 0 € / 30 € / 30 canaux"): options billed as lines of their
# contract. Contract started 1 October; October's run bills October and November in advance:
# per month 3 CAPS lots 3 × 150 = 450.00, 2 reservations 2 × 30 = 60.00, one BGP peering
# 250.00 (+ the platform's own 150.00); the BGP setup 1 000.00 once, no setup line for the
# 0 € NRC. Total 1 000 + 2 × (150 + 450 + 60 + 250) = 2 820.00 € HT.
def test_opt_options_billed_as_lines_of_their_contract():
    client = customer()
    platform_with(
        client,
        [option("opt-caps", 3), option("opt-capacity-reservation", 2), option("opt-bgp-peering")],
        start=OCT,
    )
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    lines = sorted(
        (line.description.split(" — ")[-1], line.quantity, line.net_amount)
        for line in invoice.lines.all()
    )
    caps = ("CAPS supplémentaires", Decimal(3), Decimal("450.00"))
    reservation = ("Réservation de capacité voix", Decimal(2), Decimal("60.00"))
    bgp = ("Peering BGP", Decimal(1), Decimal("250.00"))
    base = ("Abonnement plateforme voix", Decimal(1), Decimal("150.00"))
    setup = ("Peering BGP", Decimal(1), Decimal("1000.00"))
    assert lines == sorted([base, base, caps, caps, reservation, reservation, bgp, bgp, setup])
    assert invoice.total_net == Decimal("2820.00")


# USE-5 (PLATFORM 25 "10 appels simultanés maximum, 1 tentative d'appel par seconde"; one CAPS
# lot: 1 + 10 = 11 attempts per second). Exactly at the limits nothing is recorded: 10 answered
# calls at once on 5/10 at 10:00 UTC, 11 outbound attempts in the second 11:00:00 plus 5
# inbound calls in that second (not attempts). One more of each: 11 at once at 10:30 → a
# breach of the 10h hour (peak 11, limit 10); 12 attempts in 12:00:00 → a breach of the 12h
# hour (peak 12, limit 11).
def test_use5_limits_exactly_and_one_over():
    from tests.usage.money_helpers import call
    from usage.services import limits
    from usage.services.post_rating import after_rating

    client = customer()
    contract = platform_with(client, [option("opt-caps", 1)])
    for _ in range(10):
        call(client, contract=contract, started_at=at(5, 10), duration=600)
    for _ in range(11):
        call(client, contract=contract, started_at=at(5, 11), answered=False)
    for _ in range(5):
        call(client, contract=contract, started_at=at(5, 11), call_type="inbound", duration=5)
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == []

    for _ in range(11):
        call(client, contract=contract, started_at=at(5, 10, 30), duration=60)
    for _ in range(12):
        call(client, contract=contract, started_at=at(5, 12), answered=False)
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == [
        ("caps", at(5, 12), 12, 11),
        ("simultaneous", at(5, 10), 11, 10),
    ]
    assert limits.limits_for(client.pk, date(2026, 10, 5)) == {"simultaneous": 10, "caps": 11}


# USE-5 at the Paris month's edge: 10 calls from 31/10 22:55 UTC (23:55 in Paris, October) for
# 30 minutes (one a second), an 11th at 31/10 23:05 UTC (1 November 00:05 in Paris): 11 calls
# at once at 23:05 UTC > 10. Expected: a breach of the 23h UTC hour of 31/10, peak 11.
def test_use5_simultaneous_calls_across_the_month_edge():
    from tests.usage.money_helpers import call
    from usage.services.post_rating import after_rating

    client = customer()
    contract = platform_with(client)
    for i in range(10):  # one attempt per second: within the CAPS
        call(client, contract=contract, started_at=utc(2026, 10, 31, 22, 55, i), duration=1800)
    call(client, contract=contract, started_at=utc(2026, 10, 31, 23, 5), duration=60)
    after_rating(keys=[(client.pk, OCT), (client.pk, NOV)])
    assert limit_rows(client) == [("simultaneous", utc(2026, 10, 31, 23), 11, 10)]


# USE-5: a month is measured against the options in force on each call's day, whenever it is
# computed (rules). A CAPS lot of a contract that has since ended (terminated on 30 November,
# its lines ended that day) was in force in October: 5 attempts in one second on 10 October
# ≤ 11 are no breach, even when October is computed again in December (a late record).
def test_use5_options_of_a_since_terminated_contract_still_count_for_their_days():
    from offers.models import ContractLine
    from tests.usage.money_helpers import call
    from usage.services import limits

    client = customer()
    contract = platform_with(client, [option("opt-caps", 1)])
    for _ in range(5):
        call(client, contract=contract, started_at=at(10, 11), answered=False)
    assert limits.limits_compute(client_id=client.pk, month=OCT) == []
    # what termination_apply leaves: the lines ended on the effective date, the contract ended
    ContractLine.objects.filter(contract=contract).update(ended_on=date(2026, 11, 30))
    type(contract).objects.filter(pk=contract.pk).update(status="terminated")
    assert limits.limits_compute(client_id=client.pk, month=OCT) == []


# USE-5 "per customer" for a PLATFORM customer: PLATFORM 25 is a clause of the platform
# contract. The same customer's SIP trunk (TRUNK contract, 30 channels bought) carrying 12
# calls at once is within what it bought: no platform limit breach is shown.
def test_use5_only_the_platform_contracts_traffic_counts():
    from tests.telephony.factories import make_trunk
    from tests.usage.money_helpers import call
    from usage.services.post_rating import after_rating

    client = customer()
    platform_with(client)
    trunk = make_trunk(client, channels=30)
    for i in range(12):  # one a second: 12 at once from 10:00:11
        call(client, trunk=trunk, contract=trunk.contract, started_at=at(5, 10, 0, i), duration=600)
    after_rating(keys=[(client.pk, OCT)])
    assert limit_rows(client) == []


# --- USE-6 -----------------------------------------------------------------------------------


def penalty_invoice(client, month):
    return Invoice.objects.filter(
        client=client, month=month, purpose=InvoicePurpose.LATE_CHARGES
    ).first()


def hour(client, contract, start, attempts, durations, **kwargs):
    """``attempts`` outbound calls from ``start``, one a minute, the first ``len(durations)``
    answered with those durations."""
    from tests.usage.money_helpers import call

    for i in range(attempts):
        answered = i < len(durations)
        call(
            client,
            contract=contract,
            started_at=start + seconds(60 * i),
            answered=answered,
            duration=durations[i] if answered else 0,
            **kwargs,
        )


# USE-6 (PLATFORM 26-27: "0,02 € / appel par heure en dessous du taux visé"), UTC hours shown in
# Paris time, each in its Paris month:
#   30/09 22h UTC = 01/10 00h–01h in Paris (October): 10 attempts, 5 answered of 60 s: ASR 50 %
#     → 10 × 0.02 = 0.20;
#   25/10 01h UTC = 02h–03h in Paris after the clocks went back (UTC+1): 5 attempts answered of
#     10 s: ACD 10 s → 5 × 0.02 = 0.10 (10 s is not a short call: < 8 s);
#   31/10 23h UTC = 01/11 00h–01h in Paris (November): 4 attempts, none answered: ASR 0 % →
#     4 × 0.02 = 0.08, on November's run, not October's.
# October's penalty invoice: 0.30 € ("O", no VAT); November's: 0.08 €.
def test_use6_hours_in_their_paris_month_named_in_paris_time():
    client = customer()
    contract = platform_with(client)
    hour(client, contract, utc(2026, 9, 30, 22), 10, [60] * 5)
    hour(client, contract, utc(2026, 10, 25, 1), 5, [10] * 5)
    hour(client, contract, utc(2026, 10, 31, 23), 4, [])

    billing.run_month_sync(month=OCT)
    october = penalty_invoice(client, OCT)
    lines = sorted((line.net_amount, line.description) for line in october.lines.all())
    assert [amount for amount, _d in lines] == [Decimal("0.10"), Decimal("0.20")]
    # the hour from 02h to 03h ran twice that night: this one is the second, in winter time
    assert "ACD 10,0\u00a0s, 25/10/2026 02h–03h, heure d'hiver (heure de Paris)" in lines[0][1]
    assert "ASR 50,0\u00a0%, 01/10/2026 00h–01h (heure de Paris)" in lines[1][1]
    assert (october.total_net, october.total_vat) == (Decimal("0.30"), Decimal("0.00"))
    assert {line.vat_category for line in october.lines.all()} == {"O"}

    billing.run_month_sync(month=NOV)
    [line] = penalty_invoice(client, NOV).lines.all()
    assert (line.quantity, line.net_amount) == (Decimal(4), Decimal("0.08"))
    assert "ASR 0,0\u00a0%, 01/11/2026 00h–01h" in line.description


# USE-6 "per customer per hour of outbound traffic": one customer's two PLATFORM contracts make
# one hour — 3 answered calls of 60 s on the first, 3 unanswered attempts on the second: 6
# attempts, ASR 3/6 = 50 % → one line, 6 × 0.02 = 0.12. Inbound calls (10 unanswered) and
# trial traffic (10 unanswered attempts, CON-7) of that hour do not count. Another customer's
# hour (10 answered of 60 s) costs nothing.
def test_use6_one_hour_per_customer_outbound_non_trial():
    client, other = customer(), customer()
    first, second = platform_with(client), platform_with(client)
    hour(client, first, at(5, 10), 3, [60] * 3)
    hour(client, second, at(5, 10, 3), 3, [])
    hour(client, second, at(5, 10, 10), 10, [], call_type="inbound")
    hour(client, second, at(5, 10, 20), 10, [], trial=True)
    hour(other, platform_with(other), at(5, 10), 10, [60] * 10)

    billing.run_month_sync(month=OCT)

    [line] = penalty_invoice(client, OCT).lines.all()
    assert (line.quantity, line.unit_price, line.net_amount) == (
        Decimal(6),
        Decimal("0.0200"),
        Decimal("0.12"),
    )
    assert "ASR 50,0\u00a0%" in line.description
    assert penalty_invoice(other, OCT) is None


# --- USE-7 -----------------------------------------------------------------------------------


# USE-7 (PLATFORM 27: "CLI non autorisée 2000 €", "Réquisition judiciaire 200 €"), outside the
# scope of VAT whatever the customer's VAT regime: a reverse-charge (intra-EU) customer gets
# 2 × 2 000 + 3 × 200 = 4 600.00 € on its penalty invoice, category "O" (not "AE"), VAT 0.00;
# its regular invoice carries no penalty. Quantity 0 and another customer's contract refused.
def test_use7_amounts_and_vat_category_for_any_regime(admin_user):
    from django.core.exceptions import ValidationError

    from usage.money_choices import PenaltyKind
    from usage.services import penalties

    client = customer(vat_regime="reverse_charge")
    contract = platform_with(client)
    cli = penalties.penalty_record(
        client=client, contract=contract, kind=PenaltyKind.UNAUTHORISED_CLI, quantity=2,
        occurred_on=date(2026, 10, 7), evidence_note="CLI +33100000000 non câblée",
        actor=admin_user,
    )  # fmt: skip
    judicial = penalties.penalty_record(
        client=client, kind=PenaltyKind.JUDICIAL_REQUISITION, quantity=3,
        occurred_on=date(2026, 10, 8), evidence_note="Réquisitions n° 7, 8, 9", actor=admin_user,
    )  # fmt: skip
    assert (cli.amount, judicial.amount) == (Decimal("4000.00"), Decimal("600.00"))
    with pytest.raises(ValidationError):
        penalties.penalty_record(
            client=client, kind=PenaltyKind.CONSUMER_COMPLAINT, quantity=0,
            occurred_on=date(2026, 10, 9), evidence_note="Plainte",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        penalties.penalty_record(
            client=client, contract=platform_with(customer()),
            kind=PenaltyKind.CONSUMER_COMPLAINT, occurred_on=date(2026, 10, 9),
            evidence_note="Plainte",
        )  # fmt: skip

    billing.run_month_sync(month=OCT)

    extra = penalty_invoice(client, OCT)
    assert (extra.total_net, extra.total_vat, extra.total_gross) == (
        Decimal("4600.00"),
        Decimal("0.00"),
        Decimal("4600.00"),
    )
    assert {line.vat_category for line in extra.lines.all()} == {"O"}
    regular = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    assert not regular.lines.filter(kind="penalty").exists()


# USE-7 / BIL-1: a penalty noted on 20 October but entered after October's run goes on the next
# run's penalty invoice (November's: 200.00 €), October's issued invoices are not touched; one
# noted on 2 December waits for December's run.
def test_use7_penalty_entered_after_the_run_goes_on_the_next(admin_user):
    from usage.money_choices import PenaltyKind
    from usage.services import penalties

    client = customer()
    platform_with(client)
    billing.run_month_sync(month=OCT)
    assert penalty_invoice(client, OCT) is None
    october = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    total = october.total_net
    penalties.penalty_record(
        client=client, kind=PenaltyKind.REPORT_33700, occurred_on=date(2026, 10, 20),
        evidence_note="Ticket 33700 n° 12", actor=admin_user,
    )  # fmt: skip
    penalties.penalty_record(
        client=client, kind=PenaltyKind.CONSUMER_COMPLAINT, occurred_on=date(2026, 12, 2),
        evidence_note="Plainte n° 3", actor=admin_user,
    )  # fmt: skip

    billing.run_month_sync(month=NOV)

    [line] = penalty_invoice(client, NOV).lines.all()
    assert (line.net_amount, line.vat_category) == (Decimal("200.00"), "O")
    assert "20/10/2026" in line.description
    october.refresh_from_db()
    assert october.total_net == total and penalty_invoice(client, OCT) is None
    waiting = PendingCharge.objects.get(source_type="usage_penalty", invoice_line__isnull=True)
    assert waiting.unit_price == Decimal("200.00") and waiting.period_start == date(2026, 12, 2)
