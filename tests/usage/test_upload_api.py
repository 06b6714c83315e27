"""Partner API CDR batches (SPEC §4): CSV or JSON, imported by a worker, report with line
numbers; only the partner's own customers' accounts are accepted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.usage.core_helpers import account, at, csv_of, row
from usage.models import CallRecord, ImportBatch
from usage.services import imports

pytestmark = pytest.mark.django_db


def _run(batch_id):
    return imports.import_run(batch_id)


def test_json_batch_imported_with_a_report(api, partner, django_capture_on_commit_callbacks):
    sip = account("sip-unl", partner=partner)
    call = {
        "call_id": "api-1",
        "account": sip.username,
        "start_time": "2026-10-02T09:00:00Z",
        "answered": True,
        "duration": 61,
        "called": "0612345678",
        "call_type": "outbound",
    }
    bad = {**call, "call_id": "api-2", "start_time": "2026-13-02T09:00:00Z"}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(reverse("api:cdr-import-list"), {"calls": [call, bad]}, format="json")
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1  # the worker's task, after the commit
    batch_id = response.json()["id"]
    _run(batch_id)
    report = api.get(reverse("api:cdr-import-detail", args=[batch_id])).json()
    assert (report["status"], report["imported"], report["rejected"]) == ("done", 1, 1)
    # call 2 of the list is line 3 (the header is line 1)
    assert report["rejections"][0]["line"] == 3
    assert CallRecord.objects.get().cost > 0
    # re-sent: a duplicate, nothing changes
    with django_capture_on_commit_callbacks(execute=False):
        again = api.post(reverse("api:cdr-import-list"), {"calls": [call]}, format="json")
    _run(again.json()["id"])
    assert ImportBatch.objects.get(pk=again.json()["id"]).duplicates == 1
    assert CallRecord.objects.count() == 1


def test_csv_file_and_other_partners_accounts(api, partner, other_partner):
    mine = account("sip-unl", partner=partner)
    theirs = account("sip-unl", partner=other_partner)
    upload = SimpleUploadedFile(
        "cdr.csv", csv_of([row(mine, "0123456789", start=at(2)), row(theirs, "0123456789")])
    )
    response = api.post(reverse("api:cdr-import-list"), {"file": upload}, format="multipart")
    assert response.status_code == 202
    batch = _run(response.json()["id"])
    assert (batch.imported, batch.rejected, batch.partner_id) == (1, 1, partner.pk)
    assert batch.rejections.get().reason == "compte inconnu"


def test_nothing_or_both_refused(api):
    response = api.post(reverse("api:cdr-import-list"), {"calls": []}, format="json")
    assert response.status_code == 400
    assert ImportBatch.objects.count() == 0


# No N+1: the list of batches and a batch's report cost the same queries for 1 batch (1
# rejected row) as for 4 (with 10 rejected rows in the report).
def test_import_list_and_report_query_counts(api, partner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sip = account("sip-unl", partner=partner)

    def batch(bad_rows):
        rows = [row(sip, "0123456789")] + ["x,y"] * bad_rows
        made = imports.import_create(
            source="api", filename="q.csv", content=csv_of(rows), partner=partner, run=False
        )
        return _run(made.pk)

    first = batch(1)
    url = reverse("api:cdr-import-list")
    api.get(url)  # the key's last use is written once, on the first request

    def counts(pk):
        with CaptureQueriesContext(connection) as listing:
            api.get(url)
        with CaptureQueriesContext(connection) as report:
            body = api.get(reverse("api:cdr-import-detail", args=[pk])).json()
        return len(listing), len(report), len(body["rejections"])

    small = counts(first.pk)
    for _ in range(3):
        last = batch(10)
    large = counts(last.pk)
    assert (small[2], large[2]) == (1, 10)
    assert large[:2] == small[:2] and max(small[:2]) <= 6


# Bad input on the API is a 400 naming the field, nothing queued: a line break in a call's
# text (it would split its CSV line and shift the report's line numbers), a duration in
# full-width digits, a file and a list of calls at once; on the rated calls, an unknown call
# type (it answered an empty list); on the summary, a customer in full-width digits.
def test_upload_and_filters_refuse_bad_input(api, partner, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sip = account("sip-unl", partner=partner)
    call = {
        "call_id": "api-1", "account": sip.username, "start_time": "2026-10-02T09:00:00Z",
        "answered": True, "duration": 61, "called": "0612345678", "call_type": "outbound",
    }  # fmt: skip
    url = reverse("api:cdr-import-list")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        broken = api.post(url, {"calls": [{**call, "caller": "+3310\n0000000"}]}, format="json")
        wide = api.post(url, {"calls": [{**call, "duration": "１２"}]}, format="json")
        both = api.post(
            url,
            {"file": SimpleUploadedFile("c.csv", csv_of([row(sip, "0123456789")])), "calls": "[]x"},
            format="multipart",
        )
    assert broken.status_code == 400 and "calls" in broken.json()["error"]["fields"]
    assert "saut de ligne" in str(broken.json()["error"]["fields"]["calls"])
    assert wide.status_code == 400 and "calls" in wide.json()["error"]["fields"]
    assert both.status_code == 400 and queued == [] and not ImportBatch.objects.exists()
    calls = api.get(reverse("api:call-list"), {"call_type": "foo"})
    assert calls.status_code == 400 and "call_type" in calls.json()["error"]["fields"]
    summary = api.get(reverse("api:call-summary"), {"customer": "１", "month": "2026-10"})
    assert summary.status_code == 400 and "customer" in summary.json()["error"]["fields"]


# ACC-3 (issue 13: the partner API answers in the Accept-Language asked) — a batch's report
# gave its refused calls' reasons in French to a partner asking in English ("compte inconnu",
# "la date et l'heure de début ne sont pas au format ISO 8601"): the reasons are stored as the
# back office reads them (French) and now answered in the language asked, on the report and on
# the pages of rejections; French without Accept-Language, as before.
def test_rejection_reasons_in_the_language_asked(api, partner, django_capture_on_commit_callbacks):
    sip = account("sip-unl", partner=partner)
    call = {
        "call_id": "api-1", "account": "nobody-here", "start_time": "2026-10-02T09:00:00Z",
        "answered": True, "duration": 61, "called": "0612345678", "call_type": "outbound",
    }  # fmt: skip
    bad_time = {**call, "call_id": "api-2", "account": sip.username, "start_time": "2026-13-02"}
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            reverse("api:cdr-import-list"), {"calls": [call, bad_time]}, format="json"
        )
    batch_id = response.json()["id"]
    _run(batch_id)
    expected = {
        "en": ["unknown account", "start time is not an ISO 8601 date and time"],
        "fr": ["compte inconnu", "la date et l'heure de début ne sont pas au format ISO 8601"],
    }
    for lang, reasons in expected.items():
        headers = {"HTTP_ACCEPT_LANGUAGE": lang}
        report = api.get(reverse("api:cdr-import-detail", args=[batch_id]), **headers).json()
        assert [r["reason"] for r in report["rejections"]] == reasons, lang
        page = api.get(reverse("api:cdr-import-rejections", args=[batch_id]), **headers).json()
        assert [r["reason"] for r in page["results"]] == reasons, lang
    report = api.get(reverse("api:cdr-import-detail", args=[batch_id])).json()
    assert [r["reason"] for r in report["rejections"]] == expected["fr"]
