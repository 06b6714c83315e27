"""TRK-1 + CON-6: a channel pack's price changes like any price — never edited in place.

A pack is sold as its ``product`` on the TRUNK contract lines, so a new pack price is a price
change of that product for the pack table's offer: scheduled with the notice of the offer's
terms, notified, and applied on its effective date (by ``offers``' pipeline) to the lines of
the trunks holding the pack at the old price. The pack table's price follows on that day (the
receiver of ``price_change_applied`` in ``telephony.receivers``), so packs bought or
re-optimised from then on are priced at the new price, and never before.
"""

from datetime import date

from django.db import transaction

from offers.models import PriceChange
from offers.services.price_changes import price_change_notify, price_change_schedule
from telephony.models import Pack


@transaction.atomic
def pack_price_change_schedule(
    *,
    pack: Pack,
    new_monthly_price,
    effective_date: date,
    reason: str = "",
    notify_now: bool = True,
    actor=None,
    today: date | None = None,
) -> PriceChange:
    """CON-6 for a channel pack (TRK-1): schedule the new price of ``pack`` (its old price is
    the pack table's) and, by default, tell the customers holding it at once. The same
    validation as any price change (first day of a month, the notice of the terms)."""
    pack = Pack.objects.select_related("table__offer", "product").get(pk=pack.pk)
    change = price_change_schedule(
        offer=pack.table.offer,
        product=pack.product,
        new_monthly_price=new_monthly_price,
        effective_date=effective_date,
        reason=reason,
        catalogue_price=pack.monthly_price,
        actor=actor,
        today=today,
    )
    if notify_now:
        change = price_change_notify(price_change=change, actor=actor, today=today)
    return change
