import fcntl
import shutil

import pytest
from django.conf import settings as django_settings
from django.utils import translation
from rest_framework.test import APIClient

from accounts.choices import Role
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    PartnerFactory,
    SiteFactory,
    make_api_key,
)
from tests.sqlite import sqlite_manage


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Nova")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Rival")


@pytest.fixture
def tenant(partner):
    """A customer of ``partner`` with a site and one member per role."""
    client = ClientFactory(partner=partner, legal_name="Acme SAS")
    site = SiteFactory(client=client, name="Siège Acme")
    members = {role: MembershipFactory(client=client, role=role) for role in Role.values}
    return type("Tenant", (), {"client": client, "site": site, "members": members})


@pytest.fixture
def other_tenant(other_partner):
    client = ClientFactory(partner=other_partner, legal_name="Rival Corp")
    site = SiteFactory(client=client, name="Dépôt Rival")
    members = {role: MembershipFactory(client=client, role=role) for role in Role.values}
    return type("Tenant", (), {"client": client, "site": site, "members": members})


@pytest.fixture
def api(partner):
    key, raw = make_api_key(partner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    client.key = key
    return client


@pytest.fixture
def read_only_api(partner):
    _key, raw = make_api_key(partner, read_only=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def login(django_client, membership_or_user):
    user = getattr(membership_or_user, "user", membership_or_user)
    django_client.force_login(user)
    return django_client


@pytest.fixture
def as_role(client, tenant):
    """``as_role("admin")`` → the Django test client signed in as that member of ``tenant``."""

    def _as(role):
        return login(client, tenant.members[role])

    return _as


class LiveWorkers:
    """Real Celery worker processes on the real broker (Redis), using the test database.

    Each worker listens on a queue of this test only, so it never takes another run's messages.
    ``start()`` launches one (``env`` adds settings, e.g. ``{"BILLING_BATCH_SIZE": "10"}``),
    ``kill(worker)`` SIGKILLs its whole process group (main process and pool children).
    """

    def __init__(self):
        import uuid

        self.queue = f"test-{uuid.uuid4().hex[:10]}"
        self.workers = []

    def start(self, *, concurrency=2, env=None):
        import os
        import subprocess
        import sys

        from django.conf import settings
        from django.db import connection

        db = connection.settings_dict
        hostname = f"{self.queue}-{len(self.workers)}@localhost"
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            **(env or {}),
        }
        log = open(f"/tmp/{hostname.split('@')[0]}.log", "w")  # noqa: SIM115 - worker's life
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-Q",
                self.queue,
                "-n",
                hostname,
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        worker = type(
            "Worker", (), {"proc": proc, "hostname": hostname, "log": log.name, "logfile": log}
        )
        self.workers.append(worker)
        if not self.wait_for(lambda: self._ping(worker), timeout=30):
            self.kill(worker)
            raise RuntimeError(f"worker did not start: {open(log.name).read()[-2000:]}")
        return worker

    @staticmethod
    def _ping(worker):
        from portal.celery import app

        if worker.proc.poll() is not None:
            raise RuntimeError(f"worker exited: {open(worker.log).read()[-2000:]}")
        return bool(app.control.ping(destination=[worker.hostname], timeout=0.5))

    @staticmethod
    def wait_for(predicate, timeout=30.0):
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    def drain(self, timeout=60.0):
        """Wait until the queue is empty and no live worker has anything running or reserved."""
        from portal.celery import app

        live = [w.hostname for w in self.workers if w.proc.poll() is None]
        inspector = app.control.inspect(destination=live, timeout=1.0)

        def idle():
            with app.connection_for_write() as conn:
                waiting = conn.default_channel.client.llen(self.queue)
            active = inspector.active() or {}
            reserved = inspector.reserved() or {}
            busy = [t for name in live for t in [*active.get(name, []), *reserved.get(name, [])]]
            return waiting == 0 and not busy

        return self.wait_for(lambda: idle() and idle(), timeout)

    def kill(self, worker):
        import os
        import signal

        try:
            os.killpg(worker.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.proc.wait(timeout=15)

    def log_tail(self):
        return "\n".join(open(w.log).read()[-1500:] for w in self.workers)

    def stop_all(self):
        import os
        import signal

        # SIGKILL: the test is over and its tasks were drained; a warm shutdown (SIGTERM) took
        # 2.5-3.5 s a test here, for nothing the test proves.
        for worker in self.workers:
            if worker.proc.poll() is None:
                try:
                    os.killpg(worker.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                worker.proc.wait(timeout=15)
            worker.logfile.close()


@pytest.fixture
def live_workers(transactional_db):
    """Start real workers with ``live_workers.start()``; they are stopped after the test."""
    workers = LiveWorkers()
    yield workers
    workers.stop_all()


@pytest.fixture
def live_worker(live_workers):
    """One real worker (concurrency 2), started: send tasks to ``live_worker.queue``."""
    worker = live_workers.start()
    live_workers.proc = worker.proc
    live_workers.log = worker.log
    return live_workers


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
    tmp_path_factory,
    worker_id,
):
    """pytest-django's set-up, but the test processes (xdist workers) migrate one database, not
    one each: the first to get here migrates its own and copies it as a template; the others
    create theirs from the template (``CREATE DATABASE … TEMPLATE``, ~1 s). Two ``migrate``
    side by side took 40-65 s each on the machine's 2 cores, beside the SQLite one."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    verbosity = request.config.option.verbose
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized = _get_databases_for_setup(request.session.items)
    kwargs = {"verbosity": verbosity, "interactive": False, "keepdb": keepdb}
    kwargs.update(aliases=aliases, serialized_aliases=serialized)
    shared = tmp_path_factory.getbasetemp().parent  # the run's, above the workers' own
    with django_db_blocker.unblock():
        if worker_id == "master" or keepdb or serialized or aliases != {"default"}:
            config, shared = setup_databases(**kwargs), None
        else:
            sqlite = any(item.nodeid.startswith(SQLITE_TESTS) for item in request.session.items)
            meanwhile = (lambda: _sqlite_migrate_once(shared)) if sqlite else None
            config = _test_database_from_template(
                shared, lambda: setup_databases(**kwargs), meanwhile
            )
    yield
    if django_db_keepdb:
        return
    with django_db_blocker.unblock():
        try:
            _disconnect_others()
            teardown_databases(config, verbosity=verbosity)
            if shared is not None:
                _drop_template(shared / "test-db-template")
        except Exception as exc:  # noqa: BLE001 - as pytest-django: a warning, not a failure
            request.node.warn(pytest.PytestWarning(f"test databases not dropped: {exc!r}"))


def _disconnect_others():
    """Sessions still on the test database when the run ends (a live server's thread, a killed
    worker's backend not yet gone) would make ``DROP DATABASE`` fail."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# The tests that run ``manage.py`` on SQLite (``sqlite_migrated``).
SQLITE_TESTS = ("tests/usage/test_partitions.py", "tests/api/test_sqlite_api.py")


def _test_database_from_template(shared, migrate, meanwhile=None):
    """``migrate`` (the first process here) or a copy of the template; a process that finds the
    other migrating runs ``meanwhile`` first (the SQLite ``migrate``: both cores busy, and the
    two SQLite tests later find it done instead of one of them waiting for it)."""
    from django.conf import settings
    from django.db import connection

    marker = shared / "test-db-template"
    quote = connection.ops.quote_name
    with open(shared / "test-db.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if meanwhile is not None:
                try:
                    meanwhile()
                except Exception:  # noqa: BLE001 - the SQLite tests migrate again and say why
                    pass
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not marker.exists():
                config = migrate()
                name = connection.settings_dict["NAME"]
                template = f"{name.rsplit('_gw', 1)[0]}_template"
                connection.close()
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
                    cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(name)}")
                marker.write_text(template)
                return config
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    template = marker.read_text()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cursor.fetchone() is None:  # gone (the first process finished): migrate
            return migrate()
    old_name = connection.settings_dict["NAME"]
    name = connection.creation._get_test_db_name()
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    return [(connection, old_name, True)]


def _drop_template(marker):
    from django.db import connection

    if not marker.exists():
        return
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(marker.read_text())}")


def _flush_by_delete(original):
    """Django empties the database after each transactional test with one ``TRUNCATE`` of every
    table: about 1.3 s here (a new file for each of ~200 tables and their indexes), after each
    of ~80 tests. The tables hold a test's few rows, and ``DELETE`` empties them in ~0.1 s —
    with the triggers off for the transaction (``session_replication_role``: the foreign keys
    and the issued-invoice guard, which ``TRUNCATE`` skips too), and the emptied tables written
    to ``kernel_change`` as its statement triggers would have (the API's page cache must see
    the flush). Superuser only (the machine's ``postgres``); anyone else keeps ``TRUNCATE``."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables or not _is_superuser(self.connection):
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        logged = []
        if "kernel_change" in self.connection.introspection.table_names():
            regclasses = ", ".join(f"'{self.quote_name(t)}'::regclass" for t in tables)
            logged = [
                "INSERT INTO kernel_change (xid, relid) SELECT pg_current_xact_id(), relid "
                f"FROM unnest(ARRAY[{regclasses}]::oid[]) AS relid ON CONFLICT DO NOTHING"
            ]
        return [
            "SET LOCAL session_replication_role = replica",
            *(f"DELETE FROM {self.quote_name(t)}" for t in tables),
            *logged,
        ]

    return sql_flush


def _is_superuser(connection):
    if not hasattr(connection, "_tests_superuser"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            connection._tests_superuser = cursor.fetchone()[0]
    return connection._tests_superuser


@pytest.fixture(autouse=True, scope="session")
def _fast_flush():
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    DatabaseOperations.sql_flush = _flush_by_delete(original)
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True, scope="session")
def _media_per_process(tmp_path_factory):
    """Each test process (each xdist worker) stores files in its own directory, and so do the
    Celery workers it starts (they inherit ``MEDIA_ROOT``): invoice numbers restart in every test
    database, so two processes sharing one directory wrote, and removed, each other's
    ``invoices/<number>.pdf``."""
    import os

    from django.test.utils import override_settings

    media = str(tmp_path_factory.mktemp("media"))
    os.environ["MEDIA_ROOT"] = media
    with override_settings(MEDIA_ROOT=media):
        yield media


@pytest.fixture(autouse=True)
def _fresh_request_state():
    """The language does not leak from one test to the next: the test client's requests
    activate theirs in this thread (LocaleMiddleware never deactivates it), so a test that
    read a page in English left the next one computing its expected texts in English. Each
    test starts in the product's language, French, whatever ran before it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _catalogue(request):
    """The offers catalogue comes from data migration 0002; a transactional test's flush wipes
    it for the tests that follow, so every database test gets it back when it is missing."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server", "live_worker")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    ensure_catalogue()


def ensure_catalogue():
    """The catalogue rows the data migrations seed, written again where a flush removed them
    (also for a module-scoped fixture, set up before the first test's ``_catalogue``)."""
    from importlib import import_module

    from django.apps import apps

    from offers.models import Offer

    if not Offer.objects.exists():
        import_module("offers.migrations.0002_presets_and_catalogue").load(apps, None)
    from telephony.models import PackTable

    if not PackTable.objects.exists():  # the trunk pack table and destination groups (TRK-1/6)
        import_module("telephony.migrations.0002_packs_and_destinations").load(apps, None)
        # their English names (SPEC §9)
        import_module("telephony.migrations.0016_destination_english_names").name_in_english(
            apps, None
        )
    from offers.models import Product

    if not Product.objects.filter(code__startswith="number-").exists():  # NUM-2 prices
        import_module("numbering.migrations.0003_number_products").create(apps, None)
    if not Offer.objects.filter(code__startswith="equipment-rental-").exists():  # EQP-3 rentals
        import_module("equipment.migrations.0002_rental_offers").create(apps, None)
        import_module(
            "equipment.migrations.0004_rentals_are_no_telephone_service"
        ).rentals_are_no_telephone_service(apps, None)
    if Product.objects.filter(name_en="").exists() or Offer.objects.filter(name_en="").exists():
        # PLATFORM 24: the English names of those rows
        import_module("offers.migrations.0018_catalogue_english_names_seed").name_in_english(
            apps, None
        )
        import_module("offers.migrations.0021_offer_description_en_seed").describe_in_english(
            apps, None
        )
    from usage.models import Tariff

    if not Tariff.objects.exists():  # USE-1/USE-2 tariff grid and the plans' destinations
        import_module("usage.migrations.0004_seed_tariffs").load(apps, None)
        import_module("usage.migrations.0033_destination_english_names").name_in_english(apps, None)


def _sqlite_shared(tmp_path_factory, worker_id):
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # the run's directory, above the workers' own
        shared = shared.parent
    return shared


@pytest.fixture
def sqlite_migrated(tmp_path, tmp_path_factory, worker_id):
    """``sqlite_manage`` on a copy of a SQLite database that ``manage.py migrate`` made once
    for the whole run (the first test to need it migrates it, under a lock the xdist workers
    share): each ``migrate`` from nothing costs a minute or more."""
    migrated = _sqlite_migrate_once(_sqlite_shared(tmp_path_factory, worker_id))
    shutil.copyfile(migrated, tmp_path / "demo.sqlite3")
    return sqlite_manage(tmp_path)


def _sqlite_migrate_once(shared):
    migrated = shared / "sqlite-migrated" / "demo.sqlite3"
    with open(shared / "sqlite-migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not migrated.exists():  # made aside, then renamed: a failed migrate leaves none
                work = shared / "sqlite-migrating"
                shutil.rmtree(work, ignore_errors=True)
                work.mkdir()
                sqlite_manage(work)("migrate", "--noinput")
                work.rename(migrated.parent)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return migrated


def admin_confirmation(page: str) -> dict:
    """What a back-office confirmation page (``admin/confirm_form.html``, a write that moves
    money) sends back with « Confirmer », as a browser does: its hidden inputs (the form's
    values, the selection, the token given for what the page showed) and ``confirm``."""
    from lxml import html

    form = html.fromstring(page).xpath("//dl[@data-testid='confirm-facts']/following::form")[0]
    fields: dict[str, list[str]] = {}
    for field in form.xpath(".//input[@type='hidden']"):
        if field.get("name") != "csrfmiddlewaretoken":
            fields.setdefault(field.get("name"), []).append(field.get("value") or "")
    return {**fields, "confirm": "Confirm"}
