"""BIL-3: an invoice's call-detail annex is kept as it stood when the invoice was issued.

``selectors.annex_calls`` reads the calls an invoice billed at their current cost: a breach
waived after the invoice (USE-4), or a late record moving the month's slots (USE-3), re-rates
them, and the annex of an issued invoice — a waiver credited by its own credit note — listed
other calls and other amounts than the invoice (10 calls for 0.2391 € invoiced, 8 calls for
0.1701 € after the waiver). ``annex_freeze`` (on ``billing.signals.document_issued``, inside the
issuing transaction) stores the rows — none for an invoice that billed no call of a customer
with calls —; ``annex_rows`` serves them. An invoice issued before annexes were kept, or of a
customer without any call in the twelve months before it, is read from the calls. The annex
keeps the cut-off of the postings the invoice carried (``calls_until``): the next invoice's
annex lists the calls priced after it. Each call is served under the heading of the lines that
billed it (``annex_sections``): the invoice's month first, then the late records by month."""

import gzip
import json
from datetime import datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from billing.choices import DocumentKind
from billing.models import InvoicePurpose
from kernel.clock import PARIS
from offers.periods import add_months
from usage.models import CallRecord, InvoiceAnnex
from usage.selectors import annex_calls, month_bounds, priced_until
from usage.services.billing import LOOKBACK_MONTHS
from usage.services.revisions import after_invoicing

# The columns of a call in the CSV export and the annex (``usage.views.CSV_COLUMNS`` labels them).
CALL_FIELDS = [
    "call_id",
    "started_at",
    "account_ref",
    "call_type",
    "caller",
    "called",
    "country",
    "line_type",
    "price_class",
    "answered",
    "duration",
    "billed_seconds",
    "rate",
    "cost",
    "included",
    "blocked",
    "trial",
    "late",
]
_STARTED = CALL_FIELDS.index("started_at")
_LATE = CALL_FIELDS.index("late")
_PRICES = {CALL_FIELDS.index("rate"), CALL_FIELDS.index("cost")}


def bills_calls(invoice) -> bool:
    """Only a regular invoice of a month bills calls (a penalties-only "O" invoice bills none)."""
    return (
        invoice.kind == DocumentKind.INVOICE
        and invoice.purpose == InvoicePurpose.REGULAR
        and invoice.month is not None
    )


def annex_freeze(invoice) -> InvoiceAnnex | None:
    """Store the annex of ``invoice``, just issued (idempotent)."""
    if not bills_calls(invoice) or InvoiceAnnex.objects.filter(invoice=invoice).exists():
        return None
    oldest = month_bounds(add_months(invoice.month, -LOOKBACK_MONTHS))[0]
    if not CallRecord.objects.filter(client_id=invoice.client_id, started_at__gte=oldest).exists():
        return None  # (most invoices: one index probe)
    until = priced_until(invoice)  # the postings its consumption lines come from
    calls = annex_calls(invoice=invoice, until=until)
    rows = list(calls.order_by("started_at", "id").values_list(*CALL_FIELDS))
    # an invoice that billed none of the customer's calls keeps that empty annex too: read
    # again from the calls, it would list the calls a late record re-rated since (a SIP-UNL
    # number pushed to the 100th place), which the next run bills, not this invoice
    return InvoiceAnnex.objects.create(
        invoice=invoice,
        calls=len(rows),
        oldest=min((row[_STARTED] for row in rows), default=month_bounds(invoice.month)[0]),
        rows=gzip.compress(json.dumps(rows, cls=DjangoJSONEncoder).encode()),
        calls_until=until,
    )


def annex_rows(invoice):
    """The annex's rows (``CALL_FIELDS``): as issued, or read from the calls."""
    annex = InvoiceAnnex.objects.filter(invoice=invoice).first()
    if annex is None:
        return (
            annex_calls(invoice=invoice)
            .order_by("started_at", "id")
            .values_list(*CALL_FIELDS)
            .iterator(chunk_size=5000)
        )
    return [_typed(row) for row in json.loads(gzip.decompress(bytes(annex.rows)))]


def billed_under(invoice, row) -> str:
    """BIL-3: the heading of the invoice's lines that billed a call of its annex, as those
    lines name it: "Calls of 11/2026" for the invoice's month, "Calls of 10/2026, recorded
    after invoicing" for a late record (or a month before the invoice's)."""
    started = row[_STARTED].astimezone(PARIS)
    text = _("Calls of %(month)s") % {"month": started.strftime("%m/%Y")}
    if started.date().replace(day=1) == invoice.month and not row[_LATE]:
        return text
    return after_invoicing(text)


def annex_sections(invoice) -> list[tuple[list, str]]:
    """The annex's rows (``annex_rows``) with their heading (``billed_under``), grouped: the
    invoice's month first, then the late records month by month, each in call order."""
    rows = [(row, billed_under(invoice, row)) for row in annex_rows(invoice)]
    month = invoice.month

    def group(item):
        row, _heading = item
        own = row[_STARTED].astimezone(PARIS).date().replace(day=1) == month and not row[_LATE]
        return (not own, row[_STARTED].astimezone(PARIS).strftime("%Y-%m"))

    return sorted(rows, key=group)


def _typed(row: list) -> list:
    row[_STARTED] = datetime.fromisoformat(row[_STARTED])
    for i in _PRICES:
        if row[i] is not None:
            row[i] = Decimal(row[i])
    return row


def on_document_issued(sender, invoice=None, **kwargs) -> None:
    if invoice is not None:
        annex_freeze(invoice)
