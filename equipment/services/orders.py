"""Ordering (EQP-2, EQP-3): staff record a sale or a rental from the order form in the back
office (a partner through the API); a customer administrator's request, confirmed by staff,
becomes such an order.

- A sale is one charge of kind ``equipment`` through ``billing.services`` (EQP-2): billing
  prints the title retention clause on every invoice with an equipment line.
- A rental is a contract of ``offers`` (EQP-3): the offer ``equipment-rental-<months>`` of
  the order form's commitment (anchor = order date, 12-month tacit renewals,
  ``remaining_months`` fee rule), its line at the order form's monthly price, ordered and in
  service from the order date; the month-end run bills it with the services.

The items are taken from stock (the serial numbers named, else the oldest) and shipped to the
site at once.
"""

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, Client, Site, User
from billing.services import charge_post, delivery_address_of
from equipment import events
from equipment.choices import ItemState, RequestStatus, Tenure
from equipment.models import EquipmentModel, EquipmentOrder, EquipmentRequest, Item
from equipment.services.catalogue import tariff_on
from equipment.services.items import item_move, pick_stock
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.money import round_price
from offers import services as offers
from offers.models import Offer

RENTAL_OFFER = "equipment-rental-{months}"
SALE_SOURCE = "equipment_sale"
MAX_QUANTITY = 50


def rental_offer(months: int) -> Offer | None:
    return Offer.objects.filter(code=RENTAL_OFFER.format(months=months), is_active=True).first()


def rental_commitments() -> list[int]:
    """The commitments an order form may give: those with a rental offer on sale."""
    codes = Offer.objects.filter(code__startswith="equipment-rental-", is_active=True)
    return sorted(int(c.rsplit("-", 1)[1]) for c in codes.values_list("code", flat=True))


@dataclass
class OrderForm:
    client: Client
    site: Site
    tenure: str
    model: EquipmentModel
    quantity: int = 1
    commitment_months: int | None = None
    unit_price: Decimal | None = None  # the order form's price; default: the model's
    replacement_price: Decimal | None = None  # EQP-6; default: the model's sale price
    ordered_on: date | None = None
    purchase_order_ref: str = ""
    serial_numbers: list[str] | None = None


def _check(form: OrderForm) -> dict:
    errors = {}
    if form.site.client_id != form.client.pk:
        errors["site"] = _("This site belongs to another customer.")
    if not form.model.is_sold:
        errors["model"] = _("This model is no longer sold.")
    if not 1 <= form.quantity <= MAX_QUANTITY:
        errors["quantity"] = _("Between 1 and %(max)d items.") % {"max": MAX_QUANTITY}
    if form.tenure == Tenure.RENTAL:
        if form.commitment_months is None or rental_offer(form.commitment_months) is None:
            errors["commitment_months"] = _("Choose a commitment among %(months)s months.") % {
                "months": ", ".join(str(m) for m in rental_commitments())
            }
    elif form.tenure != Tenure.SALE:
        errors["tenure"] = _("A sale or a rental.")
    for name in ("unit_price", "replacement_price"):
        value = getattr(form, name)
        if value is not None and Decimal(value) < 0:
            errors[name] = _("A price is never negative.")
    return errors


@transaction.atomic
def order_create(
    *, form: OrderForm, actor: User | None = None, api_key: ApiKey | None = None
) -> EquipmentOrder:
    """EQP-2 / EQP-3: the order form recorded; the items leave the stock for the site."""
    errors = _check(form)
    if errors:
        raise ValidationError(errors)
    if api_key is not None and form.client.partner_id != api_key.partner_id:
        raise PermissionDenied(_("This customer is not yours."))
    ordered_on = form.ordered_on or paris_today()
    is_rental = form.tenure == Tenure.RENTAL
    # EQP-1: the catalogue's prices are the tariff in force on the order date (a tariff
    # entered ahead of its date is in force from it), else the model's.
    catalogue = tariff_on(form.model, ordered_on) or form.model
    default_price = catalogue.rental_price if is_rental else catalogue.sale_price
    unit_price = round_price(
        Decimal(form.unit_price if form.unit_price is not None else default_price)
    )
    items = pick_stock(form.model, form.quantity, form.serial_numbers)
    order = EquipmentOrder.objects.create(
        reference=f"tmp-{secrets.token_hex(8)}",
        client=form.client,
        site=form.site,
        tenure=form.tenure,
        model=form.model,
        quantity=form.quantity,
        unit_price=unit_price,
        replacement_price=round_price(
            Decimal(
                form.replacement_price
                if form.replacement_price is not None
                else (catalogue.sale_price if is_rental else unit_price)
            )
        ),
        commitment_months=form.commitment_months if is_rental else None,
        ordered_on=ordered_on,
        purchase_order_ref=form.purchase_order_ref,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )
    order.reference = f"EQ-{ordered_on.year}-{order.pk:06d}"
    serials = ", ".join(item.serial_number for item in items)
    if is_rental:
        order.contract = _rental_contract(order, actor=actor, api_key=api_key)
    else:
        # BIL-3: the words of an invoice line are French, whatever the customer's language.
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Sale: %(model)s (serial numbers %(serials)s)") % {
                "model": form.model.name,
                "serials": serials,
            }
        order.charge = charge_post(
            client=form.client,
            kind="equipment",
            source_type=SALE_SOURCE,
            source_id=order.pk,
            period_start=ordered_on,
            description=description,
            unit_price=unit_price,
            quantity=form.quantity,
            # BIL-3: the invoice line names the customer's purchase order and the site.
            purchase_order_ref=form.purchase_order_ref,
            site_name=form.site.name,
            delivery_address=delivery_address_of(form.site),
            actor=actor,
        )
    order.save(update_fields=["reference", "contract", "charge"])
    for item in items:
        item_move(
            item,
            ItemState.SHIPPED,
            actor=actor,
            api_key=api_key,
            note=f"order {order.reference}",
            client=form.client,
            site=form.site,
            order=order,
        )
    audit_record(
        action="equipment_order.create",
        instance=order,
        actor=actor,
        api_key=api_key,
        after={
            "tenure": order.tenure,
            "model": form.model.code,
            "quantity": order.quantity,
            "unit_price": order.unit_price,
            "replacement_price": order.replacement_price,
            "commitment_months": order.commitment_months,
            "serial_numbers": serials,
        },
    )
    events.announce_order(order)
    events.announce_shipped(form.client, items, order=order.reference)
    return order


def _rental_contract(order: EquipmentOrder, *, actor, api_key):
    """EQP-3: the rental's contract, in service from the order date (its anchor)."""
    contract = offers.contract_create(
        client=order.client,
        offer=rental_offer(order.commitment_months),
        site=order.site,
        signature_date=order.ordered_on,
        order_date=order.ordered_on,
        quantity=order.quantity,
        purchase_order_ref=order.purchase_order_ref,
        actor=actor,
        api_key=api_key,
    )
    # The product is priced on quote: the order form gives the monthly price of the model.
    contract.lines.update(unit_monthly_price=order.unit_price)
    offers.contract_order(contract=contract, actor=actor, api_key=api_key)
    return offers.contract_activate(
        contract=contract, service_start_date=order.ordered_on, actor=actor, api_key=api_key
    )


# --- A customer's request, confirmed by staff ------------------------------------------------


@transaction.atomic
def request_create(
    *,
    client: Client,
    site: Site,
    model: EquipmentModel,
    tenure: str,
    quantity: int = 1,
    commitment_months: int | None = None,
    note: str = "",
    actor: User | None = None,
) -> EquipmentRequest:
    """ACC-2: orders that cost money are the administrator's (checked by the portal view)."""
    form = OrderForm(
        client=client, site=site, tenure=tenure, model=model, quantity=quantity,
        commitment_months=commitment_months,
    )  # fmt: skip
    errors = _check(form)
    if errors:
        raise ValidationError(errors)
    request = EquipmentRequest.objects.create(
        client=client, site=site, model=model, tenure=tenure, quantity=quantity,
        commitment_months=commitment_months if tenure == Tenure.RENTAL else None,
        note=note[:500], requested_by=actor,
    )  # fmt: skip
    audit_record(
        action="equipment_request.create",
        instance=request,
        actor=actor,
        after={"model": model.code, "tenure": tenure, "quantity": quantity},
    )
    return request


def _lock_pending(request: EquipmentRequest) -> EquipmentRequest:
    request = EquipmentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise InvalidTransition(_("This request was already answered."))
    return request


@transaction.atomic
def request_confirm(
    *, request: EquipmentRequest, actor: User, serial_numbers: list[str] | None = None
) -> EquipmentOrder:
    """Staff confirm a request: it becomes an order at the catalogue's prices."""
    request = _lock_pending(request)
    order = order_create(
        form=OrderForm(
            client=request.client,
            site=request.site,
            tenure=request.tenure,
            model=request.model,
            quantity=request.quantity,
            commitment_months=request.commitment_months,
            serial_numbers=serial_numbers,
        ),
        actor=actor,
    )
    request.status, request.order = RequestStatus.CONFIRMED, order
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "order", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action="equipment_request.confirm",
        instance=request,
        actor=actor,
        after={"order": order.reference},
    )
    return order


@transaction.atomic
def request_refuse(*, request: EquipmentRequest, answer: str, actor: User) -> EquipmentRequest:
    request = _lock_pending(request)
    if not answer.strip():
        raise ValidationError({"answer": _("Say why the request is refused.")})
    request.status, request.answer = RequestStatus.REFUSED, answer[:300]
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save(update_fields=["status", "answer", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action="equipment_request.refuse",
        instance=request,
        actor=actor,
        after={"answer": request.answer},
    )
    return request


def order_items(order: EquipmentOrder) -> list[Item]:
    return list(order.items.order_by("serial_number"))
