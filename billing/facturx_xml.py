"""The structured half of an e-invoice: EN 16931 CII XML for Factur-X (BIL-3, BIL-9).

``build_cii_xml(invoice)`` writes an issued invoice (type 380) or credit note (type 381) as a
``rsm:CrossIndustryInvoice`` of the Factur-X EN 16931 profile. Elements follow the order of the
Factur-X 1.07 XSD. The document is built from the issued row and its lines only (no lookup of
live customer data), so that rendering it again years later gives the same bytes.

Choices made here (BIL-3, "what a careful French operator would do"):

- Amounts carry 2 decimals, unit prices (BT-146) up to 4, quantities up to 4, unit ``C62``.
- The VAT breakdown is the one stored on the invoice (VAT per rate on the totals, BR-CO-17);
  before writing it, the lines are checked against it and against the totals (BR-CO-10,
  BR-CO-13..15, BR-S-08…) and a ``ValueError`` is raised rather than a wrong e-invoice written.
- Category O: the line carries no VAT rate (BR-O-05); the breakdown group carries 0 %,
  "Hors champ d'application de la TVA" and VATEX-EU-O. AE: 0 %, "Autoliquidation" and
  VATEX-EU-AE. E: 0 % and "Exonération de TVA".
- Line periods are stored ``[start, end)``; EN 16931 periods end on their last day, so the
  end date written is the day before the stored end.
- BT-115 (DuePayableAmount) = grand total − TotalPrepaidAmount (BR-CO-16), where prepaid =
  ``paid_in_advance`` + ``credit_applied``. On invoices it equals ``amount_due``; on a credit
  note it is the amount credited (the row's ``amount_due`` is 0: nothing is to be paid *by the
  customer*, which is not what BT-115 means).
- BT-33 (the seller's additional legal information) carries the mentions the Code de commerce
  asks of a company (R123-237, R123-238): legal form and share capital, RCS and its city.
- The notes the French CIUS asks for are written with their subject codes: PMT (recovery
  indemnity), PMD (late-payment interest), AAB (no discount for early payment).
- BT-8 = 5 (the VAT is due on the invoice's date) on the standard-rate VAT groups of a document
  of services when the seller opted for paying the VAT on debits (settings
  ``RESELLER["vat_on_debits"]``, frozen on the document), the French CIUS's form of the
  mention "Option pour le paiement de la taxe d'après les débits".
- Goods delivered elsewhere than at the buyer's address (equipment sold to a site): each such
  line says « Livraison : … », and the document carries the deliver-to address (BG-13/BG-15)
  when its goods went to one address (EN 16931 has one per document).
- BT-23 carries the French "cadre de facturation" (B1 goods, S1 services, M1 both), the
  structured form of the 2026 reform's "nature of the operation".
- BT-25 (BG-3, preceding invoice reference, with its issue date BT-26): a credit note names the
  invoice it corrects (BIL-9); a late-charges invoice names every late invoice whose interest or
  indemnity it bills (BIL-6), oldest first. BG-3 is repeatable (0..n in EN 16931,
  ``InvoiceReferencedDocument`` unbounded in the Factur-X 1.07 EN16931 XSD).
- A document outside the scope of VAT (category O only — late-charges invoices and the credit
  notes that credit them, BR-O-11 keeping "O" alone on its document) carries no VAT identifier
  of the seller or the buyer (BR-O-02..04): both are identified by their SIREN as legal
  registration identifier (BT-30 / BT-47, scheme 0002).
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from lxml import etree

from billing.choices import UNTDID_TYPE, ChargeKind, DocumentKind, VatCategory
from kernel.money import round_money, round_price

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
CURRENCY = "EUR"
SCHEME_SIREN = "0002"  # ISO 6523 ICD of the French SIREN
UNIT_ONE = "C62"
ZERO = Decimal("0")

PAYMENT_TERMS = "Paiement à 30 jours date de facture"  # BIL-4
LATE_PAYMENT_INTEREST = (
    "En cas de retard de paiement, intérêts au taux BCE majoré de 10 points "
    "(art. L441-10 du Code de commerce)."
)
RECOVERY_INDEMNITY = (
    "Indemnité forfaitaire pour frais de recouvrement de 40\u00a0€ en cas de retard de paiement "
    "(art. D441-5 du Code de commerce)."
)
NO_EARLY_PAYMENT_DISCOUNT = "Pas d'escompte pour paiement anticipé."

# EN 16931 VAT categories without VAT: exemption text (BT-120) and code (BT-121).
EXEMPTIONS = {
    VatCategory.REVERSE_CHARGE: ("Autoliquidation", "VATEX-EU-AE"),
    VatCategory.EXEMPT: ("Exonération de TVA", ""),
    VatCategory.OUTSIDE_SCOPE: ("Hors champ d'application de la TVA", "VATEX-EU-O"),
}

_ADDRESS = re.compile(r"^(?P<street>.+?),\s*(?P<postcode>\d{5})\s+(?P<city>.+)$")
# What XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates, U+FFFE
# and U+FFFF): text pasted from a word processor carries some (Word's manual line break is
# U+000B), and lxml refuses the whole document for one of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value) -> str:
    """``value`` as XML text: a character XML cannot hold is written as a space, so that an
    issued document (never changed, BIL-2) always has its e-invoice."""
    return _NOT_XML.sub(" ", str(value))


def money(amount) -> str:
    return str(round_money(amount))


def price(amount) -> str:
    """Unit prices keep up to 4 decimals, at least 2."""
    value = round_price(amount)
    text = f"{value:f}".rstrip("0")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def quantity(value) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return text or "0"


def percent(rate) -> str:
    return money(rate)


def operation_nature(kinds) -> str:
    """The 2026 reform's nature of the operation: ``goods``, ``services`` or ``mixed``.
    Equipment sold is goods; everything else a telecom operator bills is a service."""
    kinds = set(kinds)
    goods = ChargeKind.EQUIPMENT in kinds
    services = bool(kinds - {ChargeKind.EQUIPMENT})
    if goods and services:
        return "mixed"
    return "goods" if goods else "services"


BILLING_FRAME = {"goods": "B1", "services": "S1", "mixed": "M1"}  # BT-23, French CIUS


def operation_kinds(invoice, lines) -> set:
    """The kinds of what a document bills, for its nature. A credit note's lines are all
    "other": it has the nature of the invoices it refers to (the one it corrects, or those that
    billed the service it credits), when there are any."""
    kinds = {line.kind for line in lines}
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        referred = {
            kind
            for other in preceding_invoices(invoice)
            for kind in other.lines.values_list("kind", flat=True)
        }
        kinds = referred or kinds
    return kinds


def seller_address(seller: dict) -> dict:
    """The reseller's address is one line in settings ("12 rue …, 13001 Marseille")."""
    address = seller.get("address", "")
    match = _ADDRESS.match(address.strip())
    if match:
        return {
            "line1": match["street"],
            "line2": "",
            "postcode": match["postcode"],
            "city": match["city"],
            "country": seller.get("country") or "FR",
        }
    return {
        "line1": address,
        "line2": "",
        "postcode": "",
        "city": "",
        "country": seller.get("country") or "FR",
    }


def vat_on_debits(invoice, nature: str) -> bool:
    """BIL-3 (CGI ann. II art. 242 nonies A): whether the document states the seller's option
    for paying the VAT on its services "d'après les débits" — frozen on the document when it
    was issued (an older document has no such key: no option). Goods are taxed on delivery
    whatever the option: a document of goods alone does not state it."""
    return bool((invoice.seller or {}).get("vat_on_debits")) and nature != "goods"


# BT-8, "value added tax point date code" (UNTDID 2475 in CII): 5, the invoice's date — how
# the French CIUS carries the option for VAT on debits.
TAX_POINT_INVOICE_DATE = "5"


def seller_legal_information(seller: dict) -> str:
    """BT-33, the seller's additional legal information: the mentions the Code de commerce asks
    of a company's invoices (R123-237, R123-238) — legal form and share capital, RCS and its
    city — as frozen on the document when it was issued."""
    return " — ".join(
        text for text in (seller.get("legal_form", ""), seller.get("rcs", "")) if text
    )


def buyer_address(buyer: dict) -> dict:
    return {
        "line1": buyer.get("address_line1", ""),
        "line2": buyer.get("address_line2", ""),
        "postcode": buyer.get("postal_code", ""),
        "city": buyer.get("city", ""),
        "country": buyer.get("country") or "FR",
    }


def line_period(line) -> tuple[date | None, date | None]:
    """A line's service period as printed: first and last day (the stored end is exclusive)."""
    end = line.period_end - timedelta(days=1) if line.period_end else None
    if end is not None and line.period_start is not None and end < line.period_start:
        end = line.period_start
    return line.period_start, end


def common_purchase_order(lines) -> str:
    """BT-13 is one reference for the whole invoice: only when every line carries the same."""
    refs = {line.purchase_order_ref for line in lines}
    return refs.pop() if len(refs) == 1 else ""


def checked_vat_groups(invoice, lines) -> list[dict]:
    """The stored VAT breakdown, checked against the lines and totals (EN 16931 BR-CO-*)."""
    groups = [
        {
            "category": g["category"],
            "rate": Decimal(g["rate"]),
            "taxable": Decimal(g["taxable"]),
            "vat": Decimal(g["vat"]),
        }
        for g in invoice.vat_breakdown
    ]
    by_key: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.vat_category, Decimal(line.vat_rate))
        by_key[key] = by_key.get(key, ZERO) + Decimal(line.net_amount)
    problems = []
    if {(g["category"], g["rate"]) for g in groups} != set(by_key):
        problems.append("VAT groups differ from the lines' categories and rates")
    for g in groups:
        if by_key.get((g["category"], g["rate"])) != g["taxable"]:
            problems.append(f"group {g['category']} {g['rate']} % ≠ sum of its lines (BR-S-08)")
        if g["category"] == VatCategory.STANDARD and g["rate"] <= 0:
            problems.append("category S needs a rate above 0")
        if g["category"] in EXEMPTIONS and (g["rate"] != 0 or g["vat"] != 0):
            problems.append(f"category {g['category']} has rate and VAT 0")
    line_total = sum((Decimal(line.net_amount) for line in lines), ZERO)
    if line_total != invoice.total_net:
        problems.append("sum of line totals ≠ total excl. VAT (BR-CO-10)")
    if sum((g["taxable"] for g in groups), ZERO) != invoice.total_net:
        problems.append("sum of VAT bases ≠ total excl. VAT (BR-CO-13)")
    if sum((g["vat"] for g in groups), ZERO) != invoice.total_vat:
        problems.append("sum of group VAT ≠ total VAT (BR-CO-14)")
    if invoice.total_net + invoice.total_vat != invoice.total_gross:
        problems.append("total excl. VAT + VAT ≠ total incl. VAT (BR-CO-15)")
    if problems:
        raise ValueError(f"{invoice.number}: not a consistent EN 16931 invoice: {problems}")
    return groups


class _Builder:
    def __init__(self):
        self.root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)

    @staticmethod
    def sub(parent, tag: str, text=None, **attrs):
        prefix, name = tag.split(":")
        element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}")
        for key, value in attrs.items():
            element.set(key, value)
        if text is not None:
            element.text = xml_text(text)
        return element

    def date(self, parent, tag: str, day: date):
        wrapper = self.sub(parent, tag)
        self.sub(wrapper, "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")
        return wrapper

    def note(self, parent, content: str, subject: str = ""):
        element = self.sub(parent, "ram:IncludedNote")
        self.sub(element, "ram:Content", content)
        if subject:
            self.sub(element, "ram:SubjectCode", subject)

    def party(
        self,
        parent,
        tag: str,
        identity: dict,
        address: dict,
        *,
        vat_id: bool = True,
        legal_information: str = "",
    ):
        party = self.sub(parent, tag)
        self.sub(party, "ram:Name", identity.get("name", ""))
        if legal_information:
            self.sub(party, "ram:Description", legal_information)  # BT-33
        if identity.get("siren"):
            legal = self.sub(party, "ram:SpecifiedLegalOrganization")
            self.sub(legal, "ram:ID", identity["siren"], schemeID=SCHEME_SIREN)
            if identity.get("trade_name") and identity["trade_name"] != identity.get("name"):
                self.sub(legal, "ram:TradingBusinessName", identity["trade_name"])
        postal = self.sub(party, "ram:PostalTradeAddress")
        if address["postcode"]:
            self.sub(postal, "ram:PostcodeCode", address["postcode"])
        if address["line1"]:
            self.sub(postal, "ram:LineOne", address["line1"])
        if address["line2"]:
            self.sub(postal, "ram:LineTwo", address["line2"])
        if address["city"]:
            self.sub(postal, "ram:CityName", address["city"])
        self.sub(postal, "ram:CountryID", address["country"])
        if vat_id and identity.get("vat_number"):
            registration = self.sub(party, "ram:SpecifiedTaxRegistration")
            self.sub(registration, "ram:ID", identity["vat_number"], schemeID="VA")
        return party

    def tax(
        self,
        parent,
        category: str,
        rate: Decimal | None,
        *,
        group: dict | None = None,
        due_date_code: str = "",
    ):
        tax = self.sub(parent, "ram:ApplicableTradeTax")
        reason, reason_code = EXEMPTIONS.get(category, ("", ""))
        if group is not None:
            self.sub(tax, "ram:CalculatedAmount", money(group["vat"]))
        self.sub(tax, "ram:TypeCode", "VAT")
        if group is not None and reason:
            self.sub(tax, "ram:ExemptionReason", reason)
        if group is not None:
            self.sub(tax, "ram:BasisAmount", money(group["taxable"]))
        self.sub(tax, "ram:CategoryCode", category)
        if group is not None and reason_code:
            self.sub(tax, "ram:ExemptionReasonCode", reason_code)
        if due_date_code:
            self.sub(tax, "ram:DueDateTypeCode", due_date_code)  # BT-8
        if rate is not None:
            self.sub(tax, "ram:RateApplicablePercent", percent(rate))
        return tax


def build_cii_xml(invoice) -> bytes:
    """EN 16931 (Factur-X profile EN16931) CII XML of an issued invoice or credit note."""
    if not invoice.number or not invoice.issue_date:
        raise ValueError("Only an issued (numbered and dated) document has an e-invoice.")
    lines = list(
        invoice.lines.select_related("end_client", "credited_line__invoice").order_by("position")
    )
    if not lines:
        raise ValueError(f"{invoice.number}: an invoice has at least one line (BR-16).")
    groups = checked_vat_groups(invoice, lines)
    is_credit_note = invoice.kind == DocumentKind.CREDIT_NOTE
    # BR-O-02..04: no VAT identifier on a document outside the scope of VAT. (An invoice issued
    # before late charges had their own invoice, O beside S, keeps its identifiers: BR-S-02
    # wants them, and a re-render gives the same bytes as before.)
    vat_ids = any(g["category"] != VatCategory.OUTSIDE_SCOPE for g in groups)
    b = _Builder()
    root = b.root

    context = b.sub(root, "rsm:ExchangedDocumentContext")
    process = b.sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
    nature = operation_nature(operation_kinds(invoice, lines))
    b.sub(process, "ram:ID", BILLING_FRAME[nature])
    guideline = b.sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    b.sub(guideline, "ram:ID", GUIDELINE_EN16931)

    document = b.sub(root, "rsm:ExchangedDocument")
    b.sub(document, "ram:ID", invoice.number)
    b.sub(document, "ram:TypeCode", UNTDID_TYPE[invoice.kind])
    b.date(document, "ram:IssueDateTime", invoice.issue_date)
    if is_credit_note and invoice.reason:
        b.note(document, f"Motif de l'avoir\u00a0: {invoice.reason}")
    b.note(document, RECOVERY_INDEMNITY, "PMT")
    b.note(document, LATE_PAYMENT_INTEREST, "PMD")
    b.note(document, NO_EARLY_PAYMENT_DISCOUNT, "AAB")

    transaction = b.sub(root, "rsm:SupplyChainTradeTransaction")
    for line in lines:
        _line_item(b, transaction, invoice, line)

    agreement = b.sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    b.party(
        agreement,
        "ram:SellerTradeParty",
        invoice.seller,
        seller_address(invoice.seller),
        vat_id=vat_ids,
        legal_information=seller_legal_information(invoice.seller),
    )
    b.party(
        agreement,
        "ram:BuyerTradeParty",
        invoice.buyer,
        buyer_address(invoice.buyer),
        vat_id=vat_ids,
    )
    purchase_order = common_purchase_order(lines)
    if purchase_order:
        order = b.sub(agreement, "ram:BuyerOrderReferencedDocument")
        b.sub(order, "ram:IssuerAssignedID", purchase_order)

    # BIL-3: the reform asks for the delivery address of goods when it differs from the
    # buyer's; services have none.
    delivery = b.sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    ship_to = delivery_address(lines)
    if ship_to:
        party = b.sub(delivery, "ram:ShipToTradeParty")
        if ship_to.get("name"):
            b.sub(party, "ram:Name", ship_to["name"])  # BT-70
        postal = b.sub(party, "ram:PostalTradeAddress")  # BG-15
        for tag, key in (
            ("PostcodeCode", "postcode"),
            ("LineOne", "line1"),
            ("LineTwo", "line2"),
            ("CityName", "city"),
        ):
            if ship_to.get(key):
                b.sub(postal, f"ram:{tag}", ship_to[key])
        b.sub(postal, "ram:CountryID", ship_to.get("country") or "FR")

    settlement = b.sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    b.sub(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    debits = vat_on_debits(invoice, nature)
    for group in groups:
        b.tax(
            settlement,
            group["category"],
            group["rate"],
            group=group,
            # BIL-3: VAT on debits, for the VAT the seller charges (not AE, E, O).
            due_date_code=(
                TAX_POINT_INVOICE_DATE
                if debits and group["category"] == VatCategory.STANDARD
                else ""
            ),
        )
    if not is_credit_note:
        terms = b.sub(settlement, "ram:SpecifiedTradePaymentTerms")
        b.sub(terms, "ram:Description", PAYMENT_TERMS)
        if invoice.due_date:
            b.date(terms, "ram:DueDateDateTime", invoice.due_date)

    prepaid = Decimal(invoice.paid_in_advance) + Decimal(invoice.credit_applied)
    due = Decimal(invoice.total_gross) - prepaid
    if not is_credit_note and due != invoice.amount_due:
        raise ValueError(f"{invoice.number}: amount due ≠ total − prepaid (BR-CO-16)")
    summation = b.sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    b.sub(summation, "ram:LineTotalAmount", money(invoice.total_net))
    b.sub(summation, "ram:TaxBasisTotalAmount", money(invoice.total_net))
    b.sub(summation, "ram:TaxTotalAmount", money(invoice.total_vat), currencyID=CURRENCY)
    b.sub(summation, "ram:GrandTotalAmount", money(invoice.total_gross))
    if prepaid:
        b.sub(summation, "ram:TotalPrepaidAmount", money(prepaid))
    b.sub(summation, "ram:DuePayableAmount", money(due))

    for preceding in preceding_invoices(invoice):
        reference = b.sub(settlement, "ram:InvoiceReferencedDocument")
        b.sub(reference, "ram:IssuerAssignedID", preceding.number)
        if preceding.issue_date:
            issued = b.sub(reference, "ram:FormattedIssueDateTime")
            b.sub(
                issued,
                "qdt:DateTimeString",
                preceding.issue_date.strftime("%Y%m%d"),
                format="102",
            )

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def preceding_invoices(invoice) -> list:
    """BT-25: the invoices this document refers to — the invoice a credit note corrects (or, for
    a credit of a service, the invoices that billed it), or the late invoices a late-charges
    invoice bills the interest and indemnity of (oldest first)."""
    if invoice.kind == DocumentKind.CREDIT_NOTE and invoice.corrects_id:
        return [invoice.corrects]
    return list(invoice.preceding_invoices.order_by("issue_date", "sequence"))


def end_client_name(invoice, line) -> str:
    """ACC-3: the name of a line's end customer as it was when the document was issued (frozen in
    the buyer block, BIL-2); a document issued before it was frozen reads the customer's row."""
    frozen = (invoice.buyer or {}).get("end_clients") or {}
    return frozen.get(str(line.end_client_id)) or line.end_client.legal_name


def delivery_text(address: dict) -> str:
    """A delivery address on one line: « 8 quai du Port, 13002 Marseille »."""
    town = f"{address.get('postcode', '')} {address.get('city', '')}".strip()
    return ", ".join(
        part for part in (address.get("line1", ""), address.get("line2", ""), town) if part
    )


def delivery_address(lines) -> dict:
    """BIL-3 (2026 reform): the one address the document's goods were delivered to, when not
    the buyer's (EN 16931 BG-13/BG-15, one per document); none when there are several (each
    line names its own)."""
    addresses = {
        tuple(sorted(line.delivery_address.items())) for line in lines if line.delivery_address
    }
    return dict(addresses.pop()) if len(addresses) == 1 else {}


def line_details(invoice, line) -> list[str]:
    """What a line bills, beyond its description (BIL-3: contract, site, where goods were
    delivered when not at the buyer's address; ACC-3: end customer; BIL-9: the invoice line a
    credit note's line credits)."""
    details = []
    if line.contract_reference:
        details.append(f"Contrat {line.contract_reference}")
    if line.site_name:
        details.append(f"Site {line.site_name}")
    if line.delivery_address:
        details.append(f"Livraison\u00a0: {delivery_text(line.delivery_address)}")
    if invoice.partner_id is not None and line.end_client_id:
        details.append(f"Client final {end_client_name(invoice, line)}")
    if line.credited_line_id:
        # BIL-9: the invoice line a credit note line credits (EN 16931 has no line-level
        # reference to a preceding invoice: it is said in the item's description, BT-154).
        credited = line.credited_line
        details.append(f"Ligne {credited.position} de la facture {credited.invoice.number}")
    return details


def _line_item(b: _Builder, transaction, invoice, line):
    item = b.sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
    document = b.sub(item, "ram:AssociatedDocumentLineDocument")
    b.sub(document, "ram:LineID", str(line.position))
    if line.purchase_order_ref:
        b.note(document, f"Bon de commande {line.purchase_order_ref}")

    product = b.sub(item, "ram:SpecifiedTradeProduct")
    b.sub(product, "ram:Name", line.description)
    details = line_details(invoice, line)
    if details:
        b.sub(product, "ram:Description", " · ".join(details))

    agreement = b.sub(item, "ram:SpecifiedLineTradeAgreement")
    net_price = b.sub(agreement, "ram:NetPriceProductTradePrice")
    b.sub(net_price, "ram:ChargeAmount", price(line.unit_price))

    delivery = b.sub(item, "ram:SpecifiedLineTradeDelivery")
    b.sub(delivery, "ram:BilledQuantity", quantity(line.quantity), unitCode=UNIT_ONE)

    settlement = b.sub(item, "ram:SpecifiedLineTradeSettlement")
    # BR-O-05: a line outside the scope of VAT carries no rate.
    rate = None if line.vat_category == VatCategory.OUTSIDE_SCOPE else line.vat_rate
    b.tax(settlement, line.vat_category, rate)
    start, end = line_period(line)
    if start is not None:
        period = b.sub(settlement, "ram:BillingSpecifiedPeriod")
        b.date(period, "ram:StartDateTime", start)
        if end is not None:
            b.date(period, "ram:EndDateTime", end)
    summation = b.sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    b.sub(summation, "ram:LineTotalAmount", money(line.net_amount))
