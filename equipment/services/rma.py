"""EQP-4: RMA — a defect reported on an item during its rental or warranty, support's decision,
the replacement shipped and the defective item expected back.

Targets (HOSTED-A 4, "remplacer tout Equipement défaillant … en 48h (si la période de garantie
est toujours en cours) dans les quatre-vingt-seize (96) heures à compter de la constatation"):
the replacement is due 48 hours after support confirms the defect (the approval) when the item
is under warranty, 96 hours after it otherwise (a rented item past its 12 months of warranty).
They are counted in the support hours of the offer serving the item's site when it has some
(``support.services.deadlines.contract_calendar``: the rental's own terms, then the site's live
service contracts, first with business hours), in elapsed hours otherwise. Until support
decides, the customer sees both possible targets' basis (the hours and the clock).
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from equipment import events
from equipment.choices import (
    AVAILABLE,
    RMA_TRANSITIONS,
    WITH_CUSTOMER,
    ItemState,
    ReturnOutcome,
    ReturnReason,
    RmaRefusal,
    RmaStatus,
    Tenure,
)
from equipment.models import Item, ReturnItem, Rma, RmaPhoto
from equipment.services.items import item_move, lock_items, occurred_day
from equipment.services.return_open import return_open_for_rma
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.files import file_stored, files_undone_on_error, original_name
from offers.choices import LIVE_STATUSES, ContractStatus
from offers.models import Contract
from support.business_hours import BusinessCalendar, deadline
from support.services.attachments import attachment_check
from support.services.deadlines import contract_calendar
from support.services.permissions import require_customer_side, require_staff

WARRANTY_TARGET_HOURS = 48
TARGET_HOURS = 96
MAX_PHOTOS = 5
PHOTO_TYPES = {"image/png", "image/jpeg"}


def is_rented(item: Item) -> bool:
    order = item.order
    return (
        order is not None
        and order.tenure == Tenure.RENTAL
        and order.contract_id is not None
        and order.contract.status in LIVE_STATUSES
    )


def rental_ended(item: Item) -> bool:
    """EQP-5: the item's rental contract is terminated — the item is to be returned, never
    replaced."""
    order = item.order
    return (
        order is not None
        and order.tenure == Tenure.RENTAL
        and order.contract_id is not None
        and order.contract.status == ContractStatus.TERMINATED
    )


def is_under_warranty(item: Item, day=None) -> bool:
    """EQP-2: from delivery, 12 months (an item not yet delivered is covered)."""
    end = item.warranty_end
    return end is None or (day or paris_today()) <= end


def rma_calendar(item: Item) -> BusinessCalendar | None:
    """The support hours of the item's rental contract, else of the site's live contracts (the
    first with business hours, oldest first); None: elapsed hours."""
    contracts = []
    if item.order_id and item.order.contract_id:
        contracts.append(item.order.contract)
    if item.site_id:
        contracts += list(
            Contract.objects.filter(site=item.site, status__in=LIVE_STATUSES)
            .select_related("site")
            .order_by("pk")
        )
    for contract in contracts:
        calendar = contract_calendar(contract)
        if calendar is not None:
            return calendar
    return None


def rma_target(item: Item, *, under_warranty: bool) -> tuple[int, BusinessCalendar | None]:
    return (WARRANTY_TARGET_HOURS if under_warranty else TARGET_HOURS), rma_calendar(item)


def settled_unreceived(item: Item, client) -> ReturnItem | None:
    """EQP-4 / EQP-6: the line of ``client``'s return that settled ``item`` as not returned —
    billed, or repossessed and not yet back (None: none)."""
    return (
        ReturnItem.objects.filter(
            item=item,
            equipment_return__client=client,
            outcome__in=[ReturnOutcome.BILLED, ReturnOutcome.REPOSSESSION],
            received_on__isnull=True,
        )
        .select_related("equipment_return")
        .order_by("-pk")
        .first()
    )


def rma_blocker(item: Item, client) -> str:
    """EQP-4: why ``client`` cannot report a defect of ``item`` (empty: it can) — the one
    check of the request (``rma_request``) and of the pages that offer it."""
    if item.client_id != client.pk or item.state not in WITH_CUSTOMER:
        return _("This item is not at your premises.")
    settled = settled_unreceived(item, client)
    if (
        settled is not None
        and settled.outcome == ReturnOutcome.BILLED
        and settled.equipment_return.reason != ReturnReason.RMA
    ):
        # EQP-6 (HOSTED-A 3 a): billed, it is no longer to be returned
        return _(
            "This item was not returned at the end of its rental and was billed to you "
            "(return %(ref)s): it is no longer rented, no RMA."
        ) % {"ref": settled.equipment_return.reference}
    if rental_ended(item):
        return _(
            "The rental of this item has ended (contract %(contract)s): it is to be returned, "
            "not replaced."
        ) % {"contract": item.order.contract.reference}
    if settled is not None:  # an RMA's defective item (a rental-end return: ended above)
        # EQP-6: replaced once, then billed (the customer's now, as it is) or to be taken back:
        # a new RMA would ship a second replacement for the same defect
        if settled.outcome == ReturnOutcome.BILLED:
            return _(
                "This item was not returned after its replacement and was billed to you "
                "(return %(ref)s): it is no longer replaced."
            ) % {"ref": settled.equipment_return.reference}
        return _(
            "This item was not returned after its replacement and is to be taken back "
            "(return %(ref)s): it is no longer replaced."
        ) % {"ref": settled.equipment_return.reference}
    if not is_rented(item) and not is_under_warranty(item):
        return _(
            "This item is neither rented nor under warranty (it ended on %(date)s): no RMA."
        ) % {"date": item.warranty_end.strftime("%d/%m/%Y")}
    # only this customer's RMAs: a refurbished item may carry an earlier customer's
    statuses = set(item.rmas.filter(client=client).values_list("status", flat=True))
    if statuses & {RmaStatus.REQUESTED, RmaStatus.APPROVED}:
        return _("An RMA of this item is already open.")
    if RmaStatus.SHIPPED in statuses:
        # its replacement is at the customer's and it is expected back (EQP-5): a second RMA
        # would ship a second replacement for one defect
        return _(
            "This item has already been replaced and is expected back: report a defect of its "
            "replacement instead."
        )
    return ""


def _photo_errors(photos) -> list[str]:
    errors = []
    if len(photos) > MAX_PHOTOS:
        errors.append(_("At most %(count)d photos.") % {"count": MAX_PHOTOS})
    for upload in photos:
        try:
            content_type = attachment_check(upload)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if content_type not in PHOTO_TYPES:
            errors.append(
                _("%(name)s: only PNG and JPEG photos are accepted.") % {"name": upload.name}
            )
    return errors


def _lock(rma: Rma) -> Rma:
    return (
        Rma.objects.select_for_update(of=("self",))
        .select_related("item__order__contract")
        .get(pk=rma.pk)
    )


def _move(rma: Rma, to_status: str, *, actor=None, fields=(), note="") -> Rma:
    from_status = rma.status
    if to_status not in RMA_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("This RMA cannot go from “%(from)s” to “%(to)s”.")
            % {"from": RmaStatus(from_status).label, "to": RmaStatus(to_status).label}
        )
    rma.status = to_status
    rma.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        action=f"rma.{to_status}",
        instance=rma,
        actor=actor,
        before={"status": from_status},
        after={"status": to_status, "note": note},
    )
    events.announce_rma(rma)
    return rma


@transaction.atomic
@files_undone_on_error()
def rma_request(
    *, client, item: Item, description: str, photos=(), actor=None, api_key=None
) -> Rma:
    """EQP-4: the customer (technical or admin role, ACC-2) reports a defect."""
    require_customer_side(client, actor=actor, api_key=api_key, permission="technical")
    # Locked: the same defect reported twice at once is checked in turn (one open RMA).
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("model", "order__contract")
        .get(pk=item.pk)
    )
    photos = list(photos)
    errors = {}
    blocker = rma_blocker(item, client)
    if blocker:
        errors["item"] = blocker
    if not (description or "").strip():
        errors["description"] = _("Describe the defect.")
    photo_errors = _photo_errors(photos)
    if photo_errors:
        errors["photos"] = photo_errors
    if errors:
        raise ValidationError(errors)
    rma = Rma.objects.create(
        client=client,
        item=item,
        description=description.strip()[:4000],
        reported_at=timezone.now(),
        reported_by=actor if actor is not None and actor.is_authenticated else None,
        reported_by_api_key=api_key,
        under_warranty=is_under_warranty(item),
    )
    for upload in photos:
        content_type = attachment_check(upload)
        original = original_name(upload, "photo")
        photo = RmaPhoto(
            rma=rma, original_name=original, content_type=content_type, size=upload.size
        )
        photo.file.save(original, upload, save=False)
        file_stored(photo.file)
        photo.save()
    audit_record(
        action="rma.request",
        instance=rma,
        actor=actor,
        api_key=api_key,
        after={"item": item.serial_number, "photos": len(photos)},
    )
    events.announce_rma(rma)
    return rma


def _next_number(year: int) -> str:
    prefix = f"RMA-{year}-"
    last = Rma.objects.filter(number__startswith=prefix).aggregate(last=Max("number"))["last"]
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


@transaction.atomic
def rma_approve(*, rma: Rma, actor, approved_at: datetime | None = None) -> Rma:
    """EQP-4: support confirms the defect — the RMA number, and the replacement's target."""
    require_staff(actor)
    rma = _lock(rma)
    if rma.status != RmaStatus.REQUESTED:
        raise InvalidTransition(_("This RMA was already decided."))
    now = approved_at or timezone.now()
    hours, calendar = rma_target(rma.item, under_warranty=rma.under_warranty)
    rma.number = _next_number(timezone.localtime(now).year)
    rma.decided_at, rma.decided_by = now, actor
    rma.target_hours, rma.in_business_hours = hours, calendar is not None
    rma.ship_by = deadline(now, hours, calendar)
    return _move(
        rma,
        RmaStatus.APPROVED,
        actor=actor,
        fields=["number", "decided_at", "decided_by", "target_hours", "in_business_hours",
                "ship_by"],
    )  # fmt: skip


@transaction.atomic
def rma_refuse(*, rma: Rma, reason: str, note: str = "", actor) -> Rma:
    """EQP-4: refused for a reason of the closed list (HOSTED-W 5.5.3)."""
    require_staff(actor)
    if reason not in RmaRefusal.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    rma = _lock(rma)
    if rma.status != RmaStatus.REQUESTED:
        raise InvalidTransition(_("This RMA was already decided."))
    rma.decided_at, rma.decided_by = timezone.now(), actor
    rma.refusal_reason, rma.refusal_note = reason, note[:300]
    return _move(
        rma,
        RmaStatus.REFUSED,
        actor=actor,
        fields=["decided_at", "decided_by", "refusal_reason", "refusal_note"],
        note=reason,
    )


@transaction.atomic
def rma_ship_replacement(
    *,
    rma: Rma,
    actor,
    replacement: Item | None = None,
    tracking_number: str = "",
    shipped_on: date | None = None,
) -> Rma:
    """EQP-4 / EQP-5: a replacement of the same model leaves the stock for the item's site
    (same order: same rental, same warranty) on ``shipped_on`` (today by default, never in the
    future, never before the approval), and a return of the defective item is opened, due the
    first business day after that day."""
    require_staff(actor)
    shipped_on = occurred_day(shipped_on)
    rma = _lock(rma)
    if rma.status != RmaStatus.APPROVED:
        raise InvalidTransition(_("Only an approved RMA ships a replacement."))
    approved_on = timezone.localdate(rma.decided_at) if rma.decided_at else None
    if approved_on is not None and shipped_on < approved_on:
        raise ValidationError(
            {"occurred_on": _("The RMA was approved on %(date)s: the replacement cannot have "
                              "shipped before.") % {"date": approved_on.strftime("%d/%m/%Y")}}
        )  # fmt: skip
    defective = rma.item
    # EQP-5: an ended rental's item is to be returned, and an item gone from the customer's
    # (returned, or since at another customer's) has nothing to replace there
    if rental_ended(defective):
        raise ValidationError(
            _(
                "The rental of this item has ended (contract %(contract)s): no replacement is "
                "shipped."
            )
            % {"contract": defective.order.contract.reference}
        )
    if defective.client_id != rma.client_id or defective.state not in WITH_CUSTOMER:
        raise ValidationError(
            _("This item is no longer at the customer's: no replacement is shipped.")
        )
    if replacement is None:
        replacement = (
            Item.objects.filter(model=defective.model, state__in=AVAILABLE)
            .order_by("created_at", "pk")
            .first()
        )
        if replacement is None:
            raise ValidationError(
                _("No %(model)s in stock.") % {"model": defective.model.display_name}
            )
    (replacement,) = lock_items([replacement])
    if replacement.model_id != defective.model_id or replacement.state not in AVAILABLE:
        raise ValidationError({"replacement": _("Choose an item of the same model in stock.")})
    replacement.delivered_on = defective.delivered_on  # the warranty goes on
    item_move(
        replacement,
        ItemState.SHIPPED,
        actor=actor,
        note=f"replacement {rma.number}",
        client=defective.client,
        site=defective.site,
        order=defective.order,
        extra_fields=["delivered_on"],
        occurred_on=shipped_on,
    )
    rma.replacement, rma.shipped_at, rma.shipped_on = replacement, timezone.now(), shipped_on
    rma.tracking_number = tracking_number[:60]
    rma = _move(
        rma,
        RmaStatus.SHIPPED,
        actor=actor,
        fields=["replacement", "shipped_at", "shipped_on", "tracking_number"],
    )
    events.announce_shipped(rma.client, [replacement], rma=rma.number)
    return_open_for_rma(rma=rma, actor=actor)
    return rma


def rma_close(*, rma: Rma, actor=None) -> Rma:
    """The defective item is back (or billed): the RMA is closed. Inside the caller's
    transaction."""
    rma = _lock(rma)
    if rma.status != RmaStatus.SHIPPED:
        return rma
    rma.closed_at = timezone.now()
    return _move(rma, RmaStatus.CLOSED, actor=actor, fields=["closed_at"])


def rmas_close_unshipped(*, client, items, reason: str, actor=None) -> list[Rma]:
    """EQP-4 / EQP-5: the RMAs of ``client`` on ``items`` still awaiting a replacement (requested
    or approved) are closed without one, with ``reason`` (``RmaClosure``): the rental ended, or
    the item came back through a return. The customer is told when support had approved one (a
    replacement was promised). Inside the caller's transaction."""
    closed = []
    stale = (
        Rma.objects.select_for_update(of=("self",))
        .select_related("client", "item")
        .filter(
            client=client,
            item__in=[item.pk for item in items],
            status__in=[RmaStatus.REQUESTED, RmaStatus.APPROVED],
        )
        .order_by("pk")
    )
    for rma in stale:
        promised = rma.status == RmaStatus.APPROVED
        rma.closed_at, rma.closure_reason = timezone.now(), reason
        _move(
            rma, RmaStatus.CLOSED, actor=actor, fields=["closed_at", "closure_reason"], note=reason
        )
        if promised:
            notify_client(
                rma.client,
                "equipment/email/rma_closed",
                {"rma": rma},
                roles=(Role.ADMIN, Role.TECHNICAL),
            )
        closed.append(rma)
    return closed
