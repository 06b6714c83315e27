"""The demo's calls (make run): the law firm's SIP-UNL month, the clinic's HOSTED-W month past
150 distinct numbers — a USE-4 breach the back office lists — and the bakery's PLATFORM traffic
with one bad hour (USE-6), loaded twice without duplicating anything."""

from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from equipment.business_days import is_business_day
from kernel.clock import paris_today
from kernel.money import round_money
from offers.periods import add_months
from telephony.demo import CLINIC_ACCOUNT
from usage import demo
from usage.choices import BreachReason
from usage.models import CallRecord, FairUseBreach, QualityHour

pytestmark = pytest.mark.django_db


def test_demo_calls_and_the_clinics_breach(settings, django_capture_on_commit_callbacks):
    from accounts import demo as accounts_demo
    from equipment import demo as equipment_demo
    from offers import demo as offers_demo
    from telephony import demo as telephony_demo

    settings.BILLING_RENDER_PDF = False
    accounts_demo.load()
    offers_demo.load()
    telephony_demo.load()
    equipment_demo.load()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    calls = CallRecord.objects.count()
    assert calls > 300
    # business customers' calls: working days only — no weekend, no public holiday (the
    # 11th of November 2026 was a Wednesday)
    days = {timezone.localdate(start) for start in CallRecord.objects.values_list(
        "started_at", flat=True)}  # fmt: skip
    assert days and all(is_business_day(day) for day in days)

    # USE-4: the clinic's reception answered more than 150 distinct numbers last month (12
    # new ones each working day, about 82 % answered: some 200), from the phone it rents.
    last_month = add_months(paris_today().replace(day=1), -1)
    breach = FairUseBreach.objects.get()
    assert (breach.sip_account.label, breach.month, breach.plan) == (
        CLINIC_ACCOUNT,
        last_month,
        "hosted_w",
    )
    assert [r["code"] for r in breach.reasons] == [BreachReason.DISTINCT_NUMBERS]
    assert 150 < breach.reasons[0]["value"] < 12 * 23
    assert breach.notified_at is not None  # the customer was told
    # its month is billed: every answered call of the month costs something
    clinic_month = CallRecord.objects.filter(
        sip_account=breach.sip_account, billing_month=last_month, answered=True
    )
    assert clinic_month.filter(breach=True).count() == clinic_month.count() > 150
    # the law firm's SIP-UNL accounts have no such thing (USE-3 has no breach)
    assert not FairUseBreach.objects.exclude(pk=breach.pk).exists()

    # USE-6: the bakery's hours are measured; one of them breaches the three metrics: 30
    # attempts, 12 answered of 5 s each — ASR 12/30 = 40 % (≤ 60 %): 30 × 0.02 = 0.60 €;
    # ACD 5 s (≤ 15 s): 12 × 0.02 = 0.24 €; short calls 12/12 = 100 % (≥ 10 %): 0.24 €.
    hours = QualityHour.objects.filter(client__siren=demo.PLATFORM_SIREN)
    assert hours.count() > 20
    bad = hours.get(hour=demo.bad_hour(last_month))
    assert (bad.attempts, bad.answered, bad.answered_seconds, bad.short_calls) == (30, 12, 60, 12)
    assert (bad.asr_penalty, bad.acd_penalty, bad.short_penalty) == (
        Decimal("0.60"),
        Decimal("0.24"),
        Decimal("0.24"),
    )
    assert bad.penalty == Decimal("1.08")
    assert (
        not hours.exclude(pk=bad.pk)
        .filter(Q(asr_penalty__gt=0) | Q(acd_penalty__gt=0) | Q(short_penalty__gt=0))
        .exists()
    )

    # USE-8: the bakery is prepaid: each month's billable calls are debited from its balance,
    # VAT included (20 %), at once — the demo does not wait for the worker.
    from payments.models import PrepaidEntry
    from usage.services.billing import billable_calls

    bakery = hours.first().client
    debits = PrepaidEntry.objects.filter(account__client=bakery, source_type="usage_consumption")
    for month in (last_month, paris_today().replace(day=1)):
        net = billable_calls().filter(client=bakery, billing_month=month).aggregate(
            s=Sum("cost"))["s"]  # fmt: skip
        debited = debits.filter(source_id__startswith=f"{month:%Y%m}:").aggregate(
            s=Sum("amount"))["s"]  # fmt: skip
        assert net > 0 and debited == -round_money(net * Decimal("1.2"))

    # CON-6: a tariff change is announced (UK mobiles 0.0900 → 0.0700 from the earliest day the
    # notice allows: a decrease, which nobody may refuse), told to each demo customer once
    from usage.models import TariffAnnouncement, TariffNotice
    from usage.services import tariff_changes

    announcement = TariffAnnouncement.objects.get()
    assert not announcement.increase and announcement.tariffs_count == 1
    assert announcement.first_day == tariff_changes.first_day(paris_today())
    assert TariffNotice.objects.filter(announcement=announcement).count() >= 3
    (change,) = tariff_changes.upcoming()
    assert (change.before.rate_per_minute, change.tariff.rate_per_minute) == (
        Decimal("0.0900"),
        Decimal("0.0700"),
    )

    demo.load()  # the day's file is imported once
    demo.announce_lower_uk_mobile(paris_today())  # and the change announced once
    assert TariffAnnouncement.objects.count() == 1
    assert (CallRecord.objects.count(), FairUseBreach.objects.count()) == (calls, 1)
    assert QualityHour.objects.filter(client__siren=demo.PLATFORM_SIREN).count() == hours.count()
