"""Equipment (EQP-1..6): the catalogue of models with their price history, the physical items
and their dated moves, the orders (sales and rentals), the customers' requests, the RMAs and
the returns."""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Client, Site, TimeStampedModel, User
from billing.models import PendingCharge
from equipment.choices import (
    ItemState,
    ModelKind,
    RequestStatus,
    ReturnOutcome,
    ReturnReason,
    ReturnStatus,
    RmaClosure,
    RmaRefusal,
    RmaStatus,
    Tenure,
)
from kernel.languages import NamedInEnglish, english_name_field
from offers.models import Contract
from offers.periods import add_months, day_before

PRICE = {"max_digits": 12, "decimal_places": 4}  # unit prices keep 4 decimals (SPEC, Money)
MONEY = {"max_digits": 12, "decimal_places": 2}
WARRANTY_MONTHS = 12  # EQP-1 / EQP-2 (HOSTED-W 5.5.1, HOSTED-A 3)


class EquipmentModel(NamedInEnglish, TimeStampedModel):
    """EQP-1: a model of the catalogue with its current prices (€ HT); every price it had is in
    ``prices`` (``ModelPrice``), so the tariff in force on a date is a query. Its French
    ``name`` is the back office's, the invoices' and the return label's; English readers read
    ``display_name`` (SPEC §9)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = english_name_field()
    kind = models.CharField(_("kind"), max_length=10, choices=ModelKind, default=ModelKind.OTHER)
    sale_price = models.DecimalField(_("sale price (€ excl. VAT)"), **PRICE)
    rental_price = models.DecimalField(_("monthly rental price (€ excl. VAT)"), **PRICE)
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), default=WARRANTY_MONTHS
    )
    is_sold = models.BooleanField(_("still sold"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("equipment model")
        verbose_name_plural = _("equipment models")
        constraints = [
            models.CheckConstraint(
                condition=Q(sale_price__gte=0) & Q(rental_price__gte=0),
                name="equipment_model_prices_not_negative",
            )
        ]


class ModelPrice(models.Model):
    """EQP-1: the tariff of a model from ``effective_from`` until the next row's date."""

    model = models.ForeignKey(
        EquipmentModel,
        verbose_name=_("equipment model"),
        on_delete=models.CASCADE,
        related_name="prices",
    )
    effective_from = models.DateField(_("in force from"))
    sale_price = models.DecimalField(_("sale price (€ excl. VAT)"), **PRICE)
    rental_price = models.DecimalField(_("monthly rental price (€ excl. VAT)"), **PRICE)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("price entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["model", "-effective_from"]
        verbose_name = _("model price")
        verbose_name_plural = _("model prices")
        constraints = [
            models.UniqueConstraint(
                fields=["model", "effective_from"], name="equipment_one_price_a_day"
            )
        ]

    def __str__(self):
        return f"{self.model} — {self.effective_from}"


class EquipmentOrder(TimeStampedModel):
    """An order form line: a sale (EQP-2) or a rental (EQP-3) of ``quantity`` items of one
    model at one site. ``unit_price`` is the order form's price (the sale price, or the monthly
    rental); ``replacement_price`` the price the order form gives an item for a non-return
    (EQP-6). A rental is a contract of ``offers`` (``contract``); a sale is one charge."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    tenure = models.CharField(_("sale or rental"), max_length=10, choices=Tenure)
    model = models.ForeignKey(
        EquipmentModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("order form price (€ excl. VAT)"), **PRICE)
    replacement_price = models.DecimalField(_("price if not returned (€ excl. VAT)"), **PRICE)
    commitment_months = models.PositiveSmallIntegerField(
        _("commitment (months)"), null=True, blank=True
    )
    ordered_on = models.DateField(_("order date"))
    purchase_order_ref = models.CharField(_("purchase order reference"), max_length=50, blank=True)
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("rental contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    charge = models.ForeignKey(
        PendingCharge,
        verbose_name=_("pending charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("equipment order")
        verbose_name_plural = _("equipment orders")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="equipment_order_qty_ge_1"),
            models.CheckConstraint(
                condition=Q(tenure=Tenure.SALE) | Q(commitment_months__gte=1),
                name="equipment_rental_has_commitment",
            ),
        ]

    def __str__(self):
        return f"{self.reference} — {self.quantity} × {self.model}"


class Item(TimeStampedModel):
    """EQP-1: one physical item, its serial number and MAC address, its state and where it is."""

    model = models.ForeignKey(
        EquipmentModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="items"
    )
    serial_number = models.CharField(_("serial number"), max_length=40, unique=True)
    mac_address = models.CharField(
        _("MAC address"), max_length=17, unique=True, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ItemState, default=ItemState.IN_STOCK, db_index=True
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True
    )
    order = models.ForeignKey(
        EquipmentOrder,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)

    class Meta:
        ordering = ["model__name", "serial_number"]
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment items")

    def __str__(self):
        return f"{self.model} {self.serial_number}"

    @property
    def tenure(self) -> str:
        return self.order.tenure if self.order_id else ""

    @property
    def warranty_end(self) -> date | None:
        """EQP-2: the last day of the warranty, which runs 12 months (the model's) from delivery
        (delivered 2026-03-10: covered to 2027-03-09 included; delivered 2024-02-29, a whole
        year: to 2025-02-28 — the months counted from the day before, which always exists)."""
        if self.delivered_on is None:
            return None
        return add_months(day_before(self.delivered_on), self.model.warranty_months)


class ItemEvent(models.Model):
    """EQP-1: one row per move of an item — dated, with who moved it and where it went."""

    item = models.ForeignKey(
        Item, verbose_name=_("equipment item"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("from state"), max_length=12, choices=ItemState, blank=True)
    to_state = models.CharField(_("new state"), max_length=12, choices=ItemState)
    client = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("recorded on"))
    # EQP-1: the day the move happened (staff enter it, today by default, never in the
    # future); ``at`` is when it was recorded. Deadlines and costs read this day.
    occurred_on = models.DateField(_("occurred on"))

    class Meta:
        ordering = ["item", "occurred_on", "at", "id"]
        verbose_name = _("item move")
        verbose_name_plural = _("item moves")

    def __str__(self):
        return f"{self.item_id}: {self.from_state} → {self.to_state}"


class EquipmentRequest(TimeStampedModel):
    """A customer administrator asks for equipment from the portal; staff confirm it (an order)
    or refuse it."""

    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT)
    model = models.ForeignKey(
        EquipmentModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="+"
    )
    tenure = models.CharField(_("sale or rental"), max_length=10, choices=Tenure)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    commitment_months = models.PositiveSmallIntegerField(
        _("commitment (months)"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decision by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    order = models.ForeignKey(
        EquipmentOrder,
        verbose_name=_("equipment order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("equipment request")
        verbose_name_plural = _("equipment requests")

    def __str__(self):
        return f"{self.client} — {self.quantity} × {self.model}"


class Rma(TimeStampedModel):
    """EQP-4: a defect reported on an item, support's decision, the replacement shipped and the
    defective item expected back. ``ship_by`` is the target (48 h or 96 h, see
    ``services.rma``)."""

    number = models.CharField(_("RMA number"), max_length=20, unique=True, null=True, blank=True)
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="rmas"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RmaStatus, default=RmaStatus.REQUESTED, db_index=True
    )
    description = models.TextField(_("description of the defect"), max_length=4000)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        User,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("reported with the API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    under_warranty = models.BooleanField(_("under warranty"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decision by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    refusal_reason = models.CharField(
        _("reason of the refusal"), max_length=20, choices=RmaRefusal, blank=True
    )
    refusal_note = models.CharField(_("note"), max_length=300, blank=True)
    target_hours = models.PositiveSmallIntegerField(_("target (hours)"), null=True, blank=True)
    in_business_hours = models.BooleanField(_("counted in business hours"), default=False)
    ship_by = models.DateTimeField(_("replacement due by"), null=True, blank=True)
    replacement = models.ForeignKey(
        Item,
        verbose_name=_("replacement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipment recorded at"), null=True, blank=True)
    shipped_on = models.DateField(_("replacement shipped on"), null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason of the closure"), max_length=20, choices=RmaClosure, blank=True
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")

    def __str__(self):
        return self.number or f"RMA #{self.pk}"


class RmaPhoto(models.Model):
    """EQP-4: a photo of the defect, checked as support checks attachments."""

    rma = models.ForeignKey(
        Rma, verbose_name=_("RMA"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="equipment/rma/%Y/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["rma", "id"]
        verbose_name = _("RMA photo")
        verbose_name_plural = _("RMA photos")

    def __str__(self):
        return self.original_name


class EquipmentReturn(TimeStampedModel):
    """EQP-5: items expected back — at the end of a rental or of a contract, or after an RMA
    replacement — by ``due_date``, the first French business day after ``last_day``."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=15, choices=ReturnReason)
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rma = models.OneToOneField(
        Rma,
        verbose_name=_("RMA"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment_return",
    )
    last_day = models.DateField(_("last day of use"))
    due_date = models.DateField(_("to be returned by"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReturnStatus, default=ReturnStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("equipment return")
        verbose_name_plural = _("equipment returns")
        constraints = [
            # EQP-5: one return per ended contract (the daily job runs every day).
            models.UniqueConstraint(
                fields=["contract", "reason"],
                condition=Q(contract__isnull=False) & ~Q(reason=ReturnReason.RMA),
                name="equipment_one_return_per_contract_end",
            )
        ]

    def __str__(self):
        return self.reference


class ReturnItem(models.Model):
    """EQP-5 / EQP-6: one item of a return and what became of it. ``decide_by``: when staff
    have not chosen by then, the daily job bills the item (EQP-6)."""

    equipment_return = models.ForeignKey(
        EquipmentReturn,
        verbose_name=_("equipment return"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    item = models.ForeignKey(
        Item,
        verbose_name=_("equipment item"),
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReturnOutcome, default=ReturnOutcome.EXPECTED
    )
    received_at = models.DateTimeField(_("receipt recorded at"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    amount = models.DecimalField(
        _("non-return price (€ excl. VAT)"), null=True, blank=True, **PRICE
    )
    price_basis = models.CharField(_("price basis"), max_length=200, blank=True)
    decide_by = models.DateField(_("decision due by"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decision by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    charge = models.ForeignKey(
        PendingCharge,
        verbose_name=_("pending charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["equipment_return", "id"]
        verbose_name = _("returned item")
        verbose_name_plural = _("returned items")
        constraints = [
            models.UniqueConstraint(
                fields=["equipment_return", "item"], name="equipment_item_once_per_return"
            )
        ]

    def __str__(self):
        return f"{self.equipment_return} — {self.item}"
