"""TRK-3 / TRK-4: what asking for a new total of channels means, before anything is written:
an increase (the quote of an order, paid now) or a decrease (from the next renewal date)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from telephony import selectors
from telephony.models import Trunk
from telephony.packs import NoPackCombination, best_packs
from telephony.services.capacity import (
    next_renewal_date,
    require_decreasable,
    require_increasable,
)
from telephony.services.channel_quotes import ChannelQuote, channel_quote
from telephony.services.pack_lines import held_lines, monthly


@dataclass
class DecreasePreview:
    """TRK-4: a decrease to ``new_total`` channels, effective on the next renewal date; nothing
    is charged, the capacity is unchanged until then. From that day the packs are the best
    tariff (TRK-2) for the channels left (TRK-5 re-optimisation)."""

    trunk: Trunk
    current_channels: int
    current_packs: list
    current_monthly_price: Decimal
    new_total: int
    channels_removed: int
    effective_on: date | None
    next_packs: list = field(default_factory=list)
    next_channels: int = 0
    next_monthly_price: Decimal = Decimal("0")

    @property
    def monthly_saving(self) -> Decimal:
        return self.current_monthly_price - self.next_monthly_price


@dataclass
class ChangePreview:
    kind: str  # "increase" or "decrease"
    total: int
    quote: ChannelQuote | None = None
    decrease: DecreasePreview | None = None


def increasable(contract, today: date) -> bool:
    """TRK-3: whether ``contract`` may get more channels on ``today`` (``require_increasable``)."""
    try:
        require_increasable(contract, today)
    except ValidationError:
        return False
    return True


def change_preview(trunk: Trunk, total: int, today: date) -> ChangePreview:
    """TRK-3 / TRK-4: what asking for ``total`` channels means on ``today``. Writes nothing.
    Raises ValidationError (on ``total`` where it is about the number)."""
    table = selectors.pack_table_for(trunk)
    if total < 1:
        raise ValidationError({"total": _("A trunk keeps at least one channel.")})
    if total > table.max_channels:
        raise ValidationError(
            {"total": _("A trunk holds at most %(max)s channels.") % {"max": table.max_channels}},
            code="capacity_exceeded",
        )
    held = selectors.packs_held(trunk, today)
    current = sum(pack.channels * count for pack, count in held.items())
    if total > current:
        # TRK-3: more channels on an active contract, or a terminating one until it ends
        if not increasable(trunk.contract, today):
            raise ValidationError(
                _("Channels can only change on an active trunk contract."),
                code="contract_not_active",
            )
        quote = channel_quote(trunk=trunk, total=total, today=today)
        quote.period_last_day = quote.period_end - timedelta(days=1)
        return ChangePreview(kind="increase", total=total, quote=quote)
    # TRK-4: a suspended contract, or one terminating after its next renewal, may still ask
    # for fewer channels (it is still billed)
    require_decreasable(trunk.contract)
    if total == current:
        raise ValidationError(
            {
                "total": ngettext(
                    "The trunk already has %(n)s channel.",
                    "The trunk already has %(n)s channels.",
                    current,
                )
                % {"n": current}
            },
            code="unchanged",
        )
    pending = selectors.pending_decrease(trunk, capacity=current)
    if pending is not None:
        raise ValidationError(
            {
                "total": ngettext(
                    "A decrease to %(n)s channel is already pending from %(date)s: cancel it "
                    "first to ask for another.",
                    "A decrease to %(n)s channels is already pending from %(date)s: cancel it "
                    "first to ask for another.",
                    pending.channels_then,
                )
                % {"n": pending.channels_then, "date": date_format(pending.effective_on)}
            },
            code="decrease_pending",
        )
    try:
        selection = best_packs(total, table.options(), cap=table.max_channels)
    except NoPackCombination as error:  # pragma: no cover - bounds checked above
        raise ValidationError({"total": str(error)}) from error
    by_size = {p.channels: p for p in table.packs.all() if p.is_active}
    next_lines = held_lines({by_size[size]: count for size, count in selection.items()})
    current_lines = held_lines(held)
    return ChangePreview(
        kind="decrease",
        total=total,
        decrease=DecreasePreview(
            trunk=trunk,
            current_channels=current,
            current_packs=current_lines,
            current_monthly_price=monthly(current_lines),
            new_total=total,
            channels_removed=current - total,
            effective_on=next_renewal_date(trunk.contract, today),
            next_packs=next_lines,
            next_channels=selection.channels,
            next_monthly_price=monthly(next_lines),
        ),
    )
