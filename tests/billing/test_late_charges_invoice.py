"""BIL-6 / BIL-1: late interest and the recovery indemnity go on a late-charges invoice of their
own (EN 16931 BR-O-11: an "outside the scope of VAT" group never sits beside another), issued by
the same run in the same series, referencing each late invoice (BT-25), without VAT identifiers
(BR-O-02..04); the run stays idempotent per (buyer, month, purpose)."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import facturx
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import etree
from pypdf import PdfReader

from accounts.choices import BillingMode
from billing import documents, services
from billing.choices import ChargeKind, VatCategory
from billing.en16931 import fatal
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice, InvoicePurpose, InvoiceRun
from billing.services import issuing
from tests.factories import ClientFactory, PartnerFactory, SiteFactory

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def customer(**kwargs):
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    return client


def charge(client, kind, price, *, source_type="test", source_id, start=OCT, end=None, vat=""):
    return services.charge_post(
        client=client,
        kind=kind,
        source_type=source_type,
        source_id=source_id,
        period_start=start,
        period_end=end,
        description=f"{ChargeKind(kind).label} {source_id}",
        unit_price=Decimal(price),
        vat_category=vat,
    )


def late_invoice(client, net="1000.00", *, month=SEP, source="setup") -> Invoice:
    """An invoice of ``net`` € HT at 20 % issued by the run of ``month`` (dated its last day)."""
    charge(client, ChargeKind.SETUP, net, source_id=f"{client.pk}-{source}", start=month)
    services.run_month_sync(month=month)
    return Invoice.objects.get(client=client, month=month, purpose=InvoicePurpose.REGULAR)


def late_charges(client, late: Invoice, interest: str, *, vat=VatCategory.OUTSIDE_SCOPE):
    """What payments posts once ``late`` is settled late (BIL-6): the interest and the 40 €
    indemnity, keyed by the late invoice, outside the scope of VAT."""
    charge(
        client,
        ChargeKind.LATE_INTEREST,
        interest,
        source_type="late_invoice_interest",
        source_id=late.pk,
        start=late.due_date,
        vat=vat,
    )
    charge(
        client,
        ChargeKind.RECOVERY_INDEMNITY,
        "40.00",
        source_type="late_invoice_indemnity",
        source_id=late.pk,
        start=late.due_date,
        vat=vat,
    )


def xpath(xml: bytes, path: str) -> list[str]:
    return [
        node if isinstance(node, str) else node.text
        for node in etree.fromstring(xml).xpath(path, namespaces=NS)
    ]


def month_invoices(client, month):
    return list(Invoice.objects.filter(client=client, month=month, kind="invoice"))


# BIL-6 / BIL-1 — the brief's case: a subscription of 100.00 € HT and, pending, the interest
# (1 200.00 € TTC due 30/10, paid 29/11, ECB 2.15 % + 10: 1200 × 12.15 % × 30 / 365 = 11.98) and
# the 40.00 € indemnity of a late invoice. The run of October issues two invoices dated 31/10:
#   F…n   100.00 HT + 20.00 VAT (20 %) = 120.00 TTC;
#   F…n+1 11.98 + 40.00 = 51.98 HT, 0.00 VAT (category O only), 51.98 TTC, referencing F…1.
# Both due 30 days later (30/11); numbers consecutive; running again changes nothing.
def test_bil6_late_charges_on_an_invoice_of_their_own():
    client = customer()
    late = late_invoice(client)  # F2026-000001, 1 200.00 TTC, dated 30/09/2026
    charge(client, ChargeKind.SUBSCRIPTION, "100.00", source_id="sub-nov", start=NOV)
    late_charges(client, late, "11.98")

    services.run_month_sync(month=OCT)

    regular, extra = sorted(month_invoices(client, OCT), key=lambda i: i.sequence)
    assert (regular.purpose, extra.purpose) == ("regular", "late_charges")
    assert (regular.number, extra.number) == ("F2026-000002", "F2026-000003")
    assert (regular.issue_date, extra.issue_date) == (date(2026, 10, 31), date(2026, 10, 31))
    assert (regular.due_date, extra.due_date) == (date(2026, 11, 30), date(2026, 11, 30))
    assert (regular.total_net, regular.total_vat, regular.total_gross) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    assert (extra.total_net, extra.total_vat, extra.total_gross, extra.amount_due) == (
        Decimal("51.98"),
        Decimal("0.00"),
        Decimal("51.98"),
        Decimal("51.98"),
    )
    assert extra.vat_breakdown == [
        {"category": "O", "rate": "0.00", "taxable": "51.98", "vat": "0.00"}
    ]
    assert {line.vat_category for line in regular.lines.all()} == {"S"}
    assert [(line.kind, line.net_amount) for line in extra.lines.all()] == [
        ("late_interest", Decimal("11.98")),
        ("recovery_indemnity", Decimal("40.00")),
    ]
    assert list(extra.preceding_invoices.all()) == [late]
    assert list(late.late_charges_invoices.all()) == [extra]

    xml = build_cii_xml(extra)
    assert fatal(xml) == []
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    groups = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:"
    assert xpath(xml, groups + "CategoryCode") == ["O"]
    # BR-O-02..04: no VAT identifier; the parties are named by their SIREN (scheme 0002).
    assert xpath(xml, "//ram:SpecifiedTaxRegistration/ram:ID") == []
    legal = "//ram:{}TradeParty/ram:SpecifiedLegalOrganization/ram:ID"
    assert xpath(xml, legal.format("Seller")) == [extra.seller["siren"]]
    assert xpath(xml, legal.format("Buyer")) == [client.siren]
    assert xpath(xml, legal.format("Buyer") + "/@schemeID") == ["0002"]
    # BT-25 / BT-26: the late invoice, its number and issue date.
    reference = "//ram:InvoiceReferencedDocument/"
    assert xpath(xml, reference + "ram:IssuerAssignedID") == ["F2026-000001"]
    assert xpath(xml, reference + "ram:FormattedIssueDateTime/qdt:DateTimeString") == ["20260930"]
    assert xpath(xml, "//ram:DueDateDateTime/udt:DateTimeString") == ["20261130"]
    # The regular invoice keeps its VAT identifiers and refers to nothing.
    regular_xml = build_cii_xml(regular)
    assert fatal(regular_xml) == []
    assert xpath(regular_xml, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == [
        client.vat_number
    ]
    assert xpath(regular_xml, "//ram:InvoiceReferencedDocument") == []

    # Idempotent: running the month again (or the buyer alone) issues nothing more.
    services.run_month_sync(month=OCT)
    assert (
        issuing.run_party(run=InvoiceRun.objects.get(month=OCT), party=("client", client.pk))
        is None
    )
    assert len(month_invoices(client, OCT)) == 2
    assert Invoice.objects.filter(kind="invoice").count() == 3


# BIL-6 — one late-charges invoice per buyer and month, however many late invoices: it names
# each of them once (BG-3 is repeatable: 0..n in EN 16931, unbounded in the Factur-X 1.07
# EN16931 XSD). F1 (30/09) → interest 5.00 + 40.00; F2 (31/10) → interest 0.27 + 40.00:
# 5.00 + 40.00 + 0.27 + 40.00 = 85.27 HT, 0.00 VAT, 85.27 TTC. A customer with nothing else to
# pay that month gets that invoice alone.
def test_bil6_one_late_charges_invoice_references_each_late_invoice():
    client = customer()
    first = late_invoice(client, "100.00", month=SEP, source="a")
    second = late_invoice(client, "10.00", month=OCT, source="b")
    late_charges(client, first, "5.00")
    late_charges(client, second, "0.27")

    services.run_month_sync(month=NOV)

    [extra] = month_invoices(client, NOV)
    assert (extra.purpose, extra.number, extra.issue_date) == (
        "late_charges",
        "F2026-000003",
        date(2026, 11, 30),
    )
    assert (extra.total_net, extra.total_vat, extra.total_gross) == (
        Decimal("85.27"),
        Decimal("0.00"),
        Decimal("85.27"),
    )
    xml = build_cii_xml(extra)
    assert fatal(xml) == []
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    reference = "//ram:InvoiceReferencedDocument/"
    assert xpath(xml, reference + "ram:IssuerAssignedID") == [first.number, second.number]
    assert xpath(xml, reference + "ram:FormattedIssueDateTime/qdt:DateTimeString") == [
        "20260930",
        "20261031",
    ]


# BIL-6 — the PDF says which late invoice the charges are for, shows "outside the scope of VAT"
# and, as the XML, no VAT identifier in the parties; the embedded XML is the one above.
def test_bil6_late_charges_invoice_pdf():
    client = customer()
    late = late_invoice(client)
    late_charges(client, late, "11.98")
    services.run_month_sync(month=OCT)
    [extra] = month_invoices(client, OCT)

    pdf = documents.render_pdf(extra)

    assert facturx.get_xml_from_pdf(pdf, check_xsd=True)[1] == build_cii_xml(extra)
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    text = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
    assert f"Pénalités de retard de la facture N° {late.number} du 30/09/2026" in text
    assert "Hors champ d'application de la TVA" in text
    assert "Net à payer 51,98 €" in text
    assert "TVA intracommunautaire" not in text
    assert client.vat_number not in text and extra.seller["vat_number"] not in text
    assert f"SIREN {client.siren}" in text


# BIL-6 — late interest and indemnity are outside the scope of VAT whatever the poster said: a
# charge of those kinds posted without the O category still goes on the late-charges invoice
# at 0.00 VAT (40.00 HT, 40.00 TTC), never on the taxed one (25.00 + 5.00 VAT = 30.00).
def test_bil6_late_kinds_always_outside_vat():
    client = customer()
    late = late_invoice(client)
    charge(client, ChargeKind.CONSUMPTION, "25.00", source_id="calls-oct")
    charge(
        client,
        ChargeKind.RECOVERY_INDEMNITY,
        "40.00",
        source_type="late_invoice_indemnity",
        source_id=late.pk,
        start=late.due_date,
    )
    services.run_month_sync(month=OCT)
    regular = Invoice.objects.get(client=client, month=OCT, purpose="regular")
    extra = Invoice.objects.get(client=client, month=OCT, purpose="late_charges")
    assert (regular.total_net, regular.total_vat, regular.total_gross) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("30.00"),
    )
    assert (extra.total_gross, extra.vat_breakdown[0]["category"]) == (Decimal("40.00"), "O")
    assert fatal(build_cii_xml(extra)) == []


# BIL-6 — a late-charge source that names an invoice of another customer (or no invoice) is
# never referenced: the charge is billed, without a BT-25 pointing at someone else's invoice.
def test_bil6_reference_only_to_the_customers_own_invoice():
    client, other = customer(), customer()
    theirs = late_invoice(other)
    late_charges(client, theirs, "3.00")
    services.run_month_sync(month=OCT)
    extra = Invoice.objects.get(client=client, month=OCT)
    assert extra.purpose == "late_charges"
    assert not extra.preceding_invoices.exists()
    xml = build_cii_xml(extra)
    assert xpath(xml, "//ram:InvoiceReferencedDocument") == []
    assert fatal(xml) == []


# BIL-1 — late charges posted after the buyer's run invoices of the month wait for the next
# run: re-running October issues no late-charges invoice after the fact; November's run does.
def test_bil6_late_charges_arriving_after_the_run_wait_for_the_next():
    client = customer()
    late = late_invoice(client)
    charge(client, ChargeKind.SUBSCRIPTION, "100.00", source_id="sub-nov", start=NOV)
    services.run_month_sync(month=OCT)
    late_charges(client, late, "11.98")
    services.run_month_sync(month=OCT)
    assert [i.purpose for i in month_invoices(client, OCT)] == ["regular"]
    services.run_month_sync(month=NOV)
    [extra] = month_invoices(client, NOV)
    assert (extra.purpose, extra.total_gross) == ("late_charges", Decimal("51.98"))


# BIL-1 — the last guard: one run invoice per buyer, month and purpose; a second regular or a
# second late-charges invoice of the same buyer and month is refused by the database.
def test_bil1_unique_buyer_month_purpose():
    client = customer()
    run = InvoiceRun.objects.create(month=OCT)

    def draft(purpose):
        return Invoice.objects.create(
            series="F", client=client, run=run, month=OCT, purpose=purpose
        )

    draft("regular")
    draft("late_charges")
    for purpose in ("regular", "late_charges"):
        with pytest.raises(IntegrityError), transaction.atomic():
            draft(purpose)
    assert Invoice.objects.filter(client=client, month=OCT).count() == 2


# BIL-9 + BIL-6 — the buyer's credit notes are used up across its invoices of the run, oldest
# first, never twice: a credit of 130.00 TTC covers the regular invoice (120.00) and 10.00 of
# the late-charges invoice (51.98 → 41.98 due).
def test_bil6_credit_notes_spread_over_both_invoices():
    client = customer()
    late = late_invoice(client)
    services.credit_note_issue(
        client=client,
        lines=[services.CreditLine("Goodwill", Decimal("108.33"))],  # 108.33 + 21.67 = 130.00
        reason="Goodwill",
        issue_date=date(2026, 10, 2),
    )
    charge(client, ChargeKind.SUBSCRIPTION, "100.00", source_id="sub-nov", start=NOV)
    late_charges(client, late, "11.98")
    services.run_month_sync(month=OCT)
    regular = Invoice.objects.get(client=client, month=OCT, purpose="regular")
    extra = Invoice.objects.get(client=client, month=OCT, purpose="late_charges")
    assert (regular.credit_applied, regular.amount_due) == (Decimal("120.00"), Decimal("0.00"))
    assert (extra.credit_applied, extra.amount_due) == (Decimal("10.00"), Decimal("41.98"))
    for invoice in (regular, extra):
        assert fatal(build_cii_xml(invoice)) == []


# BIL-1 preview — staff see both invoices the run would issue, written nowhere.
def test_bil6_preview_shows_the_late_charges_invoice():
    client = customer()
    late = late_invoice(client)
    charge(client, ChargeKind.SUBSCRIPTION, "100.00", source_id="sub-nov", start=NOV)
    late_charges(client, late, "11.98")
    drafts = services.run_preview(month=OCT, parties=[("client", client.pk)])
    assert [(d.purpose, d.total_net, d.total_vat, d.total_gross) for d in drafts] == [
        ("regular", Decimal("100.00"), Decimal("20.00"), Decimal("120.00")),
        ("late_charges", Decimal("51.98"), Decimal("0.00"), Decimal("51.98")),
    ]
    assert not Invoice.objects.filter(month=OCT).exists()


# ACC-3 — a partner-billed partner's monthly invoice carries no late-charges invoice beside it
# when it has no charge outside the scope of VAT (late charges are left to the partner
# agreement: payments posts none for partner invoices, see tests/payments).
def test_partner_invoice_alone():
    partner = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    end_customer = customer(partner=partner)
    charge(end_customer, ChargeKind.SUBSCRIPTION, "100.00", source_id="sub-p", start=NOV)
    services.run_month_sync(month=OCT)
    [invoice] = Invoice.objects.filter(partner=partner, month=OCT)
    assert invoice.purpose == "regular"


# BIL-6 — the customer's page of the late-charges invoice names the late invoice (with a link)
# and says why it is a separate invoice.
def test_bil6_late_charges_invoice_page(as_role, client, tenant):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    late = late_invoice(tenant.client)
    late_charges(tenant.client, late, "11.98")
    services.run_month_sync(month=OCT)
    extra = Invoice.objects.get(client=tenant.client, month=OCT)

    response = as_role("billing").get(reverse("billing:detail", args=[extra.pk]))

    page = response.content.decode()
    notice = page.split('data-testid="late-charges-info"')[1].split("</div>")[0]
    late_url = reverse("billing:detail", args=[late.pk])
    assert f'invoice <a href="{late_url}">{late.number}</a> of 30/09/2026' in notice
    assert "outside the scope of VAT" in notice
    regular_page = as_role("billing").get(reverse("billing:detail", args=[late.pk]))
    assert 'data-testid="late-charges-info"' not in regular_page.content.decode()
