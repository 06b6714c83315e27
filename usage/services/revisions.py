"""Charges revised after invoicing (BIL-1: what arrives later goes on the next run): a line
key is charged once, then ``key#2``, ``key#3``… for what was added to it after its charge was
invoiced, and credited (BIL-9) for what it no longer bills — the consumption lines
(``usage.services.billing``) and the traffic-quality penalties (``usage.services.quality``)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from billing import services as billing
from billing.models import Invoice, PendingCharge
from usage.partitioning import month_bounds


def charged(months: list[date], client_ids=None, *, source_type: str) -> dict[tuple, list]:
    """The charges of ``source_type`` already posted for those months, by (month, line key:
    the source id without its revision)."""
    qs = PendingCharge.objects.filter(source_type=source_type, period_start__in=months)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    found = defaultdict(list)
    for charge in qs.select_related("invoice_line__invoice"):
        base = charge.source_id.split("#", 1)[0]
        found[(charge.period_start, base)].append(charge)
    return found


def after_invoicing(description: str) -> str:
    """The description of a revision: what arrived after the first charge was invoiced."""
    return _("%(text)s, recorded after invoicing") % {"text": description}


def revision_id(base: str, revision: int) -> str:
    """A line key's source id: the key itself, then ``key#2``, ``key#3``… for its revisions."""
    return base if revision == 1 else f"{base}#{revision}"


def credited(months: list[date], client_ids=None) -> dict[tuple, Decimal]:
    """What was credited back on each (month, consumption line key): fair-use waivers
    (``BreachCredit``) and lines a late record lowered (``RerateCredit``) — what a line was
    invoiced less this is what it still bills."""
    from usage.models import BreachCredit, RerateCredit

    waivers = BreachCredit.objects.filter(breach__month__in=months).exclude(line_key="")
    reratings = RerateCredit.objects.filter(month__in=months)
    if client_ids is not None:
        waivers = waivers.filter(breach__client_id__in=client_ids)
        reratings = reratings.filter(client_id__in=client_ids)
    found: dict[tuple, Decimal] = defaultdict(Decimal)
    for qs, month in ((waivers, "breach__month"), (reratings, "month")):
        rows = qs.values_list(month, "line_key").annotate(total=Sum("amount")).order_by()
        for when, key, total in rows:
            found[(when, key)] += total
    return dict(found)


def kept_whole(month: date, today: date | None = None) -> bool:
    """PLATFORM 6.7: whether all of ``month``'s calls are still kept on ``today`` (Paris) — the
    daily purge deletes the calls of the days before ``partitions.retention_start``. A month
    partly or wholly purged is no longer compared with its invoices: its calls lawfully gone
    are not a re-rating to 0 € (no credit note for them)."""
    from usage.services.partitions import retention_start

    return month_bounds(month)[0] >= retention_start(today)


def issue_credit_notes(parts, *, description, reason, actor=None):
    """One credit note per invoice of ``parts`` ({invoice id: [(month, line key, amount, invoice
    line)]}: ``billing._overbilled``, ``quality._credit``), the latest first, a line per line it
    credits (BIL-9: each names its invoice line, and the line's own description when there are
    several); yields (credit note, line key, amount) for each."""
    for invoice in Invoice.objects.filter(pk__in=parts).order_by("-issue_date", "-pk"):
        several = len(parts[invoice.pk]) > 1
        note = billing.credit_note_issue(
            lines=[
                billing.CreditLine(
                    description=(
                        f"{description} — {line.description}"[:255] if several else description
                    ),
                    amount=part,
                    invoice_line=line,
                )
                for _month, _base, part, line in parts[invoice.pk]
            ],
            reason=reason,
            corrects=invoice,
            actor=actor,
        )
        for _month, base, part, _line in parts[invoice.pk]:
            yield note, base, part
