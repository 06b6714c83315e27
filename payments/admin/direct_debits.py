"""Back office of the direct debits (BIL-4): pain.008 batches (preview, create, download,
settle) and the debits the bank rejects."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from kernel.admin import ServiceRowsAdmin
from kernel.forms import attach_errors
from kernel.inputs import typed_amount_field
from kernel.money import money as euros
from kernel.widgets import IsoDateInput
from payments.choices import BatchStatus, DebitStatus
from payments.models import DebitBatch, DirectDebit
from payments.services.direct_debits import (
    debit_batch_create,
    debit_batch_settle,
    debit_candidates,
    debit_reject,
)


class DirectDebitInline(ReadOnlyInline):
    model = DirectDebit
    fields = ["end_to_end_id", "invoice", "mandate", "sequence_type", "amount", "status"]
    readonly_fields = fields


class BatchForm(forms.Form):
    collection_date = forms.DateField(label=_("collection date"), widget=IsoDateInput())
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SettleConfirmForm(forms.Form):
    """Nothing to type: the intermediate page's "apply" confirms what it shows."""


@admin.register(DebitBatch)
class DebitBatchAdmin(ServiceRowsAdmin):
    """BIL-4: pain.008 files of the invoices due. "Add" previews then creates a batch for a
    collection date; "settle" records the collected debits as payments."""

    adds_through_service = True

    list_display = ["reference", "collection_date", "status", "count", "total", "xml_link"]
    list_filter = ["status"]
    search_fields = ["reference"]
    date_hierarchy = "collection_date"
    fields = [
        "reference",
        "collection_date",
        "status",
        "count",
        "total",
        "xml_link",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [DirectDebitInline]
    actions = ["settle"]

    @admin.display(description=_("pain.008 file"))
    def xml_link(self, batch):
        if batch.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}.xml</a>', self.admin_url("xml", batch.pk), batch.reference
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/xml/",
                self.admin_site.admin_view(self.xml_view),
                name="payments_debitbatch_xml",
            ),
            *super().get_urls(),
        ]

    def xml_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = DebitBatch.objects.filter(pk=pk).first()
        if batch is None:
            raise Http404
        return HttpResponse(
            batch.xml.encode(),
            content_type="application/xml",
            headers={"Content-Disposition": f'attachment; filename="{batch.reference}.xml"'},
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Choose the collection date, see what would be collected, confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BatchForm(request.POST if request.method == "POST" else None)
        title = gettext("Create a direct-debit batch")
        intro = gettext(
            "One collection per invoice whose undisputed balance is due by the collection "
            "date, for customers with an active mandate (FRST for a mandate's first one)."
        )
        if form.is_bound and form.is_valid():
            collection_date = form.cleaned_data["collection_date"]
            if form.cleaned_data["confirm"]:
                try:
                    batch = debit_batch_create(collection_date=collection_date, actor=request.user)
                except ValidationError as error:
                    attach_errors(form, error)
                else:
                    self.message_user(
                        request,
                        ngettext_lazy(
                            "Batch %(reference)s: %(count)d debit, %(total)s.",
                            "Batch %(reference)s: %(count)d debits, %(total)s.",
                            "count",
                        )
                        % {
                            "reference": batch.reference,
                            "count": batch.count,
                            "total": euros(batch.total),
                        },
                        messages.SUCCESS,
                    )
                    return redirect(self.admin_url("change", batch.pk))
            else:
                rows = debit_candidates(collection_date)
                if not rows:
                    form.add_error(
                        None, gettext("No invoice is due for direct debit by this date.")
                    )
                else:
                    data = request.POST.copy()
                    data["confirm"] = "1"
                    form = BatchForm(data)
                    form.is_valid()
                    intro = ngettext_lazy(
                        "%(count)d debit for a total of %(total)s on %(date)s. Confirm to create "
                        "the pain.008 file.",
                        "%(count)d debits for a total of %(total)s on %(date)s. Confirm to create "
                        "the pain.008 file.",
                        "count",
                    ) % {
                        "count": len(rows),
                        "total": euros(sum((amount for _i, _m, amount in rows), Decimal("0"))),
                        "date": collection_date.strftime("%d/%m/%Y"),
                    }
        return self.service_page(request, form, title=title, intro=intro)

    @admin.action(
        description=_("Settle: the bank collected the selected batches"), permissions=["act"]
    )
    def settle(self, request, queryset):
        """Settling records every pending debit of the batches as paid: the count and the total
        are shown and confirmed first (the intermediate page), as every decision that moves
        money."""
        batches = [batch for batch in queryset if batch.status == BatchStatus.CREATED]
        return self.service_form_action(
            request,
            queryset,
            SettleConfirmForm,
            lambda b, data: debit_batch_settle(batch=b, actor=request.user),
            title=gettext("Settle the direct-debit batches"),
            intro=ngettext_lazy(
                "The bank collected %(count)d debit for %(total)s: its invoice is recorded as "
                "paid. Confirm?",
                "The bank collected %(count)d debits for %(total)s: each invoice is recorded "
                "as paid. Confirm?",
                "count",
            )
            % {
                "count": sum(batch.count for batch in batches),
                "total": euros(sum((batch.total for batch in batches), Decimal("0"))),
            },
            done_message=gettext("%(count)d batch(es) settled."),
        )


class DebitRejectForm(forms.Form):
    reason = forms.CharField(label=_("reject reason"), max_length=120)
    bank_fee = typed_amount_field(
        _("bank fee (€)"),
        max_digits=14,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        help_text=_("Re-invoiced to the customer as a pending charge."),
    )
    rejected_on = forms.DateField(
        label=_("rejected on"),
        required=False,
        widget=IsoDateInput(),
        help_text=_("Today if empty."),
    )


@admin.register(DirectDebit)
class DirectDebitAdmin(ServiceRowsAdmin):
    list_display = [
        "end_to_end_id",
        "batch",
        "invoice",
        "customer",
        "amount",
        "sequence_type",
        "status",
        "rejected_on",
        "reject_reason",
        "reject_fee",
    ]
    list_filter = ["status", "sequence_type"]
    search_fields = [
        "end_to_end_id",
        "invoice__number",
        "invoice__client__legal_name",
        "invoice__client__siren",
    ]
    list_select_related = ["batch", "invoice__client"]
    fields = [
        "end_to_end_id",
        "batch",
        "invoice",
        "mandate",
        "sequence_type",
        "amount",
        "status",
        "payment",
        "rejected_on",
        "reject_reason",
        "reject_fee",
    ]
    readonly_fields = fields
    actions = ["reject"]

    # no add form: debits come from batches

    @admin.display(description=_("customer"))
    def customer(self, debit):
        return debit.invoice.client

    @admin.action(description=_("Record a reject by the bank…"), permissions=["act"])
    def reject(self, request, queryset):
        return self.service_form_action(
            request,
            queryset.exclude(status=DebitStatus.REJECTED),
            DebitRejectForm,
            lambda debit, data: debit_reject(
                debit=debit,
                reason=data["reason"],
                bank_fee=data["bank_fee"],
                rejected_on=data["rejected_on"],
                actor=request.user,
            ),
            title=gettext("Record rejected direct debits"),
            intro=gettext(
                "The payment is reversed (the invoice is due again) and the bank fee is "
                "re-invoiced as a pending charge."
            ),
            done_message=ngettext_lazy(
                "%(count)d debit recorded as rejected.",
                "%(count)d debits recorded as rejected.",
                "count",
            ),
        )
