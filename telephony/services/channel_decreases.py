"""TRK-4: channel decreases: fewer channels from the next renewal date (the capacity is
unchanged until then), one pending per trunk, cancellable until they apply. They apply at the
period start (``renewal``)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from kernel.errors import InvalidTransition
from offers import services as offers
from telephony import selectors
from telephony.choices import DecreaseStatus
from telephony.models import ChannelDecrease, Trunk
from telephony.services.capacity import lock_trunk, require_decreasable


@transaction.atomic
def channel_decrease_request(
    *,
    trunk: Trunk,
    channels_to_remove: int | None = None,
    new_total: int | None = None,
    actor=None,
    api_key=None,
    today: date | None = None,
) -> ChannelDecrease:
    """TRK-4: fewer channels from the next renewal date (the capacity is unchanged until then),
    also while the contract is suspended or terminating after that date (it is still billed:
    ``require_decreasable``). Never below 1 channel; one pending decrease per trunk (cancel it
    to ask another). The number removed is kept: an increase paid meanwhile stays on top of
    it."""
    today = today or offers.paris_today()
    contract_id, period_end = Trunk.objects.values_list(
        "contract_id", "contract__current_period_end"
    ).get(pk=trunk.pk)
    if period_end is not None and period_end <= today:
        # Asked before today's renewal job ran: the period starting today comes first, so that
        # the decrease waits for the next renewal date (not today's, already due) — as paying
        # an order does. The contract is locked before the trunk (``capacity``'s lock order).
        offers.contract_renew(contract_id=contract_id, today=today)
    trunk = lock_trunk(trunk)
    contract = trunk.contract
    require_decreasable(contract)  # TRK-4: active, suspended, or terminating after the renewal
    current = selectors.trunk_capacity(trunk, today)
    field_name = "channels_to_remove" if new_total is None else "new_total"
    if channels_to_remove is None and new_total is None:
        raise ValidationError({"new_total": _("Give the new total or the channels to remove.")})
    if channels_to_remove is None:
        channels_to_remove = current - new_total
    if channels_to_remove < 1:
        raise ValidationError({field_name: _("A decrease removes at least one channel.")})
    if current - channels_to_remove < 1:
        raise ValidationError({field_name: _("A trunk keeps at least one channel.")})
    if trunk.decreases.filter(status=DecreaseStatus.PENDING).exists():
        raise InvalidTransition(
            _("A decrease is already pending: cancel it first."), code="decrease_pending"
        )
    decrease = ChannelDecrease.objects.create(
        trunk=trunk,
        channels_to_remove=channels_to_remove,
        channels_before=current,
        effective_on=contract.current_period_end,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
        requested_by_api_key=api_key,
    )
    audit_record(
        action="channel_decrease.request",
        instance=decrease,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={
            "channels_before": current,
            "channels_after": decrease.channels_after,
            "effective_on": decrease.effective_on,
        },
    )
    return decrease


@transaction.atomic
def channel_decrease_cancel(
    *, decrease: ChannelDecrease, actor=None, api_key=None, today: date | None = None
) -> ChannelDecrease:
    """TRK-4: a pending decrease can be cancelled until it applies."""
    today = today or offers.paris_today()
    trunk = lock_trunk(decrease.trunk)
    decrease = ChannelDecrease.objects.select_for_update().get(pk=decrease.pk)
    if decrease.status != DecreaseStatus.PENDING or today >= decrease.effective_on:
        raise InvalidTransition(
            _("This decrease is not pending any more."), code="invalid_transition"
        )
    decrease.status = DecreaseStatus.CANCELLED
    decrease.cancelled_at = timezone.now()
    decrease.cancelled_by = actor if actor is not None and actor.is_authenticated else None
    decrease.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    audit_record(
        action="channel_decrease.cancel",
        instance=decrease,
        actor=actor,
        api_key=api_key,
        client=trunk.contract.client,
        before={"status": DecreaseStatus.PENDING},
        after={"status": DecreaseStatus.CANCELLED},
    )
    return decrease
