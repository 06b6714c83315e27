"""Back office of the SEPA mandates (BIL-4): recorded and revoked through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import ServiceRowsAdmin, run_each
from kernel.widgets import IsoDateInput
from payments.admin.display import customers
from payments.choices import MandateStatus
from payments.models import Mandate
from payments.services.mandates import mandate_create, mandate_revoke


class MandateForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=customers())
    account_holder = forms.CharField(label=_("account holder"), max_length=70)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC"), max_length=11)
    signed_on = forms.DateField(label=_("signature date"), widget=IsoDateInput())
    reference = forms.CharField(
        label=_("mandate reference (UMR)"),
        max_length=35,
        required=False,
        help_text=_("Leave empty to generate one."),
    )


@admin.register(Mandate)
class MandateAdmin(ServiceRowsAdmin):
    """BIL-4: SEPA CORE mandates. A new mandate replaces the customer's active one."""

    adds_through_service = True

    list_display = [
        "reference",
        "client",
        "account_holder",
        "masked_iban",
        "bic",
        "signed_on",
        "status",
        "revoked_on",
    ]
    list_filter = ["status"]
    search_fields = ["reference", "client__legal_name", "client__siren", "account_holder"]
    list_select_related = ["client"]
    fields = [
        "reference",
        "client",
        "account_holder",
        "masked_iban",
        "bic",
        "signed_on",
        "status",
        "revoked_on",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description=_("IBAN"))
    def masked_iban(self, mandate):
        return mandate.masked_iban

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            mandate = mandate_create(
                client=data["client"],
                account_holder=data["account_holder"],
                iban=data["iban"],
                bic=data["bic"],
                signed_on=data["signed_on"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Mandate %(reference)s created.") % {
                "reference": mandate.reference
            }, mandate

        return self.service_form(request, MandateForm, call, title=gettext("Record a SEPA mandate"))

    @admin.action(description=_("Revoke the selected mandates"), permissions=["act"])
    def revoke(self, request, queryset):
        run_each(
            self,
            request,
            queryset.filter(status=MandateStatus.ACTIVE),
            lambda m: mandate_revoke(mandate=m, actor=request.user),
            ngettext_lazy("%(count)d mandate revoked.", "%(count)d mandates revoked.", "count"),
        )
