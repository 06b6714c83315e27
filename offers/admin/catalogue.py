"""Back office of the catalogue (CON-1): terms, products and offers, edited directly by staff
(audited, ACC-4); a new offer can start from a preset's reference terms."""

from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdminMixin
from kernel.admin import TypedAmountsMixin, capitalise_labels
from offers.admin.forms import OfferFromPresetForm
from offers.models import Offer, Product, Terms
from offers.services.catalogue import offer_create_from_preset

SNAPSHOT_NOTE = _(
    "Editing these terms never changes signed contracts: each contract keeps the terms it was "
    "signed with (its terms snapshot, CON-1/CON-6). New contracts take the terms as they are."
)


@admin.register(Terms)
class TermsAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "preset",
        "is_preset",
        "anchor",
        "initial_months",
        "renewal_months",
        "notice_rule",
        "notice_months",
        "fee_rule",
        "sla_policy",
    ]
    list_filter = ["is_preset", "preset", "anchor", "notice_rule", "fee_rule", "sla_policy"]
    search_fields = ["name", "offer__code", "offer__name"]
    readonly_fields = ["is_preset", "used_by"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "preset", "is_preset", "used_by"], "description": SNAPSHOT_NOTE},
        ),
        (_("Commitment periods"), {"fields": ["anchor", "initial_months", "renewal_months"]}),
        (
            _("Notice and termination fees"),
            {"fields": ["notice_rule", "notice_months", "fee_rule", "minimum_monthly_commitment"]},
        ),
        (_("Billing"), {"fields": ["subscription_timing", "consumption_timing", "first_month"]}),
        (
            _("Price changes (CON-6)"),
            {"fields": ["price_change_notice_days", "price_change_refusal"]},
        ),
        (
            _("Service level and support"),
            {
                "fields": [
                    "sla_policy",
                    "support_days",
                    "support_start",
                    "support_end",
                    "intervention_business_hours",
                    "restoration_target_hours",
                    "restoration_in_business_hours",
                ]
            },
        ),
        (_("Fair use"), {"fields": ["fair_use_policy"]}),
    ]

    @admin.display(description=_("used by"))
    def used_by(self, terms):
        if terms.is_preset:
            return gettext("Reference terms of the preset: copied into new offers.")
        offer = Offer.objects.filter(terms=terms).first()
        if offer is None:
            return "—"
        url = reverse("admin:offers_offer_change", args=[offer.pk])
        return format_html('<a href="{}">{}</a>', url, offer)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_preset:
            return False  # a preset's reference terms are what new offers are built from
        return super().has_delete_permission(request, obj)


@admin.register(Product)
class ProductAdmin(TypedAmountsMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "kind",
        "unit",
        "setup_price",
        "monthly_price",
        "price_on_quote",
        "is_active",
    ]
    list_filter = ["kind", "price_on_quote", "is_active"]
    search_fields = ["code", "name", "name_en", "unit"]


@admin.register(Offer)
class OfferAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "name_en",
        "preset",
        "main_product",
        "terms",
        "is_active",
        "telephone_service",
    ]
    list_filter = ["preset", "is_active", "telephone_service"]
    search_fields = ["code", "name", "name_en", "main_product__code", "main_product__name"]
    list_select_related = ["main_product", "terms"]
    autocomplete_fields = ["main_product"]
    filter_horizontal = ["options"]
    readonly_fields = ["terms_link"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "name_en",
                    "preset",
                    "description",
                    "description_en",
                    "is_active",
                    "telephone_service",
                ]
            },
        ),
        (_("Products"), {"fields": ["main_product", "options"]}),
        (_("Terms"), {"fields": ["terms", "terms_link"], "description": SNAPSHOT_NOTE}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # An offer keeps its own terms row: they are edited, never swapped for another's.
        return [*self.readonly_fields, "terms"] if obj is not None else self.readonly_fields

    @admin.display(description=_("edit the terms"))
    def terms_link(self, offer):
        if offer.pk is None:
            return "—"
        url = reverse("admin:offers_terms_change", args=[offer.terms_id])
        return format_html('<a href="{}">{}</a>', url, gettext("Change these terms"))

    def get_urls(self):
        return [
            path(
                "from-preset/",
                self.admin_site.admin_view(self.from_preset_view),
                name="offers_offer_from_preset",
            ),
            *super().get_urls(),
        ]

    def from_preset_view(self, request):
        """CON-1: a new offer whose terms start as a copy of the preset's reference terms."""
        if not self.has_add_permission(request):
            return redirect("admin:offers_offer_changelist")
        form = OfferFromPresetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            offer = offer_create_from_preset(**form.cleaned_data, actor=request.user)
            self.message_user(
                request,
                gettext("Offer %(offer)s created from the preset: adjust its terms if needed.")
                % {"offer": offer},
                messages.SUCCESS,
            )
            return redirect("admin:offers_offer_change", offer.pk)
        return render(
            request,
            "admin/offers/offer/from_preset.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Create an offer from a preset"),
                "form": capitalise_labels(form),
                "opts": self.model._meta,
            },
        )
