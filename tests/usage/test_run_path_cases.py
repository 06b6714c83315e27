"""``make run``'s path for usage (issue 15): the demo's calls as a new user finds them — rated by
the Python engine on SQLite as by the SQL one on PostgreSQL, loaded again on a later day without
duplicating a call — and the inbox folder the worker watches."""

import csv
import io
import os
from datetime import UTC, datetime
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tests.usage.core_helpers import assert_matches_reference
from usage.models import CallRecord, ImportBatch

PARIS = ZoneInfo("Europe/Paris")
# what `make run` loads that the usage demo reads (test_demo.py's list)
DEMOS = ["accounts.demo", "offers.demo", "telephony.demo", "equipment.demo", "usage.demo"]

pytestmark = pytest.mark.django_db


# USE-1..4: the demo's month (every app's demo, as `make run` loads it) rated by the SQL engine
# equals the Python engine's (the one `make run` uses on SQLite), call by call.
def test_demo_month_sql_equals_python(settings, django_capture_on_commit_callbacks):
    settings.BILLING_RENDER_PDF = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    assert CallRecord.objects.count() > 300
    assert_matches_reference()


def _load_demo_on(moment, loads):
    import time_machine

    with time_machine.travel(moment, tick=True):
        for name in loads:
            import_module(name).load()


def _calls_of(lo, hi) -> set:
    return set(
        CallRecord.objects.filter(started_at__gte=lo, started_at__lt=hi).values_list(
            "account_ref", "call_id", "started_at"
        )
    )


def _stored_like(file_calls: set, lo, hi) -> set:
    """The stored calls of [lo, hi) of the accounts the file names (the bakery, prepaid without
    the payments demo's top-up, is suspended once debited: its contract gets no more calls)."""
    accounts = {c[0] for c in file_calls}
    return {c for c in _calls_of(lo, hi) if c[0] in accounts}


def _file_calls(day, lo, hi) -> set:
    """The calls of the demo file loaded on ``day`` that start in [lo, hi)."""
    batch = ImportBatch.objects.get(filename=f"demo-{day:%Y%m%d}.csv")
    with batch.file.open("rb") as f:
        rows = csv.DictReader(io.StringIO(f.read().decode()))
        calls = {
            (r["account"], r["call_id"], datetime.fromisoformat(r["start_time"])) for r in rows
        }
    return {c for c in calls if lo <= c[2] < hi}


def _paris(*args):
    return datetime(*args, tzinfo=PARIS)


# README "Re-running `make run` keeps your data (the demo loader is idempotent)": loaded on
# Friday 20 November 2026 (its file: 1 October – 19 November), then again on Saturday
# 5 December (1 November – 4 December). The calls of 1–19 November were loaded once, on the
# 20th: the second load must find them all as duplicates and add only 20 November – 4 December.
# It drew November's calls again from another random stream: some 700 more calls in 1–19
# November (the law firm's first account up to 24 calls a day where the demo makes 6 to 12).
def test_demo_loaded_again_the_next_month_adds_no_call_to_the_days_it_had(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = tmp_path
    nov1, nov20, dec5 = _paris(2026, 11, 1), _paris(2026, 11, 20), _paris(2026, 12, 5)
    with django_capture_on_commit_callbacks(execute=True):
        _load_demo_on(datetime(2026, 11, 20, 9, tzinfo=UTC), DEMOS)
    before = _calls_of(nov1, nov20)
    assert len(before) > 300
    with django_capture_on_commit_callbacks(execute=True):
        _load_demo_on(datetime(2026, 12, 5, 9, tzinfo=UTC), DEMOS)
    after = _calls_of(nov1, nov20)
    assert before <= after  # kept (the clinic's new numbers of its breach month come now)
    # every call stored for 1 November – 4 December is a line of the second file, once
    second = _file_calls(dec5.date(), nov1, dec5)
    assert _stored_like(second, nov1, dec5) == second


# The same on the 1st: loaded on Tuesday 1 December 2026 at 10:00 Paris (09:00 UTC), the
# file held the calls of the 1st placed after 08:30 UTC moved to 08:30 UTC ("half an hour
# ago"), each with an id made of that time; loaded again on the 2nd, the same calls came at
# their own time with other ids: the 1st's calls counted twice (only those that start before
# 08:30 UTC are the same calls).
def test_demo_loaded_on_the_1st_then_the_2nd_has_each_call_of_the_1st_once(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = tmp_path
    dec1, dec2 = _paris(2026, 12, 1), _paris(2026, 12, 2)
    with django_capture_on_commit_callbacks(execute=True):
        _load_demo_on(datetime(2026, 12, 1, 9, tzinfo=UTC), DEMOS)
    first = _calls_of(dec1, dec2)
    assert first and all(c[2] < datetime(2026, 12, 1, 8, 40, tzinfo=UTC) for c in first)
    with django_capture_on_commit_callbacks(execute=True):
        _load_demo_on(datetime(2026, 12, 2, 9, tzinfo=UTC), ["usage.demo"])
    second = _file_calls(dec2.date(), dec1, dec2)
    assert _stored_like(second, dec1, dec2) == second
    assert {c for c in first if c[0] in {s[0] for s in second}} <= second


WORKER_TASKS = """
from portal.celery import app
app.loader.import_default_modules()  # what `celery -A portal worker` registers
print("TASKS", sorted(name for name in app.tasks if name.startswith("usage.")))
"""


# USE-8 / USE-5 / ACC-6 / alerts: after each rating pass ``usage.receivers.on_calls_rated``
# queues ``usage.money_tasks.after_rating`` (prepaid debits, consumption alerts, platform
# limits, last traffic). The worker of `make run` (and of production) registers the tasks of
# each app's ``tasks`` module only: ``money_tasks`` is imported inside the receiver, never at
# start-up, so the worker logs "Received unregistered task of type
# 'usage.money_tasks.after_rating'. The message has been ignored and discarded." after every
# import — a prepaid customer's 61 s mobile call (0.0458 € HT) dropped in the inbox is rated
# but never debited (0.05 € TTC expected; 0 debited).
def test_the_worker_registers_the_after_rating_task():
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", WORKER_TASKS],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    line = next(x for x in result.stdout.splitlines() if x.startswith("TASKS"))
    assert "usage.money_tasks.after_rating" in line
    assert "usage.money_tasks.blocks_expire" in line  # the daily end of the blocks of ended months


def _inbox(settings, tmp_path):
    settings.USAGE_INBOX_DIR = str(tmp_path / "cdr-inbox")
    settings.USAGE_INBOX_SETTLE_SECONDS = 0
    return tmp_path / "cdr-inbox"


# docs/cdr-format.md: the inbox folder is `var/cdr-inbox/` by default — `make run` never made
# it and the scan said nothing: a new user found no folder to drop a file into (and
# `cp day.csv var/cdr-inbox` made a file of that name, never read).
def test_the_inbox_scan_makes_its_folder(settings, tmp_path):
    from usage.services import inbox

    folder = _inbox(settings, tmp_path)
    assert inbox.inbox_scan() == []
    assert folder.is_dir() and (folder / "done").is_dir()


# The scan queues each new file's import once. The minute task ``usage.tasks.inbox_scan``
# creates the batch (queued on commit), then asks ``imports_resume`` for the imports "a dead
# worker left behind", which finds the new batch PENDING and queues it again: the worker's log
# says {'queued': [2], 'resumed': [2]} and runs import_run twice. On `make run` (SQLite, no
# lease) the two run at once: the second waits 20 s and fails "database is locked" — and
# every minute while a long file runs, the same again (a 30 000-line file: 12 minutes, 10
# failed tasks in the worker's log, the portal's sign-in answering 500 "database is locked").
def test_an_inbox_file_is_queued_once(
    settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from usage import tasks
    from usage.services import imports

    folder = _inbox(settings, tmp_path)
    folder.mkdir()
    (folder / "day.csv").write_text(
        "call_id,account,start_time,answered,duration,caller,called,call_type,device_id\n"
    )
    queued = []
    monkeypatch.setattr(imports, "_queue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        report = tasks.inbox_scan()
    batch = ImportBatch.objects.get(filename="day.csv")
    assert report == {"queued": [batch.pk], "resumed": []}
    assert queued == [batch.pk]


# README: "The demo holds a month of rated calls for Cabinet Martin Avocats (`/usage/`)" and
# the bakery's bad hour "1,08 € of penalties". `load_demo` runs billing's demo (the runs of the
# last two months: last month's invoices issued) before usage's demo loads last month's calls:
# every call of last month is then rated *late* — "Reçu après facturation : 1" on each line of
# the law firm's CSV (560 calls, 21.96 € HT on /usage/) while its invoice of that month bills
# no consumption at all (the calls wait for next month's run as late records).
def test_demo_last_months_calls_are_not_late(settings, django_capture_on_commit_callbacks):
    settings.BILLING_RENDER_PDF = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    assert CallRecord.objects.exists()
    assert not CallRecord.objects.filter(late=True).exists()
