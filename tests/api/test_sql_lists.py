"""Issue 13: list pages written by PostgreSQL (``kernel.sql_lists``) say what DRF says, on the
values where SQL and Python write differently if nothing takes care: microseconds (Python writes
six digits, or none when they are zero), summer and winter offsets, ``Z`` for UTC, nulls, the
SLA-3 "met" flags that depend on the moment of the request. The statement changes the session's
time zone for itself only, in autocommit as inside a transaction."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from kernel import prepared, sql_lists
from support.choices import TicketKind, TicketSource, TicketStatus
from support.models import Ticket
from tests.factories import ClientFactory, make_api_key

URL = "/api/v1/tickets/"


def _ticket(client, number: int, reported_at: datetime, **times) -> Ticket:
    return Ticket.objects.create(
        number=f"T-SQL-{number:04d}",
        client=client,
        kind=TicketKind.QUESTION,
        subject=f"Ticket {number}",
        status=TicketStatus.NEW,
        source=TicketSource.API,
        reported_at=reported_at,
        **times,
    )


@pytest.fixture
def tickets(partner):
    customer = ClientFactory(partner=partner)
    now = timezone.now()
    return [
        # winter, microseconds whose last digits are zeros: Python writes all six
        _ticket(customer, 1, datetime(2026, 1, 15, 9, 30, 0, 500000, tzinfo=UTC)),
        # summer, one microsecond; work started in time (met: true)
        _ticket(
            customer,
            2,
            datetime(2026, 7, 1, 10, 0, 0, 1, tzinfo=UTC),
            intervention_deadline=datetime(2026, 7, 1, 14, 0, tzinfo=UTC),
            intervention_started_at=datetime(2026, 7, 1, 11, 0, tzinfo=UTC),
        ),
        # deadline passed, nothing started (met: false); restoration target ahead (null)
        _ticket(
            customer,
            3,
            now - timedelta(hours=6),
            intervention_deadline=now - timedelta(hours=2),
            restoration_target=now + timedelta(hours=2),
        ),
        # the night of the change to summer time, whole seconds
        _ticket(customer, 4, datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)),
    ]


def _both(api, monkeypatch, url=URL) -> tuple[dict, dict]:
    """The page as PostgreSQL writes it, then as DRF does."""
    by_sql = api.get(url)
    assert by_sql.status_code == 200, by_sql.content[:300]
    assert isinstance(by_sql.data["results"], sql_lists.RawJSON)
    with monkeypatch.context() as patch:
        patch.setattr(sql_lists, "writer", lambda view: None)
        by_drf = api.get(url)
    assert not isinstance(by_drf.data["results"], sql_lists.RawJSON)
    return by_sql.json(), by_drf.json()


def _zone() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW TIME ZONE")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_datetimes_and_flags_as_drf_writes_them(api, tickets, monkeypatch):
    sql, drf = _both(api, monkeypatch)
    assert sql == drf
    rows = {row["number"]: row for row in sql["results"]}
    assert rows["T-SQL-0001"]["reported_at"] == "2026-01-15T10:30:00.500000+01:00"
    assert rows["T-SQL-0002"]["reported_at"] == "2026-07-01T12:00:00.000001+02:00"
    assert rows["T-SQL-0004"]["reported_at"] == "2026-03-29T01:59:59+01:00"
    assert rows["T-SQL-0001"]["detected_at"] is None
    assert rows["T-SQL-0002"]["intervention_met"] is True
    assert rows["T-SQL-0003"]["intervention_met"] is False
    assert rows["T-SQL-0003"]["restoration_met"] is None
    assert rows["T-SQL-0001"]["intervention_met"] is None
    # The statement's SET LOCAL ended with it: the transaction's zone is the connection's.
    assert _zone() == "UTC"


@pytest.mark.django_db
def test_utc_is_written_z_as_drf_does(api, tickets, monkeypatch):
    with timezone.override("UTC"):
        sql, drf = _both(api, monkeypatch)
    assert sql == drf
    rows = {row["number"]: row for row in sql["results"]}
    assert rows["T-SQL-0001"]["reported_at"] == "2026-01-15T09:30:00.500000Z"


@pytest.mark.django_db(transaction=True)
def test_in_autocommit_the_zone_is_the_statements_only(api, tickets, monkeypatch):
    assert connection.get_autocommit()
    sql, drf = _both(api, monkeypatch)
    assert sql == drf
    assert _zone() == "UTC"
    # The ORM still reads UTC timestamps as before.
    ticket = Ticket.objects.get(number="T-SQL-0001")
    assert ticket.reported_at == datetime(2026, 1, 15, 9, 30, 0, 500000, tzinfo=UTC)


@pytest.mark.django_db
def test_pages_and_filters_keep_their_rows(api, tickets, monkeypatch):
    sql, drf = _both(api, monkeypatch, f"{URL}?page_size=2&page=2")
    assert sql == drf
    assert sql["count"] == 4 and len(sql["results"]) == 2
    assert sql["previous"] is not None and sql["next"] is None
    sql, drf = _both(api, monkeypatch, f"{URL}?status=closed")
    assert sql == drf == {"count": 0, "next": None, "previous": None, "results": []}
    # ``page=last`` counts first, then reads the keys without the total beside them.
    sql, drf = _both(api, monkeypatch, f"{URL}?page_size=3&page=last")
    assert sql == drf
    assert sql["count"] == 4 and [row["number"] for row in sql["results"]] == ["T-SQL-0001"]
    assert api.get(f"{URL}?page=9").status_code == 404


@pytest.mark.django_db
def test_another_partners_rows_are_never_written(api, tickets, other_tenant):
    _ticket(other_tenant.client, 99, timezone.now())
    body = api.get(URL).json()
    assert {row["number"] for row in body["results"]} == {t.number for t in tickets}


@pytest.mark.django_db
def test_a_field_without_sql_keeps_the_python_writer(api):
    """An equipment order writes ``serial_numbers`` in Python: no SQL twin, DRF's list."""
    from django.urls import reverse

    response = api.get(reverse("api:equipment-order-list"))
    assert response.status_code == 200
    assert not isinstance(response.data["results"], sql_lists.RawJSON)


@pytest.mark.django_db
def test_a_page_is_planned_once_per_session(api, tickets, monkeypatch):
    """The page's statement is prepared on the database session at its first use and then
    executed by name: the same rows, without planning them again."""
    first = api.get(URL).json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'sql_list_%%'")
        assert cursor.fetchone()[0] >= 1
    assert api.get(URL).json() == first


@pytest.mark.django_db
def test_a_statement_postgresql_refuses_to_prepare_runs_unprepared(tickets):
    refused = prepared._prepared(connection, "SELECT no_such_column FROM support_ticket", ())
    assert refused is None
    # The refusal rolled back to its savepoint: the test's transaction goes on.
    assert Ticket.objects.count() == 4
    rows = prepared.run(connection, "SELECT number FROM support_ticket WHERE id = %s", (0,))
    assert rows == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_statement_leaves_a_new_transaction_usable(tickets):
    """In an atomic block whose first statement is the refused ``PREPARE``."""
    from django.db import transaction

    with transaction.atomic():
        refused = prepared._prepared(connection, "SELECT no_such_one FROM support_ticket", ())
        assert refused is None
        assert Ticket.objects.count() == 4


@pytest.mark.django_db
def test_a_kept_statement_reads_fresh_rows_and_only_its_partners(api, tickets, other_tenant):
    """The keys' statement of a page is compiled once and kept (same view, partner and
    parameters): the next request still reads the rows as they are now, and another partner's
    request never gets it."""
    first = api.get(URL).json()
    _ticket(tickets[0].client, 5, timezone.now())
    second = api.get(URL).json()
    assert second["count"] == first["count"] + 1
    assert second["results"][0]["number"] == "T-SQL-0005"

    _ticket(other_tenant.client, 98, timezone.now())
    _key, raw = make_api_key(other_tenant.client.partner)
    rival = APIClient()
    rival.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    body = rival.get(URL).json()
    assert [row["number"] for row in body["results"]] == ["T-SQL-0098"]


# CON-1, CON-6 — the offer catalogue written by PostgreSQL: each offer's terms as a contract
# signed today would copy them (``Terms.snapshot``: the row's price-change rules, else its
# preset's), its active options only, support hours as Python writes a time.
@pytest.mark.django_db
def test_offer_terms_and_options_as_the_snapshot_writes_them(api, monkeypatch):
    from datetime import time

    from offers.choices import Preset, PriceChangeRefusal
    from offers.models import Offer, Product

    offers = {offer.code: offer for offer in Offer.objects.select_related("terms")}
    hosted_a = offers["hosted-a"].terms
    hosted_a.support_start, hosted_a.support_end = time(8, 30, 0, 250000), None
    hosted_a.price_change_notice_days, hosted_a.price_change_refusal = None, ""
    hosted_a.save()
    sip = offers["sip-unl"].terms
    sip.support_start, sip.support_end = time(9, 0), time(18, 0, 5)
    sip.price_change_notice_days, sip.price_change_refusal = 45, PriceChangeRefusal.TERMINATE
    sip.save()
    options = list(Product.objects.filter(option_of=offers["platform"]).order_by("code"))
    assert len(options) > 1
    option = options[0]
    option.is_active = False
    option.save()
    sql, drf = _both(api, monkeypatch, "/api/v1/offers/?page_size=200")
    assert sql == drf
    rows = {row["code"]: row for row in sql["results"]}
    assert rows["hosted-a"]["terms"]["preset"] == Preset.HOSTED_A
    assert rows["hosted-a"]["terms"]["support_start"] == "08:30:00.250000"
    assert rows["hosted-a"]["terms"]["support_end"] is None
    # HOSTED-A 6: 7 days' notice, and a customer may terminate (the preset's rules)
    assert rows["hosted-a"]["terms"]["price_change_notice_days"] == 7
    assert rows["hosted-a"]["terms"]["price_change_refusal"] == PriceChangeRefusal.TERMINATE
    shown = [o["code"] for o in rows["platform"]["options"]]
    assert option.code not in shown and len(shown) == len(options) - 1
    assert rows["sip-unl"]["terms"]["support_start"] == "09:00:00"
    assert rows["sip-unl"]["terms"]["support_end"] == "18:00:05"
    assert rows["sip-unl"]["terms"]["price_change_notice_days"] == 45
    assert rows["sip-unl"]["terms"]["price_change_refusal"] == PriceChangeRefusal.TERMINATE
    for row in rows.values():  # every other offer keeps its preset's rules (30 days by default)
        assert isinstance(row["terms"]["price_change_notice_days"], int)


@pytest.mark.django_db
def test_a_kept_keys_statement_is_planned_with_its_values(api, partner, tickets):
    """The keys' statement of a kept page (same view, partner and parameters) is prepared
    with its values written in: PostgreSQL plans ``status = 'issued'`` against the partial
    index of issued invoices, which a parameter hides from a generic plan. (The session may
    hold other tests' statements: a filtered page is not kept and keeps its parameters. Past
    ``MOST_PER_SESSION`` of them nothing more is prepared: the session's own are let go first,
    whatever ran before on this test process.)"""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        for name in prepared._PREPARED.pop(connection.connection, set()):
            cursor.execute(f"DEALLOCATE {name}")
    assert api.get("/api/v1/invoices/").status_code == 200
    assert api.get("/api/v1/invoices/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND parameter_types = '{}'::regtype[]",
            ["%billing_invoice%_page_total%"],
        )
        kept = [statement for (statement,) in cursor.fetchall()]
    mine = [s for s in kept if f'"partner_id" = {partner.pk})' in s]
    assert mine, "the invoices' keys statement is prepared without parameters"
    assert all("'issued'" in statement for statement in mine)


@pytest.mark.django_db
def test_a_kept_page_builds_no_queryset_and_still_counts_and_pages(api, tickets, monkeypatch):
    """A page whose keys' statement is kept does not build the view's scoped queryset; the
    pages that need it (``?page=last`` counts first) still build it, with the same rows."""
    from support.api.views import TicketViewSet

    first = api.get(URL, {"page_size": 3}).json()
    built = []
    original = TicketViewSet.get_queryset

    def counting(view):
        built.append(view)
        return original(view)

    monkeypatch.setattr(TicketViewSet, "get_queryset", counting)
    _ticket(tickets[0].client, 6, timezone.now())
    again = api.get(URL, {"page_size": 3}).json()
    assert built == []
    assert again["count"] == first["count"] + 1
    assert again["results"][0]["number"] == "T-SQL-0006"
    last = api.get(URL, {"page": "last", "page_size": 3}).json()
    assert len(built) == 1
    assert last["count"] == 5 and [row["number"] for row in last["results"]] == [
        "T-SQL-0004",
        "T-SQL-0001",
    ]
    filtered = api.get(URL, {"status": "closed"}).json()
    assert filtered["count"] == 0 and len(built) == 2


# NUM-1 — a number's French display written by PostgreSQL as python-phonenumbers writes it:
# mainland, mobile, special, and each overseas code (whose national prefix is not its code).
@pytest.mark.django_db
def test_numbers_display_as_phonenumbers_writes_it(api, tenant, monkeypatch):
    from numbering import phone
    from numbering.choices import NumberState
    from numbering.models import PhoneNumber

    typed = ["0172700012", "0612345678", "0899123456", "0262161234", "0639401234",
             "0590201234", "0594101234", "0596301234", "0269601234", "0692123456"]  # fmt: skip
    for index, national in enumerate(typed):
        e164 = phone.to_e164(national)
        PhoneNumber.objects.create(
            e164=e164,
            number_type=phone.number_type(e164),
            region=phone.region(e164),
            state=NumberState.AVAILABLE if index % 2 else NumberState.ASSIGNED,
            client=None if index % 2 else tenant.client,
        )
    for url in ("/api/v1/numbers/", "/api/v1/available-numbers/"):
        sql, drf = _both(api, monkeypatch, url)
        assert sql == drf and sql["results"]
    displays = {row["e164"]: row["display"] for row in sql["results"]}
    assert displays[phone.to_e164("0262161234")] == "02 62 16 12 34"


# ACC-3 — the partner's keys written by PostgreSQL: live, revoked, expired, expiring later,
# last used from IPv4 and IPv6 addresses.
@pytest.mark.django_db
def test_api_keys_as_drf_writes_them(api, partner, monkeypatch):
    from accounts.models import ApiKey

    now = timezone.now()
    changes = [
        {"revoked_at": now - timedelta(days=1), "last_used_ip": "192.0.2.7"},
        {"expires_at": now - timedelta(minutes=1), "last_used_ip": "2001:db8::1"},
        {"expires_at": now + timedelta(days=30), "last_used_at": now},
    ]
    for change in changes:
        key, _raw = make_api_key(partner)
        ApiKey.objects.filter(pk=key.pk).update(**change)
    sql, drf = _both(api, monkeypatch, "/api/v1/api-keys/")
    assert sql == drf
    live = [row["is_live"] for row in sql["results"]]
    assert live.count(False) == 2 and live.count(True) == 2
    assert {"192.0.2.7", "2001:db8::1"} <= {row["last_used_ip"] for row in sql["results"]}


def test_webhook_deliveries_as_drf_writes_them(api, partner, settings, monkeypatch):
    """An event's data is written as stored (nested objects, lists, accents, numbers, null), its
    attempts in order, a delivery not yet attempted with an empty log."""
    from django.test.utils import override_settings

    from kernel.events import emit
    from webhooks import services
    from webhooks.models import Delivery, DeliveryAttempt

    with override_settings(WEBHOOKS_ALLOW_LOOPBACK=True):
        services.create_endpoint(partner=partner, url="http://127.0.0.1:9/sql-lists")
    data = {
        "id": 42,
        "number": "F-2026-000042",
        "amount_due": "1234.50",
        "ratio": 0.125,
        "lines": [{"label": "Abonnement « Trunk » été", "quantity": 3}, None],
        "paid": False,
        "note": None,
    }
    settings.WEBHOOKS_CHECK_PAYLOADS = False  # any JSON, beyond invoice.issued's documented keys
    events = [emit("invoice.issued", partner_id=partner.pk, data=data) for _ in range(2)]
    delivered = Delivery.objects.get(pk=services.fan_out(events[0].pk)[0])
    services.fan_out(events[1].pk)
    base = timezone.now().replace(microsecond=0)
    DeliveryAttempt.objects.create(
        delivery=delivered, attempted_at=base, status_code=500, latency_ms=12, error="HTTP 500"
    )
    DeliveryAttempt.objects.create(
        delivery=delivered,
        attempted_at=base + timedelta(seconds=5, microseconds=120),
        status_code=200,
        latency_ms=8,
        response_excerpt="ok",
        manual=True,
    )
    written = _same_by_sql_and_python(api, "/api/v1/webhook-deliveries/", monkeypatch)
    rows = {row["id"]: row for row in written}
    assert rows[delivered.pk]["event"]["data"] == data
    assert [attempt["status_code"] for attempt in rows[delivered.pk]["log"]] == [500, 200]
    assert [row["log"] for row in rows.values() if row["id"] != delivered.pk] == [[]]


def _same_by_sql_and_python(api, url, monkeypatch, language="fr") -> list[dict]:
    by_sql = api.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert isinstance(by_sql.data["results"], sql_lists.RawJSON), url
    with monkeypatch.context() as patched:
        patched.setattr(sql_lists, "writer", lambda view: None)
        by_python = api.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert by_sql.json() == by_python.json()
    return by_sql.json()["results"]


def test_cdr_imports_progress_as_the_property_says(api, partner, monkeypatch):
    """``progress``: 100 once done, 0 without lines, else the rows read out of the file's
    lines, truncated, never past 100 — also at the edges (nothing read yet, a count behind)."""
    from usage.choices import ImportStatus
    from usage.models import ImportBatch

    cases = [  # (status, total_lines, rows_read) -> progress, by hand
        (ImportStatus.DONE, 0, 0, 100),
        (ImportStatus.PENDING, 0, 0, 0),
        (ImportStatus.RUNNING, 1001, 0, 0),  # header only: 100 × 0 / 1000
        (ImportStatus.RUNNING, 1001, 333, 33),  # 100 × 333 / 1000 = 33.3
        (ImportStatus.RUNNING, 4, 8, 100),  # more rows than lines counted: capped
        (ImportStatus.FAILED, 2, 1, 100),  # 100 × 1 / max(1, 1)
    ]
    for index, (status, total, rows_read, _expected) in enumerate(cases):
        ImportBatch.objects.create(
            source="api",
            partner=partner,
            filename=f"p{index}.csv",
            status=status,
            total_lines=total,
            rows_read=rows_read,
        )
    rows = _same_by_sql_and_python(api, "/api/v1/cdr-imports/?page_size=50", monkeypatch)
    by_name = {row["filename"]: row["progress"] for row in rows}
    assert by_name == {f"p{i}.csv": expected for i, (*_case, expected) in enumerate(cases)}


def test_port_requests_as_drf_writes_them(api, tenant, monkeypatch, settings):
    """NUM-3: ``mandate_attached``, the delay the setting states and the warning in the
    request's language, written by PostgreSQL as the serializer writes them."""
    from django.core.files.base import ContentFile

    from tests.numbering.isolation_rows import _port_request

    with_mandate = _port_request(tenant)
    with_mandate.mandate.save("mandat.pdf", ContentFile(b"%PDF-1.4"), save=True)
    other = type("T", (), {"client": ClientFactory(partner=tenant.client.partner)})
    without = _port_request(other)
    settings.PORT_IN_EXPECTED_DAYS = 12
    url = "/api/v1/port-requests/"
    french = {row["id"]: row for row in _same_by_sql_and_python(api, url, monkeypatch)}
    assert french[with_mandate.pk]["mandate_attached"] is True
    assert french[without.pk]["mandate_attached"] is False
    assert french[without.pk]["expected_delay_days"] == 12
    assert french[without.pk]["no_date_guaranteed"].startswith("Aucune date")
    english = _same_by_sql_and_python(api, url, monkeypatch, language="en")
    assert english[0]["no_date_guaranteed"].startswith("No porting date")
