"""Back office of equipment (EQP-1..6): the catalogue and its price history, the stock and every
item's moves, the order form (sales and rentals), customers' requests, the RMA queue (by
deadline), returns and the non-return decisions. Every change calls ``equipment.services``."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Site
from equipment.choices import ModelKind, RmaRefusal, Tenure
from equipment.models import (
    EquipmentModel,
    EquipmentOrder,
    EquipmentRequest,
    EquipmentReturn,
    Item,
    ItemEvent,
    ModelPrice,
    ReturnItem,
    Rma,
    RmaPhoto,
)
from equipment.services import catalogue, items, orders, returns, rma
from kernel.admin import OccurredForm, ReadOnlyInline, ServiceRowsAdmin, file_download
from kernel.clock import paris_today
from kernel.inputs import AsciiIntegerField, BoundedDateField, typed_amount_field
from kernel.money import money


def _price(label):
    return typed_amount_field(label, decimal_places=4, min_value=0)


# --- Catalogue -------------------------------------------------------------------------------


class ModelNamesForm(forms.Form):
    """SPEC §9: the French name and the English one (empty: English readers read the French)."""

    name = forms.CharField(label=_("name"), max_length=120)
    name_en = forms.CharField(
        label=_("name in English"),
        max_length=120,
        required=False,
        help_text=_("Shown on English pages and in the API in English; empty: the French name."),
    )


class ModelCreateForm(ModelNamesForm):
    code = forms.SlugField(label=_("code"), max_length=40)
    field_order = ["code", "name", "name_en"]
    kind = forms.ChoiceField(label=_("kind"), choices=ModelKind.choices)
    sale_price = _price(_("sale price (€ excl. VAT)"))
    rental_price = _price(_("monthly rental price (€ excl. VAT)"))
    warranty_months = AsciiIntegerField(label=_("warranty (months)"), min_value=1, initial=12)


class PriceForm(forms.Form):
    sale_price = _price(_("sale price (€ excl. VAT)"))
    rental_price = _price(_("monthly rental price (€ excl. VAT)"))
    effective_from = BoundedDateField(label=_("in force from"))


class PriceInline(ReadOnlyInline):
    model = ModelPrice
    fields = ["effective_from", "sale_price", "rental_price", "created_by", "created_at"]


@admin.register(EquipmentModel)
class EquipmentModelAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["name", "name_en", "code", "kind", "sale_price", "rental_price"]
    list_display += ["warranty_months", "is_sold"]
    list_filter = ["kind", "is_sold"]
    search_fields = ["name", "name_en", "code"]
    readonly_fields = ["code", "name", "name_en", "kind", "sale_price", "rental_price"]
    readonly_fields += ["warranty_months", "is_sold"]
    inlines = [PriceInline]
    actions = ["rename", "set_price", "stop_selling", "sell_again"]

    def add_view(self, request, form_url="", extra_context=None):
        def call(data):
            model = catalogue.model_create(**data, actor=request.user)
            return gettext("Model %(name)s created.") % {"name": model.name}, model

        return self.service_form(request, ModelCreateForm, call, title=gettext("New model"))

    @admin.action(description=_("Rename (French and English names)…"), permissions=["act"])
    def rename(self, request, queryset):
        models = list(queryset[:2])
        if len(models) != 1:
            self.message_user(request, gettext("Select one model to rename."), messages.ERROR)
            return None
        model = models[0]
        form = ModelNamesForm(
            request.POST if "apply" in request.POST else None,
            initial={"name": model.name, "name_en": model.name_en},
        )
        return self.service_submit(
            request,
            form,
            lambda data: (
                gettext("Model %(name)s renamed.")
                % {"name": catalogue.model_rename(model=model, **data, actor=request.user).name},
                model,
            ),
            title=gettext("Rename the model"),
            intro=gettext(
                "Invoice lines and return labels name it in French; English pages and the API "
                "in English name it in English (in French when empty)."
            ),
            queryset=queryset,
        )

    @admin.action(description=_("Set a new tariff (history kept)"), permissions=["act"])
    def set_price(self, request, queryset):
        return self.service_form_action(
            request,
            queryset,
            PriceForm,
            lambda model, data: catalogue.model_set_price(model=model, **data, actor=request.user),
            title=gettext("New tariff"),
            intro=gettext("The tariff in force on a date stays a query: nothing is overwritten."),
            done_message=ngettext_lazy(
                "%(count)d tariff recorded.", "%(count)d tariffs recorded.", "count"
            ),
        )

    @admin.action(description=_("No longer sold"), permissions=["act"])
    def stop_selling(self, request, queryset):
        for model in queryset:
            catalogue.model_set_sold(model=model, is_sold=False, actor=request.user)

    @admin.action(description=_("Sold again"), permissions=["act"])
    def sell_again(self, request, queryset):
        for model in queryset:
            catalogue.model_set_sold(model=model, is_sold=True, actor=request.user)


# --- Stock -----------------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    model = forms.ModelChoiceField(label=_("model"), queryset=EquipmentModel.objects.all())
    serial_number = forms.CharField(label=_("serial number"), max_length=40)
    mac_address = forms.CharField(label=_("MAC address"), max_length=17, required=False)


class EventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["occurred_on", "from_state", "to_state", "client", "site", "note", "actor"]
    fields += ["api_key", "at"]


@admin.register(Item)
class ItemAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["serial_number", "model", "mac_address", "state", "client", "site"]
    list_display += ["delivered_on", "state_changed_at"]
    list_filter = ["state", "model"]
    search_fields = ["serial_number", "mac_address", "client__legal_name"]
    list_select_related = ["model", "client", "site"]
    readonly_fields = ["model", "serial_number", "mac_address", "state", "client", "site"]
    readonly_fields += ["order", "delivered_on", "state_changed_at"]
    inlines = [EventInline]
    actions = ["deliver", "refurbish", "scrap"]

    def add_view(self, request, form_url="", extra_context=None):
        def call(data):
            item = items.item_receive(**data, actor=request.user)
            return gettext("%(item)s received into stock.") % {"item": item}, item

        return self.service_form(request, ReceiveForm, call, title=gettext("Receive an item"))

    @admin.action(
        description=_("Delivered at the customer's (warranty starts)"), permissions=["act"]
    )
    def deliver(self, request, queryset):
        return self._dated(
            request, queryset,
            lambda i, day: items.item_deliver(item=i, delivered_on=day, actor=request.user),
            title=gettext("Delivered at the customer's"),
            intro=gettext("The warranty runs from the day of delivery."),
            done=ngettext_lazy(
                "%(count)d item delivered.",
                "%(count)d items delivered.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Refurbished (back in stock)"), permissions=["act"])
    def refurbish(self, request, queryset):
        return self._dated(
            request, queryset,
            lambda i, day: items.item_refurbish(item=i, occurred_on=day, actor=request.user),
            title=gettext("Refurbished (back in stock)"), intro="",
            done=ngettext_lazy(
                "%(count)d item refurbished.",
                "%(count)d items refurbished.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Scrapped"), permissions=["act"])
    def scrap(self, request, queryset):
        return self._dated(
            request, queryset,
            lambda i, day: items.item_scrap(item=i, occurred_on=day, actor=request.user),
            title=gettext("Scrapped"), intro="", done=ngettext_lazy(
                "%(count)d item scrapped.",
                "%(count)d items scrapped.",
                "count",
            ),
        )  # fmt: skip

    def _dated(self, request, queryset, call, *, title, intro, done):
        """A move on the day staff enter (today by default): the form, then the service."""
        return self.service_form_action(
            request, queryset, OccurredForm, lambda i, data: call(i, data["occurred_on"]),
            title=title, intro=intro, done_message=done,
        )  # fmt: skip


# --- Orders and requests ---------------------------------------------------------------------


class OrderForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=Client.objects.all())
    site = forms.ModelChoiceField(label=_("site"), queryset=Site.objects.select_related("client"))
    tenure = forms.ChoiceField(label=_("sale or rental"), choices=Tenure.choices)
    model = forms.ModelChoiceField(
        label=_("model"), queryset=EquipmentModel.objects.filter(is_sold=True)
    )
    quantity = AsciiIntegerField(label=_("quantity"), min_value=1, max_value=50, initial=1)
    commitment_months = AsciiIntegerField(
        label=_("commitment (months)"), required=False, help_text=_("Rentals: 12, 24 or 36.")
    )
    unit_price = typed_amount_field(
        _("order form price (€ excl. VAT)"), required=False, min_value=0, decimal_places=4,
        help_text=_("Empty: the model's sale price or monthly rental."),
    )  # fmt: skip
    replacement_price = typed_amount_field(
        _("price if not returned (€ excl. VAT)"), required=False, min_value=0, decimal_places=4,
        help_text=_("Rentals (EQP-6). Empty: the model's sale price."),
    )  # fmt: skip
    ordered_on = BoundedDateField(label=_("order date"), required=False)
    purchase_order_ref = forms.CharField(
        label=_("purchase order reference"), max_length=50, required=False
    )
    serial_numbers = forms.CharField(
        label=_("serial numbers"), required=False, max_length=2000,
        help_text=_("Separated by commas. Empty: the oldest items in stock."),
    )  # fmt: skip

    def clean(self):
        # CON-2, EQP-3: a rental's contract is signed on its order date, never tomorrow.
        data = super().clean()
        today = paris_today()
        ordered_on = data.get("ordered_on")
        if data.get("tenure") == Tenure.RENTAL and ordered_on and ordered_on > today:
            self.add_error(
                "ordered_on",
                gettext(
                    "A rental's contract is signed on its order date: not after today (%(today)s)."
                )
                % {"today": today.strftime("%d/%m/%Y")},
            )
        return data


@admin.register(EquipmentOrder)
class EquipmentOrderAdmin(ServiceRowsAdmin):
    adds_through_service = True
    list_display = ["reference", "client", "tenure", "model", "quantity", "unit_price"]
    list_display += ["commitment_months", "ordered_on", "contract"]
    list_filter = ["tenure", "model"]
    search_fields = ["reference", "client__legal_name", "contract__reference"]
    list_select_related = ["client", "model", "contract"]
    readonly_fields = [f.name for f in EquipmentOrder._meta.fields]

    def add_view(self, request, form_url="", extra_context=None):
        def call(data):
            serials = [s for s in (data.pop("serial_numbers") or "").split(",") if s.strip()]
            order = orders.order_create(
                form=orders.OrderForm(**data, serial_numbers=serials or None),
                actor=request.user,
            )
            return gettext("Order %(ref)s recorded, items shipped.") % {
                "ref": order.reference
            }, order

        return self.service_form(
            request, OrderForm, call, title=gettext("Order form: sale or rental")
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("answer"), max_length=300)


def _request_amount(request: EquipmentRequest, today) -> str:
    """What confirming ``request`` costs its customer: 3 × 149,00 € = 447,00 € HT for a sale,
    2 × 6,00 € = 12,00 € HT a month, 24 months for a rental (the tariff in force today)."""
    tariff = catalogue.tariff_on(request.model, today) or request.model
    rental = request.tenure == Tenure.RENTAL
    unit = tariff.rental_price if rental else tariff.sale_price
    values = {
        "request": str(request),
        "quantity": request.quantity,
        "unit": money(unit),
        "total": money(unit * request.quantity),
        "months": request.commitment_months,
    }
    if rental:
        return (
            gettext(
                "%(request)s: %(quantity)s × %(unit)s = %(total)s excl. VAT a month, "
                "%(months)s months"
            )
            % values
        )
    return gettext("%(request)s: %(quantity)s × %(unit)s = %(total)s excl. VAT") % values


@admin.register(EquipmentRequest)
class EquipmentRequestAdmin(ServiceRowsAdmin):
    list_display = ["created_at", "client", "site", "model", "tenure", "quantity", "status"]
    list_filter = ["status", "tenure"]
    list_select_related = ["client", "site", "model"]
    readonly_fields = [f.name for f in EquipmentRequest._meta.fields]
    actions = ["confirm", "refuse"]

    @admin.action(description=_("Confirm (order at catalogue prices)…"), permissions=["act"])
    def confirm(self, request, queryset):
        """ACC-2, EQP-2, EQP-3: each request becomes an order that costs the customer money (a
        sale charged, a rental contract): its amount at the catalogue's prices in force today
        is shown and confirmed first, as every decision that moves money."""
        today = paris_today()
        amounts = "; ".join(
            _request_amount(r, today) for r in queryset.select_related("client", "model")
        )
        return self.service_form_action(
            request, queryset, ConfirmForm,
            lambda r, data: orders.request_confirm(request=r, actor=request.user),
            title=gettext("Confirm the requests"),
            intro=gettext(
                "Each request becomes an order at the catalogue's prices in force today, its "
                "items shipped from stock (%(amounts)s). Confirm?"
            ) % {"amounts": amounts},
            done_message=ngettext_lazy(
                "%(count)d request confirmed.",
                "%(count)d requests confirmed.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Refuse"), permissions=["act"])
    def refuse(self, request, queryset):
        return self.service_form_action(
            request, queryset, AnswerForm,
            lambda r, data: orders.request_refuse(request=r, answer=data["answer"],
                                                  actor=request.user),
            title=gettext("Refuse"), intro="", done_message=gettext("%(count)d refused."),
        )  # fmt: skip


# --- RMA queue -------------------------------------------------------------------------------


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("reason"), choices=RmaRefusal.choices)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ShipForm(OccurredForm):
    field_order = ["occurred_on", "tracking_number", "serial_number"]
    tracking_number = forms.CharField(label=_("tracking number"), max_length=60, required=False)
    serial_number = forms.CharField(
        label=_("replacement's serial number"), max_length=40, required=False,
        help_text=_("Empty: the oldest item of the same model in stock."),
    )  # fmt: skip


@admin.register(Rma)
class RmaAdmin(ServiceRowsAdmin):
    """EQP-4: the queue, the nearest deadline first (awaiting a decision: oldest report)."""

    list_display = ["__str__", "client", "item", "status", "reported_at", "ship_by"]
    list_display += ["under_warranty", "replacement"]
    list_filter = ["status", "under_warranty"]
    search_fields = ["number", "client__legal_name", "client__siren", "item__serial_number"]
    list_select_related = ["client", "item__model", "replacement__model"]
    readonly_fields = [f.name for f in Rma._meta.fields]
    readonly_fields.insert(readonly_fields.index("description") + 1, "photos_display")
    actions = ["approve", "refuse", "ship_replacement"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/photos/<int:photo_pk>/",
                self.admin_site.admin_view(self.photo_view),
                name="equipment_rma_photo",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("photos of the defect"))
    def photos_display(self, obj):
        """EQP-4: the customer's photos, to decide on the RMA (downloads, not /media/ links)."""
        links = [
            (reverse("admin:equipment_rma_photo", args=[obj.pk, photo.pk]), photo.original_name)
            for photo in obj.photos.all()
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links) or gettext("No photo.")

    def photo_view(self, request, pk, photo_pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        photo = get_object_or_404(RmaPhoto, pk=photo_pk, rma_id=pk)
        return file_download(
            photo.file, filename=photo.original_name, content_type=photo.content_type
        )

    def get_ordering(self, request):
        return [F("ship_by").asc(nulls_last=True), "reported_at"]

    @admin.action(description=_("Approve (RMA number)"), permissions=["act"])
    def approve(self, request, queryset):
        from kernel.admin import run_each

        run_each(self, request, queryset, lambda r: rma.rma_approve(rma=r, actor=request.user),
                 ngettext_lazy("%(count)d RMA approved.", "%(count)d RMAs approved.",
                               "count"))  # fmt: skip

    @admin.action(description=_("Refuse, with a reason"), permissions=["act"])
    def refuse(self, request, queryset):
        return self.service_form_action(
            request, queryset, RefuseForm,
            lambda r, data: rma.rma_refuse(rma=r, actor=request.user, **data),
            title=gettext("Refuse the RMA"), intro="",
            done_message=ngettext_lazy(
                "%(count)d RMA refused.",
                "%(count)d RMAs refused.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Ship the replacement"), permissions=["act"])
    def ship_replacement(self, request, queryset):
        def call(r, data):
            serial = (data.get("serial_number") or "").strip().upper()
            replacement = Item.objects.filter(serial_number=serial).first() if serial else None
            return rma.rma_ship_replacement(
                rma=r, actor=request.user, replacement=replacement,
                tracking_number=data.get("tracking_number", ""), shipped_on=data["occurred_on"],
            )  # fmt: skip

        return self.service_form_action(
            request, queryset, ShipForm, call,
            title=gettext("Ship the replacement"),
            intro=gettext(
                "The defective item is then expected back: its return is opened, due the first "
                "business day after the day the replacement shipped."
            ),
            done_message=ngettext_lazy(
                "%(count)d replacement shipped.",
                "%(count)d replacements shipped.",
                "count",
            ),
        )  # fmt: skip


# --- Returns and non-return decisions ----------------------------------------------------------


class ReturnItemInline(ReadOnlyInline):
    model = ReturnItem
    fields = ["item", "outcome", "received_on", "amount", "price_basis", "decide_by", "charge"]


@admin.register(EquipmentReturn)
class EquipmentReturnAdmin(ServiceRowsAdmin):
    list_display = ["reference", "client", "reason", "contract", "rma", "due_date", "status"]
    list_filter = ["status", "reason"]
    search_fields = ["reference", "client__legal_name", "contract__reference", "rma__number"]
    list_select_related = ["client", "contract__offer", "rma"]
    readonly_fields = [f.name for f in EquipmentReturn._meta.fields]
    ordering = ["status", "due_date"]
    inlines = [ReturnItemInline]


class ConfirmForm(forms.Form):
    """An intermediate page with nothing to type: its "apply" confirms what it shows."""


class CostForm(forms.Form):
    cost = typed_amount_field(_("cost of the repossession (€ excl. VAT)"), min_value=0, initial=0)


@admin.register(ReturnItem)
class ReturnItemAdmin(ServiceRowsAdmin):
    """EQP-5 / EQP-6: items expected back — received, or not returned: bill or repossess."""

    list_display = ["equipment_return", "item", "outcome", "received_on", "amount", "decide_by"]
    list_filter = ["outcome"]
    search_fields = ["item__serial_number", "equipment_return__reference"]
    list_select_related = ["equipment_return__client", "item__model"]
    readonly_fields = [f.name for f in ReturnItem._meta.fields]
    actions = ["received_working", "received_not_working", "bill", "repossess"]

    def get_ordering(self, request):
        return [F("decide_by").asc(nulls_last=True), "equipment_return__due_date"]

    def _received(self, request, queryset, *, working: bool, title):
        """EQP-5: the day the item came back (today by default): recorded later, it keeps its
        real day — a not working item awaits the decision 7 days from it (EQP-6)."""
        return self.service_form_action(
            request, queryset, OccurredForm,
            lambda line, data: returns.return_receive(
                line=line, working=working, received_on=data["occurred_on"], actor=request.user
            ),
            title=title, intro="", done_message=ngettext_lazy(
                "%(count)d item received.",
                "%(count)d items received.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Received in working order"), permissions=["act"])
    def received_working(self, request, queryset):
        return self._received(
            request, queryset, working=True, title=gettext("Received in working order")
        )

    @admin.action(description=_("Received, not working"), permissions=["act"])
    def received_not_working(self, request, queryset):
        return self._received(
            request, queryset, working=False, title=gettext("Received, not working")
        )

    @admin.action(description=_("Not returned: bill it"), permissions=["act"])
    def bill(self, request, queryset):
        """EQP-6: a charge on the customer's next invoice: the amounts are shown and confirmed
        first (the intermediate page), as every decision that moves money."""
        lines = list(queryset.select_related("item"))
        amounts = "; ".join(f"{line.item.serial_number} — {money(line.amount)}" for line in lines)
        total = sum((line.amount or Decimal("0") for line in lines), Decimal("0"))
        return self.service_form_action(
            request, queryset, ConfirmForm,
            lambda line, data: returns.non_return_bill(line=line, actor=request.user),
            title=gettext("Bill the items not returned"),
            intro=gettext(
                "Each item is invoiced at its non-return price on the customer's next invoice "
                "(%(items)s), %(total)s excl. VAT in all. Confirm?"
            ) % {"items": amounts, "total": money(total)},
            done_message=ngettext_lazy(
                "%(count)d item billed.",
                "%(count)d items billed.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Not returned: repossession at the customer's cost"),
                  permissions=["act"])  # fmt: skip
    def repossess(self, request, queryset):
        return self.service_form_action(
            request, queryset, CostForm,
            lambda line, data: returns.non_return_repossess(line=line, cost=data["cost"],
                                                            actor=request.user),
            title=gettext("Repossession"), intro="",
            done_message=ngettext_lazy(
                "%(count)d repossession decided.",
                "%(count)d repossessions decided.",
                "count",
            ),
        )  # fmt: skip
