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
import threading
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import facturx
import facturx.facturx as facturx_module
import pydyf
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from billing.choices import ChargeKind, DocumentKind, DocumentStatus, VatCategory
from billing.facturx_xml import (
    PAYMENT_TERMS,
    build_cii_xml,
    buyer_address,
    common_purchase_order,
    line_details,
    line_period,
    operation_nature,
    seller_address,
)
from billing.models import Invoice, InvoiceDocument

logger = logging.getLogger(__name__)

TEMPLATE = "billing/invoice_pdf.html"
NBSP = "\u00a0"
NARROW_NBSP = "\u202f"  # French thousands separator

LATE_PAYMENT_CLAUSE = (
    "En cas de retard de paiement, intérêts au taux BCE majoré de 10 points et indemnité "
    "forfaitaire pour frais de recouvrement de 40 € (art. L441-10 et D441-5 du Code de "
    "commerce)"
)
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."
REVERSE_CHARGE_MENTION = "Autoliquidation — article 283-2 du CGI"
OUTSIDE_SCOPE_MENTION = "TVA non applicable — Hors champ d'application de la TVA"
EXEMPT_MENTION = "Exonération de TVA"
TITLE_RETENTION = (
    "Les équipements vendus restent la propriété du vendeur jusqu'au paiement intégral"
)
NATURE_LABELS = {
    "services": "Prestations de services",
    "goods": "Livraison de biens",
    "mixed": "Mixte : biens et services",
}
VAT_LABELS = {
    VatCategory.REVERSE_CHARGE: "Autoliquidation",
    VatCategory.EXEMPT: "Exonéré",
    VatCategory.OUTSIDE_SCOPE: "Hors champ",
}
COUNTRY_NAMES = {
    "FR": "France",
    "DE": "Allemagne",
    "BE": "Belgique",
    "ES": "Espagne",
    "IT": "Italie",
    "LU": "Luxembourg",
    "NL": "Pays-Bas",
    "CH": "Suisse",
}

_FACTURX_CLOCK = threading.Lock()


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
    amount = Decimal(value).quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    whole, _dot, decimals = f"{amount:f}".partition(".")
    decimals = decimals.rstrip("0").ljust(places, "0") if max_places > places else decimals
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


def _party(identity: dict, address: dict) -> dict:
    country = address["country"]
    return {
        "name": identity.get("name", ""),
        "trade_name": identity.get("trade_name", ""),
        "siren": identity.get("siren", ""),
        "vat_number": identity.get("vat_number", ""),
        "email": identity.get("email", ""),
        "lines": [
            text
            for text in (
                address["line1"],
                address["line2"],
                f"{address['postcode']} {address['city']}".strip(),
                COUNTRY_NAMES.get(country, country) if country != "FR" else "",
            )
            if text
        ],
    }


def _period(line) -> str:
    start, end = line_period(line)
    if start and end:
        return f"Période du {french_date(start)} au {french_date(end)}"
    if start:
        return f"Date : {french_date(start)}"
    return ""


def invoice_context(invoice: Invoice) -> dict:
    """Everything the template prints, already formatted in French."""
    lines = list(invoice.lines.select_related("end_client").order_by("position"))
    is_credit_note = invoice.kind == DocumentKind.CREDIT_NOTE
    is_partner_billed = invoice.partner_id is not None
    purchase_order = common_purchase_order(lines)
    categories = {line.vat_category for line in lines}
    kinds = {line.kind for line in lines}

    rows = []
    for line in lines:
        details = line_details(line, is_partner_billed=is_partner_billed)
        if line.purchase_order_ref and not purchase_order:
            details.append(f"Bon de commande {line.purchase_order_ref}")
        rows.append(
            {
                "position": line.position,
                "description": line.description,
                "details": details,
                "period": _period(line),
                "quantity": french_quantity(line.quantity),
                "unit_price": unit_price(line.unit_price),
                "vat": french_rate(line.vat_category, line.vat_rate),
                "amount": euros(line.net_amount),
            }
        )

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

    mentions = []
    if VatCategory.REVERSE_CHARGE in categories:
        mentions.append(REVERSE_CHARGE_MENTION)
    if VatCategory.OUTSIDE_SCOPE in categories:
        mentions.append(OUTSIDE_SCOPE_MENTION)
    if VatCategory.EXEMPT in categories:
        mentions.append(EXEMPT_MENTION)
    if ChargeKind.EQUIPMENT in kinds:
        mentions.append(TITLE_RETENTION)

    corrects = invoice.corrects if invoice.corrects_id else None
    return {
        "invoice": invoice,
        "is_credit_note": is_credit_note,
        "title": "Avoir" if is_credit_note else "Facture",
        "number": invoice.number,
        "issue_date": french_date(invoice.issue_date),
        "due_date": french_date(invoice.due_date) if not is_credit_note else "",
        "corrects": (
            {"number": corrects.number, "issue_date": french_date(corrects.issue_date)}
            if corrects
            else None
        ),
        "reason": invoice.reason,
        "nature": NATURE_LABELS[operation_nature(kinds)],
        "purchase_order": purchase_order,
        "brand": _brand(invoice),
        "seller": _party(invoice.seller, seller_address(invoice.seller)),
        "buyer": _party(invoice.buyer, buyer_address(invoice.buyer)),
        "lines": rows,
        "vat_groups": vat_groups,
        "total_net": euros(invoice.total_net),
        "total_vat": euros(invoice.total_vat),
        "total_gross": euros(invoice.total_gross),
        "credit_applied": euros(invoice.credit_applied) if invoice.credit_applied > 0 else "",
        "paid_in_advance": euros(invoice.paid_in_advance) if invoice.paid_in_advance > 0 else "",
        "amount_due": euros(invoice.amount_due),
        "payment_terms": PAYMENT_TERMS,
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
def _facturx_clock(moment: datetime):
    """factur-x reads ``datetime.now()`` for every date it writes; fix it for one call."""
    fixed = type("FixedDatetime", (datetime,), {"now": classmethod(lambda cls, tz=None: moment)})
    with _FACTURX_CLOCK:
        original = facturx_module.datetime
        facturx_module.datetime = fixed
        try:
            yield
        finally:
            facturx_module.datetime = original


def render_pdf(invoice: Invoice) -> bytes:
    """BIL-3: the Factur-X PDF/A-3 of an issued invoice or credit note (same bytes every time)."""
    xml = build_cii_xml(invoice)
    with translation.override("fr"):
        html = render_to_string(TEMPLATE, invoice_context(invoice))
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/a-3b",
        pdf_identifier=_identifier(invoice),
        uncompressed_pdf=False,
        finisher=_producer_as_in_xmp,
    )
    with _facturx_clock(_moment(invoice)):
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
