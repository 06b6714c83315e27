"""Back office of the disputes (BIL-8): accepted (a credit note) or rejected (due again)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from kernel.admin import ServiceRowsAdmin, confirmed_form_action, credit_note_facts
from kernel.forms import error_text
from kernel.money import ZERO, money
from kernel.widgets import IsoDateInput
from payments.choices import DisputeStatus
from payments.models import Dispute, DisputeDocument
from payments.services.disputes import (
    dispute_accept,
    dispute_credit_note_preview,
    dispute_reject,
)

# What a document is sent as: the types ``dispute_open`` accepts, anything else as bytes.
DOCUMENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}
DOCUMENT_TYPES[".jpeg"] = DOCUMENT_TYPES[".jpg"]


class DisputeDocumentInline(ReadOnlyInline):
    """The customer's files, each a link to the staff download (never to /media/: not served
    in production, and to anyone, inline, with DEBUG)."""

    model = DisputeDocument
    fields = ["download", "size", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse("admin:payments_dispute_document", args=[document.dispute_id, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)


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


def _accept_facts(disputes) -> tuple[str, list[tuple[str, str]]]:
    """What accepting ``disputes`` issues: for each, the customer and its credit note's
    amounts (excl. VAT, VAT per rate, incl. VAT), correcting its invoice; one already decided
    or past what is left to credit is stated refused (nothing issued for it)."""
    facts, total = [], ZERO
    for dispute in disputes:
        facts.append((gettext("Customer"), str(dispute.client or dispute.partner)))
        try:
            if dispute.status != DisputeStatus.OPEN:
                raise ValidationError(gettext("This dispute is already decided."))
            groups, net, vat, gross = dispute_credit_note_preview(dispute)
        except ValidationError as refused:
            facts.append((gettext("Refused"), error_text(refused)))
            continue
        facts += credit_note_facts(dispute.invoice.number, groups, net, vat, gross)
        total += gross
    if len(disputes) == 1:
        question = gettext("Confirm the credit note of %(gross)s incl. VAT?")
    else:
        question = gettext("Confirm %(count)d credit notes of %(gross)s incl. VAT in all?")
    return question % {"gross": money(total), "count": len(disputes)}, facts


@admin.register(Dispute)
class DisputeAdmin(ServiceRowsAdmin):
    """BIL-8: disputed parts of invoices. Accepting issues a credit note set against the
    invoice; rejecting makes the amount due again by a new due date."""

    list_display = [
        "invoice",
        "client",
        "partner",
        "amount",
        "status",
        "opened_at",
        "decided_at",
        "credit_note",
        "new_due_date",
    ]
    list_filter = ["status"]
    search_fields = [
        "invoice__number",
        "client__legal_name",
        "client__siren",
        "partner__name",
        "partner__siren",
        "reason",
    ]
    list_select_related = ["invoice", "client", "partner", "credit_note"]
    fields = [
        "invoice",
        "client",
        "partner",
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

    # no add form: opened by the customer (portal) or its partner (API), or by a partner-billed
    # partner disputing its own monthly invoice (API, PLATFORM 12.6)

    def get_urls(self):
        return [
            path(
                "<int:pk>/documents/<int:document_pk>/",
                self.admin_site.admin_view(self.document_view),
                name="payments_dispute_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, pk, document_pk):
        """A supporting document as a download: ``attachment``, ``nosniff``, never cached."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        document = get_object_or_404(DisputeDocument, pk=document_pk, dispute_id=pk)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        extension = "." + document.original_name.rsplit(".", 1)[-1].lower()
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name,
            content_type=DOCUMENT_TYPES.get(extension, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("Accept: issue a credit note…"), permissions=["act"])
    def accept(self, request, queryset):
        """BIL-8 → BIL-9: the form (a note), then a confirmation stating each credit note
        (excl. VAT, VAT, incl. VAT, for whom, correcting which invoice); only its confirmation
        issues them, once (``kernel.admin.confirm_first``)."""
        disputes = list(queryset.select_related("invoice", "client", "partner").order_by("pk"))
        return confirmed_form_action(
            self,
            request,
            disputes,
            DisputeAcceptForm,
            title=gettext("Accept disputes"),
            intro=gettext(
                "A credit note of the disputed amount is issued, referencing the invoice, and "
                "set against what is left to pay on it."
            ),
            confirm=lambda data: _accept_facts(disputes),
            call=lambda dispute, data: dispute_accept(
                dispute=dispute, note=data["note"], actor=request.user
            ),
            done=ngettext_lazy(
                "%(count)d dispute accepted: its credit note is issued.",
                "%(count)d disputes accepted: their credit notes are issued.",
                "count",
            ),
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
            done_message=ngettext_lazy(
                "%(count)d dispute rejected.", "%(count)d disputes rejected.", "count"
            ),
        )
