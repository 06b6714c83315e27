"""Audit of usage's tenant isolation and of what its surfaces take from a hostile partner or
customer (ACC-2, ACC-3, SPEC §4 and §9). What tests/test_isolation.py, tests/usage/
isolation_rows.py and tests/usage/test_surfaces_input.py already prove is not repeated here."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from tests.usage.core_helpers import HEADER, account
from tests.usage.isolation_rows import _call, _cdr_import, _invoice
from usage.api.upload import MAX_CALLS
from usage.models import CallRecord, ConsumptionThreshold, ImportBatch

pytestmark = pytest.mark.django_db


def _json_call(sip, **kwargs):
    return {
        "call_id": "j-1",
        "account": sip.username,
        "start_time": "2026-10-02T09:00:00Z",
        "answered": True,
        "duration": 120,
        "called": "0612345678",
        "call_type": "outbound",
        **kwargs,
    }


# SPEC §4 / §9 (bounded input): a JSON batch is at most 10 000 calls. A body of 1 900 000 empty
# calls (7.6 MB, under the batch's 8 MB body limit) was refused with the right 400 — but only
# after the parser had walked every one of the 1.9 million objects to measure the document's
# depth (~10 s of a web worker's CPU per request on this machine, 5.7 s for 1 000 000): any
# partner key could hold the workers busy with refused bodies. The list is refused at once now
# (the calls past the 10 001st are never walked), with the same answer.
def test_a_batch_of_two_million_calls_is_refused_at_once(api, partner, monkeypatch):
    from kernel import parsers

    walked = []  # the calls whose depth the parser measured (the time itself: not a unit test)
    depth = parsers.json_depth
    monkeypatch.setattr(
        parsers, "json_depth", lambda doc: walked.append(len(doc.get("calls", ()))) or depth(doc)
    )
    body = json.dumps({"calls": [{}] * 1_900_000})
    assert len(body) < 8 * 1024 * 1024
    response = api.post(reverse("api:cdr-import-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert "10000" in response.content.decode()
    assert walked and max(walked) <= MAX_CALLS + 1
    assert not ImportBatch.objects.exists()


# Every refused call of an import is reachable (``rejections_next``, then ``rejections/``,
# tests/usage/test_scale_cases.py): another partner's import's refused lines (which repeat its
# raw CDRs) are a 404, as its report is.
def test_rejections_of_another_partners_import_are_a_404(api, tenant, other_tenant):
    theirs = _cdr_import(other_tenant)
    ours = _cdr_import(tenant)
    assert api.get(reverse("api:cdr-import-rejections", args=[theirs.pk])).status_code == 404
    page = api.get(reverse("api:cdr-import-rejections", args=[ours.pk]))
    assert page.status_code == 200 and page.json() == {"results": [], "next": None}


# The bound above still checks the depth of the calls it keeps: a call nested 100 levels deep
# among the first 10 000 is a 400 parse error (MAX_DEPTH 64), and a batch of exactly 10 000
# well-formed calls is still accepted (tests/usage/test_surfaces_input.py checks the 202).
def test_too_deep_call_in_a_batch_is_still_refused(api, partner):
    deep = {}
    for _level in range(100):
        deep = {"x": deep}
    body = json.dumps({"calls": [{}] * 5 + [deep]})
    response = api.post(reverse("api:cdr-import-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    body = json.dumps({"calls": [deep] + [{}] * (MAX_CALLS + 5)})
    response = api.post(reverse("api:cdr-import-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


# SPEC §9: an Idempotency-Key reused for another batch — other calls, or a file instead of a
# list — is a 422 and stores nothing; the same request again replays the first batch. One
# batch in all.
def test_idempotency_key_reused_for_another_batch(api, partner):
    sip = account("sip-unl", partner=partner)
    url = reverse("api:cdr-import-list")
    first = api.post(url, {"calls": [_json_call(sip)]}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 202
    other = {"calls": [_json_call(sip, duration=121)]}
    assert api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="k1").status_code == 422
    csv = f"{HEADER}\nj-1,{sip.username},2026-10-02T09:00:00Z,yes,120,,0612345678,outbound,\n"
    upload = {"file": SimpleUploadedFile("api.csv", csv.encode())}
    assert api.post(url, upload, format="multipart", HTTP_IDEMPOTENCY_KEY="k1").status_code == 422
    again = api.post(url, {"calls": [_json_call(sip)]}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert ImportBatch.objects.count() == 1


# A file's name is the partner's text: a path in it, control characters or 300 characters are
# kept as a plain name — the stored file stays in usage/imports/, under the batch's number.
def test_uploaded_file_names_stay_in_the_imports_folder(api, partner):
    sip = account("sip-unl", partner=partner)
    csv = f"{HEADER}\nf-1,{sip.username},2026-10-02T09:00:00Z,yes,60,,0612345678,outbound,\n"
    url = reverse("api:cdr-import-list")
    for name in ("%2e%2e", "x\x01y.csv", "a" * 300 + ".csv", ".htaccess"):
        upload = {"file": SimpleUploadedFile(name, csv.encode())}
        assert api.post(url, upload, format="multipart").status_code == 202, name
    for batch in ImportBatch.objects.all():
        folder, _sep, stored = batch.file.name.rpartition("/")
        assert folder == "usage/imports" and stored.startswith(f"{batch.pk:08d}-")
        assert ".." not in batch.file.name and "\x01" not in batch.file.name


# ACC-3: ordering the import reports or the calls by a field of the key, of the partner or of
# another customer is no oracle and no server error: a 400 on ``ordering``, the same for every
# partner — for the imports, an order the list cannot give (naming what it sorts on); for the
# calls, which keep one order (their cursor's), a parameter the list does not take.
@pytest.mark.parametrize(
    "route, ordering",
    [
        ("api:cdr-import-list", "progress"),
        ("api:cdr-import-list", "-api_key__hashed_key"),
        ("api:cdr-import-list", "partner__name"),
        ("api:call-list", "-client__legal_name"),
        ("api:call-list", "cost"),
    ],
)
def test_orderings_never_fail_nor_cross_partners(api, tenant, other_tenant, route, ordering):
    for someone in (tenant, other_tenant):
        _cdr_import(someone)
        _call(someone)
    response = api.get(reverse(route), {"ordering": ordering})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["ordering"]
    assert other_tenant.client.legal_name not in response.content.decode()


# BIL-3 / ACC-2: the annex of a partner-billed month is the partner's invoice (the buyer is the
# partner): the customer's admin and billing members get a 404, not the partner's other
# customers' calls; its technical and read-only members a 403 before any lookup.
def test_annex_of_a_partner_billed_invoice_is_not_the_customers(client, tenant):
    invoice = _invoice(tenant)
    assert invoice.client_id is None and invoice.partner_id == tenant.client.partner_id
    url = reverse("usage:invoice_annex", args=[invoice.pk])
    expected = {Role.ADMIN: 404, Role.BILLING: 404, Role.TECHNICAL: 403, Role.READ_ONLY: 403}
    for role, status in expected.items():
        client.force_login(tenant.members[role].user)
        assert client.get(url).status_code == status, role


# ACC-2: the threshold form takes no customer: a hidden "client" field naming another customer
# is ignored, the threshold set is the member's own customer's.
def test_threshold_form_ignores_a_forged_customer(client, tenant, other_tenant):
    client.force_login(other_tenant.members[Role.BILLING].user)
    forged = {"amount": "50", "client": tenant.client.pk, "client_id": tenant.client.pk}
    assert client.post(reverse("usage:threshold"), forged).status_code == 302
    assert list(ConsumptionThreshold.objects.values_list("client_id", flat=True)) == [
        other_tenant.client.pk
    ]


# ACC-2: the page, the CSV export and the API take no account or customer of someone else: an
# "account" or "client" parameter naming another customer's changes nothing on the page nor in
# the export (the member's own month), and the API's account filter on another partner's
# customer's account only narrows the partner's own calls (none).
def test_account_parameters_never_reach_another_customer(client, api, tenant, other_tenant):
    theirs = _call(other_tenant)
    mine = _call(tenant)
    client.force_login(tenant.members[Role.ADMIN].user)
    month = mine.billing_month.strftime("%Y-%m")
    for route in ("usage:consumption", "usage:calls_csv"):
        # (ids: a text given would be echoed back in the language switch's return address)
        params = {"month": month, "account": theirs.pk, "client": other_tenant.client.pk}
        response = client.get(reverse(route), params)
        body = response.content.decode()
        assert response.status_code == 200, route
        assert theirs.call_id not in body and theirs.account_ref not in body, route
    assert mine.call_id in body  # the export is the member's own month
    listed = api.get(reverse("api:call-list"), {"account": theirs.account_ref}).json()
    assert listed["results"] == []
    assert CallRecord.objects.filter(pk=theirs.pk).exists()
