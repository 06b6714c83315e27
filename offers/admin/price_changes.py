"""Back office of price changes (CON-6)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, run_each
from offers.admin.forms import PriceChangeForm
from offers.choices import PriceChangeStatus
from offers.models import PriceChange
from offers.services.price_changes import price_change_cancel, price_change_schedule


@admin.register(PriceChange)
class PriceChangeAdmin(ServiceRowsAdmin):
    """CON-6: scheduled price changes. "Add" schedules one through
    ``price_change_schedule`` (the affected customers are e-mailed at once); a
    scheduled change is cancelled by an action, before its effective date."""

    list_display = [
        "offer",
        "product",
        "new_monthly_price",
        "effective_date",
        "status",
        "notified_at",
        "notified_contracts",
        "created_by",
    ]
    list_filter = ["status", "offer"]
    search_fields = ["offer__name", "offer__code", "product__name", "product__code", "reason"]
    list_select_related = ["offer", "product", "created_by"]
    fields = [
        "offer",
        "product",
        "new_monthly_price",
        "effective_date",
        "status",
        "reason",
        "notified_at",
        "notified_contracts",
        "refused_by",
        "created_by",
    ]
    readonly_fields = fields
    actions = ["cancel"]

    adds_through_service = True

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def schedule(data):
            change = price_change_schedule(
                offer=data["offer"],
                product=data["product"],
                new_monthly_price=data["new_monthly_price"],
                effective_date=data["effective_date"],
                reason=data["reason"],
                actor=request.user,
            )
            message = gettext("Price change scheduled; %(count)d contract(s) notified.") % {
                "count": change.notified_contracts
            }
            return message, change

        return self.service_form(
            request,
            PriceChangeForm,
            schedule,
            title=gettext("Schedule a price change"),
            intro=gettext(
                "Affected customers are e-mailed at once; HOSTED-A customers facing an increase "
                "may refuse it and terminate without fees with 30 days' notice."
            ),
        )

    @admin.action(description=_("Cancel the selected price changes"), permissions=["act"])
    def cancel(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(status=PriceChangeStatus.SCHEDULED),
            lambda change: price_change_cancel(price_change=change, actor=request.user),
            gettext("%(count)d price change(s) cancelled."),
        )
