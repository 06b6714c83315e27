"""The demo's calls (make run): the law firm's SIP-UNL month and the clinic's HOSTED-W month
past 150 distinct numbers — a USE-4 breach the back office lists — loaded twice without
duplicating anything."""

import pytest

from kernel.clock import paris_today
from offers.periods import add_months
from telephony.demo import CLINIC_ACCOUNT
from usage import demo
from usage.choices import BreachReason
from usage.models import CallRecord, FairUseBreach

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

    demo.load()  # the day's file is imported once
    assert (CallRecord.objects.count(), FairUseBreach.objects.count()) == (calls, 1)
