"""Back office of contract suspensions (CON-8): rows written by the services; an open
suspension is lifted by an action."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kernel.admin import ServiceRowsAdmin, run_each
from offers.models import Suspension
from offers.services.suspensions import contract_lift_suspension


class OpenSuspensionFilter(admin.SimpleListFilter):
    title = _("open")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Lifted"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(lifted_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(Suspension)
class SuspensionAdmin(ServiceRowsAdmin):
    list_display = [
        "contract",
        "client",
        "reason",
        "started_at",
        "started_by",
        "lifted_at",
        "lifted_by",
        "is_open",
    ]
    list_filter = ["reason", OpenSuspensionFilter, ("started_at", admin.DateFieldListFilter)]
    search_fields = [
        "contract__reference",
        "contract__client__legal_name",
        "contract__client__siren",
        "note",
    ]
    list_select_related = ["contract__client", "contract__offer", "started_by", "lifted_by"]
    fields = ["contract", "reason", "note", "started_at", "started_by", "lifted_at", "lifted_by"]
    readonly_fields = fields
    actions = ["lift"]

    @admin.display(description=_("customer"), ordering="contract__client__legal_name")
    def client(self, suspension):
        return suspension.contract.client

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, suspension):
        return suspension.lifted_at is None

    @admin.action(description=_("Lift the selected suspensions"), permissions=["act"])
    def lift(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(lifted_at__isnull=True).select_related("contract"),
            lambda s: contract_lift_suspension(contract=s.contract, actor=request.user),
            ngettext_lazy("%(count)d suspension lifted.", "%(count)d suspensions lifted.", "count"),
        )
