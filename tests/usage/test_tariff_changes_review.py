"""Review of CON-6 for call tariffs (HOSTED-A 6, PLATFORM 12.2): the defects found, each proved
by a test that failed before its fix. Amounts by hand in the comments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from billing.models import PendingCharge
from tests.usage.core_helpers import (
    OCT,
    account,
    assert_matches_reference,
    at,
    price_change,
    row,
    run_import,
)
from tests.usage.test_tariff_changes import _refused
from usage.models import CallRecord, Tariff, TariffRefusal

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _cost(sip):
    return sum(c.cost for c in CallRecord.objects.filter(sip_account_id=sip.pk))


# HOSTED-A 6 + CON-6: Morocco mobile 0.2000 until 14 October, 0.3000 from 15 October; a tariff
# entered after the import, 0.4000 from 31 October (the invoicing day's). The month-end run
# re-rates HOSTED-A's calls at the invoicing day: the accepting contract's 90 s call costs
# 90 × 0.4000 / 60 = 0.6000; the refusing one keeps 14 October's: 90 × 0.2000 / 60 = 0.3000,
# and that is what its invoice's consumption line charges. Both engines agree.
def test_con6_month_end_run_keeps_the_refusing_contracts_tariffs(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    price_change("+2126", "0.2000", "0.3000", date(2026, 10, 15))
    refusing = account("hosted-a")
    accepting = account("hosted-a")
    _refused(refusing.contract, date(2026, 10, 15))
    run_import(
        [
            row(refusing, "+212612345678", start=at(5), duration=90),
            row(accepting, "+212612345678", start=at(5), duration=90),
        ]
    )
    assert (_cost(refusing), _cost(accepting)) == (Decimal("0.3000"), Decimal("0.4500"))
    old = Tariff.objects.get(prefix="+2126", valid_to=None)
    old.valid_to = date(2026, 10, 31)
    old.save()
    Tariff.objects.create(
        name="Maroc 0.4", prefix="+2126", rate_per_minute=Decimal("0.4000"),
        valid_from=date(2026, 10, 31),
    )  # fmt: skip
    from billing import services as billing

    billing.run_month_sync(month=OCT)
    assert (_cost(refusing), _cost(accepting)) == (Decimal("0.3000"), Decimal("0.6000"))
    charges = PendingCharge.objects.filter(source_type="usage", client=refusing.contract.client)
    assert [c.unit_price for c in charges] == [Decimal("0.3000")]
    assert_matches_reference()


# The same through a late record (a second import) and a breach waiver's re-rating (scoped to
# the SIP account): the refusing contract's calls stay at 0.2000 (90 s → 0.3000 each).
def test_con6_late_record_and_scoped_rerate_keep_the_refusing_contracts_tariffs():
    from usage.services.rating import rerate_month

    price_change("+2126", "0.2000", "0.3000", date(2026, 10, 15))
    refusing = account("hosted-a")
    _refused(refusing.contract, date(2026, 10, 15))
    run_import([row(refusing, "+212612345678", start=at(5), duration=90)])
    run_import([row(refusing, "+212612345679", start=at(20), duration=90)])
    assert _cost(refusing) == Decimal("0.6000")
    rerate_month(OCT, sip_account_ids=[refusing.pk])
    assert _cost(refusing) == Decimal("0.6000")
    rerate_month(OCT, plan="hosted_a")
    assert _cost(refusing) == Decimal("0.6000")
    assert_matches_reference()


# --- helpers of the announcement tests -------------------------------------------------------


def _grid(rate, valid_from, prefix="+2126", **kwargs):
    return Tariff.objects.create(
        name=f"Maroc {prefix}", prefix=prefix, rate_per_minute=Decimal(rate),
        valid_from=valid_from, **kwargs,
    )  # fmt: skip


# ACC-3: a read-only key reads the tariff changes but refuses nothing (403, nothing written);
# bad bodies — the contract as a string, negative, huge, missing, a date that is no date or
# absurd — answer 400 naming the field, nothing written.
def test_con6_api_refusal_read_only_key_and_bad_bodies(api, read_only_api, tenant):
    from django.urls import reverse

    from tests.offers.factories import make_contract
    from tests.usage.core_helpers import seed
    from usage.services import tariff_changes

    seed()
    contract = make_contract(tenant.client, "hosted-a")
    _grid("0.2000", date(2025, 1, 1))
    _grid("0.3000", paris_today() + timedelta(days=20))
    announcement = tariff_changes.tariffs_announce()
    url = reverse("api:tariff-change-refuse", args=[announcement.pk])
    assert read_only_api.get(reverse("api:tariff-change-list")).status_code == 200
    assert read_only_api.post(url, {"contract": contract.pk}, format="json").status_code == 403
    for body, field in (
        ({"contract": "abc"}, "contract"),
        ({"contract": -1}, "contract"),
        ({"contract": 10**30}, "contract"),
        ({}, "contract"),
        ({"contract": contract.pk, "requested_date": "31/02/2027"}, "requested_date"),
        ({"contract": contract.pk, "requested_date": "9999-12-31"}, "requested_date"),
    ):
        answer = api.post(url, body, format="json")
        assert answer.status_code == 400, (body, answer.content)
        assert field in answer.json()["error"]["fields"], (body, answer.json())
    assert not TariffRefusal.objects.exists()


def paris_today():
    from kernel.clock import paris_today as today

    return today()


# HOSTED-A 6 / PLATFORM 12.2: one announcement told a decrease from today + 10 (Morocco fixed
# +2125: 0.2000 → 0.1000) and an increase from today + 40 (Morocco mobile +2126: 0.2000 →
# 0.3000). The increase is what may be refused, "before the effective date" of the increase:
# the window runs until today + 39, not until the decrease's eve (today + 9). A HOSTED-A refusal
# keeps the tariffs of today + 39 (the decrease applies to it as to everyone: a 60 s call to
# +2125 on today + 15 costs 60 × 0.1000 / 60 = 0.1000, not 0.2000). A PLATFORM customer's call on
# today + 10 (the decrease, in its favour) accepts nothing: its objection stands until a call
# on or after today + 40.
def test_con6_refusal_window_is_the_increases_not_an_earlier_decreases():
    from tests.offers.factories import make_contract
    from tests.telephony.factories import customer
    from tests.usage.core_helpers import platform, seed
    from usage.services import tariff_changes

    seed()
    today = paris_today()
    decrease, increase = today + timedelta(days=10), today + timedelta(days=40)
    _grid("0.2000", date(2025, 1, 1), prefix="+2125")
    _grid("0.1000", decrease, prefix="+2125")
    _grid("0.2000", date(2025, 1, 1))
    _grid("0.3000", increase)
    hosted = make_contract(customer(), "hosted-a")
    plat = platform()
    announcement = tariff_changes.tariffs_announce()
    assert announcement.increase
    # on today + 15 the increase is still ahead: still open to a refusal
    later = tariff_changes.answerable(hosted.client, today=today + timedelta(days=15))
    assert [(i.contract, i.answer_by) for i in later] == [(hosted, increase - DAY)]
    refusal = tariff_changes.tariff_refuse(announcement=announcement, contract=hosted)
    assert refusal.keeps_day == increase - DAY
    objection = tariff_changes.tariff_refuse(announcement=announcement, contract=plat)
    assert objection.termination.effective_date >= increase
    assert tariff_changes.objections_withdraw(contract=plat, day=decrease) == 0
    assert tariff_changes.objections_withdraw(contract=plat, day=increase) == 1


# USE-2 + CON-6: a prefix of 4+ digits beats the (country, type) row, which beats the shorter
# prefixes (world zones). Seeded grid: Morocco mobile (MA, mobile) 0.4500 at 60/60, world zone
# "+2" 0.5000 at 1/1. A new "+2126" row at 0.4800 (1/1) replaces what Moroccan mobiles cost
# today — the country row's 0.4500 — so it is an increase (a higher rate) that HOSTED-A
# customers may refuse; it was compared with the zone's 0.5000 (which prices no Moroccan
# mobile call) and told as a decrease "(today: 0,5000 €)", the refusal not offered.
def test_con6_a_prefix_replaces_the_country_row_it_beats():
    from tests.usage.core_helpers import seed
    from usage.services import tariff_changes

    seed()
    country = Tariff.objects.get(country="MA", line_type="mobile", valid_to=None)
    zone = Tariff.objects.get(prefix="+2", valid_to=None)
    assert (country.rate_per_minute, zone.rate_per_minute) == (Decimal("0.45"), Decimal("0.50"))
    new = _grid("0.4800", paris_today() + timedelta(days=40))
    (change,) = tariff_changes.changes_of([new])
    assert change.before == country and change.increase
    # a prefix under which no country row is known keeps the longest prefix under it
    satellite = _grid("5.0000", paris_today() + timedelta(days=40), prefix="+8701")
    (change,) = tariff_changes.changes_of([satellite])
    assert change.before.prefix == "+870" and change.increase
