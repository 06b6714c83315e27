"""Demo calls (make run): the previous and the current month of calls of the demo law firm
(SIP-UNL accounts and its trunk), of the clinic's reception (HOSTED-W: last month it called
more than 150 distinct numbers, a USE-4 breach the back office lists) and of the bakery's
PLATFORM trunk (one bad hour last month: USE-6 penalties), imported as a CDR file through
``usage.services.imports`` (so they are classified and rated as any import, on SQLite as on
PostgreSQL), with what follows a rating (the bakery's prepaid debits), a consumption alert
threshold, and a tariff change announced (CON-6). Idempotent: the file is imported once per
day, and each day's calls are drawn from a seed of that day alone (whatever the first day of
the file), so a later day's file holds again, identical, the calls an earlier one had —
duplicates that change nothing — even once the month has changed; a call of today still to
come is left out (the next day's file has it)."""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Client
from equipment.business_days import is_business_day
from equipment.choices import ItemState
from equipment.models import Item
from kernel.clock import paris_today
from offers.choices import ContractStatus
from offers.models import Contract
from offers.periods import add_months
from telephony.demo import CLINIC_ACCOUNT, CLINIC_SIREN
from telephony.models import SipAccount, Trunk
from usage.choices import ImportSource
from usage.models import ConsumptionThreshold, ImportBatch, Tariff
from usage.services import alerts, imports, post_rating, tariff_changes

DEMO_SIREN = "812345676"  # accounts.demo: Cabinet Martin Avocats (SIP-UNL accounts + a trunk)
PLATFORM_SIREN = "823456785"  # offers.demo: Boulangeries Durand, PLATFORM, prepaid
HEADER = "call_id,account,start_time,answered,duration,caller,called,call_type,device_id\n"
# 37 distinct French fixed numbers for the first SIP account ("numéros distincts : 37 / 99").
FIXED = [f"+3314{n:07d}" for n in range(1_200_000, 1_200_000 + 37 * 1_117, 1_117)]
MOBILES = [f"+336{n:08d}" for n in range(12_000_000, 12_000_000 + 25 * 3_331, 3_331)]
ABROAD = ["+442079460123", "+14155550123", "+4930901820", "+34911234567", "+8613800138000"]


def _day_rng(seed: int, day) -> random.Random:
    """The random draws of one day: the same whichever file (first day, month) they are in."""
    return random.Random(f"{seed}:{day.isoformat()}")


def _rows(accounts: list[str], trunk: str | None, first, last, seed: int):
    """One CSV line per call, 08:00–19:00 Paris on working days (no weekend, no French public
    holiday; UTC stored)."""
    day = first
    while day <= last:
        if is_business_day(day):
            rng = _day_rng(seed, day)
            for index, account in enumerate(accounts):
                for n in range(rng.randint(6, 12) if index == 0 else rng.randint(2, 5)):
                    called = rng.choice(
                        FIXED if index == 0 or rng.random() < 0.6 else MOBILES + ABROAD
                    )
                    yield _line(account, day, rng, called, n, "demo-ft")
            if trunk:
                for n in range(rng.randint(8, 16)):
                    called = rng.choice(MOBILES + ABROAD + FIXED[:5])
                    yield _line(trunk, day, rng, called, n, "demo-pbx")
        day += timedelta(days=1)


def _clinic_rows(account: str, device: str, first, last, seed: int):
    """USE-4 (HOSTED-W): the clinic's reception calls 3 regular numbers each working day and,
    last month (from ``first``), 12 new French numbers more each working day — some 200
    distinct numbers answered, past the 150 allowed — from the phone the clinic rents (supplied
    by the reseller). A month loaded as the current one gets its new numbers when a later load
    sees it as last month (its regular calls come again as they were: duplicates)."""
    this_month = add_months(first, 1)
    day, fresh = first, 0
    while day <= last:
        if is_business_day(day):
            rng = _day_rng(seed, day)
            for n in range(3):
                yield _line(account, day, rng, FIXED[rng.randrange(10)], n, device)
            for n in range(3, 15) if day < this_month else ():
                fresh += 1
                called = f"+3314{2_000_000 + fresh * 37:07d}"
                yield _line(account, day, rng, called, n, device)
        day += timedelta(days=1)


def _platform_rows(account: str, first, last, seed: int):
    """USE-6 (PLATFORM): the bakery's outbound traffic, every call answered and long enough
    (no hour breaches anything), but for one bad hour last month (``bad_hour``): 30 attempts,
    12 answered, of 5 seconds each — ASR 40 %, ACD 5 s, short calls 100 %: 1.08 € of penalties.
    The day of a month's bad hour has no other call, whether the month is loaded as last month
    or as the current one (a later load adds its bad hour)."""
    day = first
    while day <= last:
        if is_business_day(day) and day != bad_hour(day.replace(day=1)).date():
            rng = _day_rng(seed, day)
            for n in range(6):
                start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
                    seconds=rng.randint(0, 9 * 3600 - 1)
                )
                called = rng.choice(MOBILES + FIXED)
                yield _cdr(account, start, rng.randint(20, 600), called, n, "")
        day += timedelta(days=1)
    bad = bad_hour(first)
    for n in range(30):
        start = bad + timedelta(seconds=n * 119)
        yield _cdr(account, start, 5 if n < 12 else 0, FIXED[n % len(FIXED)], n, "")


def bad_hour(first) -> datetime:
    """The bakery's bad hour: 13:00 UTC on the first working day from the 3rd of the month
    ``first`` on."""
    day = first + timedelta(days=2)
    while not is_business_day(day):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 13, tzinfo=UTC)


def _line(account, day, rng, called, n, device):
    start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC) + timedelta(
        seconds=rng.randint(0, 10 * 3600)
    )
    answered = rng.random() < 0.82
    duration = int(rng.expovariate(1 / 150)) + 5 if answered else 0
    return _cdr(account, start, duration, called, n, device)


def _cdr(account, start, duration, called, n, device):
    """One CSV line; a call of 0 seconds was not answered. A call of today's later hours (the
    demo loaded on the 1st, in the morning) is left out — the import refuses a start in the
    future — and comes with the next day's file, at its own time: moved to "half an hour ago",
    it got an id of that time, and the next day's file brought it again under its own."""
    if start > timezone.now() - timedelta(minutes=30):
        return ""
    call_id = f"demo-{account}-{start:%Y%m%d%H%M%S}-{n}"
    return (
        f"{call_id},{account},{start:%Y-%m-%dT%H:%M:%SZ},{'yes' if duration else 'no'},"
        f"{duration},+33145000000,{called},outbound,{device}\n"
    )


def load() -> str:
    client = Client.objects.filter(siren=DEMO_SIREN).first()
    if client is None:
        return "no demo customer"
    today = paris_today()
    filename = f"demo-{today:%Y%m%d}.csv"
    if ImportBatch.objects.filter(filename=filename).exists():
        return "up to date"
    accounts = list(
        SipAccount.objects.filter(contract__client=client)
        .order_by("pk")
        .values_list("username", flat=True)
    )
    trunk = Trunk.objects.filter(contract__client=client).values_list("username", flat=True).first()
    if not accounts and not trunk:
        return "no SIP account nor trunk"
    first = add_months(today.replace(day=1), -1)
    yesterday = today - timedelta(days=1)
    last = max(yesterday, today.replace(day=1))
    content = HEADER + "".join(_rows(accounts, trunk, first, last, 15))
    clinic = (
        SipAccount.objects.filter(contract__client__siren=CLINIC_SIREN, label=CLINIC_ACCOUNT)
        .values_list("contract__client_id", "username")
        .first()
    )
    if clinic is not None:
        phone = (
            Item.objects.filter(client_id=clinic[0], state=ItemState.AT_CUSTOMER)
            .order_by("serial_number")
            .values_list("mac_address", flat=True)
            .first()
        )
        content += "".join(_clinic_rows(clinic[1], phone or "", first, last, 16))
    platform = (
        Contract.objects.filter(
            client__siren=PLATFORM_SIREN, offer__code="platform", status=ContractStatus.ACTIVE
        )
        .order_by("pk")
        .values_list("client_id", "reference")
        .first()
    )
    if platform is not None:
        content += "".join(_platform_rows(platform[1], first, last, 17))
    batch = imports.import_create(
        source=ImportSource.COMMAND, filename=filename, content=content.encode(), run=False
    )
    batch = imports.import_run(batch.pk)
    # What a task does after each import (it runs again when the worker starts: idempotent),
    # done now so that the demo is whole at once: the bakery's prepaid debits (USE-8) and its
    # quality hours (USE-6), alerts, limits, last traffic.
    customers = [client.pk] + [row[0] for row in (clinic, platform) if row is not None]
    months = (first, today.replace(day=1))
    post_rating.after_rating(batch_id=batch.pk, keys=[(c, m) for c in customers for m in months])
    if not ConsumptionThreshold.objects.filter(client=client).exists():
        alerts.threshold_set(client=client, amount=Decimal("80.00"), block_outgoing=False)
    announce_lower_uk_mobile(today)
    return f"{batch.imported} calls imported ({batch.rejected} rejected)"


UK_MOBILE = {"country": "GB", "line_type": "mobile", "price_class": "standard"}


def announce_lower_uk_mobile(today) -> None:
    """CON-6: a tariff change announced to the customers (the tariffs page's « Changements
    annoncés »): UK mobiles 0.0900 → 0.0700 €/min from the earliest day the notice allows — a
    decrease, which nobody refuses. Once per demo (a later load finds it, told or in force)."""
    if Tariff.objects.filter(**UK_MOBILE, rate_per_minute=Decimal("0.0700")).exists():
        return
    current = Tariff.objects.filter(**UK_MOBILE, prefix="").order_by("-valid_from").first()
    if current is None:
        return
    Tariff.objects.create(
        name=current.name,
        **UK_MOBILE,
        rate_per_minute=Decimal("0.0700"),
        first_increment=current.first_increment,
        next_increment=current.next_increment,
        min_duration=current.min_duration,
        valid_from=tariff_changes.first_day(today),
    )
    tariff_changes.tariffs_announce(today=today)
