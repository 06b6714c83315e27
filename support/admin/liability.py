"""The liability cap (SLA-12) as the back office shows it, on a ticket and on a report."""

from django.utils.formats import date_format
from django.utils.translation import gettext

from support import selectors


def liability_cap_text(contract, day) -> str:
    """SLA-12, for display."""
    if contract is None:
        return "—"
    cap = selectors.liability_cap(contract=contract, day=day)
    return gettext("%(cap)s € HT (subscriptions invoiced for the 3 months before %(day)s)") % {
        "cap": cap,
        "day": date_format(day),
    }
