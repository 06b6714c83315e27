"""Issue 13: a list page asked again is answered from memory (``portal.api.pagination``) while no
committed change touches a table its statements read (``kernel.changes``, PostgreSQL snapshots).

The data here is committed (``transaction=True``): a page read in a transaction that has written
is never kept, which is what every other API test runs in."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Client
from kernel import changes
from portal.api import pagination
from support.choices import TicketKind, TicketSource, TicketStatus
from support.models import Ticket
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = "/api/v1/customers/"
TICKETS = "/api/v1/tickets/"


@pytest.fixture(autouse=True)
def _no_kept_pages():
    pagination._PAGES.clear()
    yield
    pagination._PAGES.clear()


def _get(api, url):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def _names(body) -> list[str]:
    return [row["legal_name"] for row in body["results"]]


def _other_session():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )


def test_a_page_asked_again_is_served_from_one_short_query(api, partner, settings):
    ClientFactory(partner=partner, legal_name="Alpha SAS")
    ClientFactory(partner=partner, legal_name="Beta SARL")
    first, _ = _get(api, CUSTOMERS)
    again, again_queries = _get(api, CUSTOMERS)
    assert again == first
    assert first["count"] == 2
    assert len(pagination._PAGES) == 1
    settings.API_PAGE_CACHE = False
    read, read_queries = _get(api, CUSTOMERS)
    assert read == first
    # the key, then the check instead of the page's keys and its rows
    assert (again_queries, read_queries) == (2, 3)


def test_a_change_committed_since_shows_at_once(api, partner):
    alpha = ClientFactory(partner=partner, legal_name="Alpha SAS")
    _get(api, CUSTOMERS)
    Client.objects.filter(pk=alpha.pk).update(legal_name="Alpha Renamed SAS")
    body, _ = _get(api, CUSTOMERS)
    assert _names(body) == ["Alpha Renamed SAS"]
    ClientFactory(partner=partner, legal_name="Gamma SA")
    body, _ = _get(api, CUSTOMERS)
    assert body["count"] == 2
    assert sorted(_names(body)) == ["Alpha Renamed SAS", "Gamma SA"]


def test_a_change_of_another_session_shows_when_it_commits_not_before(api, partner):
    alpha = ClientFactory(partner=partner, legal_name="Alpha SAS")
    _get(api, CUSTOMERS)
    with _other_session() as other:
        other.execute(
            "UPDATE accounts_client SET legal_name = 'Alpha Later SAS' WHERE id = %s", [alpha.pk]
        )
        body, _ = _get(api, CUSTOMERS)  # not committed yet: the page as it was
        assert _names(body) == ["Alpha SAS"]
        other.commit()
    body, _ = _get(api, CUSTOMERS)
    assert _names(body) == ["Alpha Later SAS"]


def test_a_change_committed_while_the_page_was_read_is_not_missed(api, partner):
    """A commit between the page's keys and its rows: the page may hold it or not, the next
    request must (its transaction was not in the keys' snapshot)."""
    alpha = ClientFactory(partner=partner, legal_name="Alpha SAS")
    original = pagination.KeysPaginator._keys

    def keys_then_commit(self, *args, **kwargs):
        found = original(self, *args, **kwargs)
        with _other_session() as other:
            other.execute(
                "UPDATE accounts_client SET legal_name = 'Alpha Racing SAS' WHERE id = %s",
                [alpha.pk],
            )
        return found

    pagination.KeysPaginator._keys = keys_then_commit
    try:
        _get(api, CUSTOMERS)
    finally:
        pagination.KeysPaginator._keys = original
    body, _ = _get(api, CUSTOMERS)
    assert _names(body) == ["Alpha Racing SAS"]


def test_a_page_read_after_writing_in_the_same_transaction_is_never_kept(api, partner):
    ClientFactory(partner=partner, legal_name="Alpha SAS")
    with pytest.raises(RuntimeError), transaction.atomic():
        ClientFactory(partner=partner, legal_name="Phantom SAS")
        body, _ = _get(api, CUSTOMERS)
        assert body["count"] == 2  # its own write, not committed
        raise RuntimeError("rolled back")
    assert not pagination._PAGES
    body, _ = _get(api, CUSTOMERS)
    assert _names(body) == ["Alpha SAS"]


def test_each_partner_has_its_own_kept_pages(api, partner, other_partner):
    from tests.factories import make_api_key

    ClientFactory(partner=partner, legal_name="Alpha SAS")
    ClientFactory(partner=other_partner, legal_name="Rival Corp")
    mine, _ = _get(api, CUSTOMERS)
    _key, raw = make_api_key(other_partner)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    theirs, _ = _get(api, CUSTOMERS)
    theirs_again, _ = _get(api, CUSTOMERS)
    assert _names(mine) == ["Alpha SAS"]
    assert _names(theirs) == _names(theirs_again) == ["Rival Corp"]
    assert len(pagination._PAGES) == 2


def test_pages_are_not_kept_when_turned_off(api, partner, settings):
    settings.API_PAGE_CACHE = False
    ClientFactory(partner=partner, legal_name="Alpha SAS")
    _get(api, CUSTOMERS)  # the key's first use is written down
    _, first = _get(api, CUSTOMERS)
    _, again = _get(api, CUSTOMERS)
    assert first == again == 3
    assert not pagination._PAGES


def test_a_kept_page_expires_after_its_age(api, partner, monkeypatch):
    ClientFactory(partner=partner, legal_name="Alpha SAS")
    _get(api, CUSTOMERS)
    _, served = _get(api, CUSTOMERS)
    monkeypatch.setattr(changes, "MAX_AGE", 0.0)
    _, read = _get(api, CUSTOMERS)
    assert (served, read) == (2, 3)  # read again, without even checking


def test_a_ticket_flag_that_turns_with_time_turns_on_a_kept_page(api, partner):
    """SLA-3: ``intervention_met`` is null while the deadline is ahead and false once it has
    passed with nothing started; the kept page lasts until the deadline only."""
    customer = ClientFactory(partner=partner)
    now = timezone.now()
    Ticket.objects.create(
        number="T-KEPT-0001",
        client=customer,
        kind=TicketKind.QUESTION,
        subject="Deadline in a moment",
        status=TicketStatus.NEW,
        source=TicketSource.API,
        reported_at=now,
        intervention_deadline=now + timedelta(seconds=1.5),
    )
    body, _ = _get(api, TICKETS)
    assert body["results"][0]["intervention_met"] is None
    body, queries = _get(api, TICKETS)
    assert body["results"][0]["intervention_met"] is None
    assert len(pagination._PAGES) == 1
    time.sleep(1.6)
    body, _ = _get(api, TICKETS)
    assert body["results"][0]["intervention_met"] is False


def test_an_api_key_that_expires_turns_not_live_on_a_kept_page(api, partner):
    """``is_live`` turns false at the key's expiry, with no change to its row: the kept page
    of keys lasts until the earliest expiry ahead only."""
    from accounts.api_keys import api_key_create

    soon, _raw = api_key_create(
        partner=partner, name="short", expires_at=timezone.now() + timedelta(seconds=1.5)
    )
    url = "/api/v1/api-keys/"
    _get(api, url)  # the calling key's first use is written down (a change to the keys)

    def live() -> bool:
        body, _ = _get(api, url)
        return next(row["is_live"] for row in body["results"] if row["id"] == soon.pk)

    assert live() is True
    assert live() is True
    assert len(pagination._PAGES) == 1
    time.sleep(1.6)
    assert live() is False


def test_every_table_carries_the_change_trigger():
    with connection.cursor() as cursor:
        cursor.execute(changes._UNWATCHED)
        assert cursor.fetchall() == []


def test_a_statement_on_a_table_without_the_trigger_is_not_watched():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS page_cache_probe (id int)")
    try:
        assert changes.watched(connection, 'SELECT 1 FROM "page_cache_probe"') is None
        assert changes.watched(connection, 'SELECT 1 FROM "accounts_client"') is not None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE page_cache_probe")
        changes._WATCHED.clear()


def test_prune_keeps_what_a_kept_page_may_still_need(partner, monkeypatch):
    """Rows of transactions that ended before the previous prune's snapshot go (every page kept
    since saw them); the others stay. Transaction ids are the cluster's: another session's
    open transaction holds the snapshot's horizon back, so the test reads it."""

    def counts(mark: str) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FILTER (WHERE xid < pg_snapshot_xmin(%s::pg_snapshot)), "
                f"count(*) FILTER (WHERE xid >= pg_snapshot_xmin(%s::pg_snapshot)) "
                f"FROM {changes.TABLE}",
                [mark, mark],
            )
            return cursor.fetchone()

    def mark() -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT snapshot::text FROM {changes.TABLE}_mark")
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {changes.TABLE}_mark")
    monkeypatch.setattr(changes, "MAX_AGE", 0.05)
    ClientFactory(partner=partner, legal_name="Before the mark")
    assert changes.prune() == 0  # the first run only marks
    first = mark()
    assert changes.prune() == 0  # the mark is too young
    time.sleep(0.15)
    ClientFactory(partner=partner, legal_name="After the mark")
    older, newer = counts(first)
    assert newer > 0  # "After the mark" (and whatever was still running at the mark)
    assert changes.prune() == older
    assert counts(first) == (0, newer)
    assert mark() != first  # the next run's horizon


def test_concurrent_writers_of_one_table_do_not_wait_on_each_other(partner):
    """The log takes no lock that another writer waits for: two transactions add customers at
    the same time, each holding its transaction open, and neither waits for the other."""
    from django.db import connections

    done, ready = [], threading.Barrier(2)

    def write(name):
        try:
            with transaction.atomic():
                ClientFactory(partner=partner, legal_name=name)
                ready.wait(timeout=5)  # both have written, neither has committed
                time.sleep(0.3)
            done.append(name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(f"Writer {i}",)) for i in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == ["Writer 0", "Writer 1"]
    assert time.monotonic() - started < 1.5  # side by side, not one after the other
