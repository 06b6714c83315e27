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
