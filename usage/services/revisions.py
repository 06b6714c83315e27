"""Charges revised after invoicing (BIL-1: what arrives later goes on the next run): a line
key is charged once, then ``key#2``, ``key#3``… for what was added to it after its charge was
invoiced — the consumption lines (``usage.services.billing``) and the traffic-quality
penalties (``usage.services.quality``)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.models import PendingCharge


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
