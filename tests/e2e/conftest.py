"""Browser tests: a real Chromium (Debian's, never a Playwright download) against live_server.

Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set, hence the line below,
before anything touches the database.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

# Assertions wait up to 15 s (Playwright's default: 5 s). ``make test`` runs two test processes
# on two cores: a page's fetch to the live server, behind the other process's work, once took
# over 5 s (the live channel quote). A passing assertion returns as soon as it holds.
expect.set_options(timeout=15_000)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e gets the ``e2e`` marker (and only those)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


EMPTY_BINARY_COPY = 21  # a binary COPY of no row: its 19-byte header and 2-byte trailer


class DemoSnapshot:
    """The demo data, loaded by ``load_demo`` once per test process and copied back before
        each later test that asks for it: every table's rows as they were after the first load,
        by binary COPY, into the tables the last test's flush emptied (a DELETE first: the catalogue
    and the content types written since). Loading the
        demo (services, rating, invoicing) took 4-5 s a test on this machine's 2 cores; the copy
        takes a fraction of a second, and each test starts from the same rows as the first did. A
        new day (the demo's dates are relative to today) loads it again."""

    def __init__(self):
        self.day = None
        self.tables = []

    @staticmethod
    def _table_names():
        from django.db import connection

        names = connection.introspection.django_table_names(only_existing=True, include_views=False)
        return sorted(names)

    def load(self):
        from django.db import DatabaseError, connection
        from django.utils import timezone

        today = timezone.localdate()
        if self.day == today:
            try:
                self._restore()
                return
            except DatabaseError:  # e.g. a test dropped a month's partition: load it again
                pass
        call_command("load_demo", stdout=io.StringIO())
        tables = []
        with connection.cursor() as cursor:
            for name in self._table_names():
                query = f"COPY (SELECT * FROM {connection.ops.quote_name(name)}) TO STDOUT"
                with cursor.cursor.copy(f"{query} (FORMAT binary)") as copy:
                    data = b"".join(bytes(block) for block in copy)
                if len(data) > EMPTY_BINARY_COPY:
                    tables.append((name, data))
        self.tables, self.day = tables, today

    def _restore(self):
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection, transaction

        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(";".join(f"DELETE FROM {quote(n)}" for n in self._table_names()))
            for name, data in self.tables:
                with cursor.cursor.copy(f"COPY {quote(name)} FROM STDIN (FORMAT binary)") as copy:
                    copy.write(data)
        ContentType.objects.clear_cache()  # the snapshot's ids, not those of the last flush
        self._forget_cached_state()

    @staticmethod
    def _forget_cached_state():
        """This process's cache keys go too, as with a new load's new users: allauth remembers
        a one-time code used by user id (the snapshot's ids come back), so a later test's
        sign-in in the same 30 s was refused the code."""
        from django.conf import settings
        from django.core.cache import cache

        prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


_demo = DemoSnapshot()


@pytest.fixture
def demo_data(transactional_db):
    """The `make run` demo data; transactional_db because live_server reads from another
    thread, which cannot see the uncommitted data of a test wrapped in a transaction."""
    _demo.load()
