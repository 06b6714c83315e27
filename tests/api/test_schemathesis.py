"""Every operation of the partner API's OpenAPI document (``/api/v1/schema/``) fuzzed by
Schemathesis (issue 13): no input answers a server error, and every answer — success or
refusal — is one the document describes (status, media type and body). ACC-3: a partner's
client is generated from this document, so the document must not lie.

In process, on the WSGI application (no server), in the test's transaction: a partner with
customers, contracts, invoices, a trunk, tickets, numbers, equipment, rated calls, webhook
endpoints… and its API key. Half the time a path parameter, or a body field naming a row
(``client``, ``trunk``…), is one of these rows (or another partner's), so commands reach real
objects and answers carry real content. Each example runs in a savepoint rolled back
afterwards: every example sees the same data. Valid and invalid input (``mode: all``),
a fixed seed, ``EXAMPLES`` examples per operation (an operation without any input has one),
no shrinking: about a second per operation.

A failure prints the example (and, for a 500, the server's traceback) with a ``curl`` line to
replay it. To fuzz deeper, ``make test-deep`` (or ``SCHEMATHESIS_EXAMPLES=…``), or change
``SEED``.
"""

import os
import traceback
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import hypothesis
import pytest
import schemathesis
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.api.throttling import ApiKeyRateThrottle
from accounts.choices import BillingMode
from billing import services as billing
from billing.models import Invoice, PendingCharge
from equipment.choices import RmaRefusal
from equipment.services import items as equipment_items
from equipment.services import rma
from equipment.services.return_open import open_return
from kernel.events import emit
from numbering import services as numbering
from numbering.choices import RejectionReason
from numbering.rio import check_key
from numbering.services import porting
from numbering.services.port_out import port_out_notice
from offers import services as offers
from offers.models import Offer
from payments import services as payments
from support import services as support
from support.choices import TicketKind
from support.models import Attachment
from telephony import services as telephony
from telephony.models import DestinationGroup
from tests.equipment import isolation_rows as equipment_rows
from tests.equipment.factories import make_model, rent, sell, stock
from tests.factories import make_api_key, siren_for, siret_for, vat_for
from tests.numbering import isolation_rows as numbering_rows
from tests.offers.factories import make_contract
from tests.support.factories import make_staff
from tests.telephony.factories import make_sip_account, make_trunk
from tests.usage import isolation_rows as usage_rows
from tests.usage.core_helpers import row, run_import
from tests.webhooks import isolation_rows as webhook_rows
from tests.webhooks.conftest import Receiver
from usage.models import CallRecord
from webhooks import services as webhooks

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)  # a Monday: October is invoiced, disputable
OCT = date(2026, 10, 1)
SEED = 13
# 15 examples an operation in `make test` (1 500 cases, about a minute here); `make test-deep`
# runs 100.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,  # every status answered is documented (409, 422, 415…)
    content_type_conformance,  # JSON, or the documented file type (PDF, XML, attachments)
    response_schema_conformance,  # the body is the documented one (the error envelope…)
]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "mode": "all",  # valid input, and input the document says is invalid
            "max-examples": EXAMPLES,
            "no-shrink": True,
            "database": "none",
            "with-security-parameters": False,  # always the partner's key
        },
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)


@pytest.fixture
def frozen():
    """A fixed date and time: the same answers on every run."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def server_errors():
    """The tracebacks of the server errors of the current example."""
    errors = []

    def keep(sender, request, **kwargs):
        errors.append(traceback.format_exc())

    got_request_exception.connect(keep)
    yield errors
    got_request_exception.disconnect(keep)


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, without closing the test's connection at the end of a request
    (what Django's test client does too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
POOL = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


def _numbers(tenant, other_tenant, staff, *, sip, hosted, theirs) -> tuple[dict, dict]:
    """A pool of ten Paris numbers: two on the SIP account (one leaving by port-out on
    1 December), one on the HOSTED-W contract, the rest free to assign; a draft port-in
    request and a rejected one; another partner's number and request."""
    client = tenant.client
    numbering.import_ranges(
        content=(POOL + "1;0145800000;0145800009;X;Métropole;;PARIS\n").encode(), source="f"
    )
    on_sip = numbering.assign_numbers(
        client=client, numbers=["0145800000", "0145800001"], sip_account=sip
    )
    on_contract = numbering.assign_numbers(client=client, numbers=["0145800002"], contract=hosted)
    port_out_notice(number="0145800001", porting_date=date(2026, 12, 1), actor=staff)

    def port(national, body, **extra):
        return porting.port_request_create(
            client=client,
            lines=[{"number": national, "rio": body + check_key(body, national)}],
            holder_name="Acme SAS",
            holder_siret=siret_for(client.siren),
            current_operator="Opérateur historique",
            desired_date=NOW.date() + timedelta(days=14),
            contract=hosted,
            actor=staff,
            **extra,
        )

    draft = port("0698765432", "01P123456")
    rejected = port(
        "0145900012",
        "02FAB1234",
        mandate=SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf"),
        submit=True,
    )
    porting.port_request_reject(
        request=rejected, reason=RejectionReason.HOLDER_MISMATCH, note="SIRET", actor=staff
    )
    other_tenant.numbering_contract = theirs  # their rows on their contract, none made anew
    ids = {
        "/numbers/": [n.pk for n in [*on_sip, *on_contract, numbering_rows._number(other_tenant)]],
        "/port-requests/": [
            draft.pk,
            rejected.pk,
            numbering_rows._port_request(other_tenant).pk,
        ],
    }
    body = {
        "numbers": [["0145800005"], ["+33145800006", "01 45 80 00 07"], ["0145800000"]],
        "sip_account": [sip.pk],
    }
    return ids, body


def _equipment(tenant, other_tenant, staff) -> tuple[dict, dict]:
    """A delivered rental of two phones (an RMA awaiting a decision, a refused one, and a
    return at the rental's end) and a delivered sale (an RMA whose replacement shipped, its
    return open); a phone in stock to order; another partner's rental, RMA and return."""
    client, site = tenant.client, tenant.site
    model = make_model()
    rental = rent(client, site, model, quantity=2)
    sale = sell(client, site, model, ordered_on=date(2026, 6, 1))
    stock(model, 2)  # the RMA's replacement, and one to order
    first, second = rental.items.order_by("serial_number")
    (sold,) = sale.items.all()
    for item in (first, second):
        equipment_items.item_deliver(item=item)
    equipment_items.item_deliver(item=sold, delivered_on=date(2026, 6, 3))
    requested = rma.rma_request(client=client, item=first, description="Écran noir")
    refused = rma.rma_request(client=client, item=second, description="Cassé")
    rma.rma_refuse(rma=refused, reason=RmaRefusal.NEGLIGENCE, note="Chute", actor=staff)
    shipped = rma.rma_request(client=client, item=sold, description="Pas de tonalité")
    rma.rma_approve(rma=shipped, actor=staff)
    shipped = rma.rma_ship_replacement(rma=shipped, actor=staff, tracking_number="6A123")
    ended = open_return(
        client=client,
        reason="rental_end",
        items=[first, second],
        last_day=date(2026, 12, 24),
        contract=rental.contract,
    )
    ids = {
        "/equipment-orders/": [rental.pk, sale.pk, equipment_rows._rental(other_tenant).pk],
        "/equipment-items/": [
            first.pk,
            second.pk,
            sold.pk,
            shipped.replacement_id,
            equipment_rows._item(other_tenant).pk,
        ],
        "/rmas/": [requested.pk, refused.pk, shipped.pk, equipment_rows._rma(other_tenant).pk],
        "/equipment-returns/": [
            shipped.equipment_return.pk,
            ended.pk,
            equipment_rows._return(other_tenant).pk,
        ],
    }
    body = {
        "item": [first.pk, second.pk, sold.pk, equipment_rows._item(other_tenant).pk],
        "model": [model.code],
    }
    return ids, body


def _usage(partner, tenant, other_tenant, *, sip, trunk) -> dict:
    """November's calls through a CDR import: the SIP account's (a mobile, unanswered, abroad,
    an emergency, inbound) and the trunk's (fixed, special rate), an unknown account rejected;
    a failed import (no header); another partner's call and pending import."""

    def on(day):
        return datetime(2026, 11, day, 9, tzinfo=UTC)

    done = run_import(
        [
            row(sip, "0612345678", start=on(2), duration=125),
            row(sip, "0140000001", start=on(3), answered=False, duration=0),
            row(sip, "+442071234567", start=on(4)),
            row(trunk, "0140000002", start=on(5), duration=3600),
            row(trunk, "0892123456", start=on(7)),
            row(sip, "112", start=on(8)),
            row(sip, "0145800000", start=on(9), call_type="inbound"),
            row("nobody", "0140000003", start=on(6)),
        ],
        partner=partner,
    )
    failed = run_import(b"no header\n", filename="bad.csv", partner=partner)
    calls = list(CallRecord.objects.filter(client=tenant.client).values_list("pk", flat=True))
    return {
        "/calls/": [*calls, usage_rows._call(other_tenant).pk],
        "/cdr-imports/": [done.pk, failed.pk, usage_rows._cdr_import(other_tenant).pk],
    }


def _webhooks(partner, other_tenant, receiver) -> tuple[dict, dict]:
    """An endpoint on a loopback receiver with two deliveries: one succeeded, one failed once
    (500) and pending; another partner's endpoint and delivery."""
    endpoint, _secret = webhooks.create_endpoint(
        partner=partner, url=receiver.url, description="ERP"
    )
    deliveries = []
    for status in (200, 500):
        receiver.answer(status)
        event = emit("ticket.updated", partner_id=partner.pk, data={"id": status})
        (delivery,) = webhooks.fan_out(event.pk)
        webhooks.attempt(delivery)
        deliveries.append(delivery)
    ids = {
        "/webhook-endpoints/": [endpoint.pk, webhook_rows._endpoint(other_tenant).pk],
        "/webhook-deliveries/": [*deliveries, webhook_rows._delivery(other_tenant).pk],
    }
    return ids, {"url": [receiver.url], "event_types": [["invoice.issued"], []]}


@pytest.fixture
def hook_receiver():
    """The world's webhook endpoint, on loopback: pings and redeliveries reach it."""
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def world(frozen, partner, tenant, other_tenant, settings, tmp_path, monkeypatch, hook_receiver):
    """The partner's rows every operation may reach: ``ids`` by path prefix
    (``{"/trunks/": [ids]}``), ``body`` by request body field."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False
    # The fuzzing sends more requests a minute than a key may: the rate limit is tested apart.
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "1000000/min"})
    staff = make_staff()
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    client = tenant.client

    hosted = make_contract(client, "hosted-w", quantity=2)
    terminating = make_contract(client, status="terminating")
    # CON-2: a draft too (created, not ordered yet): the commands, quantity changes, tickets
    # and numbers that name it are refused with a 4xx, never a 500.
    draft = make_contract(client, status="draft")
    sip, _secret = make_sip_account(client)
    telephony.sip_device_register(account=sip, device_id="80:5e:c0:00:00:01", user_agent="Yealink")
    trunk = make_trunk(client, start=OCT)
    order = telephony.channel_order_create(trunk=trunk, add=1)
    decrease = telephony.channel_decrease_request(trunk=trunk, channels_to_remove=1)
    line = sip.contract.lines.select_related("product").get()
    change = offers.price_change_schedule(
        offer=sip.contract.offer,
        product=line.product,
        new_monthly_price=line.unit_monthly_price + Decimal("1.00"),
        effective_date=date(2027, 2, 1),
    )
    billing.charge_post(
        client=client,
        kind="setup",
        source_type="fuzz",
        source_id=client.pk,
        period_start=OCT,
        description="Setup fee",
        unit_price="100.00",
    )
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.filter(client=client, kind="invoice").first()
    note = billing.credit_note_issue(
        corrects=invoice, lines=[billing.CreditLine("Goodwill", Decimal("5.00"))], reason="Fuzz"
    )
    dispute = payments.dispute_open(invoice=invoice, amount="10.00", reason="Fuzz")
    payment = payments.payment_record(
        client=client, amount="25.00", method="transfer", received_on=NOW.date(), reference="F"
    )
    entry = payments.prepaid_topup_record(
        client=client, amount_received="50.00", received_on=NOW.date(), reference="TOPUP"
    )
    ticket = support.ticket_open(
        client=client,
        kind=TicketKind.FAILURE,
        subject="No dial tone",
        body="See the log.",
        contract=hosted,
        attachments=[SimpleUploadedFile("trace.log", b"no dial tone\n")],
    )
    attachment = Attachment.objects.get(message__ticket=ticket)
    outage = support.outage_record(
        title="Outage",
        started_at=NOW - timedelta(days=20),
        ended_at=NOW - timedelta(days=20) + timedelta(hours=3),
        contracts=[hosted],
        actor=staff,
    )
    report = support.availability_report_compute(contract=hosted, month=OCT)
    theirs = make_contract(other_tenant.client, "hosted-w")
    other_key, _raw = make_api_key(partner)  # revoked or rotated by the fuzzing, never used
    number_ids, number_body = _numbers(
        tenant, other_tenant, staff, sip=sip, hosted=hosted, theirs=theirs
    )
    equipment_ids, equipment_body = _equipment(tenant, other_tenant, staff)
    usage_ids = _usage(partner, tenant, other_tenant, sip=sip, trunk=trunk)
    hook_ids, hook_body = _webhooks(partner, other_tenant, hook_receiver)

    contracts = [
        hosted.pk, terminating.pk, draft.pk, sip.contract_id, trunk.contract_id, theirs.pk,
    ]  # fmt: skip
    lines = [
        (contract.pk, contract_line.pk)
        for contract in (hosted, draft, sip.contract, trunk.contract, theirs)
        for contract_line in contract.lines.all()
    ]
    ids = {
        "/customers/": [client.pk, other_tenant.client.pk],
        "/sites/": [tenant.site.pk, other_tenant.site.pk],
        "/customer-users/": [m.pk for m in tenant.members.values()],
        "/contracts/": contracts,
        "/invoices/": [invoice.pk, note.pk],
        "/charges/": list(PendingCharge.objects.filter(client=client).values_list("pk", flat=True)),
        "/payments/": [payment.pk],
        "/disputes/": [dispute.pk],
        "/prepaid-entries/": [entry.pk],
        "/trunks/": [trunk.pk],
        "/channel-orders/": [order.pk],
        "/channel-decreases/": [decrease.pk],
        "/sip-accounts/": [sip.pk],
        "/tickets/": [ticket.pk],
        "/outages/": [outage.pk],
        "/availability-reports/": [report.pk],
        "/offers/": list(Offer.objects.values_list("code", flat=True)),
        "/api-keys/": [other_key.pk],
        **number_ids,
        **equipment_ids,
        **usage_ids,
        **hook_ids,
    }
    siren = siren_for(900)
    # Values of request body fields that a generated body gets half the time: real rows.
    body = {
        "client": ids["/customers/"],
        "customer": ids["/customers/"],
        "site": ids["/sites/"],
        "contract": contracts,
        "trunk": [trunk.pk],
        "invoice": ids["/invoices/"],
        "offer": ids["/offers/"],
        "price_change": [change.pk],
        "group": list(DestinationGroup.objects.values_list("code", flat=True)),
        "siren": [siren],
        "siret": [siret_for(siren)],
        "vat_number": [vat_for(siren)],
        "insee_code": ["13202", "2A004"],
        **number_body,
        **equipment_body,
        **hook_body,
    }
    return type(
        "World", (), {"ids": ids, "lines": lines, "attachment": attachment.pk, "body": body}
    )


@pytest.fixture
def api_schema(world, wsgi_app, partner):
    """The document served at /api/v1/schema/, with the partner's key on every request."""
    _key, raw = make_api_key(partner)
    auth = {"Authorization": f"Api-Key {raw}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/", wsgi_app, config=CONFIG, headers=auth
    )
    schema.config.update(headers=auth)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, a real row of the operation's resource (ours or another partner's)."""
        path = context.operation.path.removeprefix("/api/v1")
        known = world.ids.get("/" + path.split("/")[1] + "/")
        if not known or not path_parameters:
            return st.just(path_parameters)
        name = "code" if "code" in path_parameters else "id"
        real = st.sampled_from(known).map(lambda pk: {**path_parameters, name: pk})
        if "line_id" in path_parameters:
            real = st.sampled_from(world.lines).map(
                lambda pair: {**path_parameters, "id": pair[0], "line_id": pair[1]}
            )
        if "attachment_pk" in path_parameters:
            real = real.map(lambda params: {**params, "attachment_pk": world.attachment})
        return st.one_of(st.just(path_parameters), real)

    @schema.hook
    def flatmap_body(context, body):
        """Each field naming a row (``client``, ``trunk``…): half the time a real one."""
        if not isinstance(body, dict):
            return st.just(body)
        fields = {
            name: st.one_of(st.just(value), st.sampled_from(world.body[name]))
            for name, value in body.items()
            if name in world.body
        }
        return st.fixed_dictionaries(fields).map(lambda chosen: {**body, **chosen})

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


# ACC-3 — whatever a partner sends, never a server error, and always an answer the document
# describes: business refusals (409, 422) included, with the error envelope.
@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_fuzzed(case, server_errors):
    with transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)  # the next example sees the same rows
    if server_errors:  # the server's traceback: the answer itself is a bare page
        pytest.fail(f"{case.as_curl_command()}\n{server_errors[0]}")
    case.validate_response(response, checks=CHECKS)


# --- What the fuzzing found (issue 13), one example each ----------------------------------------


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


# ACC-3 — an address under /api/ that matches no route (an id that is not a number) is "not
# found" in the API's envelope, as an unknown id; the portal keeps its page.
@pytest.mark.parametrize("path", ["/api/v1/invoices/1.5/", "/api/v1/trunks/x/destinations/"])
def test_unmatched_api_address_is_json_404(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert response["Cache-Control"] == "no-store"


def test_unmatched_portal_address_is_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# ACC-1 — a VAT number whose prefix is no EU country is a field error, not a 500.
def test_vat_number_unknown_country_is_400(api):
    body = {
        "legal_name": "Zed SAS",
        "address_line1": "1 rue X",
        "postal_code": "75001",
        "city": "Paris",
        "vat_number": "ZZ123456789",
    }
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert "vat_number" in response.json()["error"]["fields"]


# ACC-3 — a page past the last one is a 404, documented on every paginated list.
def test_page_out_of_range_documented(api, document):
    assert api.get("/api/v1/trunks/", {"page": 9}).status_code == 404
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            if "page" in names:
                assert "404" in operation["responses"], (method, path)


# ACC-3 — a body the operation does not take is a 415, documented with every request body
# (and 413, a body too large).
def test_unsupported_media_type_documented(api, document):
    response = api.generic("POST", "/api/v1/customers/", "x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                assert {"413", "415"} <= set(operation["responses"]), (method, path)


# A NUL character is refused (400) on any operation: the 400 is documented on every one.
def test_nul_in_any_parameter_documented(api, document):
    assert api.get("/api/v1/trunks/", {"ordering": "a\x00"}).status_code == 400
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert "400" in operation["responses"], (method, path)


# CON-2 — the quantity changes of a line are a plain list, documented as one.
def test_line_quantity_changes_documented_as_array(document):
    path = "/api/v1/contracts/{id}/lines/{line_id}/quantity/"
    body = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["type"] == "array"


# CON-6 — the support hours of the terms are a time of day without offset ("09:00:00"): not
# JSON Schema's ``time`` format, which requires one.
def test_support_hours_documented_as_local_time(document):
    terms = document["components"]["schemas"]["Terms"]["properties"]
    for name in ("support_start", "support_end"):
        assert "format" not in terms[name] and terms[name]["pattern"].startswith("^")


# SLA-1 — an attachment is answered with the type it was accepted as: each is documented.
def test_attachment_types_documented(document):
    path = "/api/v1/tickets/{id}/attachments/{attachment_pk}/"
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "text/plain", "application/zip"} <= set(content)
