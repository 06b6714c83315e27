"""``{{ disputes|open_dispute }}``: the dispute of an invoice still under review, or None — the
invoice page then links to it instead of offering to dispute the invoice again (BIL-8: one
open dispute per invoice)."""

from django import template

from payments.choices import DisputeStatus

register = template.Library()


@register.filter
def open_dispute(disputes):
    return next((d for d in disputes if d.status == DisputeStatus.OPEN), None)
