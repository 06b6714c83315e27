"""The invoice PDF: a PDF/A-3 rendered by WeasyPrint and carrying its Factur-X XML (BIL-3).

``render_pdf(invoice)`` is a pure function of the issued invoice: rendering the same invoice
twice gives the same bytes. Everything that would vary is fixed:

- WeasyPrint's file identifier is derived from the invoice number (``pdf_identifier``), and pypdf
  (inside factur-x) keeps it when it rewrites the file;
- factur-x 3.8 stamps the Info dictionary, the XMP packet and the embedded XML with
  ``datetime.now()`` and offers no argument to set the date; the call is made with that
  module's clock fixed at the invoice's issue date, midnight UTC (under a lock, the clock being
  module-global);
- the PDF metadata (title, author, subject) and the language are given explicitly.

The stored PDF (``InvoiceDocument``) is what is sent and downloaded; the ``Invoice`` row itself
is never written here (BIL-2).
"""

import hashlib
import logging
import textwrap
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import facturx
import facturx.facturx as facturx_module
import fontTools.ttLib.tables._h_e_a_d as font_head_module
import pydyf
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import translation
from phonenumbers.geocoder import _region_display_name
from weasyprint import HTML

from billing.choices import ChargeKind, DocumentKind, DocumentStatus, VatCategory
from billing.facturx_xml import (
    PAYMENT_TERMS,
    build_cii_xml,
    buyer_address,
    common_purchase_order,
    line_details,
    line_period,
    operation_kinds,
    operation_nature,
    preceding_invoices,
    seller_address,
    vat_on_debits,
)
from billing.models import Invoice, InvoiceDocument
from kernel.money import price_places, round_half_up

logger = logging.getLogger(__name__)

TEMPLATE = "billing/invoice_pdf.html"
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"  # French thousands separator

LATE_PAYMENT_CLAUSE = (
    "En cas de retard de paiement, intérêts au taux BCE majoré de 10 points et indemnité "
    "forfaitaire pour frais de recouvrement de 40\u00a0€ (art. L441-10 et D441-5 du Code de "
    "commerce)"
)
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."
# The mention art. 242 nonies A (I-13°) of annex II of the CGI requires, with its basis: a
# service to a business of another EU state is taxed there (art. 259-1 CGI), the customer liable
# (art. 196 of Directive 2006/112/EC) — art. 283-2 CGI is the converse case (a supplier
# established abroad, a customer in France).
REVERSE_CHARGE_MENTION = (
    "Autoliquidation — article 196 de la directive 2006/112/CE (art. 259-1 du CGI)"
)
OUTSIDE_SCOPE_MENTION = "TVA non applicable — Hors champ d'application de la TVA"
EXEMPT_MENTION = "Exonération de TVA"
VAT_ON_DEBITS_MENTION = "Option pour le paiement de la taxe d'après les débits"
TITLE_RETENTION = (
    "Les équipements vendus restent la propriété du vendeur jusqu'au paiement intégral"
)
NATURE_LABELS = {
    "services": "Prestations de services",
    "goods": "Livraison de biens",
    "mixed": f"Mixte{NBSP}: biens et services",
}
VAT_LABELS = {
    VatCategory.REVERSE_CHARGE: "Autoliquidation",
    VatCategory.EXEMPT: "Exonéré",
    VatCategory.OUTSIDE_SCOPE: "Hors champ",
}
# A country's French name on the address block: phonenumbers' names (every country), but for
# those it writes otherwise than a French reader expects.
COUNTRY_NAMES = {"US": "États-Unis"}


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code) or _region_display_name(code, "fr", None, None) or code


_CLOCKS = threading.Lock()
FONT_EPOCH = int(datetime(1904, 1, 1, tzinfo=UTC).timestamp())  # TrueType dates count from 1904


# --- French formatting (the PDF is a French legal document) ---------------------------------


def _group_thousands(whole: str) -> str:
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + NARROW_NBSP.join(groups)


def french_number(value, places: int, max_places: int | None = None) -> str:
    """``1875`` → ``1 875,00``; with ``max_places`` trailing zeros beyond ``places`` go."""
    max_places = max_places or places
    amount = round_half_up(value, max_places)
    amount = amount.quantize(Decimal(1).scaleb(-price_places(amount, places, max_places)))
    whole, _dot, decimals = f"{amount:f}".partition(".")
    return _group_thousands(whole) + ("," + decimals if decimals else "")


def euros(value) -> str:
    return f"{french_number(value, 2)}{NBSP}€"


def unit_price(value) -> str:
    return f"{french_number(value, 2, 4)}{NBSP}€"


def french_quantity(value) -> str:
    return french_number(value, 0, 4)


def french_rate(category: str, rate) -> str:
    if category in VAT_LABELS:
        return VAT_LABELS[category]
    return f"{french_number(rate, 0, 2)}{NBSP}%"


def french_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- The lines: one block of text each, for speed (BIL-3) ------------------------------------
#
# A partner's monthly invoice can have a thousand lines. WeasyPrint spends about a millisecond
# per table cell, so a six-column table of 1 000 lines took 10 s and more. Each line is instead
# ONE block of pre-wrapped text: "n · description", a tab to the numeric columns (``tab-size``
# is the column's position), then the details on the next line. The numeric columns are
# right-aligned without measuring text: each value is padded on the left with invisible
# characters as wide as those it lacks against the column's widest value — a figure space
# (U+2007, the width of a digit) per digit, a punctuation space (U+2008, the width of the
# comma) per comma, the same no-break spaces for the spaces. Exact with any font whose digits
# are tabular (DejaVu Sans, the PDF's font). The table header has the same column widths, in em.

FIGURE_SPACE = "\u2007"
PUNCTUATION_SPACE = "\u2008"
COLUMN_GAP = FIGURE_SPACE * 2
QUANTITY_FIELD = f"99{NARROW_NBSP}999,99"
PRICE_FIELD = f"99{NARROW_NBSP}999,9999{NBSP}€"
AMOUNT_FIELD = f"9{NARROW_NBSP}999{NARROW_NBSP}999,99{NBSP}€"
TAB_STOP_EM = Decimal("35.5")  # where the numeric columns start (7.5 pt text: 94 mm)
LINE_PADDING_EM = Decimal("0.6")  # left and right of each line's text
DESCRIPTION_WRAP = 52  # characters of description per line, to stay left of the tab stop
# Advance widths of DejaVu Sans in em (units per em 2048), for the header's column widths.
_ADVANCE_EM = {
    char: Decimal(units) / 2048
    for char, units in (("digit", 1303), (",", 651), (NARROW_NBSP, 409), (NBSP, 651), ("€", 1303))
}


def _char_counts(text: str) -> tuple[int, int, int, int]:
    return (
        sum(char.isdigit() for char in text),
        text.count(","),
        text.count(NARROW_NBSP),
        text.count(NBSP),
    )


def right_aligned(value: str, field: str) -> str:
    """``value`` padded on the left to the width of ``field`` (see above)."""
    wanted, present = _char_counts(field), _char_counts(value)
    fillers = (FIGURE_SPACE, PUNCTUATION_SPACE, NARROW_NBSP, NBSP)
    padding = "".join(
        filler * max(count - have, 0)
        for filler, count, have in zip(fillers, wanted, present, strict=True)
    )
    return padding + value


def _field_em(field: str) -> Decimal:
    return sum((_ADVANCE_EM["digit" if char.isdigit() else char] for char in field), Decimal(0))


def line_columns() -> dict:
    """The header's column widths (CSS), matching ``line_text``'s tab stop and fields."""
    gap = _field_em(COLUMN_GAP.replace(FIGURE_SPACE, "0"))

    def em(value: Decimal) -> str:
        return f"{value.quantize(Decimal('0.001'))}em"

    return {
        "padding": em(LINE_PADDING_EM),
        "first": em(LINE_PADDING_EM + TAB_STOP_EM),
        "tab_stop": em(TAB_STOP_EM),
        "quantity": em(_field_em(QUANTITY_FIELD)),
        "price": em(gap + _field_em(PRICE_FIELD)),
        "amount": em(gap + _field_em(AMOUNT_FIELD)),
        "gap": em(gap),
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())  # no tab or line break of its own in pre-wrapped text


def line_text(position: int, description: str, numbers: tuple, details: list[str]) -> str:
    """One invoice line as printed: description (wrapped), tab, quantity, unit price, amount,
    VAT; then the details (contract, site, end customer, period) on the next line."""
    quantity, price, amount, vat = numbers
    head = f"{position}{NBSP}·{NBSP}{_one_line(description)}"
    wrapped = textwrap.wrap(
        head, DESCRIPTION_WRAP, break_long_words=False, break_on_hyphens=False
    ) or [head]
    text = (
        "\n".join(wrapped)
        + "\t"
        + COLUMN_GAP.join(
            (
                right_aligned(quantity, QUANTITY_FIELD),
                right_aligned(price, PRICE_FIELD),
                right_aligned(amount, AMOUNT_FIELD),
                vat,
            )
        )
    )
    detail = _one_line(" · ".join(item for item in details if item))
    return f"{text}\n{detail}" if detail else text


# --- What the template shows -------------------------------------------------------------------


def _brand(invoice: Invoice) -> dict:
    """ACC-3: a reseller-billed partner's customer sees the partner as distributor (its name,
    colours and logo); everyone else sees the reseller."""
    reseller = settings.RESELLER
    distributor = (invoice.buyer or {}).get("distributor")
    partner = invoice.client.partner if invoice.client_id and distributor else None
    if distributor:
        logo_uri = ""
        if partner is not None and partner.logo:
            try:
                path = Path(partner.logo.path)
            except NotImplementedError:  # a remote storage: no local file to embed
                path = None
            if path is not None and path.is_file():
                logo_uri = path.as_uri()
        return {
            "is_partner": True,
            "name": distributor,
            "logo_uri": logo_uri,
            "primary_color": partner.primary_color if partner else reseller["primary_color"],
            "secondary_color": (
                partner.secondary_color if partner else reseller["secondary_color"]
            ),
        }
    return {
        "is_partner": False,
        "name": invoice.seller.get("trade_name") or reseller["name"],
        "logo_uri": "",
        "primary_color": reseller["primary_color"],
        "secondary_color": reseller["secondary_color"],
    }


def _party(identity: dict, address: dict, *, vat_id: bool = True) -> dict:
    country = address["country"]
    return {
        "name": identity.get("name", ""),
        "trade_name": identity.get("trade_name", ""),
        "siren": identity.get("siren", ""),
        "vat_number": identity.get("vat_number", "") if vat_id else "",
        "email": identity.get("email", ""),
        "lines": [
            text
            for text in (
                address["line1"],
                address["line2"],
                f"{address['postcode']} {address['city']}".strip(),
                country_name(country) if country != "FR" else "",
            )
            if text
        ],
    }


def _seller(invoice: Invoice, *, vat_id: bool) -> dict:
    """The seller block, and the footer of every page, with the mentions the Code de commerce
    asks of a company's invoices (R123-237, R123-238): legal form and share capital, SIREN
    followed by "RCS" and the city of its registry, head office address. They are frozen on
    the document when it is issued (``seller_identity``); a document issued before they were
    frozen takes them from the settings (``RESELLER``)."""
    identity, reseller = invoice.seller, settings.RESELLER
    seller = _party(identity, seller_address(identity), vat_id=vat_id)
    seller["legal_form"] = identity.get("legal_form") or reseller.get("legal_form", "")
    seller["rcs"] = identity.get("rcs") or reseller.get("rcs", "")
    seller["head_office"] = identity.get("address") or reseller.get("address", "")
    return seller


# --- How the invoice is paid (BIL-4): asked of the app that knows ----------------------------

payment_instructions = Signal()
"""Sent with ``invoice=`` when an invoice is rendered. Billing never imports payments (layers):
the payments app connects a receiver when it is ready, which returns a ``DirectDebitNotice``
when the invoice will be collected by SEPA direct debit, and ``None`` otherwise."""


@dataclass(frozen=True)
class DirectDebitNotice:
    """The SEPA pre-notification that the invoice itself is (SEPA Core rulebook: the debtor is
    told the amount and date of a collection at least 14 days before it; the invoice is issued
    30 days before it is due, BIL-4)."""

    debit_date: date  # the due date, or the collection date of the batch the debit is in
    mandate_reference: str  # RUM, "référence unique de mandat"
    creditor_id: str  # ICS, "identifiant créancier SEPA"
    amount: Decimal


def direct_debit_notice(invoice: Invoice) -> DirectDebitNotice | None:
    """The first receiver's notice for an invoice with something to pay; none for a credit
    note. A receiver that fails fails the render (retried by the task), rather than a PDF
    silently without its pre-notification."""
    if invoice.kind != DocumentKind.INVOICE or invoice.amount_due <= 0:
        return None
    for _receiver, answer in payment_instructions.send(sender=Invoice, invoice=invoice):
        if isinstance(answer, DirectDebitNotice):
            return answer
    return None


def _direct_debit(invoice: Invoice) -> dict | None:
    notice = direct_debit_notice(invoice)
    if notice is None:
        return None
    return {
        "date": french_date(notice.debit_date),
        "amount": euros(notice.amount),
        "mandate_reference": notice.mandate_reference,
        "creditor_id": notice.creditor_id,
    }


def _period(line) -> str:
    start, end = line_period(line)
    if start and end:
        return f"Période du {french_date(start)} au {french_date(end)}"
    if start:
        return f"Date{NBSP}: {french_date(start)}"
    return ""


def invoice_context(invoice: Invoice) -> dict:
    """Everything the template prints, already formatted in French."""
    lines = list(
        invoice.lines.select_related("end_client", "credited_line__invoice").order_by("position")
    )
    is_credit_note = invoice.kind == DocumentKind.CREDIT_NOTE
    purchase_order = common_purchase_order(lines)
    categories = {line.vat_category for line in lines}
    kinds = {line.kind for line in lines}
    # BR-O-02..04, as in the XML: a document outside the scope of VAT names the parties by
    # their SIREN, without VAT identifiers.
    vat_ids = categories != {VatCategory.OUTSIDE_SCOPE}

    rows = []
    for line in lines:
        details = line_details(invoice, line)
        if line.purchase_order_ref and not purchase_order:
            details.append(f"Bon de commande {line.purchase_order_ref}")
        numbers = (
            french_quantity(line.quantity),
            unit_price(line.unit_price),
            euros(line.net_amount),
            french_rate(line.vat_category, line.vat_rate),
        )
        text = line_text(line.position, line.description, numbers, [*details, _period(line)])
        rows.append({"position": line.position, "text": text})

    vat_groups = []
    for group in invoice.vat_breakdown:
        category, rate = group["category"], Decimal(group["rate"])
        label = (
            f"TVA {french_rate(category, rate)}"
            if category == VatCategory.STANDARD
            else french_rate(category, rate)
        )
        vat_groups.append(
            {"label": label, "base": euros(group["taxable"]), "vat": euros(group["vat"])}
        )

    nature = operation_nature(operation_kinds(invoice, lines))
    mentions = []
    if VatCategory.STANDARD in categories and vat_on_debits(invoice, nature):
        mentions.append(VAT_ON_DEBITS_MENTION)
    if VatCategory.REVERSE_CHARGE in categories:
        mentions.append(REVERSE_CHARGE_MENTION)
    if VatCategory.OUTSIDE_SCOPE in categories:
        mentions.append(OUTSIDE_SCOPE_MENTION)
    if VatCategory.EXEMPT in categories:
        mentions.append(EXEMPT_MENTION)
    if ChargeKind.EQUIPMENT in kinds:
        mentions.append(TITLE_RETENTION)

    referred = [
        {"number": other.number, "issue_date": french_date(other.issue_date)}
        for other in preceding_invoices(invoice)
    ]
    return {
        "invoice": invoice,
        "is_credit_note": is_credit_note,
        "title": "Avoir" if is_credit_note else "Facture",
        "number": invoice.number,
        "issue_date": french_date(invoice.issue_date),
        "due_date": french_date(invoice.due_date) if not is_credit_note else "",
        # BIL-9: the invoice a credit note corrects, or the invoices that billed the service it
        # credits.
        "corrects": referred if is_credit_note else [],
        # BIL-6: the late invoices whose interest and indemnity a late-charges invoice bills.
        "late_invoices": [] if is_credit_note else referred,
        "reason": invoice.reason,
        "nature": NATURE_LABELS[nature],
        "purchase_order": purchase_order,
        "brand": _brand(invoice),
        "seller": _seller(invoice, vat_id=vat_ids),
        "buyer": _party(invoice.buyer, buyer_address(invoice.buyer), vat_id=vat_ids),
        "lines": rows,
        "columns": line_columns(),
        "vat_groups": vat_groups,
        "total_net": euros(invoice.total_net),
        "total_vat": euros(invoice.total_vat),
        "total_gross": euros(invoice.total_gross),
        "credit_applied": euros(invoice.credit_applied) if invoice.credit_applied > 0 else "",
        "paid_in_advance": euros(invoice.paid_in_advance) if invoice.paid_in_advance > 0 else "",
        "amount_due": euros(invoice.amount_due),
        "payment_terms": PAYMENT_TERMS,
        "direct_debit": _direct_debit(invoice),
        "late_payment_clause": LATE_PAYMENT_CLAUSE,
        "no_discount": NO_DISCOUNT,
        "mentions": mentions,
        "created": _moment(invoice).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# --- Rendering ---------------------------------------------------------------------------------


def _moment(invoice: Invoice) -> datetime:
    """The one date stamped in the PDF: the issue date at midnight UTC."""
    return datetime.combine(invoice.issue_date, time.min, tzinfo=UTC)


def _identifier(invoice: Invoice) -> bytes:
    return hashlib.md5(f"invoice:{invoice.number}".encode(), usedforsecurity=False).hexdigest()


def _metadata_text(value: str) -> str:
    # factur-x pastes these values into its XMP packet without escaping them.
    return value.replace("&", "et").replace("<", "").replace(">", "")


def _pdf_metadata(invoice: Invoice) -> dict:
    title = "Avoir" if invoice.kind == DocumentKind.CREDIT_NOTE else "Facture"
    seller = invoice.seller.get("name", "")
    return {
        "author": _metadata_text(seller),
        "keywords": "Factur-X, EN 16931",
        "title": _metadata_text(f"{seller} : {title} {invoice.number}"),
        "subject": _metadata_text(
            f"{title} {invoice.number} du {french_date(invoice.issue_date)} émise par {seller}"
        ),
    }


def _producer_as_in_xmp(_document, pdf) -> None:
    # factur-x rewrites the XMP packet with pdf:Producer "pypdf"; PDF/A wants the Info
    # dictionary to say the same.
    pdf.info["Producer"] = pydyf.String("pypdf")


@contextmanager
def _fixed_clocks(moment: datetime):
    """Fix, for one render, the two clocks a PDF would otherwise read: factur-x's
    ``datetime.now()`` for every date it writes, and fontTools' ``timestampNow()`` for the
    ``head.modified`` of each font subset WeasyPrint embeds (seconds since 1904)."""
    fixed = type("FixedDatetime", (datetime,), {"now": classmethod(lambda cls, tz=None: moment)})
    font_seconds = int(moment.timestamp()) - FONT_EPOCH
    with _CLOCKS:
        original = facturx_module.datetime, font_head_module.timestampNow
        facturx_module.datetime = fixed
        font_head_module.timestampNow = lambda: font_seconds
        try:
            yield
        finally:
            facturx_module.datetime, font_head_module.timestampNow = original


def render_pdf(invoice: Invoice) -> bytes:
    """BIL-3: the Factur-X PDF/A-3 of an issued invoice or credit note (same bytes every time)."""
    xml = build_cii_xml(invoice)
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, invoice_context(invoice))
    with _fixed_clocks(_moment(invoice)):
        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
            pdf_variant="pdf/a-3b",
            pdf_identifier=_identifier(invoice),
            uncompressed_pdf=False,
            finisher=_producer_as_in_xmp,
        )
        return facturx.generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=True,
            pdf_metadata=_pdf_metadata(invoice),
            lang="fr-FR",
        )


def render_and_store(invoice_id: int) -> InvoiceDocument | None:
    """Render an issued invoice and keep its PDF (one ``InvoiceDocument`` per invoice).

    Idempotent: a stored file with the same content is kept as it is; otherwise the row is
    created or pointed at the new file and the old file is removed once committed. Renders of
    one invoice are serialised by a lock on its (never modified) row."""
    invoice = (
        Invoice.objects.select_related("client__partner", "corrects")
        .filter(pk=invoice_id, status=DocumentStatus.ISSUED)
        .first()
    )
    if invoice is None:
        logger.info("invoice %s: gone or not issued, no PDF", invoice_id)
        return None
    pdf = render_pdf(invoice)
    digest = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        Invoice.objects.select_for_update().filter(pk=invoice.pk).values_list("pk").first()
        document = InvoiceDocument.objects.filter(invoice=invoice).first()
        if document is not None and document.sha256 == digest and _file_exists(document):
            return document
        old_name = document.pdf.name if document is not None else ""
        document = document or InvoiceDocument(invoice=invoice)
        document.pdf.save(f"{invoice.number}.pdf", ContentFile(pdf), save=False)
        document.sha256 = digest
        document.save()
        new_name = document.pdf.name
        if old_name and old_name != new_name:
            storage = document.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return document


def _file_exists(document: InvoiceDocument) -> bool:
    return bool(document.pdf.name) and document.pdf.storage.exists(document.pdf.name)


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The stored PDF of an invoice, or (not stored yet, or the file is missing) rendered now."""
    document = InvoiceDocument.objects.filter(invoice=invoice).first()
    if document is not None and _file_exists(document):
        with document.pdf.open("rb") as stored:
            return stored.read()
    return render_pdf(invoice)
