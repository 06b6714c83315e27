"""A contract line's monthly price on a given day (CON-6), as a pure function.

A line's price is its own: the price it has now, the price it had before a change applied to it
(for a day before that change), or the new price of a notified change that will apply to it on
its date (for a day from that date, before the nightly job has applied it). Read by the run
(``billing.plan``, each month billed) and by the termination fee (CON-5: the monthly fees on
the last day of service); the steps come from ``offers.services.price_steps_by_line``.
"""

from datetime import date
from decimal import Decimal

# (effective date, price before, price after, applied), sorted by date
PriceStep = tuple[date, Decimal, Decimal, bool]


def price_on(steps, current_price: Decimal, day: date) -> Decimal:
    """The monthly price of a line on ``day``, given its ``steps`` and its ``current_price``."""
    earlier = [s for s in steps if s[3] and s[0] > day]
    if earlier:
        return Decimal(min(earlier)[1])
    coming = [s for s in steps if not s[3] and s[0] <= day]
    if coming:
        return Decimal(max(coming)[2])
    return Decimal(current_price)
