"""Partner API of numbers: the pool searched (NUM-2), assignment with ``Idempotency-Key`` and
release to quarantine (NUM-2), port-in requests with their lines and timeline, fixed and
relaunched after a rejection (NUM-3); scoping, filters that tell nothing of other partners' ids,
scopes (ACC-3); validation errors naming the field; query counts."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import api_keys
from kernel.clock import paris_today
from numbering import services
from numbering.choices import NumberState, PortStatus, RejectionReason
from numbering.models import NumberEvent, PhoneNumber, PortRequest, PortRequestStep
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from offers.models import Contract
from tests.factories import ClientFactory, SiteFactory, siret_for
from tests.offers.factories import make_contract
from tests.support.factories import make_staff
from tests.telephony.factories import make_sip_account

pytestmark = pytest.mark.django_db
HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NUMBERS = reverse("api:number-list")
ASSIGN = reverse("api:number-assign")
POOL = reverse("api:available-number-list")
PORTS = reverse("api:port-request-list")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.NUMBERS_QUARANTINE_DAYS = 90
    settings.PORT_IN_EXPECTED_DAYS = 10


@pytest.fixture
def pool():
    """Ten Paris numbers (no ZNE restriction) and ten of La Réunion (restricted to their ZNE)."""
    services.import_ranges(
        content=(
            HEADER + "1;0172700000;0172700009;X;Métropole;;PARIS\n"
            "2;0262500000;0262500009;X;La Réunion;;SAINT-DENIS-REUNION\n"
        ).encode(),
        source="test.csv",
    )


@pytest.fixture
def contract(tenant):
    return make_contract(tenant.client, "hosted-w")  # at the tenant's Marseille site


def _fields(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:500])
    return response.json()["error"]["fields"]


def _assign(api, tenant, contract, numbers, **extra):
    body = {"customer": tenant.client.pk, "numbers": numbers, "contract": contract.pk, **extra}
    return api.post(ASSIGN, body, format="json")


def _rio(body, national):
    return body + check_key(body, national)


def _line(national, body="02FAB1234"):
    return {"number": national, "rio": _rio(body, national.replace(" ", ""))}


def _port_body(tenant, contract, lines, **extra):
    return {
        "customer": tenant.client.pk,
        "contract": contract.pk,
        "holder_name": "Acme SAS",
        "holder_siret": siret_for(tenant.client.siren),
        "current_operator": "Opérateur historique",
        "desired_date": str(next_porting_day(paris_today() + timedelta(days=14))),
        "lines": lines,
        **extra,
    }


def _mandate(content=PDF):
    return SimpleUploadedFile("mandat.pdf", content, content_type="application/pdf")


# --- The pool --------------------------------------------------------------------------------


# NUM-2 — the pool searched by type, ZNE, pattern and site: a Marseille site keeps the mainland
# numbers only (the Réunion range is restricted to its ZNE); a number held is not in the pool.
def test_available_numbers_search(api, tenant, contract, pool):
    assert api.get(POOL).json()["count"] == 20
    ends = api.get(POOL, {"ends_with": "09"}).json()["results"]
    assert [row["e164"] for row in ends] == ["+262262500009", "+33172700009"]
    assert ends[1]["display"] == "01 72 70 00 09" and ends[0]["zne_restricted"] is True
    at_site = api.get(POOL, {"site": tenant.site.pk, "page_size": 50}).json()
    assert at_site["count"] == 10 and all(r["e164"].startswith("+33") for r in at_site["results"])
    assert api.get(POOL, {"starts_with": "0262"}).json()["count"] == 10
    assert api.get(POOL, {"zne": "paris", "number_type": "geographic"}).json()["count"] == 10
    assert api.get(POOL, {"number_type": "mobile"}).json()["count"] == 0
    assert _assign(api, tenant, contract, ["0172700000"]).status_code == 200
    assert api.get(POOL, {"starts_with": "0172"}).json()["count"] == 9


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ends_with": "ab"}, "ends_with"),
        ({"ends_with": "123456789"}, "ends_with"),
        ({"starts_with": "172"}, "starts_with"),
        ({"number_type": "premium"}, "number_type"),
        ({"site": "999999"}, "site"),
    ],
)
def test_available_numbers_bad_filters(api, pool, params, field):
    assert field in _fields(api.get(POOL, params))


# ACC-3 — another partner's site is the same 400 as a site that does not exist (no id oracle).
def test_pool_site_filter_is_not_an_id_oracle(api, other_tenant, pool):
    theirs = api.get(POOL, {"site": other_tenant.site.pk}, HTTP_ACCEPT_LANGUAGE="en").json()
    unknown = api.get(POOL, {"site": 999_999}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert theirs["error"]["fields"]["site"] == unknown["error"]["fields"]["site"]


# --- Assignment and release --------------------------------------------------------------------


# NUM-2 — assigned to a contract through the API (Idempotency-Key honoured: a retry replays the
# answer and assigns nothing again); the numbers are listed with their service.
def test_assign_then_list(api, tenant, contract, pool):
    body = {
        "customer": tenant.client.pk,
        "numbers": ["01 72 70 00 01", "+33172700002"],
        "contract": contract.pk,
    }
    response = api.post(ASSIGN, body, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
    assert response.status_code == 200, response.json()
    assigned = response.json()
    assert [row["display"] for row in assigned] == ["01 72 70 00 01", "01 72 70 00 02"]
    row = assigned[0]
    assert row["state"] == "assigned" and row["customer"] == tenant.client.pk
    assert row["contract"] == contract.pk and row["contract_reference"] == contract.reference
    assert row["site"] == contract.site_id and row["e164"] == "+33172700001"
    assert row["assigned_at"] and row["quarantine_until"] is None
    events = NumberEvent.objects.count()
    again = api.post(ASSIGN, body, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == assigned and NumberEvent.objects.count() == events
    listed = api.get(NUMBERS).json()
    assert listed["count"] == 2 and listed["results"][0]["display"] == "01 72 70 00 01"
    detail = api.get(reverse("api:number-detail", args=[row["id"]])).json()
    assert detail == listed["results"][0]


# NUM-2 — to a SIP account of the customer: the number serves it (and its contract).
def test_assign_to_sip_account(api, tenant, pool):
    sip, *_rest = make_sip_account(tenant.client)
    body = {"customer": tenant.client.pk, "numbers": ["0172700003"], "sip_account": sip.pk}
    response = api.post(ASSIGN, body, format="json")
    assert response.status_code == 200, response.json()
    (row,) = response.json()
    assert row["sip_account"] == sip.pk and row["contract"] == sip.contract_id


# NUM-2 — two customers picking one number: the second is told which number was just taken,
# and nothing of its assignment is made (all or nothing).
def test_assign_taken_number_named(api, tenant, contract, pool, partner):
    sibling = ClientFactory(partner=partner)
    SiteFactory(client=sibling)
    siblings = make_contract(sibling, "hosted-w")
    assert _assign(api, tenant, contract, ["0172700005"]).status_code == 200
    response = api.post(
        ASSIGN,
        {"customer": sibling.pk, "numbers": ["0172700006", "0172700005"], "contract": siblings.pk},
        format="json",
    )
    (message,) = _fields(response)["numbers"]
    assert "01 72 70 00 05" in message and "06" not in message.replace("01 72 70 00 05", "")
    assert PhoneNumber.objects.get(e164="+33172700006").state == NumberState.AVAILABLE


# NUM-2 / ACC-3 — bad input: each error names its field; nothing is assigned.
def test_assign_bad_input(api, tenant, other_tenant, contract, pool, partner):
    sibling = ClientFactory(partner=partner)
    SiteFactory(client=sibling)
    siblings = make_contract(sibling, "hosted-w")
    theirs = make_contract(other_tenant.client, "hosted-w")
    base = {"customer": tenant.client.pk, "numbers": ["0172700007"], "contract": contract.pk}
    sip, *_rest = make_sip_account(tenant.client)
    cases = [
        ({**base, "customer": other_tenant.client.pk}, "customer"),
        ({**base, "contract": theirs.pk}, "contract"),  # another partner's: "does not exist"
        ({**base, "contract": siblings.pk}, "contract"),  # another customer's
        ({**base, "contract": None}, "contract"),  # no service
        ({**base, "sip_account": sip.pk}, "contract"),  # two services
        ({**base, "site": other_tenant.site.pk}, "site"),
        ({**base, "numbers": ["0172700007"] * 101}, "numbers"),
        ({**base, "numbers": ["x" * 21]}, "numbers"),
        ({**base, "numbers": ["0123"]}, "numbers"),  # not a number
        ({**base, "numbers": ["０１７２７０００７"]}, "numbers"),  # full-width digits
        ({**base, "numbers": ["0262500001"]}, "numbers"),  # Réunion ZNE at a Marseille site
        ({**base, "numbers": ["0172709999"]}, "numbers"),  # not ours
    ]
    for body, field in cases:
        assert field in _fields(api.post(ASSIGN, body, format="json")), (body, field)
    assert not PhoneNumber.objects.filter(state=NumberState.ASSIGNED).exists()


# NUM-2 — numbers come to a contract in service only: an ordered contract not yet started is
# refused on contract (as a port request is), a SIP account of a terminated contract on
# sip_account — the field the partner sent, not non_field_errors; nothing is assigned.
def test_assign_to_a_contract_not_in_service_names_its_field(api, tenant, pool):
    ordered = make_contract(tenant.client, "hosted-w", status="ordered")
    sip, *_rest = make_sip_account(tenant.client)
    Contract.objects.filter(pk=sip.contract_id).update(status="terminated")
    base = {"customer": tenant.client.pk, "numbers": ["0172700007"]}
    for target, field in (
        ({"contract": ordered.pk}, "contract"),
        ({"sip_account": sip.pk}, "sip_account"),
    ):
        response = api.post(ASSIGN, {**base, **target}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert _fields(response) == {field: ["Numbers are assigned to a contract in service only."]}
    assert PhoneNumber.objects.get(e164="+33172700007").state == NumberState.AVAILABLE


# NUM-2 — released: in quarantine for the configured days, no longer the customer's (not listed,
# a second release is a 404); the quarantine over, it is back in the pool.
def test_release_to_quarantine_and_back(api, tenant, contract, pool):
    (row,) = _assign(api, tenant, contract, ["0172700008"]).json()
    url = reverse("api:number-release", args=[row["id"]])
    response = api.post(url)
    assert response.status_code == 200, response.json()
    released = response.json()
    assert released["state"] == "quarantine" and released["customer"] is None
    assert released["quarantine_until"] == str(paris_today() + timedelta(days=90))
    assert api.get(NUMBERS).json()["count"] == 0
    assert api.post(url).status_code == 404
    assert "+33172700008" not in {
        r["e164"] for r in api.get(POOL, {"page_size": 50}).json()["results"]
    }
    services.quarantine_ended(today=paris_today() + timedelta(days=90))
    assert api.get(POOL, {"ends_with": "08", "starts_with": "0172"}).json()["count"] == 1


# NUM-2 — a number not assigned (porting out: ported_out) cannot be released: 409.
def test_release_in_wrong_state_409(api, tenant, contract, pool):
    (row,) = _assign(api, tenant, contract, ["0172700004"]).json()
    PhoneNumber.objects.filter(pk=row["id"]).update(state=NumberState.PORTED_OUT)
    response = api.post(reverse("api:number-release", args=[row["id"]]))
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"


# ACC-3 — the filters of /numbers/: another partner's customer, contract or site is the same 400
# as an id that does not exist; the partner's own filter the list.
def test_number_filters(api, tenant, other_tenant, contract, pool):
    _assign(api, tenant, contract, ["0172700001", "0172700002"])
    own = {
        "customer": tenant.client.pk,
        "contract": contract.pk,
        "site": contract.site_id,
        "state": "assigned",
        "number_type": "geographic",
    }
    for name, value in own.items():
        assert api.get(NUMBERS, {name: value}).json()["count"] == 2, name
    assert api.get(NUMBERS, {"state": "quarantine"}).json()["count"] == 0
    theirs = {
        "customer": other_tenant.client.pk,
        "contract": make_contract(other_tenant.client, "hosted-w").pk,
        "site": other_tenant.site.pk,
    }
    for name, value in theirs.items():
        other = api.get(NUMBERS, {name: value}, HTTP_ACCEPT_LANGUAGE="en")
        unknown = api.get(NUMBERS, {name: 999_999}, HTTP_ACCEPT_LANGUAGE="en")
        assert _fields(other)[name] == _fields(unknown)[name], name
    assert "number_type" in _fields(api.get(NUMBERS, {"number_type": "x"}))


# --- Port-in requests --------------------------------------------------------------------------


# NUM-3 — a draft in JSON, the mandate attached later (multipart PATCH), submitted; rejected by
# staff for the holder, fixed (PATCH) and relaunched; each step on the timeline, the expected
# delay and "no date guaranteed" stated.
def test_port_request_draft_fix_relaunch(api, tenant, contract):
    lines = [_line("01 72 70 00 12"), _line("06 12 34 56 78", "01P123456")]
    response = api.post(PORTS, _port_body(tenant, contract, lines), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["reference"].startswith("PORT-")
    assert [(line["display"], line["rio"]) for line in body["lines"]] == [
        ("01 72 70 00 12", lines[0]["rio"]),
        ("06 12 34 56 78", "01P12345636Q"),
    ]
    assert [step["status"] for step in body["steps"]] == ["draft"]
    assert body["expected_delay_days"] == 10 and body["no_date_guaranteed"]
    assert body["mandate_attached"] is False and body["customer"] == tenant.client.pk
    detail = reverse("api:port-request-detail", args=[body["id"]])
    submit = reverse("api:port-request-submit", args=[body["id"]])
    relaunch = reverse("api:port-request-relaunch", args=[body["id"]])
    assert "mandate" in _fields(api.post(submit))  # NUM-3: no mandate, no submission
    patched = api.patch(detail, {"mandate": _mandate()}, format="multipart")
    assert patched.status_code == 200 and patched.json()["mandate_attached"] is True
    assert api.post(relaunch).status_code == 409  # a draft is submitted, not relaunched
    assert api.post(submit).json()["status"] == "submitted"
    assert api.post(submit).status_code == 409
    request = PortRequest.objects.get(pk=body["id"])
    porting.port_request_reject(
        request=request, reason=RejectionReason.HOLDER_MISMATCH, note="SIRET", actor=make_staff()
    )
    rejected = api.get(detail).json()
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "holder_mismatch"
    assert rejected["steps"][-1] == {
        "status": "rejected",
        "at": rejected["steps"][-1]["at"],
        "note": "SIRET",
        "reason": "holder_mismatch",
    }
    fixed = api.patch(detail, {"holder_name": "ACME S.A.S."}, format="json")
    assert fixed.status_code == 200 and fixed.json()["holder_name"] == "ACME S.A.S."
    assert api.post(submit).status_code == 409  # a rejected request is relaunched
    relaunched = api.post(relaunch).json()
    assert relaunched["status"] == "submitted" and relaunched["rejection_reason"] == ""
    assert [s["status"] for s in relaunched["steps"]] == [
        "draft", "submitted", "rejected", "submitted",
    ]  # fmt: skip
    assert api.patch(detail, {"holder_name": "X"}, format="json").json()["error"]["code"] == (
        "not_editable"
    )
    cancel = reverse("api:port-request-cancel", args=[body["id"]])
    assert api.post(cancel).json()["status"] == "cancelled"
    assert api.post(cancel).status_code == 409


# NUM-3 — multipart with the mandate and submit=true, Idempotency-Key honoured: the retry
# replays the answer, a single request exists.
def test_port_request_multipart_submitted_at_once(api, tenant, contract):
    payload = _port_body(tenant, contract, json.dumps([_line("0172700012")]), submit="true")
    response = api.post(
        PORTS, {**payload, "mandate": _mandate()}, format="multipart", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "submitted" and response.json()["mandate_attached"]
    again = api.post(
        PORTS, {**payload, "mandate": _mandate()}, format="multipart", HTTP_IDEMPOTENCY_KEY="p-1"
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert PortRequest.objects.count() == 1
    assert "lines" in _fields(api.post(PORTS, {**payload, "lines": "[{"}, format="multipart"))


# NUM-3 — a multi-line request with line 2's key wrong: the error names line 2 and its number,
# as the service words it; nothing is written.
def test_port_request_wrong_rio_names_the_line(api, tenant, contract):
    lines = [_line("0172700012"), {**_line("0172700012"), "number": "0172700013"}]
    response = api.post(
        PORTS, _port_body(tenant, contract, lines), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    (message,) = _fields(response)["lines"]
    assert message.startswith("Line 2 (01 72 70 00 13)") and "check key" in message
    assert not PortRequest.objects.exists()


# NUM-3 / ACC-3 — bad input, each naming its field; nothing written.
def test_port_request_bad_input(api, tenant, other_tenant, contract, partner):
    sibling = ClientFactory(partner=partner)
    SiteFactory(client=sibling)
    siblings = make_contract(sibling, "hosted-w")
    lines = [_line("0172700012")]
    base = _port_body(tenant, contract, lines)
    cases = [
        ({**base, "customer": other_tenant.client.pk}, "customer"),
        ({**base, "contract": siblings.pk}, "contract"),
        ({**base, "contract": make_contract(other_tenant.client, "hosted-w").pk}, "contract"),
        ({**base, "holder_siret": "12345678901234"}, "holder_siret"),
        ({**base, "desired_date": str(paris_today() - timedelta(days=1))}, "desired_date"),
        ({**base, "desired_date": "２０２６-12-01"}, "desired_date"),
        ({**base, "lines": []}, "lines"),
        ({**base, "lines": [_line("0172700012")] * 101}, "lines"),
        ({**base, "lines": [{"number": "0172700012", "rio": "x" * 21}]}, "lines"),
        ({**base, "holder_name": "x" * 201}, "holder_name"),
        ({**base, "submit": True}, "mandate"),  # submitted at once: the mandate is required
    ]
    for body, field in cases:
        assert field in _fields(api.post(PORTS, body, format="json")), (body, field)
    fake = api.post(
        PORTS,
        {**base, "lines": json.dumps(lines), "mandate": _mandate(b"not a pdf")},
        format="multipart",
    )
    assert "mandate" in _fields(fake)
    assert not PortRequest.objects.exists()


# --- Scoping -----------------------------------------------------------------------------------


# ACC-3 — another partner's number and port request: 404 on every route and command, nothing
# written.
def test_other_partner_objects_404_on_every_command(api, other_tenant, pool):
    from tests.numbering.isolation_rows import _number, _port_request

    number, request = _number(other_tenant), _port_request(other_tenant)
    porting.port_request_update(request=request, mandate=_mandate())
    steps = PortRequestStep.objects.count()
    assert api.get(reverse("api:number-detail", args=[number.pk])).status_code == 404
    assert api.post(reverse("api:number-release", args=[number.pk])).status_code == 404
    detail = reverse("api:port-request-detail", args=[request.pk])
    assert api.get(detail).status_code == 404
    assert api.patch(detail, {"holder_name": "Intrus"}, format="json").status_code == 404
    for command in ("submit", "relaunch", "cancel"):
        url = reverse(f"api:port-request-{command}", args=[request.pk])
        assert api.post(url).status_code == 404, command
    number.refresh_from_db()
    request.refresh_from_db()
    assert number.state == NumberState.ASSIGNED and number.client == other_tenant.client
    assert request.status == PortStatus.DRAFT and request.holder_name != "Intrus"
    assert PortRequestStep.objects.count() == steps
    assert api.get(NUMBERS).json()["count"] == 0 and api.get(PORTS).json()["count"] == 0


# ACC-3 — the numbering routes are the family "numbers": numbers:read reads and cannot assign
# (403 naming numbers:write); a key of another family gets 403 on them.
def test_numbers_scope_family(partner, tenant, contract, pool):
    def client(scopes):
        _key, raw = api_keys.api_key_create(partner=partner, name="scoped", scopes=scopes)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        return api

    reader, other = client(["numbers:read"]), client(["telephony:write"])
    for url in (NUMBERS, POOL, PORTS):
        assert reader.get(url).status_code == 200
        assert other.get(url).status_code == 403
    refused = reader.post(ASSIGN, {}, format="json")
    assert refused.status_code == 403 and "numbers:write" in refused.json()["error"]["message"]
    writer = client(["numbers:write"])
    assert _assign(writer, tenant, contract, ["0172700009"]).status_code == 200


# --- Query counts ------------------------------------------------------------------------------


# The lists do not grow with their rows (no N+1): numbers with their contract, requests with
# their lines and steps.
def test_list_query_counts(api, tenant, contract, pool, django_assert_max_num_queries):
    _assign(api, tenant, contract, [f"017270000{i}" for i in range(6)])
    for i in range(4):
        mobiles = [_line(f"06123456{i}{j}", "01P123456") for j in range(2)]
        response = api.post(PORTS, _port_body(tenant, contract, mobiles), format="json")
        assert response.status_code == 201, response.json()
    assert PortRequest.objects.count() == 4
    with django_assert_max_num_queries(3):
        assert api.get(NUMBERS).json()["count"] == 6
    with django_assert_max_num_queries(3):
        assert api.get(POOL).json()["count"] == 14
    with django_assert_max_num_queries(4):  # and the site
        assert api.get(POOL, {"site": tenant.site.pk}).json()["count"] == 4
    with django_assert_max_num_queries(5):
        assert api.get(PORTS).json()["count"] == 4


# NUM-2 / NUM-3 — an equipment rental (EQP-3) is a contract in service too, but no telephone
# service: a number assigned or ported to it is refused (400 naming the reason), nothing written.
def test_no_number_goes_to_an_equipment_rental(api, tenant, pool):
    from tests.equipment.factories import make_model, rent

    rental = rent(tenant.client, tenant.site, make_model()).contract
    assert rental.status == "active"
    body = {"customer": tenant.client.pk, "numbers": ["0172700007"], "contract": rental.pk}
    response = api.post(ASSIGN, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "carries no telephone service" in _fields(response)["contract"][0]
    assert PhoneNumber.objects.get(e164="+33172700007").state == NumberState.AVAILABLE
    response = api.post(PORTS, _port_body(tenant, rental, [_line("0172700012")]), format="json")
    assert "aucun numéro" in _fields(response)["contract"][0]
    assert not PortRequest.objects.exists()


# NUM-4, NUM-2 — a number whose port-out is recorded (porting on a date to come) is leaving for
# another operator: the portal offers no release for it, and the partner API must not release it
# either — released, it went to quarantine then the pool (sold again while it lives elsewhere),
# and its port-out, no longer "assigned", never applied. 409, nothing moves.
def test_release_of_a_number_leaving_by_port_out_409(api, tenant, contract, pool):
    from numbering.services.port_out import port_out_apply, port_out_notice

    (row,) = _assign(api, tenant, contract, ["0172700005", "0172700006"]).json()[:1]
    porting = paris_today() + timedelta(days=5)
    port_out_notice(number="0172700005", porting_date=porting)
    response = api.post(reverse("api:number-release", args=[row["id"]]))
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "invalid_transition"
    number = PhoneNumber.objects.get(pk=row["id"])
    assert number.state == NumberState.ASSIGNED and number.quarantine_until is None
    assert not NumberEvent.objects.filter(number=number, to_state=NumberState.QUARANTINE)
    assert port_out_apply(number_id=number.pk, today=porting)
    assert PhoneNumber.objects.get(pk=row["id"]).state == NumberState.PORTED_OUT


# NUM-1 — an 08 number of the pool, and of a customer, says its price class (what its callers
# pay): toll_free for 0800–0805, premium for 0899; empty for a number that is not special. The
# pool can be filtered by it.
def test_special_numbers_carry_their_price_class(api, tenant, contract, pool):
    services.import_ranges(
        content=(HEADER + "3;0800100000;0800100004;X;;;\n4;0899100000;0899100004;X;;;\n").encode()
    )
    rows = {r["e164"]: r for r in api.get(POOL, {"page_size": 50}).json()["results"]}
    assert rows["+33800100001"]["price_class"] == "toll_free"
    assert rows["+33899100001"]["price_class"] == "premium"
    assert rows["+33172700001"]["price_class"] == ""
    premium = api.get(POOL, {"price_class": "premium"}).json()
    assert premium["count"] == 5
    assert "price_class" in _fields(api.get(POOL, {"price_class": "cheap"}))
    _assign(api, tenant, contract, ["0800100001"])
    (mine,) = api.get(NUMBERS).json()["results"]
    assert (mine["number_type"], mine["price_class"]) == ("special", "toll_free")


# NUM-1 / NUM-3 (CPCE D406-18: a geographic number is kept "sans changer d'implantation
# géographique"; HOSTED-W 5.4.1, overseas ranges restricted to their zone) — a La Réunion line,
# 02 62 40 12 34, brought to the contract of a Marseille site: refused before anything is
# written, on its line (line 2), naming the territory; the Paris line is fine. Before, the
# request was taken and the completion gave the Réunion number the Marseille ZNE, restricted to
# it. The same line brought to a contract of a Saint-Denis (La Réunion, INSEE 97411) site is
# taken.
def test_overseas_geographic_number_is_ported_to_a_site_of_its_territory(api, tenant, contract):
    lines = [_line("01 72 70 00 12"), _line("02 62 40 12 34")]
    fields = _fields(api.post(PORTS, _port_body(tenant, contract, lines), format="json"))
    (error,) = fields["lines"]
    assert "2" in error and "02 62 40 12 34" in error and "La Réunion" in error, error
    assert not PortRequest.objects.exists()
    reunion = SiteFactory(client=tenant.client, insee_code="97411", city="Saint-Denis")
    there = make_contract(tenant.client, "hosted-w", site=reunion)
    response = api.post(PORTS, _port_body(tenant, there, lines[1:]), format="json")
    assert response.status_code == 201, response.json()
