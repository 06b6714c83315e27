"""Partner API of equipment (EQP-1..6): output serializers of items, orders, RMAs and returns,
and the input serializers of the commands (an order, an RMA). Every write goes through
``equipment.services``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from equipment.choices import ItemState, RmaClosure, RmaRefusal, RmaStatus, Tenure
from equipment.models import (
    EquipmentModel,
    EquipmentOrder,
    EquipmentReturn,
    Item,
    ReturnItem,
    Rma,
)
from equipment.services.orders import MAX_QUANTITY
from equipment.services.rma import MAX_PHOTOS
from kernel import api_fields, representation
from kernel.languages import display_name_sql
from offers.api.serializers import PartnerSiteField

# A field of the same name says the same in every component of this app.
CUSTOMER = _("The id of one of your customers.")
SITE = _("The id of the customer's site the equipment is shipped to.")
MODEL = _(
    "The code of the equipment model in the catalogue (EQP-1); an order names a model still sold."
)
SERIAL_NUMBER = _("The item's serial number (EQP-1).")
TENURE = _(
    "sale (EQP-2: invoiced once, title retained until fully paid) or rental (EQP-3: a contract "
    "billed monthly with the services)."
)
QUANTITY = _("The number of items ordered.")
COMMITMENT = _(
    "A rental's initial commitment in months, among the rental offers on sale (e.g. 12, 24, 36), "
    "then tacit renewals of 12 months (EQP-3); required for a rental; none for a sale (null; a "
    "value sent is ignored)."
)
PURCHASE_ORDER_REF = _("The customer's purchase order reference; empty if none.")
CONTRACT = _(
    "The reference of the rental's contract (EQP-3), e.g. CT-2026-000042; null for a sale."
)
CLOSED_AT = _("When it was closed; null until then.")
RMA_ITEM = _(
    "The id of the defective item (EQP-4). To report it, the item must be at your customer's "
    "premises (shipped or at_customer), rented or under warranty, with no RMA of it awaiting a "
    "decision or approved; not an item already replaced (expected back: report its "
    "replacement), nor one settled as not returned (billed, or repossessed, EQP-6)."
)
DEFECT = _("The description of the defect, as reported (at most 4000 characters).")
PHOTOS = _(
    "The photos of the defect (PNG or JPEG, at most 5, 10 MB each), sent in a multipart/form-data "
    "body; read back as their file names."
)


class ItemSerializer(representation.ModelSerializer):
    """EQP-1 / EQP-2: an item at one of the partner's customers' sites."""

    model = serializers.CharField(source="model.code", read_only=True, help_text=MODEL)
    model_name = serializers.CharField(
        source="model.display_name",
        read_only=True,
        help_text=_(
            "The equipment model's name in the request's language: its English name with "
            "Accept-Language: en when one was entered, else its French name."
        ),
    )
    state = api_fields.inline_choice(
        ItemState.choices,
        read_only=True,
        help_text=_(
            "Where the item is in its life (EQP-1): in_stock → shipped → at_customer → returned "
            "→ refurbished | scrapped; a refurbished item is back in stock and no longer shown."
        ),
    )
    customer = serializers.IntegerField(source="client_id", read_only=True, help_text=CUSTOMER)
    site = serializers.IntegerField(
        source="site_id", read_only=True, allow_null=True, help_text=SITE
    )
    order = serializers.CharField(
        source="order.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_(
            "The reference of the order it was shipped under, e.g. EQ-2026-000123 (an RMA "
            "replacement keeps the order of the item it replaces); null if none."
        ),
    )
    tenure = serializers.CharField(read_only=True, help_text=_("sale or rental"))
    warranty_end = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "The last day of the warranty: the model's warranty months (12) from delivery "
            "(EQP-2), e.g. delivered 2026-03-10, covered to 2027-03-09 included; null until "
            "delivered (an item not yet delivered counts as under warranty)."
        ),
    )

    sql_fields = {  # kernel.sql_lists: ``display_name`` in SQL
        "model_name": lambda ctx, p: display_name_sql(ctx, f"{p}model__"),
    }

    class Meta:
        model = Item
        fields = [
            "id", "model", "model_name", "serial_number", "mac_address", "state", "customer",
            "site", "order", "tenure", "delivered_on", "warranty_end",
        ]  # fmt: skip
        extra_kwargs = api_fields.described(
            id=_("The item's id."),
            serial_number=SERIAL_NUMBER,
            mac_address=_(
                "The item's MAC address, written AA:BB:CC:DD:EE:FF (upper case); null if it has "
                "none."
            ),
            delivered_on=_(
                "The day the item reached the customer's site (Paris date): its warranty runs "
                "from it (EQP-2); an RMA replacement keeps the day of the item it replaces; null "
                "until delivered."
            ),
        )


class OrderSerializer(representation.ModelSerializer):
    customer = serializers.IntegerField(source="client_id", read_only=True, help_text=CUSTOMER)
    site = serializers.IntegerField(source="site_id", read_only=True, help_text=SITE)
    model = serializers.CharField(source="model.code", read_only=True, help_text=MODEL)
    tenure = api_fields.inline_choice(Tenure.choices, read_only=True, help_text=TENURE)
    contract = serializers.CharField(
        source="contract.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=CONTRACT,
    )
    unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        read_only=True,
        help_text=_(
            "The order form's price per item (€ excl. VAT, a decimal string, 4 decimals): the "
            "sale price for a sale, the monthly rental price for a rental; through the API, the "
            "catalogue's price on the day of the order."
        ),
    )
    replacement_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        read_only=True,
        help_text=_(
            "The price per item invoiced if it is not returned, or is returned not working "
            "(EQP-6) (€ excl. VAT, a decimal string, 4 decimals): through the API, the model's "
            "sale price on the day of the order for a rental, unit_price for a sale. For a model "
            "no longer sold, the sale tariff in force when the rental started is invoiced "
            "instead, when the catalogue has one."
        ),
    )
    serial_numbers = serializers.SerializerMethodField(
        help_text=_(
            "The serial numbers of its items, sorted: those shipped with it and any RMA "
            "replacement (EQP-4); an item refurbished after its return leaves the list."
        )
    )

    class Meta:
        model = EquipmentOrder
        fields = [
            "id", "reference", "customer", "site", "tenure", "model", "quantity", "unit_price",
            "replacement_price", "commitment_months", "ordered_on", "purchase_order_ref",
            "contract", "serial_numbers",
        ]  # fmt: skip
        extra_kwargs = api_fields.described(
            id=_("The order's id."),
            reference=_("Its reference, e.g. EQ-2026-000123."),
            quantity=QUANTITY,
            commitment_months=COMMITMENT,
            ordered_on=_(
                "The day it was ordered (Paris date); a rental's contract is ordered, starts and "
                "is anchored on it (EQP-3)."
            ),
            purchase_order_ref=PURCHASE_ORDER_REF,
        )

    def get_serial_numbers(self, order) -> list[str]:
        return sorted(item.serial_number for item in order.items.all())


class OrderCreateSerializer(api_fields.Serializer):
    """Partner ordering (EQP-2 / EQP-3): the catalogue's prices; a rental's commitment."""

    customer = PartnerClientField(help_text=CUSTOMER)
    site = PartnerSiteField(help_text=SITE)
    tenure = api_fields.inline_choice(Tenure.choices, help_text=TENURE)
    model = api_fields.CodeField(
        queryset=EquipmentModel.objects.filter(is_sold=True), slug_field="code", help_text=MODEL
    )
    quantity = api_fields.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, default=1, help_text=QUANTITY
    )
    commitment_months = api_fields.IntegerField(
        min_value=1, max_value=120, required=False, help_text=COMMITMENT
    )
    purchase_order_ref = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text=PURCHASE_ORDER_REF
    )


class RmaSerializer(representation.ModelSerializer):
    """EQP-4: the follow-up — number, target, replacement shipment and the return."""

    status = api_fields.inline_choice(
        RmaStatus.choices,
        read_only=True,
        help_text=_(
            "requested → approved (RMA number given) → shipped (replacement on its way) → closed "
            "(the defective item returned, billed or repossessed), or refused (EQP-4); requested "
            "or approved → closed without a replacement when the item's rental ends or the item "
            "comes back (closure_reason)."
        ),
    )
    customer = serializers.IntegerField(source="client_id", read_only=True, help_text=CUSTOMER)
    item = serializers.IntegerField(source="item_id", read_only=True, help_text=RMA_ITEM)
    serial_number = serializers.CharField(
        source="item.serial_number", read_only=True, help_text=SERIAL_NUMBER
    )
    refusal_reason = api_fields.inline_choice(
        [("", "—"), *RmaRefusal.choices],
        read_only=True,
        help_text=_(
            "Why support refused it (EQP-4): wear, maintenance (lack of), negligence, "
            "abnormal_use, or not_covered (neither rented nor under warranty); empty unless "
            "refused."
        ),
    )
    closure_reason = api_fields.inline_choice(
        [("", "—"), *RmaClosure.choices],
        read_only=True,
        help_text=_(
            "Why it was closed without a replacement (EQP-4 / EQP-5): rental_ended (the rental "
            "ended, the item is to be returned) or item_returned (the item came back through a "
            "return); empty otherwise."
        ),
    )
    replacement_serial_number = serializers.CharField(
        source="replacement.serial_number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The serial number of the replacement item; null until it ships."),
    )
    equipment_return = serializers.SerializerMethodField(
        help_text=_(
            "The id of the return expecting the defective item back (EQP-5), opened when the "
            "replacement ships; null until then."
        )
    )
    photos = serializers.SerializerMethodField(help_text=PHOTOS)

    class Meta:
        model = Rma
        fields = [
            "id", "number", "customer", "item", "serial_number", "status", "description",
            "reported_at", "under_warranty", "decided_at", "refusal_reason", "refusal_note",
            "target_hours", "in_business_hours", "ship_by", "replacement_serial_number",
            "shipped_at", "shipped_on", "tracking_number", "closed_at", "closure_reason",
            "equipment_return", "photos",
        ]  # fmt: skip
        extra_kwargs = api_fields.described(
            id=_("The RMA's id."),
            number=_(
                "The RMA number given at approval, e.g. RMA-2026-00001; null until approved, and "
                "for a refused RMA (EQP-4)."
            ),
            description=DEFECT,
            reported_at=_("When the defect was reported, with its UTC offset."),
            under_warranty=_(
                "true: the item was under warranty when reported (EQP-2; an item not yet "
                "delivered counts as under warranty): the replacement is due 48 h after approval, "
                "otherwise 96 h (EQP-4)."
            ),
            decided_at=_(
                "When support approved or refused it, with its UTC offset; null until then."
            ),
            refusal_note=_("Support's note on the refusal; empty if none."),
            target_hours=_(
                "The replacement's target, in hours from approval: 48 under warranty, 96 "
                "otherwise (EQP-4); null until approved."
            ),
            in_business_hours=_(
                "true: target_hours are counted in the support hours of the contract serving the "
                "item (its rental, else a live contract of its site); false: in elapsed hours, or "
                "not approved."
            ),
            ship_by=_(
                "When the replacement must ship by: the approval plus target_hours (counted as "
                "in_business_hours says), with its UTC offset; null until approved."
            ),
            shipped_at=_(
                "When staff recorded the replacement's shipment, with its UTC offset; null until "
                "then."
            ),
            shipped_on=_(
                "The day the replacement shipped (Paris date, entered by staff when they record "
                "it later); the defective item is due back the first French business day after "
                "it (EQP-5); null until then."
            ),
            tracking_number=_(
                "The carrier's tracking number of the replacement; empty if none was given."
            ),
            closed_at=CLOSED_AT,
        )

    def get_equipment_return(self, rma) -> int | None:
        ret = getattr(rma, "equipment_return", None)
        return ret.pk if ret else None

    def get_photos(self, rma) -> list[str]:
        return [photo.original_name for photo in rma.photos.all()]


class PartnerItemField(api_fields.IdField):
    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Item.objects.none()
        return Item.objects.select_related("order__contract", "model").filter(
            client__partner=request.auth.partner
        )


class RmaCreateSerializer(api_fields.Serializer):
    item = PartnerItemField(help_text=RMA_ITEM)
    description = serializers.CharField(max_length=4000, help_text=DEFECT)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_PHOTOS,
        default=list,
        help_text=PHOTOS,
    )


class ReturnLineSerializer(representation.ModelSerializer):
    serial_number = serializers.CharField(
        source="item.serial_number", read_only=True, help_text=SERIAL_NUMBER
    )
    model = serializers.CharField(source="item.model.code", read_only=True, help_text=MODEL)

    class Meta:
        model = ReturnItem
        fields = [
            "serial_number", "model", "outcome", "received_on", "received_at", "amount",
            "decide_by",
        ]  # fmt: skip
        extra_kwargs = api_fields.described(
            outcome=_(
                "What became of the item (EQP-5, EQP-6): expected → returned (in working order; "
                "an RMA's defective item in any condition); late or returned not working: "
                "awaiting_decision → billed (at amount) or repossession (at the customer's cost), "
                "which staff may also choose while it is expected."
            ),
            received_on=_(
                "The day the item came back (Paris date, entered by staff when they record it "
                "later); null until then."
            ),
            received_at=_(
                "When staff recorded the item's receipt, with its UTC offset; null until then."
            ),
            amount=_(
                "The price invoiced if the item is billed (EQP-6) (€ excl. VAT, a decimal string, "
                "4 decimals): the order's replacement_price or, for a model no longer sold, the "
                "sale tariff in force when the rental started; null unless it awaited a decision."
            ),
            decide_by=_(
                "The day by which staff choose between billing and repossession (Paris date): 7 "
                "days after the item became late, or after the day it came back not working; "
                "still undecided that day, it is billed (EQP-6); null otherwise."
            ),
        )


class ReturnSerializer(representation.ModelSerializer):
    """EQP-5: items expected back by ``due_date``; the label is a PDF in the portal."""

    customer = serializers.IntegerField(source="client_id", read_only=True, help_text=CUSTOMER)
    contract = serializers.CharField(
        source="contract.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=CONTRACT,
    )
    rma = serializers.CharField(
        source="rma.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The number of the RMA whose defective item is expected back; null otherwise."),
    )
    lines = ReturnLineSerializer(
        many=True, read_only=True, help_text=_("The items expected back, one line each.")
    )

    class Meta:
        model = EquipmentReturn
        fields = [
            "id", "reference", "customer", "reason", "contract", "rma", "last_day", "due_date",
            "status", "closed_at", "lines",
        ]  # fmt: skip
        extra_kwargs = api_fields.described(
            id=_("The return's id."),
            reference=_("Its reference, e.g. RET-2026-000042."),
            reason=_(
                "Why the items are expected back (EQP-5): rental_end (the rental ended), "
                "contract_end (the contract ended), or rma (an RMA's defective item, once its "
                "replacement shipped)."
            ),
            last_day=_(
                "The last day of use (Paris date): the day before the rental's termination takes "
                "effect; for an RMA, the day the replacement shipped."
            ),
            due_date=_(
                "The day the items must be back by: the first French business day after last_day "
                "(EQP-5); an item still expected after it is late and awaits a decision (EQP-6)."
            ),
            status=_(
                "open: items still expected or awaiting a decision; closed: every item settled "
                "(returned, billed or repossessed)."
            ),
            closed_at=CLOSED_AT,
        )
