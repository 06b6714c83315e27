"""EQP-1: physical items — received into stock, and every move of the pipeline
(``ITEM_TRANSITIONS``) dated and audited with who made it and where the item went."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from equipment.choices import AVAILABLE, ITEM_TRANSITIONS, ItemState
from equipment.macs import normalise_mac
from equipment.models import EquipmentModel, Item, ItemEvent
from kernel.clock import paris_today
from kernel.errors import InvalidTransition

_KEEP = object()


def occurred_day(occurred_on: date | None) -> date:
    """EQP-1: the day a move happened — staff record it later with its real day, today by
    default, never in the future (a form error on ``occurred_on``)."""
    today = paris_today()
    if occurred_on is None:
        return today
    if occurred_on > today:
        raise ValidationError(
            {"occurred_on": _("This date is in the future (today is %(date)s).")
             % {"date": today.strftime("%d/%m/%Y")}}
        )  # fmt: skip
    return occurred_on


def lock_items(items) -> list[Item]:
    """The items re-read with their rows locked, in pk order (no deadlock between two moves)."""
    ids = sorted({item.pk for item in items})
    return list(Item.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def item_move(
    item: Item,
    to_state: str,
    *,
    actor=None,
    api_key=None,
    note: str = "",
    client=_KEEP,
    site=_KEEP,
    order=_KEEP,
    extra_fields=(),
    occurred_on: date | None = None,
) -> Item:
    """Move a locked item along the pipeline, with its event and audit rows; the event is
    dated ``occurred_on`` (the day it happened, today by default, never in the future)."""
    from_state = item.state
    occurred_on = occurred_day(occurred_on)
    if to_state not in ITEM_TRANSITIONS[from_state]:
        raise InvalidTransition(
            _("Item %(serial)s cannot go from “%(from)s” to “%(to)s”.")
            % {
                "serial": item.serial_number,
                "from": ItemState(from_state).label,
                "to": ItemState(to_state).label,
            }
        )
    now = timezone.now()
    fields = ["state", "state_changed_at", "updated_at", *extra_fields]
    if client is not _KEEP:
        item.client = client
        fields.append("client")
    if site is not _KEEP:
        item.site = site
        fields.append("site")
    if order is not _KEEP:
        item.order = order
        fields.append("order")
    item.state, item.state_changed_at = to_state, now
    item.save(update_fields=fields)
    ItemEvent.objects.create(
        item=item,
        from_state=from_state,
        to_state=to_state,
        client=item.client,
        site=item.site,
        note=note[:200],
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
        at=now,
        occurred_on=occurred_on,
    )
    audit_record(
        action=f"equipment_item.{to_state}",
        instance=item,
        actor=actor,
        api_key=api_key,
        client=item.client,
        before={"state": from_state},
        after={
            "state": to_state,
            "site": item.site_id,
            "note": note,
            "occurred_on": occurred_on,
        },
    )
    return item


@transaction.atomic
def item_receive(
    *, model: EquipmentModel, serial_number: str, mac_address: str = "", actor=None
) -> Item:
    """EQP-1: a new item enters the stock (serial number unique, MAC normalised and unique)."""
    serial = (serial_number or "").strip().upper()
    if not serial:
        raise ValidationError({"serial_number": _("Give the serial number.")})
    mac = normalise_mac(mac_address) if mac_address else None
    if Item.objects.filter(serial_number=serial).exists():
        raise ValidationError({"serial_number": _("This serial number is already known.")})
    if mac and Item.objects.filter(mac_address=mac).exists():
        raise ValidationError({"mac_address": _("This MAC address is already known.")})
    try:
        with transaction.atomic():
            item = Item.objects.create(model=model, serial_number=serial, mac_address=mac)
    except IntegrityError as error:
        raise ValidationError(_("This serial number or MAC address is already known.")) from error
    now = timezone.now()
    item.state_changed_at = now
    item.save(update_fields=["state_changed_at"])
    ItemEvent.objects.create(
        item=item,
        to_state=ItemState.IN_STOCK,
        note="received",
        actor=actor,
        at=now,
        occurred_on=paris_today(),
    )
    audit_record(
        action="equipment_item.receive",
        instance=item,
        actor=actor,
        after={"serial_number": serial, "mac_address": mac, "model": model.code},
    )
    return item


def pick_stock(model: EquipmentModel, quantity: int, serials: list[str] | None = None):
    """``quantity`` items of ``model`` in stock, locked: the serials named, else the oldest."""
    qs = Item.objects.select_for_update().filter(model=model, state__in=AVAILABLE)
    if serials:
        wanted = [s.strip().upper() for s in serials if s.strip()]
        items = list(qs.filter(serial_number__in=wanted).order_by("pk"))
        missing = sorted(set(wanted) - {i.serial_number for i in items})
        if missing:
            raise ValidationError(
                {"serial_numbers": _("Not in stock for this model: %(serials)s.")
                 % {"serials": ", ".join(missing)}}
            )  # fmt: skip
        if len(items) != quantity:
            raise ValidationError(
                {"serial_numbers": _("Name as many serial numbers as items ordered.")}
            )
        return items
    items = list(qs.order_by("created_at", "pk")[:quantity])
    if len(items) < quantity:
        raise ValidationError(
            {"quantity": _("Only %(count)d %(model)s in stock.")
             % {"count": len(items), "model": model.display_name}}
        )  # fmt: skip
    return items


@transaction.atomic
def item_deliver(*, item: Item, delivered_on: date | None = None, actor=None) -> Item:
    """EQP-2: the item reached the customer's site on ``delivered_on`` (today by default, never
    in the future, never before its order's day): its move is dated that day and the warranty
    runs from it (a replacement keeps the warranty of the item it replaces)."""
    try:
        delivered_on = occurred_day(delivered_on)
    except ValidationError as error:
        raise ValidationError({"delivered_on": error.message_dict["occurred_on"]}) from error
    (item,) = lock_items([item])
    fields = []
    if item.delivered_on is None:
        order = item.order
        if order is not None and delivered_on < order.ordered_on:
            # never before its order: the warranty would start, and end, before it could
            raise ValidationError(
                {"delivered_on": _("Order %(ref)s is of %(date)s: the item cannot have been "
                                   "delivered before.")
                 % {"ref": order.reference, "date": order.ordered_on.strftime("%d/%m/%Y")}}
            )  # fmt: skip
        item.delivered_on = delivered_on
        fields.append("delivered_on")
    return item_move(
        item, ItemState.AT_CUSTOMER, actor=actor, note="delivered", extra_fields=fields,
        occurred_on=delivered_on,
    )  # fmt: skip


@transaction.atomic
def item_refurbish(*, item: Item, actor=None, occurred_on: date | None = None) -> Item:
    """A returned item, checked and reset, is stock again (free for another customer)."""
    (item,) = lock_items([item])
    item.delivered_on = None
    return item_move(
        item, ItemState.REFURBISHED, actor=actor, note="refurbished", client=None, site=None,
        order=None, extra_fields=["delivered_on"], occurred_on=occurred_on,
    )  # fmt: skip


@transaction.atomic
def item_scrap(*, item: Item, actor=None, note: str = "", occurred_on: date | None = None) -> Item:
    (item,) = lock_items([item])
    return item_move(
        item, ItemState.SCRAPPED, actor=actor, note=note or "scrapped", occurred_on=occurred_on
    )
