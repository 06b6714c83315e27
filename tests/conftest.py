import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from tests.factories import (
    ClientFactory,
    MembershipFactory,
    PartnerFactory,
    SiteFactory,
    make_api_key,
)


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


@pytest.fixture
def live_worker(transactional_db):
    """A real Celery worker process on the real broker (Redis), using the test database.

    Yields an object with ``queue`` (send tasks there with ``apply_async(queue=...)``),
    ``wait_for(predicate)`` and ``proc``. The worker listens on a queue of its own so that it
    never picks up another run's messages.
    """
    import os
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    hostname = f"{queue}@localhost"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log = open(f"/tmp/{queue}.log", "w")  # noqa: SIM115 - kept open for the worker's life
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            hostname,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=settings.BASE_DIR,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {open(log.name).read()[-2000:]}")
        if app.control.ping(destination=[hostname], timeout=0.5):
            break
    else:
        proc.kill()
        raise RuntimeError("the Celery worker did not start within 30 s")

    def wait_for(predicate, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(0.1)
        return False

    def drain(timeout=30.0):
        """Wait until the queue is empty and the worker has nothing running or reserved."""
        inspector = app.control.inspect(destination=[hostname], timeout=1.0)

        def idle():
            with app.connection_for_write() as conn:
                waiting = conn.default_channel.client.llen(queue)
            busy = [
                *(inspector.active() or {}).get(hostname, []),
                *(inspector.reserved() or {}).get(hostname, []),
            ]
            return waiting == 0 and not busy

        return wait_for(lambda: idle() and idle(), timeout)

    worker = type(
        "Worker",
        (),
        {
            "queue": queue,
            "proc": proc,
            "wait_for": staticmethod(wait_for),
            "drain": staticmethod(drain),
            "log": log.name,
            "hostname": hostname,
        },
    )
    yield worker
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


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
    from importlib import import_module

    from django.apps import apps

    from offers.models import Offer

    if not Offer.objects.exists():
        import_module("offers.migrations.0002_presets_and_catalogue").load(apps, None)
