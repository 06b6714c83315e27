"""Usage surfaces for a BIG customer (audit, scale): 300 SIP accounts, trunks, a PLATFORM
contract, tens of thousands of calls over ~200 destinations, fair-use breaches, quality hours and
limit breaches — the consumption page, the CSV export, the API (calls, summary, CDR import
report) and the back office lists. Small fixtures hide N+1 queries and unbounded pages: here the
query count of a page must not grow with the accounts (1 account vs 300), and every row is
reachable. Times are not asserted here: `make bench-usage-pages` (bench/usage_pages.py) measures
the pages (measured at 50 000 calls while this was written: page 1 046 → <400 ms, summary 640 →
~106 ms, CSV 10.6 → 3.3 s).

The data are written once per module (``bulk_create``), in the test database, and removed at the
end of the module (``SCALE_CALLS``/``SCALE_TRUNKS`` lower the sizes)."""

import os
from datetime import date, timedelta
from decimal import Decimal
from itertools import cycle

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.conftest import ensure_catalogue
from tests.factories import ClientFactory, MembershipFactory, PartnerFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.telephony.factories import make_trunk
from tests.usage import core_helpers as core

N_ACCOUNTS = int(os.environ.get("SCALE_ACCOUNTS", 300))
N_TRUNKS = int(os.environ.get("SCALE_TRUNKS", 4))
N_CALLS = int(os.environ.get("SCALE_CALLS", 6_000))  # 50 000: the measured figures
N_REJECTIONS = int(os.environ.get("SCALE_REJECTIONS", 2_500))

# ~200 distinct destinations: (prefix, country, line type) and how many numbers of each
DESTINATIONS = (
    [(f"+3314{i:07d}", "FR", "fixed") for i in range(80)]
    + [(f"+3361{i:07d}", "FR", "mobile") for i in range(50)]
    + [(f"+33970{i:06d}", "FR", "voip") for i in range(10)]
    + [(f"+44207{i:07d}", "GB", "fixed") for i in range(15)]
    + [(f"+4930{i:08d}", "DE", "fixed") for i in range(15)]
    + [(f"+3222{i:06d}", "BE", "fixed") for i in range(10)]
    + [(f"+1212{i:07d}", "US", "fixed") for i in range(10)]
    + [(f"+2126{i:08d}", "MA", "mobile") for i in range(10)]
)


def month_of_test():
    from offers.periods import add_months
    from usage.selectors import current_month

    return add_months(current_month(), -1)  # a whole month, inside the 12 shown


def build(
    *,
    name="Grand Compte",
    accounts=N_ACCOUNTS,
    trunks=N_TRUNKS,
    calls=N_CALLS,
    rejections=N_REJECTIONS,
):
    """One customer with ``accounts`` SIP accounts (SIP-UNL), ``trunks`` trunks, a PLATFORM
    contract, ``calls`` rated calls of ``month_of_test()`` over every account and ~200
    destinations, 5 fair-use breaches, the month's 24 × days quality hours (some penalised),
    limit breaches, and an API import of the partner with ``rejections`` rejected lines."""
    from django.utils import timezone

    from telephony.models import SipAccount
    from usage.models import (
        CallRecord,
        FairUseBreach,
        ImportBatch,
        ImportRejection,
        LimitBreach,
        QualityHour,
    )
    from usage.selectors import month_bounds
    from usage.services.partitions import partitions_ensure
    from usage.services.rollup import rollup_refresh

    core.seed()
    month = month_of_test()
    partitions_ensure([month])
    partner = PartnerFactory(name=f"{name} partner")
    client = ClientFactory(partner=partner, legal_name=f"{name} SAS")
    SiteFactory(client=client)
    member = MembershipFactory(client=client, role=Role.ADMIN)
    start = date(2025, 1, 1)
    sip_contract = make_contract(
        client, "sip-unl", quantity=accounts, signature=start, service_start=start
    )
    now = timezone.now()
    SipAccount.objects.bulk_create(
        SipAccount(
            contract=sip_contract,
            label=f"Poste {i:03d}",
            username=f"sipscale{client.pk}x{i:04d}",
            secret_encrypted="x",
            secret_issued_at=now,
        )
        for i in range(accounts)
    )
    sips = list(SipAccount.objects.filter(contract=sip_contract).order_by("pk"))
    trunk_list = [make_trunk(client, start=start) for _ in range(trunks)]
    plat = make_contract(client, "platform", signature=start, service_start=start)

    first, end = month_bounds(month)
    span = int((end - first).total_seconds()) - 3600
    dest = cycle(DESTINATIONS)
    rows, slots = [], {}
    uses = {"sip": 0, "trunk": 0}
    for i in range(calls):
        number, country, line_type = next(dest)
        started = first + timedelta(seconds=(i * 7919) % span)
        kind = i % 20
        sip = trunk = None
        contract = plat
        if kind < 17:
            sip = sips[uses["sip"] % len(sips)]
            uses["sip"] += 1
            contract, plan, ref = sip_contract, "sip_unl", sip.username
        elif kind < 19 and trunk_list:
            trunk = trunk_list[uses["trunk"] % len(trunk_list)]
            uses["trunk"] += 1
            contract, plan, ref = trunk.contract, "none", trunk.username
        else:
            plan, ref = "none", plat.reference
        answered = i % 5 != 0
        duration = (i * 37) % 900 + 1 if answered else 0
        included = sip is not None and line_type in ("fixed", "voip") and answered
        slot = None
        if included:
            seen = slots.setdefault(sip.pk, {})
            slot = seen.setdefault(number, len(seen) + 1)
        cost = Decimal(0) if included else Decimal(duration) * Decimal("0.0002")
        rows.append(
            CallRecord(
                call_id=f"scale-{client.pk}-{i}",
                started_at=started,
                account_ref=ref,
                answered=answered,
                duration=duration,
                caller="+33145000000",
                called=number,
                call_type="outbound",
                client=client,
                contract=contract,
                sip_account=sip,
                trunk=trunk,
                billing_month=month,
                country=country,
                line_type=line_type,
                price_class="standard",
                plan=plan,
                rate=Decimal("0.0120"),
                billed_seconds=duration,
                list_cost=Decimal(duration) * Decimal("0.0002"),
                cost=cost,
                included=included,
                slot=slot,
                rated=True,
                imported_at=now,
            )
        )
    CallRecord.objects.bulk_create(rows, batch_size=5000)
    rollup_refresh([(client.pk, month)])

    FairUseBreach.objects.bulk_create(
        FairUseBreach(
            client=client,
            sip_account=sips[i],
            month=month,
            plan="sip_unl",
            reasons=[{"code": "distinct_numbers", "value": 151, "limit": 150}],
            detected_at=now,
        )  # fmt: skip
        for i in range(min(5, accounts))
    )
    hours = []
    hour = first
    while hour < end:
        penalised = hour.hour % 6 == 0
        hours.append(
            QualityHour(
                client=client,
                hour=hour,
                month=month,
                attempts=100,
                answered=50,
                answered_seconds=50 * 40,
                short_calls=2,
                asr_penalty=Decimal("2.00") if penalised else 0,
            )  # fmt: skip
        )
        hour += timedelta(hours=1)
    QualityHour.objects.bulk_create(hours)
    LimitBreach.objects.bulk_create(
        LimitBreach(
            client=client,
            kind="simultaneous",
            hour=first + timedelta(hours=h),
            month=month,
            peak=12,
            limit=10,
            peak_at=first + timedelta(hours=h, minutes=5),
        )  # fmt: skip
        for h in range(0, 24 * 20, 8)
    )
    batch = ImportBatch.objects.create(
        source="api", status="done", filename="big.csv", partner=partner,
        total_lines=rejections + 1, rows_read=rejections, rejected=rejections, rated=True,
    )  # fmt: skip
    ImportRejection.objects.bulk_create(
        (
            ImportRejection(batch=batch, line=n + 2, reason="Unknown account.", raw=f"x{n};y" * 5)
            for n in range(rejections)
        ),
        batch_size=5000,
    )
    return type(
        "Big",
        (),
        {"partner": partner, "client": client, "member": member, "month": month,
         "sips": sips, "trunks": trunk_list, "platform": plat, "batch": batch},
    )  # fmt: skip


def counting(call):
    """The SQL statements ``call()`` runs (an execute wrapper: the test client's request resets
    ``connection.queries``)."""
    from django.db import connection

    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = call()
    assert response.status_code == 200, response.status_code
    return len(seen), response


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The big customer and a small one (1 SIP account), written once for the module inside a
    transaction rolled back at its end."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_catalogue()  # a transactional test run before, on this process, flushed it
        big = build()
        small = build(name="Petit", accounts=1, trunks=1, calls=60, rejections=5)
        yield type("World", (), {"big": big, "small": small})
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _web(client, who):
    from django.test import Client

    web = Client()
    web.force_login(who.member.user)
    return web


def _api(who):
    from rest_framework.test import APIClient

    from tests.factories import make_api_key

    _key, raw = make_api_key(who.partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return api


def _staff():
    from allauth.mfa.models import Authenticator
    from django.test import Client

    from accounts.models import User

    user = User.objects.create_user(
        email="scale-ops@reseller.example", password="x-Long-Pass-123", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    web = Client()
    web.force_login(user)
    return web


def test_consumption_page_big_customer_fast_flat_and_right(world, client):
    # USE-3 / Surfaces: the consumption page of a customer with 300 SIP accounts (SIP-UNL), 4
    # trunks and a PLATFORM contract, 50 000 calls in the month (~16 000 roll-up rows).
    # DEFECT (fixed): the page loaded every roll-up row as an object — 1 046 ms median for this
    # customer (50 000 calls, 20 trunks), the API summary 640 ms; now summed by the database.
    big, small = world.big, world.small
    month = big.month.strftime("%Y-%m")
    url = reverse("usage:consumption") + f"?month={month}"
    n_small, _r = counting(lambda: _web(client, small).get(url))
    web = _web(client, big)
    n_big, response = counting(lambda: web.get(url))
    assert n_big <= n_small  # no query per account (1 account: n_small; 300 accounts: the same)
    page = response.content.decode()
    # every account with calls has its row: 300 SIP accounts + 4 trunks + the contract traffic
    assert page.count('data-testid="account-row"') == N_ACCOUNTS + N_TRUNKS + 1
    # the month's calls, counted by hand: N_CALLS (50 000 → "50 000" with a narrow nbsp)
    calls = page.split('data-testid="call-count">')[1].split("<")[0]
    assert calls.replace("\u202f", "").replace("\xa0", "").replace(" ", "") == str(N_CALLS)
    # SIP-UNL fair use: account 0 called the fixed/09 numbers of the cycle (90 of the 200
    # destinations are fixed or 09): with 42 500 SIP calls over 300 accounts each account had
    # ~141 calls — its distinct numbers are its highest slot, at most 90, never over 99
    assert "/ 99" in page and "use-fair over" not in page


def test_summary_api_big_customer(world):
    # Surfaces: GET /api/v1/calls/summary/ for 300 accounts: every account, the month's total,
    # queries not growing with the accounts, under 1 s (640 ms before the fix above).
    big, small = world.big, world.small
    month = big.month.strftime("%Y-%m")
    api_small, api = _api(small), _api(big)
    n_small, _r = counting(
        lambda: api_small.get(f"/api/v1/calls/summary/?customer={small.client.pk}&month={month}")
    )
    url = f"/api/v1/calls/summary/?customer={big.client.pk}&month={month}"
    n_big, response = counting(lambda: api.get(url))
    assert n_big <= n_small
    data = response.json()
    assert len(data["by_account"]) == N_ACCOUNTS + N_TRUNKS + 1
    assert data["total"]["calls"] == N_CALLS
    assert sum(a["calls"] for a in data["by_account"]) == N_CALLS
    assert sum(d["calls"] for d in data["by_day"]) == N_CALLS


def test_csv_export_of_50000_calls(world, client):
    # Surfaces (CSV export): a month of 50 000 calls. DEFECT (fixed): 10.6 s median (the
    # price cells formatted by ``number_format`` one by one, twice a call); the body (6.5 MB,
    # 34 MB peak) is built in memory as the view's comment chooses — acceptable at this size.
    big = world.big
    web = _web(client, big)
    url = reverse("usage:calls_csv") + f"?month={big.month:%Y-%m}"
    response = web.get(url)
    body = response.content.decode("utf-8-sig")
    lines = body.splitlines()
    assert len(lines) == N_CALLS + 1  # the header, then one line a call
    # a call of 61 s at 0.0120 €/min, mobile (not included): cost 61 × 0.0002 = 0.0122 €
    assert ";0,0120;" in lines[1]  # the rate, French decimal comma


def test_dashboard_and_tariffs_big_customer(world, client):
    web = _web(client, world.big)
    assert web.get("/").status_code == 200
    assert web.get(reverse("usage:tariffs")).status_code == 200


def test_api_call_pages_big_customer(world):
    # Surfaces: cursor pages of 100 calls, newest first; the 11th page as fast as the first.
    big = world.big
    api = _api(big)
    url = f"/api/v1/calls/?customer={big.client.pk}&month={big.month:%Y-%m}"
    n_first, response = counting(lambda: api.get(url))
    for _ in range(10):
        response = api.get(response.json()["next"])
    deep = response.json()["next"]
    n_deep, _r = counting(lambda: api.get(deep))
    assert n_deep <= n_first + 1


def test_back_office_lists_big_customer(world):
    # The back office's usage lists with thousands of rows: paginated, no count(*) of the whole
    # call table (show_full_result_count off), each under 1 s, queries flat.
    big = world.big
    staff = _staff()
    for path in (
        "/backoffice/usage/callrecord/",
        f"/backoffice/usage/callrecord/?billing_month={big.month:%Y-%m}",
        "/backoffice/usage/qualityhour/",
        "/backoffice/usage/limitbreach/",
        "/backoffice/usage/fairusebreach/",
        "/backoffice/usage/importbatch/",
        f"/backoffice/usage/importbatch/{big.batch.pk}/change/",
    ):
        n, response = counting(lambda path=path: staff.get(path))
        assert n < 30, (path, n)
        assert len(response.content) < 400_000, path


def test_cdr_import_report_gives_every_rejected_row(world):
    # §4 Usage: "each import keeps ... its rejected rows" and a bad row "is reported with its
    # line number and reason". A partner file with 10 000 rejected lines (lines 2..10 001):
    # GET /cdr-imports/{id}/ returned the first 1 000 (lines 2..1 001) and no way to the 9 000
    # others. Now the report links to the rest (rejections_next), 1 000 a page, each page to
    # the next: every line once, in order.
    big = world.big
    api = _api(big)
    data = api.get(f"/api/v1/cdr-imports/{big.batch.pk}/").json()
    assert data["rejected"] == N_REJECTIONS
    lines = [r["line"] for r in data["rejections"]]
    assert lines == list(range(2, 1002))
    url = data["rejections_next"]
    pages = 0
    while url:
        n, response = counting(lambda url=url: api.get(url))
        page = response.json()
        lines += [r["line"] for r in page["results"]]
        url, pages = page["next"], pages + 1
        assert n <= 8
    assert pages == -(-N_REJECTIONS // 1000) - 1 and lines == list(range(2, N_REJECTIONS + 2))
    assert api.get(f"/api/v1/cdr-imports/{big.batch.pk}/rejections/?after=x").status_code == 400
