"""Back office of the disputes (BIL-8): accepted (a credit note) or rejected (due again)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from kernel.admin import ServiceRowsAdmin
from kernel.widgets import IsoDateInput
from payments.models import Dispute, DisputeDocument
from payments.services.disputes import dispute_accept, dispute_reject


class DisputeDocumentInline(ReadOnlyInline):
    model = DisputeDocument
    fields = ["file", "original_name", "size", "uploaded_at"]
    readonly_fields = fields


class DisputeAcceptForm(forms.Form):
    note = forms.CharField(
        label=_("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the credit note as its reason (a default one if empty)."),
    )


class DisputeRejectForm(forms.Form):
    note = forms.CharField(
        label=_("why the dispute is rejected"), widget=forms.Textarea(attrs={"rows": 3})
    )
    new_due_date = forms.DateField(
        label=_("new due date"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("30 days from today if empty."),
    )


@admin.register(Dispute)
class DisputeAdmin(ServiceRowsAdmin):
    """BIL-8: disputed parts of invoices. Accepting issues a credit note set against the
    invoice; rejecting makes the amount due again by a new due date."""

    list_display = [
        "invoice",
        "client",
        "amount",
        "status",
        "opened_at",
        "decided_at",
        "credit_note",
        "new_due_date",
    ]
    list_filter = ["status"]
    search_fields = ["invoice__number", "client__legal_name", "client__siren", "reason"]
    list_select_related = ["invoice", "client", "credit_note"]
    fields = [
        "invoice",
        "client",
        "amount",
        "reason",
        "status",
        "opened_by",
        "opened_at",
        "decided_by",
        "decided_at",
        "decision_note",
        "credit_note",
        "new_due_date",
    ]
    readonly_fields = fields
    inlines = [DisputeDocumentInline]
    actions = ["accept", "reject"]

    # no add form: opened by the customer (portal) or its partner (API)

    @admin.action(description=_("Accept: issue a credit note…"), permissions=["act"])
    def accept(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.select_related("invoice"),
            DisputeAcceptForm,
            lambda dispute, data: dispute_accept(
                dispute=dispute, note=data["note"], actor=request.user
            ),
            title=gettext("Accept disputes"),
            intro=gettext(
                "A credit note of the disputed amount is issued, referencing the invoice, and "
                "set against what is left to pay on it."
            ),
            done_message=gettext("%(count)d dispute(s) accepted: credit note(s) issued."),
        )

    @admin.action(description=_("Reject: due again…"), permissions=["act"])
    def reject(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.select_related("invoice"),
            DisputeRejectForm,
            lambda dispute, data: dispute_reject(
                dispute=dispute,
                note=data["note"],
                new_due_date=data["new_due_date"],
                actor=request.user,
            ),
            title=gettext("Reject disputes"),
            intro=gettext("The disputed amount is due again by the new due date."),
            done_message=gettext("%(count)d dispute(s) rejected."),
        )
