"""Audit of the usage surfaces' input handling and tenant isolation (SPEC §4, ACC-2, ACC-3):
the partner API's CDR batches (CSV and JSON), rated calls (cursor, date filters) and monthly
summary; the portal's consumption page, CSV export, threshold form and invoice annex; the back
office's CDR upload. Amounts by hand from the seeded grid: "France mobile" 0.0450 €/min, per
second (1/1, no minimum), as SIP-UNL bills French mobiles (USE-3)."""

from base64 import b64encode
from datetime import UTC, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from accounts.choices import BillingMode, Role
from accounts.models import User
from billing.models import Invoice
from kernel.clock import paris_today
from tests.factories import sign_in_staff
from tests.telephony.factories import customer, make_sip_account, make_trunk
from tests.usage.core_helpers import account, at, csv_of, platform, row
from tests.usage.isolation_rows import _invoice
from tests.usage.money_helpers import call
from usage.api.upload import MAX_CALLS
from usage.models import CallRecord, ConsumptionThreshold, ImportBatch
from usage.partitioning import month_bounds
from usage.services import imports
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db

UNKNOWN = "compte inconnu"


def _post_calls(api, calls, capture):
    with capture(execute=False) as queued:
        response = api.post(reverse("api:cdr-import-list"), {"calls": calls}, format="json")
    return response, queued


def _post_file(api, content, capture, name="cdr.csv"):
    with capture(execute=False) as queued:
        response = api.post(
            reverse("api:cdr-import-list"),
            {"file": SimpleUploadedFile(name, content)},
            format="multipart",
        )
    return response, queued


def _report(api, response):
    """Run the batch the API accepted (the worker's task, in-process), then read its report."""
    assert response.status_code == 202, response.content
    imports.import_run(response.json()["id"])
    return api.get(reverse("api:cdr-import-detail", args=[response.json()["id"]])).json()


def _json_call(sip, **kwargs):
    return {
        "call_id": "j-1",
        "account": sip if isinstance(sip, str) else sip.username,
        "start_time": "2026-10-02T09:00:00Z",
        "answered": True,
        "duration": 120,
        "called": "0612345678",
        "call_type": "outbound",
        **kwargs,
    }


def _key(partner, scopes):
    _key_row, raw = api_key_create(partner=partner, name="scoped", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


# --- CDR batches: refused input, nothing half-written -------------------------------------------


# A JSON batch is validated whole before anything is stored: one malformed call (a field
# missing, not an object, null, a duration out of its 0–9 999 999 bounds, "answered" not a
# boolean, an empty call id) is a 400 naming ``calls`` and that call's index; the good call
# beside it is not imported either — no batch, no task, no call. A top-level list instead of
# {"calls": […]} and "calls" as one object are 400 too.
@pytest.mark.parametrize(
    "bad, where",
    [
        ({"drop": "called"}, "called"),
        ("x", "non_field_errors"),
        (None, None),
        ({"duration": -1}, "duration"),
        ({"duration": 10_000_000}, "duration"),
        ({"answered": "maybe"}, "answered"),
        ({"call_id": ""}, "call_id"),
        ({"call_type": "transit"}, "call_type"),
        ({"start_time": "x" * 41}, "start_time"),
    ],
)
def test_json_batch_with_one_malformed_call_is_refused_whole(
    api, partner, django_capture_on_commit_callbacks, bad, where
):
    sip = account("sip-unl", partner=partner)
    good = _json_call(sip)
    if isinstance(bad, dict) and "drop" in bad:
        second = {k: v for k, v in good.items() if k != bad["drop"]}
    elif isinstance(bad, dict):
        second = {**good, "call_id": "j-2", **bad}
    else:
        second = bad
    response, queued = _post_calls(api, [good, second], django_capture_on_commit_callbacks)
    assert response.status_code == 400, response.content
    errors = response.json()["error"]["fields"]["calls"]
    assert errors[0] == {}  # the good call has nothing to say; the second one does
    if where is not None:
        assert where in errors[1]
    assert queued == [] and not ImportBatch.objects.exists() and not CallRecord.objects.exists()


def test_json_batch_shapes_refused(api, partner, django_capture_on_commit_callbacks):
    sip = account("sip-unl", partner=partner)
    url = reverse("api:cdr-import-list")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        as_list = api.post(url, [_json_call(sip)], format="json")
        as_object = api.post(url, {"calls": _json_call(sip)}, format="json")
        empty_file = api.post(url, {"file": SimpleUploadedFile("e.csv", b"")}, format="multipart")
    assert as_list.status_code == 400
    assert as_object.status_code == 400 and "calls" in as_object.json()["error"]["fields"]
    assert empty_file.status_code == 400 and "file" in empty_file.json()["error"]["fields"]
    assert queued == [] and not ImportBatch.objects.exists()


# docs/cdr-format.md: "a JSON body {"calls": [...]}", the schema's maxItems 10 000, each text
# within its maxLength (call_id 64, device_id 64, caller 32). 10 000 calls each with a 64-char
# call id and device id are ~3.6 MB of JSON: the body limit (Django's 2.5 MB) answers 413 to a
# request the schema says is valid, so the documented 10 000 is not reachable.
def test_json_batch_of_the_documented_maximum_is_accepted(
    api, partner, django_capture_on_commit_callbacks
):
    sip = account("sip-unl", partner=partner)
    calls = [
        _json_call(
            sip,
            call_id=f"{i:064d}",
            device_id="d" * 64,
            caller="+33184800000",
            start_time=f"2026-10-02T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 10:03d}Z",
        )
        for i in range(MAX_CALLS)
    ]
    response, _queued = _post_calls(api, calls, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.status_code
    # the batch's own bound (8 MB) still holds: a larger body is a 413, nothing queued
    padded = {"calls": calls, "padding": "x" * (8 * 1024 * 1024)}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post(reverse("api:cdr-import-list"), padded, format="json")
    assert response.status_code == 413 and queued == []


# CSV files through the API (docs/cdr-format.md): a file of the header alone is a finished
# import of nothing; a BOM and CRLF line ends are accepted; a file separated by semicolons (a
# spreadsheet's export) or not in UTF-8 (Windows-1252, UTF-16) fails whole, with its reason,
# and stores no call — not even its good-looking lines.
def test_csv_files_header_only_bom_semicolons_and_encodings(
    api, partner, django_capture_on_commit_callbacks
):
    sip = account("sip-unl", partner=partner)
    capture = django_capture_on_commit_callbacks

    header_only = _report(api, _post_file(api, csv_of([]), capture)[0])
    assert (header_only["status"], header_only["rows_read"], header_only["imported"]) == (
        "done",
        0,
        0,
    )

    bom = b"\xef\xbb\xbf" + csv_of([row(sip, "0612345678", start=at(2), duration=120)])
    with_bom = _report(api, _post_file(api, bom.replace(b"\n", b"\r\n"), capture)[0])
    assert (with_bom["status"], with_bom["imported"], with_bom["rejected"]) == ("done", 1, 0)
    # USE-2: 120 s of French mobile at 0.0450 €/min per second = 120 × 0.045 / 60 = 0.0900
    assert CallRecord.objects.get().cost == Decimal("0.0900")

    semicolons = csv_of([row(sip, "0612345670", start=at(3))]).replace(b",", b";")
    failed = _report(api, _post_file(api, semicolons, capture)[0])
    assert failed["status"] == "failed" and "call_id,account,start_time" in failed["error"]

    latin = csv_of(
        [row(sip, "0612345671", start=at(4)), row(sip, "0612345672", start=at(5), device="é")]
    ).replace("é".encode(), b"\xe9")
    not_utf8 = _report(api, _post_file(api, latin, capture)[0])
    assert not_utf8["status"] == "failed" and "ligne 3" in not_utf8["error"]

    utf16 = csv_of([row(sip, "0612345673", start=at(6))]).decode().encode("utf-16")
    assert _report(api, _post_file(api, utf16, capture)[0])["status"] == "failed"
    assert CallRecord.objects.count() == 1  # only the BOM file's call


# Idempotent on (call id, start time): inside one batch, a call sent twice is imported once —
# the first line wins, the second is a duplicate (its other called number changes nothing); the
# same instant written with another offset is the same call; the same id a second later is
# another call.
def test_duplicates_inside_one_batch(api, partner, django_capture_on_commit_callbacks):
    sip = account("sip-unl", partner=partner)
    capture = django_capture_on_commit_callbacks
    content = csv_of(
        [
            row(sip, "0612345678", start=at(2), call_id="twice", duration=60),
            row(sip, "0698765432", start=at(2), call_id="twice", duration=600),
        ]
    )
    report = _report(api, _post_file(api, content, capture)[0])
    assert (report["rows_read"], report["imported"], report["duplicates"]) == (2, 1, 1)
    kept = CallRecord.objects.get(call_id="twice")
    # 60 s at 0.0450 €/min = 0.0450 (the second line's 600 s would be 0.4500)
    assert (kept.called, kept.duration, kept.cost) == ("+33612345678", 60, Decimal("0.0450"))

    calls = [
        _json_call(sip, call_id="same", start_time="2026-10-03T09:00:00Z"),
        _json_call(sip, call_id="same", start_time="2026-10-03T11:00:00+02:00"),
        _json_call(sip, call_id="same", start_time="2026-10-03T09:00:01Z"),
    ]
    report = _report(api, _post_calls(api, calls, capture)[0])
    assert (report["rows_read"], report["imported"], report["duplicates"]) == (3, 2, 1)
    assert CallRecord.objects.filter(call_id="same").count() == 2


# The largest duration the format takes (7 digits): 9 999 960 s to a French mobile, per second
# at 0.0450 €/min = 166 666 min × 0.045 = 7 499.9700 € (USE-2), in the API's call and in the
# month's summary (7 499.97 €, 166 666 minutes). Eight digits is a refused line, and the JSON
# form of it a 400 (test above).
def test_largest_duration_rated_and_eight_digits_refused(
    api, partner, django_capture_on_commit_callbacks
):
    sip = account("sip-unl", partner=partner)
    month = paris_today().replace(day=1)
    start = month_bounds(month)[0] + timedelta(hours=10)
    content = csv_of(
        [
            row(sip, "0612345678", start=start, duration=9_999_960, call_id="long"),
            row(sip, "0612345678", start=start, duration=10_000_000, call_id="longer"),
        ]
    )
    report = _report(api, _post_file(api, content, django_capture_on_commit_callbacks)[0])
    assert (report["imported"], report["rejected"]) == (1, 1)
    assert report["rejections"][0]["line"] == 3
    assert report["rejections"][0]["reason"].startswith("la durée")
    body = api.get(reverse("api:call-list"), {"account": sip.username}).json()
    assert [(c["call_id"], c["cost"]) for c in body["results"]] == [("long", "7499.9700")]
    summary = api.get(
        reverse("api:call-summary"),
        {"customer": sip.contract.client_id, "month": f"{month:%Y-%m}"},
    ).json()
    assert summary["total"]["amount"] == "7499.97"
    assert summary["total"]["minutes"] == 166_666


# A start time without offset is UTC (docs/cdr-format.md) and a call counts in its Paris month
# (USE, "Paris calendar month"): 30 minutes after the current month's first instant in Paris is
# still the previous month's last day in UTC (23:30 or 22:30 UTC). It is the current month's
# call everywhere — the API's month filter, the summary's day, the portal's CSV (Paris time) —
# and not the previous month's.
def test_naive_start_time_is_utc_and_counts_in_its_paris_month(
    api, partner, tenant, client, django_capture_on_commit_callbacks
):
    sip, _secret = make_sip_account(tenant.client)
    month = paris_today().replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    started = (month_bounds(month)[0] + timedelta(minutes=30)).astimezone(UTC)
    assert started.date() < month  # the UTC date is the previous month's
    naive = started.strftime("%Y-%m-%dT%H:%M:%S")  # no offset: UTC
    report = _report(
        api,
        _post_calls(
            api,
            [_json_call(sip, call_id="edge", start_time=naive)],
            django_capture_on_commit_callbacks,
        )[0],
    )
    assert report["imported"] == 1
    url = reverse("api:call-list")
    this = api.get(url, {"month": f"{month:%Y-%m}"}).json()["results"]
    before = api.get(url, {"month": f"{previous:%Y-%m}"}).json()["results"]
    assert [c["call_id"] for c in this] == ["edge"] and before == []
    assert this[0]["month"] == f"{month:%Y-%m-%d}"
    summary = reverse("api:call-summary")
    now = api.get(summary, {"customer": tenant.client.pk, "month": f"{month:%Y-%m}"}).json()
    assert now["by_day"] == [{"day": f"{month:%Y-%m-%d}", "amount": "0.09", "calls": 1}]
    old = api.get(summary, {"customer": tenant.client.pk, "month": f"{previous:%Y-%m}"}).json()
    assert old["total"]["calls"] == 0
    client.force_login(tenant.members[Role.READ_ONLY].user)
    rows = client.get(reverse("usage:calls_csv")).content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and f"edge;{month:%Y-%m-%d} 00:30:00;" in rows[1]


# ACC-3: a partner's batch accepts its own customers' accounts only. A SIP account, a trunk and
# a PLATFORM contract reference of another partner's customer, a direct customer's account and
# an unknown name are each a refused line ("compte inconnu"), whatever the form (JSON here);
# no call of theirs is written, the own call is.
def test_partner_batch_refuses_every_kind_of_foreign_account(
    api, partner, other_partner, django_capture_on_commit_callbacks
):
    mine = account("sip-unl", partner=partner)
    rival = customer(partner=other_partner)
    foreign = [
        account("sip-unl", client=rival).username,
        make_trunk(rival).username,
        platform(client=rival).reference,
        account("sip-unl", client=customer(partner=None)).username,
        "nobody-here",
    ]
    calls = [_json_call(mine, call_id="own")] + [
        _json_call(ref, call_id=f"f{i}") for i, ref in enumerate(foreign)
    ]
    report = _report(api, _post_calls(api, calls, django_capture_on_commit_callbacks)[0])
    assert (report["imported"], report["rejected"]) == (1, 5)
    assert [(r["line"], r["reason"]) for r in report["rejections"]] == [
        (line, UNKNOWN) for line in range(3, 8)
    ]
    assert list(CallRecord.objects.values_list("call_id", flat=True)) == ["own"]


# ACC-3 / docs/cdr-format.md ("a record sent again … is counted as a duplicate"): partner
# Rival's carrier stored call "X1" of 5 October 09:00 UTC for Rival's customer. Partner Nova
# sends, for the first time, its own customer's call with the same id and second. Nova's call
# is not a record sent again: it is imported (a call is identified per customer). It was
# counted as a "duplicate" and dropped: Nova's customer's call was never rated nor billed, and
# Nova's report told it that someone else's call existed. Nova sending it again is a duplicate.
def test_another_partners_call_is_not_a_duplicate_of_mine(
    api, partner, other_partner, django_capture_on_commit_callbacks
):
    mine = account("sip-unl", partner=partner)
    theirs = account("sip-unl", partner=other_partner)
    rival = imports.import_create(
        source="api",
        filename="rival.csv",
        partner=other_partner,
        run=False,
        content=csv_of([row(theirs, "0123456789", call_id="X1", start=at(5))]),
    )
    imports.import_run(rival.pk)
    calls = [_json_call(mine, call_id="X1", start_time="2026-10-05T09:00:00Z")]
    report = _report(api, _post_calls(api, calls, django_capture_on_commit_callbacks)[0])
    assert (report["imported"], report["duplicates"]) == (1, 0)
    assert CallRecord.objects.filter(client=mine.contract.client).count() == 1
    again = _report(api, _post_calls(api, calls, django_capture_on_commit_callbacks)[0])
    assert (again["imported"], again["duplicates"]) == (0, 1)
    assert CallRecord.objects.count() == 2  # Rival's and Nova's


# --- rated calls and summary: filters, cursor, scopes --------------------------------------------


def _cursor(**query):
    return b64encode(urlencode(query).encode()).decode()


# A cursor is only what a page's next/previous link carries: anything else is a 400 on
# ``cursor`` (docs/rules.md). A position that parses as a time but leaves the datetime range
# once moved to UTC (year 1 at +01:00, year 9999 at -01:00) raises OverflowError in
# ``CallCursorPagination.decode_cursor`` (not caught): a 500.
@pytest.mark.parametrize("position", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_cursor_position_out_of_range_is_a_400(api, tenant, position):
    api.raise_request_exception = False
    response = api.get(reverse("api:call-list"), {"cursor": _cursor(p=position)})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cursor"]


# Date filters: bad formats are a 400 naming the filter (a French date, a date of 1999, an
# offset past ±15:59, full-width digits, a month 13, a month of one digit, a day for a month,
# a Paris time the DST change skips or repeats).
@pytest.mark.parametrize(
    "name, value",
    [
        ("started_after", "05/10/2026 10:00"),
        ("started_after", "1999-12-31T23:00:00Z"),
        ("started_before", "2026-10-01T00:00:00+16:00"),
        ("started_before", "２０２６-10-01T00:00:00Z"),
        ("month", "2026-13"),
        ("month", "2026-1"),
        ("month", "2026-10-01"),
        ("call_type", "transit"),
        # a Paris time (no offset) that does not exist (29 March 2026, 02:30: the clocks jump
        # from 02:00 to 03:00) or exists twice (25 October 2026, 02:30): say the offset
        ("started_after", "2026-03-29T02:30:00"),
        ("started_before", "2026-10-25T02:30:00"),
    ],
)
def test_call_filters_refuse_bad_values(api, tenant, name, value):
    call(tenant.client, started_at=at(5), cost="0.1000")
    response = api.get(reverse("api:call-list"), {name: value})
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [name]


# ACC-3: the first page of calls (no filter) is read by a statement kept per view, partner and
# parameters: a second partner asking the same page right after the first gets its own calls
# only, and a next link of one partner's page, followed with the other's key, shows none of the
# first partner's calls.
def test_kept_first_page_and_cursor_never_cross_partners(api, tenant, other_tenant, other_partner):
    month = paris_today().replace(day=1)
    start = month_bounds(month)[0] + timedelta(hours=8)
    mine = [
        call(tenant.client, started_at=start + timedelta(minutes=i), month=month) for i in range(3)
    ]
    theirs = [
        call(other_tenant.client, started_at=start + timedelta(minutes=i, seconds=30), month=month)
        for i in range(3)
    ]
    rival = _key(other_partner, ["*:read"])
    url = reverse("api:call-list")
    for _round in range(2):
        own_page = api.get(url, {"page_size": 2}).json()
        rival_page = rival.get(url, {"page_size": 2}).json()
        assert [c["id"] for c in own_page["results"]] == [mine[2].pk, mine[1].pk]
        assert [c["id"] for c in rival_page["results"]] == [theirs[2].pk, theirs[1].pk]
    followed = rival.get(own_page["next"]).json()
    # the link carries a position (mine[1]'s start): the rival's calls before it, only theirs
    assert [c["id"] for c in followed["results"]] == [theirs[0].pk]


# ACC-3: import reports are the partner's own: another partner's batch and a batch staff
# uploaded (no partner) are not listed and answer 404. Scopes (family "usage"): a read-only key
# cannot upload (403, nothing stored), a key for billing only reads neither calls, summary nor
# imports; usage:read reads but does not upload.
def test_import_reports_and_scopes(
    api, partner, other_partner, tenant, read_only_api, django_capture_on_commit_callbacks
):
    sip = account("sip-unl", partner=partner)
    staff_batch = ImportBatch.objects.create(source="upload", filename="carrier.csv")
    rival_batch = ImportBatch.objects.create(source="api", partner=other_partner, filename="r.csv")
    own = _post_calls(api, [_json_call(sip)], django_capture_on_commit_callbacks)[0].json()
    listed = api.get(reverse("api:cdr-import-list")).json()
    assert [b["id"] for b in listed["results"]] == [own["id"]]
    for other in (staff_batch, rival_batch):
        assert api.get(reverse("api:cdr-import-detail", args=[other.pk])).status_code == 404

    url = reverse("api:cdr-import-list")
    assert read_only_api.post(url, {"calls": [_json_call(sip)]}, format="json").status_code == 403
    billing_only = _key(partner, ["billing:read"])
    summary = {"customer": tenant.client.pk}
    assert billing_only.get(reverse("api:call-list")).status_code == 403
    assert billing_only.get(reverse("api:call-summary"), summary).status_code == 403
    assert billing_only.get(url).status_code == 403
    usage_read = _key(partner, ["usage:read"])
    assert usage_read.get(reverse("api:call-summary"), summary).status_code == 200
    assert usage_read.post(url, {"calls": [_json_call(sip)]}, format="json").status_code == 403
    assert ImportBatch.objects.filter(partner=partner).count() == 1


# No N+1: the summary costs the same queries for 1 account as for 6 (labels in one query per
# kind); the call list filtered by customer and month the same for 3 calls as for 30.
def test_summary_and_filtered_calls_query_counts(api, tenant):
    month = paris_today().replace(day=1)
    start = month_bounds(month)[0] + timedelta(hours=8)
    summary_url, calls_url = reverse("api:call-summary"), reverse("api:call-list")
    params = {"customer": tenant.client.pk, "month": f"{month:%Y-%m}"}

    def measure(accounts, per_account):
        for a in range(accounts):
            sip, _secret = make_sip_account(tenant.client)
            for i in range(per_account):
                call(
                    tenant.client,
                    sip_account=sip,
                    started_at=start + timedelta(hours=a, minutes=i),
                    month=month,
                    cost="0.0100",
                )
        rollup_refresh([(tenant.client.pk, month)])
        api.get(summary_url, params)  # the key's last use is written once
        with CaptureQueriesContext(connection) as summary_queries:
            body = api.get(summary_url, params).json()
        with CaptureQueriesContext(connection) as list_queries:
            listed = api.get(calls_url, {**params, "page_size": 500}).json()
        return (
            len(summary_queries),
            len(list_queries),
            len(body["by_account"]),
            len(listed["results"]),
        )

    small = measure(1, 3)
    large = measure(5, 6)
    assert (small[2], small[3], large[2], large[3]) == (1, 3, 6, 33)
    assert large[:2] == small[:2]


# --- portal ------------------------------------------------------------------------------------


# ACC-2 / docs/rules.md: the threshold is set by a member with the billing permission (admin
# and billing roles); technical and read-only members get 403 and nothing changes. Refused
# amounts (full-width digits, three decimals, NaN, Infinity, a space as thousands separator,
# words, an exponent: "1e3" was taken as 1 000.00 €) are a 400 on the form, the threshold as
# it was.
def test_threshold_roles_and_refused_amounts(as_role, tenant):
    url = reverse("usage:threshold")
    assert as_role(Role.ADMIN).post(url, {"amount": "300"}).status_code == 302
    assert ConsumptionThreshold.objects.get(client=tenant.client).amount == Decimal("300.00")
    for role in (Role.TECHNICAL, Role.READ_ONLY):
        assert as_role(role).post(url, {"amount": "5"}).status_code == 403
    billing = as_role(Role.BILLING)
    for amount in ("１００", "10.005", "NaN", "Infinity", "1 000", "cent", "1e3", "5E1"):
        assert billing.post(url, {"amount": amount}).status_code == 400, amount
    assert ConsumptionThreshold.objects.get(client=tenant.client).amount == Decimal("300.00")


# BIL-3: the annex is an issued invoice's of the member's customer: a credit note of the
# customer, a billing member of another customer asking for this invoice's annex — 404; the
# invoice's own annex still answers its billing member.
def test_annex_of_credit_note_or_other_customer_is_404(client, tenant, other_tenant):
    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    invoice = _invoice(tenant)
    credit = Invoice.objects.create(
        client=tenant.client,
        month=invoice.month,
        kind="credit_note",
        status="issued",
        number="AV-AUDIT-1",
    )
    client.force_login(tenant.members[Role.BILLING].user)
    assert client.get(reverse("usage:invoice_annex", args=[invoice.pk])).status_code == 200
    assert client.get(reverse("usage:invoice_annex", args=[credit.pk])).status_code == 404
    client.force_login(other_tenant.members[Role.BILLING].user)
    assert client.get(reverse("usage:invoice_annex", args=[invoice.pk])).status_code == 404


# No N+1 on the consumption page: 1 account or 6 accounts, the same queries.
def test_consumption_page_queries_do_not_grow_with_accounts(as_role, tenant):
    month = paris_today().replace(day=1)
    start = month_bounds(month)[0] + timedelta(hours=8)
    web = as_role(Role.READ_ONLY)
    web.get(reverse("usage:consumption"))

    def measure(accounts):
        for a in range(accounts):
            sip, _secret = make_sip_account(tenant.client)
            call(tenant.client, sip_account=sip, started_at=start + timedelta(minutes=a),
                 month=month, cost="0.0100")  # fmt: skip
        rollup_refresh([(tenant.client.pk, month)])
        with CaptureQueriesContext(connection) as queries:
            page = web.get(reverse("usage:consumption")).content.decode()
        return len(queries), page.count("(sip")

    small, large = measure(1), measure(5)
    assert large[1] > small[1] > 0  # the accounts are on the page
    assert large[0] == small[0]


# --- back office upload --------------------------------------------------------------------------


# Staff upload (ACC-4): an empty file or a file that is not .csv/.txt is a form error and no
# import; a member of staff without the permission on imports gets 403 and nothing is stored;
# a file of the header alone is an import that ends done with nothing.
def test_back_office_upload_refusals(client, django_capture_on_commit_callbacks):
    sip = account("sip-unl")
    url = reverse("admin:usage_importbatch_add")
    sign_in_staff(client)
    for name, content, message in (
        ("empty.csv", b"", "Le fichier soumis est vide."),
        ("calls.xlsx", csv_of([row(sip, "0123456789")]), "Envoyez un fichier CSV (.csv)."),
    ):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            page = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert page.status_code == 200 and message in page.content.decode()
        assert queued == [] and not ImportBatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(url, {"file": SimpleUploadedFile("h.csv", csv_of([]))})
    batch = ImportBatch.objects.get()
    assert done.status_code == 302 and batch.partner_id is None
    batch = imports.import_run(batch.pk)
    assert (batch.status, batch.rows_read, batch.imported) == ("done", 0, 0)

    plain = User.objects.create_user(
        email="helpdesk@reseller.example", password="x-Long-Pass-123", is_staff=True
    )
    Authenticator.objects.create(user=plain, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(plain)
    refused = client.post(
        url, {"file": SimpleUploadedFile("ok.csv", csv_of([row(sip, "0123456789")]))}
    )
    assert refused.status_code == 403 and ImportBatch.objects.count() == 1
