"""Billing's event types (SPEC §9, webhooks) and the data they carry: enough to recognise the
document; the partner reads the rest through the API."""

from django.utils.translation import gettext_lazy as _

from kernel.events import emit_many, register

DOCUMENT_DATA = ("id", "number", "customer", "issue_date", "total_incl_tax")
INVOICE_ISSUED = register("invoice.issued", _("An invoice was issued."), data=DOCUMENT_DATA)
CREDIT_NOTE_ISSUED = register(
    "credit_note.issued", _("A credit note was issued."), data=DOCUMENT_DATA
)


def announce_issued(documents, partner_of_client: dict[int, int | None] | None = None) -> None:
    """One event per issued invoice or credit note, for the partner of its buyer (the partner
    itself when it is billed). ``partner_of_client`` saves a query per document."""
    events = []
    for document in documents:
        if document.partner_id:
            partner_id = document.partner_id
        elif partner_of_client is not None and document.client_id in partner_of_client:
            partner_id = partner_of_client[document.client_id]
        else:
            partner_id = document.client.partner_id
        event_type = CREDIT_NOTE_ISSUED if document.kind == "credit_note" else INVOICE_ISSUED
        data = {
            "id": document.pk,
            "number": document.number,
            "customer": document.client_id,
            "issue_date": document.issue_date,
            "total_incl_tax": document.total_gross,
        }
        events.append((event_type, partner_id, data))
    emit_many(events)
