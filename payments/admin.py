"""Back office of payments and collection (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10).

Every row here is written by ``payments.services`` (which also write the audit log): the add
pages are forms that call a service, and state changes are actions with a confirmation form.
Nothing is changed or deleted as a bare row (payments, allocations and ledger entries are
append-only).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from accounts.models import Client, Partner
from kernel.admin import ServiceRowsAdmin, run_each
from kernel.forms import attach_errors
from payments import services
from payments.choices import RECORDED_METHODS, DebitStatus, MandateStatus, PaymentMethod
from payments.models import (
    Allocation,
    CollectionCase,
    DebitBatch,
    DirectDebit,
    Dispute,
    DisputeDocument,
    EcbRate,
    Mandate,
    Payment,
    PrepaidEntry,
)

LATE_RATE_POINTS = Decimal("10")  # BIL-6: the late-payment rate is the ECB rate + 10 points


def _euros(amount) -> str:
    return f"{number_format(amount, 2, force_grouping=True)} €" if amount is not None else "—"


def _customers():
    return Client.objects.order_by("legal_name")


# --- ECB rates (BIL-6) ------------------------------------------------------------------------


class EcbRateForm(forms.Form):
    effective_on = forms.DateField(
        label=_("in force on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("1 January or 1 July: the rate in force that day counts for the half-year."),
    )
    rate = forms.DecimalField(label=_("ECB rate (%)"), max_digits=6, decimal_places=3)


@admin.register(EcbRate)
class EcbRateAdmin(ServiceRowsAdmin):
    """BIL-6: the ECB main refinancing rates kept by staff (L441-10). Adding a rate for a date
    that already has one replaces it (``services.ecb_rate_set``, audited)."""

    adds_through_service = True

    list_display = ["effective_on", "rate", "late_rate", "created_by", "created_at"]
    fields = ["effective_on", "rate", "late_rate", "created_by", "created_at"]
    readonly_fields = fields
    list_select_related = ["created_by"]

    @admin.display(description=_("late-payment rate (%)"))
    def late_rate(self, row):
        return row.rate + LATE_RATE_POINTS

    def _set(self, request):
        def call(data):
            row = services.ecb_rate_set(
                effective_on=data["effective_on"], rate=data["rate"], actor=request.user
            )
            return gettext("ECB rate in force on %(date)s: %(rate)s %%.") % {
                "date": row.effective_on.strftime("%d/%m/%Y"),
                "rate": row.rate,
            }, row

        return call

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.service_form(
            request, EcbRateForm, self._set(request), title=gettext("Set an ECB rate")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self.get_object(request, unquote(object_id))
        if row is None:
            raise Http404
        if not self.has_act_permission(request):
            return super().change_view(request, object_id, form_url, extra_context)
        return self.service_form(
            request,
            EcbRateForm,
            self._set(request),
            title=gettext("Change the ECB rate in force on %(date)s")
            % {"date": row.effective_on.strftime("%d/%m/%Y")},
            initial={"effective_on": row.effective_on, "rate": row.rate},
        )


# --- Payments (BIL-4) -------------------------------------------------------------------------


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fk_name = "payment"
    fields = ["invoice", "source", "amount", "on"]
    readonly_fields = fields
    verbose_name = _("settled invoice")
    verbose_name_plural = _("settled invoices")


class PaymentForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=_customers(), required=False)
    partner = forms.ModelChoiceField(
        label=_("partner"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text=_("A partner-billed partner paying its monthly invoice (ACC-3)."),
    )
    method = forms.ChoiceField(
        label=_("method"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in RECORDED_METHODS],
    )
    amount = forms.DecimalField(
        label=_("amount (€)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    received_on = forms.DateField(
        label=_("received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("bank reference"), max_length=80, required=False)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("client")) == bool(cleaned.get("partner")):
            raise ValidationError(_("Choose who paid: a customer or a partner."))
        return cleaned


@admin.register(Payment)
class PaymentAdmin(ServiceRowsAdmin):
    """BIL-4: money received. "Add" records a transfer, card payment or cheque
    (``services.payment_record``): it settles the payer's open invoices, oldest due first."""

    adds_through_service = True

    list_display = [
        "received_on",
        "payer",
        "method",
        "amount",
        "reference",
        "status",
        "recorded_by",
    ]
    list_filter = ["method", "status", ("received_on", admin.DateFieldListFilter)]
    search_fields = [
        "reference",
        "client__legal_name",
        "client__siren",
        "partner__name",
        "partner__legal_name",
    ]
    list_select_related = ["client", "partner", "recorded_by"]
    date_hierarchy = "received_on"
    fields = [
        "client",
        "partner",
        "method",
        "amount",
        "received_on",
        "reference",
        "status",
        "unallocated",
        "source_type",
        "source_id",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [AllocationInline]

    @admin.display(description=_("payer"))
    def payer(self, payment):
        return payment.client or payment.partner

    @admin.display(description=_("left on account"))
    def unallocated(self, payment):
        return _euros(services.payment_unallocated(payment))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            payment = services.payment_record(
                client=data["client"],
                partner=data["partner"],
                method=data["method"],
                amount=data["amount"],
                received_on=data["received_on"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Payment of %(amount)s recorded.") % {
                "amount": _euros(payment.amount)
            }, payment

        return self.service_form(
            request,
            PaymentForm,
            call,
            title=gettext("Record a payment"),
            intro=gettext(
                "The payment settles the payer's open invoices, oldest due first; what is left "
                "stays on account. Direct debits come from batches, prepaid top-ups from the "
                "prepaid ledger."
            ),
        )


# --- SEPA mandates (BIL-4) --------------------------------------------------------------------


class MandateForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=_customers())
    account_holder = forms.CharField(label=_("account holder"), max_length=70)
    iban = forms.CharField(label=_("IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC"), max_length=11)
    signed_on = forms.DateField(
        label=_("signature date"), widget=forms.DateInput(attrs={"type": "date"})
    )
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
            mandate = services.mandate_create(
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
            lambda m: services.mandate_revoke(mandate=m, actor=request.user),
            gettext("%(count)d mandate(s) revoked."),
        )


# --- Direct-debit batches and debits (BIL-4) --------------------------------------------------


class DirectDebitInline(ReadOnlyInline):
    model = DirectDebit
    fields = ["end_to_end_id", "invoice", "mandate", "sequence_type", "amount", "status"]
    readonly_fields = fields


class BatchForm(forms.Form):
    collection_date = forms.DateField(
        label=_("collection date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


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
                    batch = services.debit_batch_create(
                        collection_date=collection_date, actor=request.user
                    )
                except ValidationError as error:
                    attach_errors(form, error)
                else:
                    self.message_user(
                        request,
                        gettext("Batch %(reference)s: %(count)d debit(s), %(total)s.")
                        % {
                            "reference": batch.reference,
                            "count": batch.count,
                            "total": _euros(batch.total),
                        },
                        messages.SUCCESS,
                    )
                    return redirect(self.admin_url("change", batch.pk))
            else:
                rows = services.debit_candidates(collection_date)
                if not rows:
                    form.add_error(
                        None, gettext("No invoice is due for direct debit by this date.")
                    )
                else:
                    data = request.POST.copy()
                    data["confirm"] = "1"
                    form = BatchForm(data)
                    form.is_valid()
                    intro = gettext(
                        "%(count)d debit(s) for a total of %(total)s on %(date)s. Confirm to "
                        "create the pain.008 file."
                    ) % {
                        "count": len(rows),
                        "total": _euros(sum((amount for _i, _m, amount in rows), Decimal("0"))),
                        "date": collection_date.strftime("%d/%m/%Y"),
                    }
        return self.service_page(request, form, title=title, intro=intro)

    @admin.action(
        description=_("Settle: the bank collected the selected batches"), permissions=["act"]
    )
    def settle(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda b: services.debit_batch_settle(batch=b, actor=request.user),
            gettext("%(count)d batch(es) settled."),
        )


class DebitRejectForm(forms.Form):
    reason = forms.CharField(label=_("reject reason"), max_length=120)
    bank_fee = forms.DecimalField(
        label=_("bank fee (€)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        help_text=_("Re-invoiced to the customer as a pending charge."),
    )
    rejected_on = forms.DateField(
        label=_("rejected on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
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
    search_fields = ["end_to_end_id", "invoice__number", "invoice__client__legal_name"]
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
            lambda debit, data: services.debit_reject(
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
            done_message=gettext("%(count)d debit(s) recorded as rejected."),
        )


# --- Disputes (BIL-8) -------------------------------------------------------------------------


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
        widget=forms.DateInput(attrs={"type": "date"}),
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
            lambda dispute, data: services.dispute_accept(
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
            lambda dispute, data: services.dispute_reject(
                dispute=dispute,
                note=data["note"],
                new_due_date=data["new_due_date"],
                actor=request.user,
            ),
            title=gettext("Reject disputes"),
            intro=gettext("The disputed amount is due again by the new due date."),
            done_message=gettext("%(count)d dispute(s) rejected."),
        )


# --- Dunning queue (BIL-7) --------------------------------------------------------------------


@admin.register(CollectionCase)
class CollectionCaseAdmin(ServiceRowsAdmin):
    """BIL-7: the collection state of every issued invoice (reminders, stage). Filter on
    "Suspension proposed" for the dunning queue; suspending acts on the whole customer."""

    list_display = [
        "invoice",
        "client",
        "due_date",
        "amount_due",
        "stage",
        "first_reminder_on",
        "second_reminder_on",
        "suspension_proposed_on",
        "settled_on",
    ]
    list_filter = ["stage"]
    search_fields = ["invoice__number", "client__legal_name", "client__siren"]
    list_select_related = ["invoice", "client"]
    fields = [
        "invoice",
        "client",
        "due_date",
        "amount_due",
        "stage",
        "first_reminder_on",
        "second_reminder_on",
        "suspension_proposed_on",
        "settled_on",
        "late_charges_posted",
    ]
    readonly_fields = fields
    actions = ["suspend_customer"]

    # no add form: written by the daily collection job

    @admin.display(description=_("due date"), ordering="invoice__due_date")
    def due_date(self, case):
        return case.invoice.due_date

    @admin.display(description=_("amount due"))
    def amount_due(self, case):
        return _euros(case.invoice.amount_due)

    @admin.action(
        description=_("Suspend the customer's services for non-payment"), permissions=["act"]
    )
    def suspend_customer(self, request, queryset):
        clients = Client.objects.filter(
            pk__in=queryset.filter(client__isnull=False).values("client_id")
        )

        def suspend(client):
            made = services.client_suspend_for_non_payment(client=client, actor=request.user)
            self.message_user(
                request,
                gettext("%(client)s: %(count)d contract(s) suspended.")
                % {"client": client, "count": len(made)},
                messages.INFO,
            )

        run_each(
            self,
            request,
            clients,
            suspend,
            gettext("%(count)d customer(s) suspended for non-payment."),
        )


# --- Prepaid ledger (BIL-10) ------------------------------------------------------------------


class TopUpForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=_customers())
    amount_received = forms.DecimalField(
        label=_("amount received (€)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    bank_fee = forms.DecimalField(
        label=_("bank fee (€)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
        required=False,
    )
    received_on = forms.DateField(
        label=_("received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reference = forms.CharField(label=_("bank reference"), max_length=80)


class RefundForm(forms.Form):
    client = forms.ModelChoiceField(label=_("customer"), queryset=_customers())
    amount = forms.DecimalField(
        label=_("amount (€)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    reference = forms.CharField(label=_("bank reference"), max_length=80)


@admin.register(PrepaidEntry)
class PrepaidEntryAdmin(ServiceRowsAdmin):
    """BIL-10: the append-only prepaid ledger. "Add" records a top-up received (net of the bank
    fee); "Refund a balance" pays part of a balance back."""

    adds_through_service = True

    list_display = [
        "created_at",
        "client",
        "kind",
        "amount",
        "balance_after",
        "bank_fee",
        "description",
        "reference",
    ]
    list_filter = ["kind", "overdraft"]
    search_fields = ["account__client__legal_name", "account__client__siren", "reference"]
    list_select_related = ["account__client"]
    fields = [
        "client",
        "kind",
        "amount",
        "balance_after",
        "bank_fee",
        "description",
        "reference",
        "source_type",
        "source_id",
        "overdraft",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("customer"), ordering="account__client__legal_name")
    def client(self, entry):
        return entry.account.client

    def get_urls(self):
        return [
            path(
                "refund/",
                self.admin_site.admin_view(self.refund_view),
                name="payments_prepaidentry_refund",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            entry = services.prepaid_topup_record(
                client=data["client"],
                amount_received=data["amount_received"],
                received_on=data["received_on"],
                reference=data["reference"],
                bank_fee=data["bank_fee"] or Decimal("0"),
                actor=request.user,
            )
            return gettext("Top-up of %(amount)s credited; balance %(balance)s.") % {
                "amount": _euros(entry.amount),
                "balance": _euros(entry.balance_after),
            }, entry

        return self.service_form(
            request,
            TopUpForm,
            call,
            title=gettext("Record a prepaid top-up"),
            intro=gettext("A top-up counts once received, net of the bank's fee."),
        )

    def refund_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def call(data):
            entry = services.prepaid_refund(
                client=data["client"],
                amount=data["amount"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Refund of %(amount)s recorded; balance %(balance)s.") % {
                "amount": _euros(-entry.amount),
                "balance": _euros(entry.balance_after),
            }, entry

        return self.service_form(
            request,
            RefundForm,
            call,
            title=gettext("Refund a prepaid balance"),
            intro=gettext("Never more than the customer's balance."),
        )
