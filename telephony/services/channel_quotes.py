"""TRK-3: the quote of a channel increase: the packs added at the best tariff (TRK-2), their
pro-rata until the end of the billing period, and the trunk's packs from the next period
(TRK-5). Nothing is written: an order (``channel_orders``) keeps its quote and re-quotes it
when it is paid."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import amounts
from kernel.money import round_money
from offers import services as offers
from offers.periods import days_in_month, month_period
from payments import services as payments
from telephony import selectors
from telephony.models import Trunk
from telephony.packs import NoPackCombination, best_packs
from telephony.services.capacity import (
    CapacityExceeded,
    channels_at_renewal,
    require_increasable,
)
from telephony.services.pack_lines import PackLine, held_lines, monthly, selection_lines


@dataclass
class ChannelQuote:
    """TRK-3: what the customer sees before confirming an increase.

    ``packs_added`` cover the added channels at the best tariff (existing packs are kept until
    the period ends); the pro-rata is their monthly price × days from the activation day
    (inclusive) to the end of the billing period / days in the period. From the next period the
    trunk is re-optimised (TRK-5) as the renewal will do it: the best tariff for the channels
    held after the order (``new_channels``, which may exceed the channels asked for when a pack
    covers more) less a decrease pending by then (TRK-4); ``next_packs`` and
    ``next_monthly_price`` are that tariff.
    """

    trunk: Trunk
    max_channels: int
    current_channels: int
    current_packs: list[PackLine]
    current_monthly_price: Decimal
    channels_requested: int
    packs_added: list[PackLine]
    monthly_price_added: Decimal
    new_channels: int
    activation_day: date
    period_start: date
    period_end: date  # exclusive: the next renewal date
    prorata_days: int
    period_days: int
    prorata_price: Decimal  # € HT, 4 decimals (the invoice line rounds it once)
    prorata_net: Decimal  # € HT, rounded to the cent, as the invoice line will show it
    prorata_gross: Decimal  # € TTC at the customer's VAT regime (what a prepaid debit takes)
    next_packs: list[PackLine] = field(default_factory=list)
    next_channels: int = 0
    next_monthly_price: Decimal = Decimal("0")
    # CON-4: the first day without service of a terminating contract (None when none is
    # scheduled); when it is the period's end there is no next period: no next packs
    contract_ends_on: date | None = None

    @property
    def current_period_monthly_price(self) -> Decimal:
        """What the packs held cost a month for the rest of this period, after the order."""
        return self.current_monthly_price + self.monthly_price_added


def channel_quote(
    *, trunk: Trunk, add: int | None = None, total: int | None = None, today: date | None = None
) -> ChannelQuote:
    """TRK-3: the quote for ``add`` more channels (or for ``total`` channels in all), paid and
    activated ``today``. Nothing is written. Raises ValidationError naming ``add``/``total``
    (fewer than one channel added, or beyond the cap) and InvalidTransition when the contract is
    neither active nor terminating after today (``require_increasable``)."""
    today = today or offers.paris_today()
    contract = trunk.contract
    ends_on = require_increasable(contract, today)
    table = selectors.pack_table_for(trunk)
    held = selectors.packs_held(trunk, today)
    current = sum(pack.channels * count for pack, count in held.items())
    field_name = "add" if total is None else "total"
    if add is None and total is None:
        raise ValidationError({"add": _("Give the channels to add or the new total.")})
    if add is None:
        add = total - current
    if add < 1:
        raise ValidationError(
            {
                field_name: ngettext(
                    "The trunk already has %(n)s channel: ask for more.",
                    "The trunk already has %(n)s channels: ask for more.",
                    current,
                )
                % {"n": current}
            }
        )
    room = table.max_channels - current
    try:
        if add > room:
            raise NoPackCombination
        added = best_packs(add, table.options(), cap=room)
    except NoPackCombination as error:
        raise CapacityExceeded(
            {
                field_name: _("A trunk holds at most %(max)s channels; this one has %(n)s.")
                % {"max": table.max_channels, "n": current}
            },
            code="capacity_exceeded",
        ) from error
    period = month_period(today)  # billing periods are calendar months (SPEC, Time)
    pending = selectors.pending_decrease(trunk)
    due = [pending] if pending is not None and pending.effective_on <= period.end else []
    renewed = channels_at_renewal(current + added.channels, due)
    upcoming = best_packs(renewed, table.options(), cap=max(table.max_channels, renewed))
    next_lines = selection_lines(upcoming, table)
    if ends_on is not None and ends_on <= period.end:
        next_lines = []  # CON-4: the contract ends with this period: nothing from then
    packs_added = selection_lines(added, table)
    monthly_added = monthly(packs_added)
    days = (period.end - today).days
    period_days = days_in_month(today)
    prorata_price = amounts.prorata(monthly_added, days, period_days)
    prorata_net = round_money(prorata_price)
    current_lines = held_lines(held)
    return ChannelQuote(
        trunk=trunk,
        max_channels=table.max_channels,
        current_channels=current,
        current_packs=current_lines,
        current_monthly_price=monthly(current_lines),
        channels_requested=add,
        packs_added=packs_added,
        monthly_price_added=monthly_added,
        new_channels=current + added.channels,
        activation_day=today,
        period_start=max(period.start, contract.current_period_start or period.start),
        period_end=period.end,
        prorata_days=days,
        period_days=period_days,
        prorata_price=prorata_price,
        prorata_net=prorata_net,
        prorata_gross=payments.gross_amount(client=contract.client, net=prorata_net),
        next_packs=next_lines,
        next_channels=upcoming.channels if next_lines else 0,
        next_monthly_price=monthly(next_lines),
        contract_ends_on=ends_on,
    )
