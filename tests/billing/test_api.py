"""Partner API of billing: invoices and credit notes (with lines, PDF and Factur-X XML) and
pending charges — scoping (ACC-3), partner-billed lines (ACC-3, BIL-1), read-only documents
(BIL-2), money as strings, filters and query counts."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from accounts.choices import BillingMode
from billing import services
from billing.facturx_xml import NS
from billing.models import Invoice, PendingCharge
from payments.services import payment_record
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path)


def _mode(partner, mode):
    partner.billing_mode = mode
    partner.save(update_fields=["billing_mode"])


def sip_unl(client):
    """SIP-UNL at 19.90 € HT a month (23.88 TTC), in service since September."""
    return make_contract(client, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)


def _url(route, obj):
    return reverse(route, args=[obj.pk])


@pytest.fixture
def docs(partner, tenant, other_partner, other_tenant):
    """Nova's customer Acme invoiced directly in October (Nova reseller-billed then) with a
    credit note on it; Nova itself invoiced in November (switched to partner-billed, ACC-3);
    Rival's customer invoiced directly both months."""
    _mode(partner, BillingMode.RESELLER_BILLED)
    _mode(other_partner, BillingMode.RESELLER_BILLED)
    sip_unl(tenant.client)
    sip_unl(other_tenant.client)
    services.run_month_sync(month=OCT)
    acme_october = Invoice.objects.get(client=tenant.client, month=OCT)
    note = services.credit_note_issue(
        corrects=acme_october,
        lines=[services.CreditLine("SLA credit", Decimal("5.00"))],
        reason="SLA credit for September",
        issue_date=date(2026, 11, 3),
    )
    _mode(partner, BillingMode.PARTNER_BILLED)
    services.run_month_sync(month=NOV)
    return SimpleNamespace(
        acme_october=acme_october,
        note=note,
        nova_november=Invoice.objects.get(partner=partner, month=NOV),
        rival=list(Invoice.objects.filter(client=other_tenant.client)),
    )


def ids(api, route="api:invoice-list", **params):
    response = api.get(reverse(route), params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- Scoping (ACC-3) ------------------------------------------------------------------------


# ACC-3 — a partner reads its customers' documents (reseller-billed) and its own monthly
# invoices (partner-billed), never another partner's: those answer 404 on the detail, the PDF
# and the XML.
def test_scoping(api, docs):
    assert set(ids(api)) == {docs.acme_october.pk, docs.note.pk, docs.nova_november.pk}
    for invoice in docs.rival:
        for route in ("api:invoice-detail", "api:invoice-pdf", "api:invoice-facturx"):
            response = api.get(_url(route, invoice))
            assert response.status_code == 404, route
            assert response.json()["error"]["code"] == "not_found"
            assert response["Content-Type"] == "application/json"
    assert len(docs.rival) == 2 and Invoice.objects.count() == 5


# BIL-3, BIL-9 — the detail: buyer, dates, totals and VAT breakdown as strings, lines; a credit
# note names the invoice it corrects and its reason.
def test_detail_money_as_strings(api, docs, tenant):
    body = api.get(_url("api:invoice-detail", docs.acme_october)).json()
    assert (body["number"], body["kind"], body["status"]) == ("F2026-000001", "invoice", "issued")
    assert (body["client"], body["partner"], body["buyer"]["name"]) == (
        tenant.client.pk,
        None,
        "Acme SAS",
    )
    assert (body["issue_date"], body["due_date"], body["month"]) == (
        "2026-10-31",
        "2026-11-30",
        "2026-10-01",
    )
    assert (body["total_net"], body["total_vat"], body["total_gross"], body["amount_due"]) == (
        "19.90",
        "3.98",
        "23.88",
        "23.88",
    )
    assert body["vat_breakdown"] == [
        {"vat_category": "S", "rate": "20.00", "taxable": "19.90", "vat": "3.98"}
    ]
    [line] = body["lines"]
    assert (line["kind"], line["period_start"], line["period_end"]) == (
        "subscription",
        "2026-11-01",
        "2026-12-01",  # exclusive
    )
    assert (line["quantity"], line["unit_price"], line["net_amount"], line["vat_rate"]) == (
        "1.0000",
        "19.9000",
        "19.90",
        "20.00",
    )
    assert line["end_client"] == {"id": tenant.client.pk, "name": "Acme SAS"}
    assert body["pdf_url"].endswith(_url("api:invoice-pdf", docs.acme_october))
    note = api.get(_url("api:invoice-detail", docs.note)).json()
    assert (note["kind"], note["corrects"], note["corrects_number"], note["reason"]) == (
        "credit_note",
        docs.acme_october.pk,
        "F2026-000001",
        "SLA credit for September",
    )
    assert (note["total_gross"], note["amount_due"]) == ("6.00", "0.00")


# ACC-3, BIL-1 — partner-billed: the partner's monthly invoice carries every customer's lines
# at its wholesale price (15 % off 19.90 = 16.9150), each tagged with its end customer.
def test_partner_billed_lines_carry_end_client(api, partner, tenant):
    partner.wholesale_discount_percent = Decimal("15")
    partner.save(update_fields=["wholesale_discount_percent"])
    beta = ClientFactory(partner=partner, legal_name="Beta SARL")
    SiteFactory(client=beta)
    for client in (tenant.client, beta):
        sip_unl(client)
    services.run_month_sync(month=OCT)
    [row] = api.get(reverse("api:invoice-list")).json()["results"]
    assert (row["partner"], row["client"], row["buyer"]["name"]) == (partner.pk, None, "Nova SAS")
    assert [(line["end_client"], line["unit_price"]) for line in row["lines"]] == [
        ({"id": tenant.client.pk, "name": "Acme SAS"}, "16.9150"),
        ({"id": beta.pk, "name": "Beta SARL"}, "16.9150"),
    ]
    assert row["total_net"] == "33.84"
    # The customer filter finds the partner's invoice through its lines.
    assert ids(api, client=beta.pk) == [row["id"]]


# --- Filters --------------------------------------------------------------------------------


# BIL-1, BIL-4, BIL-9 — filters: kind, customer, month of issue, status, due (an invoice paid in
# full since its issue is no longer due); a bad month is a field error; another partner's
# customer is not a valid choice.
def test_filters(api, docs, partner, tenant, other_tenant):
    assert ids(api, kind="credit_note") == [docs.note.pk]
    assert set(ids(api, kind="invoice")) == {docs.acme_october.pk, docs.nova_november.pk}
    assert set(ids(api, client=tenant.client.pk)) == {
        docs.acme_october.pk,
        docs.note.pk,
        docs.nova_november.pk,  # Acme's November lines are on Nova's invoice
    }
    assert ids(api, month="2026-10") == [docs.acme_october.pk]
    assert set(ids(api, month="2026-11")) == {docs.note.pk, docs.nova_november.pk}
    assert ids(api, status="draft") == []
    assert set(ids(api, due="true")) == {docs.acme_october.pk, docs.nova_november.pk}
    assert ids(api, due="false") == [docs.note.pk]
    # BIL-4 — Nova pays its November invoice in full by transfer: nothing is left to pay on it.
    payment_record(
        amount=docs.nova_november.amount_due,
        method="transfer",
        received_on=date(2026, 12, 1),
        partner=partner,
        invoices=[docs.nova_november],
    )
    assert ids(api, due="true") == [docs.acme_october.pk]
    assert set(ids(api, due="false")) == {docs.note.pk, docs.nova_november.pk}
    assert ids(api, ordering="issue_date")[0] == docs.acme_october.pk
    response = api.get(reverse("api:invoice-list"), {"month": "2026-13"})
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]
    assert (
        api.get(reverse("api:invoice-list"), {"client": other_tenant.client.pk}).status_code == 400
    )


# --- Documents (BIL-3) ----------------------------------------------------------------------


# BIL-3 — the PDF (PDF/A-3 with Factur-X), whatever the client accepts.
def test_pdf(api, docs):
    url = _url("api:invoice-pdf", docs.acme_october)
    for accept in ({}, {"HTTP_ACCEPT": "application/pdf"}):
        response = api.get(url, **accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="F2026-000001.pdf"'
        assert response.content.startswith(b"%PDF")


# BIL-3, BIL-9 — the Factur-X XML: the CII document of the invoice (type 380) or credit note
# (381, referencing the invoice it corrects).
def test_facturx_xml(api, docs):
    response = api.get(_url("api:invoice-facturx", docs.acme_october))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    xml = etree.fromstring(response.content)
    assert etree.QName(xml).localname == "CrossIndustryInvoice"
    assert xml.xpath("rsm:ExchangedDocument/ram:ID/text()", namespaces=NS) == ["F2026-000001"]
    assert xml.xpath("rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NS) == ["380"]
    total = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount/text()"
    assert xml.xpath(total, namespaces=NS) == ["23.88"]
    note = etree.fromstring(api.get(_url("api:invoice-facturx", docs.note)).content)
    assert note.xpath("rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NS) == ["381"]
    assert note.xpath(
        "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()", namespaces=NS
    ) == ["F2026-000001"]


# --- Read-only (BIL-2) ----------------------------------------------------------------------


# BIL-2 — issued documents never change: no create, no update, no delete through the API (405
# on one's own, 404 on another partner's); a read-only key reads them.
def test_read_only(api, read_only_api, docs):
    assert api.post(reverse("api:invoice-list"), {}, format="json").status_code == 405
    assert api.post(reverse("api:charge-list"), {}, format="json").status_code == 405
    own = _url("api:invoice-detail", docs.acme_october)
    assert api.patch(own, {"total_net": "0.01"}, format="json").status_code == 405
    assert api.put(own, {"total_net": "0.01"}, format="json").status_code == 405
    assert api.delete(own).status_code == 405
    theirs = _url("api:invoice-detail", docs.rival[0])
    assert api.patch(theirs, {"total_net": "0.01"}, format="json").status_code == 404
    assert api.delete(theirs).status_code == 404
    assert Invoice.objects.get(pk=docs.acme_october.pk).total_net == Decimal("19.90")
    assert read_only_api.get(own).status_code == 200


# BIL-2 — the Allow header and OPTIONS tell what works on an issued document: GET, HEAD and
# OPTIONS, never PUT, PATCH or DELETE (they answer 405, whose Allow says the same); another
# partner's document is still a 404 on every verb.
def test_allow_lists_only_what_works(api, docs):
    own = _url("api:invoice-detail", docs.acme_october)
    refused = api.delete(own)
    assert refused.status_code == 405
    assert refused["Allow"] == "GET, HEAD, OPTIONS"
    assert api.get(own)["Allow"] == "GET, HEAD, OPTIONS"
    options = api.options(own)
    assert options.status_code == 200 and "actions" not in options.json()
    assert api.delete(_url("api:invoice-detail", docs.rival[0])).status_code == 404


# BIL-4 — a boolean filter is true, false, 1 or 0: anything else is a 400 naming it, not the
# whole list.
def test_boolean_filters_refuse_other_values(api, docs):
    owing = {docs.acme_october.pk, docs.nova_november.pk}
    assert set(ids(api, due="1")) == set(ids(api, due="true")) == owing
    assert ids(api, due="0") == ids(api, due="False") == [docs.note.pk]
    for value in ["maybe", "yes", "2", "１"]:
        response = api.get(reverse("api:invoice-list"), {"due": value})
        assert response.status_code == 400, value
        assert response.json()["error"]["fields"] == {"due": ["Doit être un booléen valide."]}
    response = api.get(reverse("api:charge-list"), {"invoiced": "maybe"})
    assert response.status_code == 400 and "invoiced" in response.json()["error"]["fields"]


# --- Charges --------------------------------------------------------------------------------


# BIL-1 — the pending charges of the partner's customers: kind, source, period, quantity and
# unit price (strings), invoiced or not (and on which invoice); never another partner's.
def test_charges(api, partner, tenant, other_tenant):
    _mode(partner, BillingMode.RESELLER_BILLED)
    setup = services.charge_post(
        client=tenant.client,
        kind="setup",
        source_type="order",
        source_id="ORD-42",
        period_start=date(2026, 10, 12),
        description="Installation",
        unit_price=Decimal("149.5"),
        quantity=2,
    )
    theirs = services.charge_post(
        client=other_tenant.client,
        kind="setup",
        source_type="order",
        source_id="ORD-43",
        period_start=date(2026, 10, 12),
        description="Installation",
        unit_price=Decimal("10"),
    )
    [row] = api.get(reverse("api:charge-list")).json()["results"]
    assert row == {
        **row,
        "id": setup.pk,
        "client": tenant.client.pk,
        "kind": "setup",
        "source_type": "order",
        "source_id": "ORD-42",
        "period_start": "2026-10-12",
        "period_end": None,
        "quantity": "2.0000",
        "unit_price": "149.5000",
        "invoiced": False,
        "invoice": None,
        "invoice_number": None,
    }
    assert api.get(_url("api:charge-detail", theirs)).status_code == 404
    services.run_month_sync(month=OCT)
    row = api.get(_url("api:charge-detail", setup)).json()
    invoice = Invoice.objects.get(client=tenant.client)
    assert (row["invoiced"], row["invoice"], row["invoice_number"]) == (
        True,
        invoice.pk,
        invoice.number,
    )
    assert ids(api, "api:charge-list", invoiced="false") == []
    assert ids(api, "api:charge-list", invoiced="true") == [setup.pk]
    assert ids(api, "api:charge-list", kind="consumption") == []
    assert PendingCharge.objects.count() == 2


def _own_charge(partner, kind, source_id, amount, day=NOV):
    """A partner-billed partner's own late charge (BIL-6), as the payments app posts it."""
    return services.charge_post(
        partner=partner,
        kind=kind,
        source_type=f"late_invoice_{'indemnity' if kind == 'recovery_indemnity' else 'interest'}",
        source_id=source_id,
        period_start=day,
        description=f"{kind} — {source_id}",
        unit_price=Decimal(amount),
        vat_category="O",
    )


# BIL-6, ACC-3 — a partner-billed partner reads its OWN pending charges too (the 40.00 € recovery
# indemnity and the 5.19 € interest of its late monthly invoice, billed by the next run on its
# late-charges invoice), beside its customers' charges: ``partner`` says whose (its id; null on a
# customer's charge, whose ``client`` is then set), ``own`` filters them. Rival's own indemnity
# is never listed and answers 404; a customer filter leaves the partner's own charges out.
def test_partner_reads_its_own_charges(api, partner, other_partner, tenant):
    setup = services.charge_post(
        client=tenant.client,
        kind="setup",
        source_type="order",
        source_id="ORD-42",
        period_start=date(2026, 10, 12),
        description="Installation",
        unit_price=Decimal("149.5"),
    )
    indemnity = _own_charge(partner, "recovery_indemnity", "F2026-000001", "40")
    interest = _own_charge(partner, "late_interest", "F2026-000001", "5.19")
    theirs = _own_charge(other_partner, "recovery_indemnity", "F2026-000002", "40")
    body = api.get(reverse("api:charge-list")).json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {setup.pk, indemnity.pk, interest.pk} and body["count"] == 3
    assert rows[indemnity.pk] == {
        **rows[indemnity.pk],
        "client": None,
        "partner": partner.pk,
        "kind": "recovery_indemnity",
        "period_start": "2026-11-01",
        "unit_price": "40.0000",
        "vat_category": "O",
        "invoiced": False,
        "invoice": None,
    }
    assert rows[interest.pk]["unit_price"] == "5.1900"
    assert (rows[setup.pk]["client"], rows[setup.pk]["partner"]) == (tenant.client.pk, None)
    detail = api.get(_url("api:charge-detail", indemnity))
    assert detail.status_code == 200 and detail.json() == rows[indemnity.pk]
    assert api.get(_url("api:charge-detail", theirs)).status_code == 404
    assert set(ids(api, "api:charge-list", own="true")) == {indemnity.pk, interest.pk}
    assert ids(api, "api:charge-list", own="false") == [setup.pk]
    assert ids(api, "api:charge-list", client=tenant.client.pk) == [setup.pk]
    assert ids(api, "api:charge-list", kind="recovery_indemnity") == [indemnity.pk]
    response = api.get(reverse("api:charge-list"), {"own": "maybe"})
    assert response.status_code == 400 and "own" in response.json()["error"]["fields"]


# ACC-3 — what the partner itself will be billed for each charge: Nova, partner-billed at 15 %
# off, pays its customers' sales at its wholesale price — a 149.50 € setup fee → 149.50 × 0.85
# = 127.075 → 127.0750 €, 45.6789 € of consumption → 38.827065 → 38.8271 € — and its own 40 €
# indemnity as it is (not a sale, BIL-6); once the run has put them on its invoice, the price
# of that invoice's line. Reseller-billed, Nova is billed nothing for its customers' charges
# (each customer is invoiced at retail): null. The list (PostgreSQL's JSON) and the detail
# (the serializer) agree.
def test_partner_unit_price(api, partner, tenant):
    partner.wholesale_discount_percent = Decimal("15")
    partner.save(update_fields=["wholesale_discount_percent"])
    setup = services.charge_post(
        client=tenant.client,
        kind="setup",
        source_type="order",
        source_id="ORD-42",
        period_start=OCT,
        description="Installation",
        unit_price=Decimal("149.5"),
    )
    calls = services.charge_post(
        client=tenant.client,
        kind="consumption",
        source_type="usage",
        source_id="calls",
        period_start=SEP,
        period_end=OCT,
        description="Communications",
        unit_price=Decimal("45.6789"),
    )
    indemnity = _own_charge(partner, "recovery_indemnity", "F2026-000001", "40", day=SEP)

    def prices():
        listed = api.get(reverse("api:charge-list")).json()["results"]
        for row in listed:
            detail = api.get(reverse("api:charge-detail", args=[row["id"]])).json()
            assert detail == row
        return {row["id"]: row["partner_unit_price"] for row in listed}

    assert prices() == {setup.pk: "127.0750", calls.pk: "38.8271", indemnity.pk: "40.0000"}
    _mode(partner, BillingMode.RESELLER_BILLED)
    assert prices() == {setup.pk: None, calls.pk: None, indemnity.pk: "40.0000"}
    _mode(partner, BillingMode.PARTNER_BILLED)
    services.run_month_sync(month=SEP)
    setup.refresh_from_db()
    assert setup.invoice_line.invoice.partner == partner
    assert setup.invoice_line.unit_price == Decimal("127.0750")
    partner.wholesale_discount_percent = Decimal("20")  # later: no change to what was billed
    partner.save(update_fields=["wholesale_discount_percent"])
    assert prices()[setup.pk] == "127.0750"


# --- Query counts ---------------------------------------------------------------------------


# No N+1: the invoice list (with lines and end customers) and the charge list cost the same
# number of queries for 1 row and for 6.
def test_list_query_counts(api, partner, tenant, django_assert_max_num_queries):
    _mode(partner, BillingMode.RESELLER_BILLED)
    sip_unl(tenant.client)
    services.run_month_sync(month=SEP)
    url = reverse("api:invoice-list")
    api.get(url)  # the key's last use is written once, on the first request
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url).json()["results"]) == 1
    for _ in range(2):
        customer = ClientFactory(partner=partner)
        SiteFactory(client=customer)
        sip_unl(customer)
        make_contract(customer, "trunk", quantity=4, signature=SEP, service_start=SEP)
    services.run_month_sync(month=OCT)
    services.run_month_sync(month=NOV)
    with CaptureQueriesContext(connection) as six:
        body = api.get(url).json()
    assert len(body["results"]) == 7 and sum(len(r["lines"]) for r in body["results"]) > 7
    assert len(six) == len(one) <= 5
    with django_assert_max_num_queries(4):
        assert api.get(_url("api:invoice-detail", Invoice.objects.first())).status_code == 200
    with django_assert_max_num_queries(4):
        body = api.get(reverse("api:charge-list"), {"page_size": 200}).json()
    assert body["count"] == PendingCharge.objects.count() > 7


# BIL-6, ACC-3 — the partner's own charges cost no query more: the list of 1 own charge and a
# customer's, and the list of 6 own charges and 5 customers' charges, cost the same.
def test_own_charges_query_count(api, partner, tenant):
    sip_unl(tenant.client)
    services.run_month_sync(month=SEP)
    _own_charge(partner, "recovery_indemnity", "late-0", "40")
    url = reverse("api:charge-list")
    api.get(url, {"page_size": 200})  # the key's last use is written once, on the first request
    with CaptureQueriesContext(connection) as one:
        count = api.get(url, {"page_size": 200}).json()["count"]
    assert count == PendingCharge.objects.count() > 1
    for n in range(1, 6):
        _own_charge(partner, "recovery_indemnity", f"late-{n}", "40")
        customer = ClientFactory(partner=partner)
        SiteFactory(client=customer)
        sip_unl(customer)
    services.run_month_sync(month=OCT)
    _own_charge(partner, "late_interest", "late-0", "1.23")
    with CaptureQueriesContext(connection) as many:
        body = api.get(url, {"page_size": 200}).json()
    assert body["count"] == PendingCharge.objects.count() > 1 + 5 + 6
    assert sum(row["partner"] == partner.pk for row in body["results"]) == 7
    assert len(many) == len(one) <= 4
