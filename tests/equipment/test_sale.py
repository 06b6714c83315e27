"""EQP-2: a sale is one charge of kind equipment (invoiced once); the title stays with the
reseller until the invoice is fully paid — stated on the invoice and on the item's page, which
no longer states it once the invoice is paid; the 12-month warranty runs from delivery."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from billing.documents import TITLE_RETENTION, invoice_context
from billing.services import run_month_sync
from equipment.services import items
from payments.services.allocation import payment_record
from tests.equipment.factories import make_model, sell
from tests.factories import ClientFactory, MembershipFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def direct_customer():
    """A customer of the reseller itself (invoiced directly), with its administrator."""
    client = ClientFactory(legal_name="Durand SARL")
    site = SiteFactory(client=client, name="Boutique Durand")
    member = MembershipFactory(client=client, role=Role.ADMIN)
    return client, site, member


def test_sale_is_one_equipment_charge(tenant):
    # EQP-2: 2 × 149.00 = 298.00 HT, one charge dated the order day.
    order = sell(tenant.client, tenant.site, make_model(sale="149.00"), quantity=2,
                 ordered_on=date(2026, 3, 10))  # fmt: skip
    charge = order.charge
    assert (charge.kind, charge.period_start) == ("equipment", date(2026, 3, 10))
    assert charge.quantity * charge.unit_price == Decimal("298.00000000")
    assert order.items.count() == 2


def test_title_retention_on_invoice_and_page_until_paid(client, direct_customer):
    # EQP-2: a DECT base sold 189.00 HT on 2026-03-10, delivered 2026-03-12 (warranty to
    # 2027-03-11). The March run invoices it: 189.00 + 20 % VAT = 226.80 due; the invoice
    # states the title retention. Paid in full, the item's page no longer does.
    customer, site, member = direct_customer
    order = sell(customer, site, make_model(sale="189.00"), ordered_on=date(2026, 3, 10))
    (item,) = order.items.all()
    items.item_deliver(item=item, delivered_on=date(2026, 3, 12))
    client.force_login(member.user)
    url = reverse("equipment:item", args=[item.pk])

    page = client.get(url).content.decode()
    assert 'data-testid="title-retention"' in page  # not invoiced yet: ours
    assert "Réserve de propriété" in page
    assert "11/03/2027" in page  # warranty end

    run_month_sync(month=date(2026, 3, 1))
    order.charge.refresh_from_db()
    invoice = order.charge.invoice_line.invoice
    assert invoice.amount_due == Decimal("226.80")
    assert TITLE_RETENTION in invoice_context(invoice)["mentions"]
    assert 'data-testid="title-retention"' in client.get(url).content.decode()  # unpaid

    payment_record(
        amount=Decimal("100.00"), method="transfer", received_on=date(2026, 4, 2),
        client=customer, invoices=[invoice],
    )  # fmt: skip
    assert 'data-testid="title-retention"' in client.get(url).content.decode()  # partly paid

    payment_record(
        amount=Decimal("126.80"), method="transfer", received_on=date(2026, 4, 5),
        client=customer, invoices=[invoice],
    )  # fmt: skip
    page = client.get(url).content.decode()
    assert 'data-testid="title-retention"' not in page
    assert "Réserve de propriété" not in page


# BIL-3 — the invoice line of a sale is French, whatever the language of the person (or the
# partner's API request) that ordered it: 1 × 149.00 HT, « Vente : … », not « Sale: … ».
def test_sale_charge_is_written_in_french(tenant):
    from django.utils import translation

    with translation.override("en"):
        order = sell(tenant.client, tenant.site, make_model(sale="149.00"),
                     ordered_on=date(2026, 3, 10))  # fmt: skip
    (item,) = order.items.all()
    expected = f"Vente\u00a0: {item.model.name} (numéros de série {item.serial_number})"
    assert (order.charge.description, order.charge.unit_price) == (expected, Decimal("149.0000"))


# BIL-3 (Code de commerce L441-9: "le numéro du bon de commande lorsqu'il a été préalablement
# établi par l'acheteur"; each line names the site it bills) — a sale ordered with the
# customer's purchase order BC-2026-0042 for its site « Boutique Durand »: 2 × 189.00 = 378.00
# HT + 75.60 VAT = 453.60 TTC. The invoice line carried neither (the charge had no contract to
# read them from): no « Bon de commande » on the PDF, no BT-13 in the XML, no site. Now both.
def test_sale_invoice_carries_the_purchase_order_and_the_site(direct_customer):
    from io import BytesIO

    from lxml import etree
    from pypdf import PdfReader

    from billing.documents import render_pdf
    from billing.facturx_xml import NS, build_cii_xml

    customer, site, _member = direct_customer
    order = sell(customer, site, make_model(sale="189.00"), quantity=2,
                 ordered_on=date(2026, 3, 10), purchase_order_ref="BC-2026-0042")  # fmt: skip
    run_month_sync(month=date(2026, 3, 1))
    order.charge.refresh_from_db()
    line = order.charge.invoice_line
    invoice = line.invoice

    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("378.00"),
        Decimal("75.60"),
        Decimal("453.60"),
    )
    assert (line.purchase_order_ref, line.site_name) == ("BC-2026-0042", "Boutique Durand")
    xml = etree.fromstring(build_cii_xml(invoice))
    assert xml.xpath(
        "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()", namespaces=NS
    ) == ["BC-2026-0042"]
    pages = PdfReader(BytesIO(render_pdf(invoice))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).replace("\u00a0", " ").split())
    assert "Bon de commande : BC-2026-0042" in text
    assert "Site Boutique Durand" in text


# BIL-3 (2026 reform, CGI ann. II art. 242 nonies A: "l'adresse de livraison des biens si elle
# est différente de l'adresse du client") — a phone sold to Durand SARL (billing address 1 rue
# de la Paix, 75002 Paris) is delivered to its shop at 8 quai du Port, 13002 Marseille: 149.00
# HT + 29.80 VAT = 178.80 TTC. The invoice gave no delivery address (an empty
# ApplicableHeaderTradeDelivery, nothing on the PDF). Now the line says « Livraison : 8 quai du
# Port, 13002 Marseille » and the XML carries it as the deliver-to address (BG-15); a sale
# delivered at the billing address says nothing more.
def test_sale_invoice_gives_the_delivery_address_when_it_differs():
    from io import BytesIO

    from lxml import etree
    from pypdf import PdfReader

    from billing.documents import render_pdf
    from billing.en16931 import fatal
    from billing.facturx_xml import NS, build_cii_xml

    customer = ClientFactory(legal_name="Durand SARL")
    shop = SiteFactory(
        client=customer, name="Boutique", address_line1="8 quai du Port", postal_code="13002",
        city="Marseille",
    )  # fmt: skip
    office = SiteFactory(
        client=customer, name="Bureau", address_line1=customer.address_line1,
        postal_code=customer.postal_code, city=customer.city,
    )  # fmt: skip
    delivered = sell(customer, shop, make_model(sale="149.00"), ordered_on=date(2026, 3, 10))
    run_month_sync(month=date(2026, 3, 1))
    delivered.charge.refresh_from_db()
    invoice = delivered.charge.invoice_line.invoice

    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("149.00"),
        Decimal("29.80"),
        Decimal("178.80"),
    )
    xml = build_cii_xml(invoice)
    assert fatal(xml) == []
    ship_to = "//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress/"
    root = etree.fromstring(xml)
    assert [
        root.xpath(ship_to + f"ram:{tag}/text()", namespaces=NS)
        for tag in ("LineOne", "PostcodeCode", "CityName", "CountryID")
    ] == [["8 quai du Port"], ["13002"], ["Marseille"], ["FR"]]
    pages = PdfReader(BytesIO(render_pdf(invoice))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).replace("\u00a0", " ").split())
    assert "Livraison : 8 quai du Port, 13002 Marseille" in text

    at_home = sell(customer, office, make_model(sale="149.00"), ordered_on=date(2026, 4, 10))
    run_month_sync(month=date(2026, 4, 1))
    at_home.charge.refresh_from_db()
    april = at_home.charge.invoice_line.invoice
    assert (
        etree.fromstring(build_cii_xml(april)).xpath("//ram:ShipToTradeParty", namespaces=NS) == []
    )
    pages = PdfReader(BytesIO(render_pdf(april))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).replace("\u00a0", " ").split())
    assert "Livraison :" not in text


# EQP-2 (HOSTED-W 5.5.1, HOSTED-A 3: 12 months from delivery) — delivered on 29/02/2024, the
# phone is covered twelve months: to 28/02/2025 included (29/02/2024 → 28/02/2025 is 366 days,
# a whole year, as 10/03/2026 → 09/03/2027 is). Before: to 27/02/2025 — the 12 months were
# counted to the 28th (no 29 February in 2025), then a day taken off, so a defect reported on
# 28/02/2025 was refused as out of warranty. Other days are unchanged.
def test_warranty_of_an_item_delivered_on_29_february(tenant):
    from equipment.services.rma import is_under_warranty

    order = sell(tenant.client, tenant.site, make_model(), ordered_on=date(2024, 2, 27))
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2024, 2, 29))
    phone.refresh_from_db()
    assert phone.warranty_end == date(2025, 2, 28)
    assert is_under_warranty(phone, day=date(2025, 2, 28))
    assert not is_under_warranty(phone, day=date(2025, 3, 1))
    phone.delivered_on = date(2024, 3, 1)
    assert phone.warranty_end == date(2025, 2, 28)
    phone.delivered_on = date(2026, 3, 10)
    assert phone.warranty_end == date(2027, 3, 9)
