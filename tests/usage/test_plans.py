"""USE-4: the hosted unlimited plans, one test per row and column of the issue's table, through
the real import and the SQL engine, each checked against the Python reference too.

Seeded grid: France fixed 0.0120 €/min 1/1; France mobile 0.0450 1/1; shared cost (084) 0.0900
60/60 min 60; Morocco mobile 0.4500 60/60. On a breach every billable call of the user's month
is billed per minute (60/60) at its tariff."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from equipment.models import Item
from telephony.models import SipDevice
from tests.equipment.factories import make_model, sell
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    account,
    assert_matches_reference,
    at,
    calls,
    row,
    run_import,
    seconds,
)
from usage.models import CallRecord, FairUseBreach, Tariff
from usage.services.rating import rerate_month

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


def fixed(n: int) -> str:
    return f"+3314{n:07d}"


def distinct_calls(sip, n, *, duration=30, start=None):
    start = start or at(2, 8)
    return [row(sip, fixed(i), start=start + seconds(60 * i), duration=duration) for i in range(n)]


def breach_codes(sip):
    breach = FairUseBreach.objects.filter(sip_account=sip, month=OCT).first()
    return [r["code"] for r in breach.reasons] if breach else []


def month_cost(sip):
    return sum(c.cost for c in CallRecord.objects.filter(sip_account_id=sip.pk))


# USE-4 HOSTED-W, "included": French fixed, 09 (our choice: included, HOSTED-W 6.1 lists "01 …
# 05 et 09"), mobiles, forwarded calls and the listed destinations (UK fixed) cost nothing; a
# Moroccan mobile (not listed) 61 s → 120 s × 0.45 / 60 = 0.9000; a shared-cost 084 number
# 61 s → 120 s × 0.09 / 60 = 0.1800. Total 1.0800, no breach.
def test_use4_hosted_w_included_and_not_included():
    sip = account("hosted-w")
    run_import(
        [
            row(sip, "0123456789", duration=600),
            row(sip, "0912345678", start=at(1, 10), duration=600),
            row(sip, "0612345678", start=at(1, 11), duration=600),
            row(sip, "+442079460958", start=at(1, 12), duration=600),
            row(sip, "0612345679", start=at(1, 13), duration=600, call_type="forwarded"),
            row(sip, "+212612345678", start=at(1, 14), duration=61),
            row(sip, "0840123456", start=at(1, 15), duration=61),
        ]
    )
    assert [c.included for c in calls()] == [True] * 5 + [False] * 2
    assert month_cost(sip) == Decimal("1.0800")
    assert breach_codes(sip) == []
    assert_matches_reference()


# USE-4 "> 150 distinct numbers" (both plans): 150 numbers is fair use; the 151st breaks it and
# the whole month is re-rated per minute: 151 calls of 30 s → 60 s × 0.012 / 60 = 0.012 each,
# 151 × 0.012 = 1.8120. An unanswered call to a 152nd number takes no slot.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_more_than_150_distinct_numbers(offer):
    sip = account(offer)
    run_import(
        distinct_calls(sip, 150) + [row(sip, fixed(999), start=at(3), answered=False, duration=0)]
    )
    assert breach_codes(sip) == [] and month_cost(sip) == 0
    assert max(c.slot or 0 for c in calls()) == 150
    run_import([row(sip, fixed(150), start=at(4), duration=30)])
    assert breach_codes(sip) == ["distinct_numbers"]
    assert FairUseBreach.objects.get(sip_account=sip).reasons[0]["value"] == 151
    assert month_cost(sip) == Decimal("1.8120")
    assert all(c.breach and not c.included for c in calls(answered=True))
    assert_matches_reference()


# USE-4 HOSTED-W "forwarding > 2 h": 2 × 3600 s forwarded = 7200 s is within the fair use; one
# more forwarded second breaks it: per minute, 3600 s × 0.012 / 60 = 0.72 twice, 1 s → 60 s =
# 0.012: 1.4520. HOSTED-A: forwarded calls are simply billed at the tariff (1/1): 3600 s ×
# 0.012 / 60 = 0.72 each, 1 s → 0.0002 — 1.4402, and no breach.
@pytest.mark.parametrize(
    "offer,codes,total",
    [("hosted-w", ["forwarding"], "1.4520"), ("hosted-a", [], "1.4402")],
)
def test_use4_forwarding(offer, codes, total):
    sip = account(offer)
    forwarded = [
        row(sip, "0123456789", start=at(2), duration=3600, call_type="forwarded"),
        row(sip, "0123456788", start=at(3), duration=3600, call_type="forwarded"),
    ]
    run_import(forwarded)
    assert breach_codes(sip) == []
    run_import([row(sip, "0123456787", start=at(4), duration=1, call_type="forwarded")])
    assert breach_codes(sip) == codes
    assert month_cost(sip) == Decimal(total)
    assert_matches_reference()


# USE-4 HOSTED-W "> 3 simultaneous calls": three 600 s calls from 09:00 and a fourth starting
# at 09:10:00 sharp, when they end, never make 4 at once; a call at 09:05 does. Per minute:
# four 600 s calls = 4 × 0.12 = 0.48, the 09:05 one (60 s) = 0.012: 0.4920.
def test_use4_hosted_w_simultaneous_calls():
    sip = account("hosted-w")
    run_import(
        [row(sip, fixed(i), start=at(2, 9), duration=600) for i in range(3)]
        + [row(sip, fixed(3), start=at(2, 9, 10), duration=600)]
    )
    assert breach_codes(sip) == []
    run_import([row(sip, fixed(4), start=at(2, 9, 5), duration=60)])
    assert breach_codes(sip) == ["simultaneous"]
    assert month_cost(sip) == Decimal("0.4920")
    assert_matches_reference()


# USE-4 HOSTED-W "> 3 devices registered at once": three devices are fine, a fourth registered
# while they are all there breaks it (no registration log: a device counts from its
# registration to the last time it was seen, or on while never seen).
def test_use4_hosted_w_devices():
    sip = account("hosted-w")
    for i in range(3):
        SipDevice.objects.create(account=sip, device_id=f"mac-{i}", supplied_by_reseller=True)
    SipDevice.objects.update(created_at=at(1))  # registered in October
    run_import([row(sip, "0123456789", duration=61, device="mac-0")])
    assert breach_codes(sip) == [] and month_cost(sip) == 0
    SipDevice.objects.create(
        account=sip, device_id="mac-3", supplied_by_reseller=True, last_seen_at=timezone.now()
    )
    SipDevice.objects.update(created_at=at(1))  # all registered in October
    run_import([row(sip, "0123456780", start=at(5), duration=61, device="mac-3")])
    assert breach_codes(sip) == ["devices"]
    # 2 calls of 61 s → 120 s × 0.012 / 60 = 0.024 each
    assert month_cost(sip) == Decimal("0.0480")
    assert_matches_reference()


# USE-4 HOSTED-W "a enregistré plus de trois équipements ... en simultané": a desk phone
# replaced in the month (last seen 9 October 18:00, its replacement — an RMA's, say —
# registered on 10 October 9:00) never makes four devices at once with the user's two others:
# no breach, two 61 s calls to French fixed numbers stay free (before: four devices "in the
# month" → a breach, every call per minute: 2 × 120 s × 0.012 / 60 = 0.0480). A fourth device
# registered while the three others are still seen is four at once: the breach stands.
def test_use4_hosted_w_devices_replaced_in_the_month_are_not_simultaneous():
    sip = account("hosted-w")
    devices = [
        SipDevice.objects.create(account=sip, device_id=f"mac-{i}", supplied_by_reseller=True)
        for i in range(4)
    ]
    SipDevice.objects.filter(pk__in=[d.pk for d in devices[:3]]).update(created_at=at(1))
    SipDevice.objects.filter(pk=devices[0].pk).update(last_seen_at=at(9, 18))
    SipDevice.objects.filter(pk=devices[3].pk).update(created_at=at(10, 9), last_seen_at=at(20))
    run_import(
        [
            row(sip, "0123456789", start=at(2), duration=61, device="mac-0"),
            row(sip, "0123456780", start=at(12), duration=61, device="mac-3"),
        ]
    )
    assert breach_codes(sip) == [] and month_cost(sip) == 0
    assert_matches_reference()

    other = account("hosted-w")
    devices = [
        SipDevice.objects.create(account=other, device_id=f"mac-{i}", supplied_by_reseller=True)
        for i in range(4)
    ]
    SipDevice.objects.filter(pk__in=[d.pk for d in devices[:3]]).update(created_at=at(1))
    SipDevice.objects.filter(pk=devices[0].pk).update(last_seen_at=at(10, 9))  # still there
    SipDevice.objects.filter(pk=devices[3].pk).update(created_at=at(10, 9), last_seen_at=at(20))
    run_import([row(other, "0123456781", start=at(12), duration=61, device="mac-3")])
    assert FairUseBreach.objects.get(sip_account=other).reasons[0]["code"] == "devices"


# USE-4 "a device not supplied by the reseller" (both plans): a call placed by a registered
# softphone the customer brought breaks the month; calls from our phones do not.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_third_party_device(offer):
    sip = account(offer)
    SipDevice.objects.create(account=sip, device_id="mac-1", supplied_by_reseller=True)
    SipDevice.objects.create(account=sip, device_id="soft-1", supplied_by_reseller=False)
    run_import([row(sip, "0123456789", duration=61, device="mac-1")])
    assert breach_codes(sip) == []
    run_import([row(sip, "0123456780", start=at(3), duration=61, device="soft-1")])
    assert breach_codes(sip) == ["third_party_device"]
    assert month_cost(sip) == Decimal("0.0480")  # 2 × 120 s × 0.012 / 60
    assert_matches_reference()


# USE-4 "a device not supplied by the reseller" reads the equipment items too: a phone sold to
# the customer (however the call record writes its MAC) keeps the unlimited — 61 s to a French
# fixed number costs nothing; a phone of ours sold to another customer, calling from this
# account, is not ours for it: the month is billed per minute, 2 × 120 s × 0.012 / 60 = 0.0480.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_equipment_items_with_the_customer_are_supplied(offer):
    sip = account(offer)
    client, elsewhere = sip.contract.client, customer()
    model = make_model()
    sell(client, client.sites.get(), model)
    sell(elsewhere, elsewhere.sites.get(), model)
    ours = Item.objects.get(client=client).mac_address  # "02:00:00:…", one way to write it
    theirs = Item.objects.get(client=elsewhere).mac_address
    run_import([row(sip, "0123456789", duration=61, device=ours.replace(":", "").lower())])
    assert breach_codes(sip) == [] and month_cost(sip) == 0
    run_import([row(sip, "0123456780", start=at(3), duration=61, device=theirs)])
    assert breach_codes(sip) == ["third_party_device"]
    assert month_cost(sip) == Decimal("0.0480")
    assert_matches_reference()


# USE-4 "telecom professional" (both plans): unlimited never applies; 61 s → 0.0240.
@pytest.mark.parametrize("offer", ["hosted-w", "hosted-a"])
def test_use4_telecom_professional(offer):
    sip = account(offer, is_telecom_professional=True)
    run_import([row(sip, "0123456789", duration=61)])
    assert breach_codes(sip) == ["telecom_professional"]
    assert month_cost(sip) == Decimal("0.0240")
    assert_matches_reference()


# USE-4 HOSTED-A "mobility credentials": a user with mobility loses the unlimited (HOSTED-W
# does not have this rule). Included destinations of HOSTED-A: China mobile is in the 40.
@pytest.mark.parametrize("offer,codes", [("hosted-a", ["mobility"]), ("hosted-w", [])])
def test_use4_mobility(offer, codes):
    sip = account(offer)
    sip.mobility = True
    sip.save(update_fields=["mobility"])
    run_import([row(sip, "+8613812345678", duration=60)])
    assert breach_codes(sip) == codes
    call = calls()[0]
    assert call.included is (not codes)
    assert_matches_reference()


# HOSTED-A 6: the tariff "en vigueur au jour de la facturation" — the invoice of October is
# dated 31 October (BIL-1): a HOSTED-A call of 5 October billed (breach) uses the price in
# force on the 31st (0.0240: 120 s → 0.0480), a SIP-UNL call of the same day the price of the
# 5th (0.0120 per second, 100th+ number... here a mobile: 0.0450 → 61 s = 0.0458 unchanged).
def test_use4_hosted_a_tariff_of_the_invoicing_day():
    old = Tariff.objects.get(country="FR", line_type="fixed", valid_to=None)
    old.valid_to = date(2026, 10, 31)
    old.save()
    Tariff.objects.create(
        name="France fixe 2026-10-31",
        country="FR",
        line_type="fixed",
        rate_per_minute=Decimal("0.0240"),
        valid_from=date(2026, 10, 31),
    )
    hosted = account("hosted-a", is_telecom_professional=True)
    platform_like = account("hosted-w", is_telecom_professional=True)
    run_import(
        [
            row(hosted, "0123456789", start=at(5), duration=61),
            row(platform_like, "0123456788", start=at(5), duration=61),
        ]
    )
    assert month_cost(hosted) == Decimal("0.0480")  # 120 s × 0.0240 / 60
    assert month_cost(platform_like) == Decimal("0.0240")  # 120 s × 0.0120 / 60
    assert_matches_reference()


# HOSTED-A 6 when the price changes after the calls were imported: a call is rated once, when
# imported (docs/rules.md), so the invoicing run re-rates the month's HOSTED-A calls at the
# tariff in force on its day. Telecom-professional customer (USE-4 breach: per minute at the
# tariff): 5 Oct, 61 s → 120 s × 0.0120 / 60 = 0.0240 when imported; the price of 31 October
# (0.0240) is entered afterwards; a file of 10 October (after the stored call: it is left as it
# was) brings 30 s → 60 s × 0.0240 / 60 = 0.0240. October's run: 0.0480 + 0.0240 = 0.0720,
# one consumption charge of 0.0720. A HOSTED-W call of the same day keeps the price of its day.
def test_use4_hosted_a_tariff_changed_after_import_applies_at_invoicing(settings, tmp_path):
    from billing import services as billing
    from billing.models import PendingCharge

    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    hosted = account("hosted-a", is_telecom_professional=True)
    other = account("hosted-w", is_telecom_professional=True)
    run_import(
        [
            row(hosted, "0123456789", start=at(5), duration=61),
            row(other, "0123456788", start=at(5), duration=61),
        ]
    )
    assert month_cost(hosted) == Decimal("0.0240")
    old = Tariff.objects.get(country="FR", line_type="fixed", valid_to=None)
    old.valid_to = date(2026, 10, 31)
    old.save()
    Tariff.objects.create(
        name="France fixe 2026-10-31", country="FR", line_type="fixed",
        rate_per_minute=Decimal("0.0240"), valid_from=date(2026, 10, 31),
    )  # fmt: skip
    run_import([row(hosted, "0123456787", start=at(10), duration=30)])
    assert month_cost(hosted) == Decimal("0.0480")  # 0.0240 kept + 0.0240
    billing.run_month_sync(month=OCT)
    assert month_cost(hosted) == Decimal("0.0720")
    assert month_cost(other) == Decimal("0.0240")
    charges = PendingCharge.objects.filter(source_type="usage", client=hosted.contract.client)
    assert [c.unit_price for c in charges] == [Decimal("0.0720")]
    assert_matches_reference()


# USE-4 waiver: staff waive the breach (usurf's service sets it waived, then re-rates): the
# month is rated as included again, the breach stays recorded (waived), never re-opened.
def test_use4_waived_breach_rerated_as_included():
    sip = account("hosted-w")
    run_import(distinct_calls(sip, 151))
    assert month_cost(sip) == Decimal("1.8120")
    breach = FairUseBreach.objects.get(sip_account=sip)
    breach.status, breach.waived_at = "waived", timezone.now()
    breach.save()
    rerate_month(OCT, sip_account_ids=[sip.pk])
    assert month_cost(sip) == 0
    assert all(c.included and not c.breach for c in calls())
    run_import([row(sip, fixed(200), start=at(20), duration=30)])  # a 152nd number
    assert FairUseBreach.objects.filter(sip_account=sip).count() == 1
    assert FairUseBreach.objects.get(sip_account=sip).status == "waived"
    assert month_cost(sip) == 0
    assert_matches_reference()


# USE-4 counting per calendar month in Europe/Paris: 31 October 23:30 UTC is 1 November 00:30
# in Paris: that call counts in November.
def test_use4_month_is_the_paris_month():
    sip = account("hosted-w")
    run_import([row(sip, "0123456789", start=at(31, 23, 30), duration=60)])
    assert calls()[0].billing_month == date(2026, 11, 1)


# USE-4 end to end: the import that opens a breach tells the customer once (an e-mail to its
# administrators) and the partner gets the webhook event ``usage.breach_recorded`` naming the
# customer, the SIP account, the month and the reason; a later file of the same month (the
# breach already recorded) sends nothing more.
def test_use4_breach_notice_from_the_import(mailoutbox, django_capture_on_commit_callbacks):
    from kernel.models import OutboxEvent
    from tests.factories import PartnerFactory

    sip = account("hosted-w", partner=PartnerFactory())
    client = sip.contract.client
    with django_capture_on_commit_callbacks(execute=True):
        run_import(distinct_calls(sip, 151))
    breach = FairUseBreach.objects.get(sip_account=sip)
    assert breach.notified_at is not None
    [mail] = mailoutbox
    assert "Usage raisonnable dépassé par le compte « Poste » en octobre 2026" in mail.subject
    assert "- Plus de 150 numéros différents (151 / 150)" in mail.body
    [event] = OutboxEvent.objects.filter(type="usage.breach_recorded")
    assert (event.partner_id, event.data) == (
        client.partner_id,
        {
            "customer": client.pk,
            "sip_account": sip.pk,
            "month": "2026-10",
            "reasons": ["distinct_numbers"],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import([row(sip, fixed(151), start=at(20), duration=30)])
    assert len(mailoutbox) == 1
    assert OutboxEvent.objects.filter(type="usage.breach_recorded").count() == 1


# USE-4 (failing half way, nothing lost) — the breach is told by a signal once the rating pass
# commits. A process stopped in between (a worker killed after the import's commit) left the
# breach recorded, never told (no e-mail, no ``usage.breach_recorded`` event: the partner's
# platform never knew the user's calls are no longer unlimited) and the next files of the month
# find it recorded: nothing ever told it. Now the usage job every 5 minutes tells the breaches
# not told 5 minutes after their detection — once.
def test_use4_breach_whose_notice_was_lost_is_told_by_the_periodic_job(
    mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import time_machine

    from kernel.models import OutboxEvent
    from tests.factories import PartnerFactory
    from usage import money_tasks

    sip = account("hosted-w", partner=PartnerFactory())
    imported = at(31, 18)  # Saturday 31 October 2026, 19:00 in Paris
    with (
        time_machine.travel(imported, tick=False),
        django_capture_on_commit_callbacks(execute=False),  # committed, then the worker died
    ):
        run_import(distinct_calls(sip, 151))
    breach = FairUseBreach.objects.get(sip_account=sip)
    assert breach.notified_at is None and mailoutbox == []
    with time_machine.travel(imported + timedelta(minutes=2), tick=False):
        assert money_tasks.breaches_tell() == 0  # not before 5 minutes (its signal may be late)
    later = imported + timedelta(hours=6)  # past midnight: 1 November, the month after
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert money_tasks.breaches_tell() == 1
        assert money_tasks.breaches_tell() == 0  # once
    breach.refresh_from_db()
    assert breach.notified_at is not None
    [mail] = mailoutbox
    assert "Usage raisonnable dépassé" in mail.subject and "octobre 2026" in mail.subject
    assert OutboxEvent.objects.filter(type="usage.breach_recorded").count() == 1
