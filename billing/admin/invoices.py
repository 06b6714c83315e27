"""Back office of issued invoices and credit notes (BIL-2, BIL-3, BIL-9): read-only documents,
their PDF, and the action that corrects an invoice with a credit note."""

import io
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import floatformat
from django.urls import path, reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from accounts.models import Partner
from billing import documents
from billing.choices import DocumentKind, DocumentStatus, VatCategory
from billing.models import CreditAllocation, CreditRefund, Invoice, InvoiceLine
from billing.services.credit_notes import (
    CreditLine,
    credit_line_vat,
    credit_note_issue,
    credit_note_refund,
    credit_remaining,
)
from billing.services.credited_lines import lines_left_to_credit
from kernel.admin import ServiceRowsAdmin
from kernel.inputs import parse_month, typed_amount_field
from kernel.money import money, money_number, percent, price_places, round_money


def _euros(amount) -> str:
    return f"{number_format(amount, 2, force_grouping=True)} €" if amount is not None else "—"


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = [
        "position",
        "description",
        "end_client",
        "contract_reference",
        "period_start",
        "period_end",
        "quantity",
        "unit_price",
        "vat_rate",
        "net_amount",
        "credits_line",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("credited_line__invoice")

    @admin.display(description=_("credits"))
    def credits_line(self, line):
        """BIL-9: on a credit note, the invoice line it credits."""
        credited = line.credited_line
        if credited is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:billing_invoice_change", args=[credited.invoice_id]),
            gettext("%(number)s, line %(position)s")
            % {"number": credited.invoice.number, "position": credited.position},
        )


class CreditAppliedInline(ReadOnlyInline):
    """BIL-9: the credit notes set against this invoice ("credit notes applied")."""

    model = CreditAllocation
    fk_name = "invoice"
    fields = ["credit_note", "amount", "created_at"]
    readonly_fields = fields
    verbose_name = _("credit note applied")
    verbose_name_plural = _("credit notes applied")


class CreditUsedInline(ReadOnlyInline):
    """BIL-9: the invoices this credit note was set against."""

    model = CreditAllocation
    fk_name = "credit_note"
    fields = ["invoice", "amount", "created_at"]
    readonly_fields = fields
    verbose_name = _("applied to invoice")
    verbose_name_plural = _("applied to invoices")


class CreditRefundInline(ReadOnlyInline):
    """BIL-9: what was paid back of this credit note."""

    model = CreditRefund
    fk_name = "credit_note"
    fields = ["amount", "refunded_on", "reference", "created_by", "created_at"]
    readonly_fields = fields
    verbose_name = _("refund")
    verbose_name_plural = _("refunds")


class IssueMonthFilter(admin.SimpleListFilter):
    title = _("month")
    parameter_name = "issued"

    def lookups(self, request, model_admin):
        months = Invoice.objects.dates("issue_date", "month", order="DESC")
        return [(f"{m:%Y-%m}", date_format(m, "YEAR_MONTH_FORMAT")) for m in months]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            month = parse_month(self.value())  # YYYY-MM in 2000–2100 (year 0 was a 500)
        except ValidationError:
            return queryset.none()
        return queryset.filter(issue_date__year=month.year, issue_date__month=month.month)


class PartnerFilter(admin.SimpleListFilter):
    """ACC-3: a partner's documents — its own monthly invoices and its customers' ones."""

    title = _("partner")
    parameter_name = "partner"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.name) for p in Partner.objects.order_by("name")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not (value.isascii() and value.isdigit()):  # not an id ("abc" was a 500): no row
            return queryset.none()
        return queryset.filter(Q(partner_id=value) | Q(client__partner_id=value))


def _vat_group_label(group: dict) -> str:
    """« Taux normal (20 %) », « Autoliquidation (0 %) »: a VAT group of an invoice."""
    rate = Decimal(group["rate"])
    figure = number_format(rate, price_places(rate, 0, 2))
    return f"{VatCategory(group['category']).label} ({percent(figure)})"


class CreditNoteForm(forms.Form):
    amount = typed_amount_field(_("amount excl. VAT (€)"))
    description = forms.CharField(
        label=_("description"), max_length=255, widget=forms.TextInput(attrs={"size": 80})
    )
    vat_category = forms.ChoiceField(
        label=_("VAT"),
        required=False,
        help_text=_(
            "BIL-9: a credit is at a VAT rate the invoice charged — the line's when a line is "
            "chosen; on an invoice with several rates, choose one."
        ),
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=255,
        help_text=_("Printed on the credit note: why the invoice is corrected (BIL-9)."),
        widget=forms.TextInput(attrs={"size": 80}),
    )
    line = forms.TypedChoiceField(
        label=_("invoice line credited"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "BIL-9: a line is never credited beyond what it billed. Without a line, the amount "
            "goes to the lines with the most left to credit."
        ),
    )

    def __init__(self, *args, invoice=None, **kwargs):
        super().__init__(*args, **kwargs)
        lines = list(invoice.lines.order_by("position")) if invoice is not None else []
        left = lines_left_to_credit(lines)
        # BIL-9: the VAT groups the invoice charged, "category:rate" (never the customer's
        # regime of today): one to choose on an invoice with several (AE services beside
        # equipment at 20 %).
        groups = invoice.vat_breakdown if invoice is not None else []
        self.fields["vat_category"].choices = [
            ("", _("The line's VAT, else the invoice's one rate"))
        ] + [(f"{g['category']}:{g['rate']}", _vat_group_label(g)) for g in groups]
        self.lines = {line.pk: line for line in lines}
        self.fields["line"].choices = [("", _("Any line (the most left first)"))] + [
            (
                line.pk,
                gettext("%(position)s. %(description)s — %(left)s left excl. VAT")
                % {
                    "position": line.position,
                    "description": line.description[:80],
                    "left": _euros(left[line.pk]),
                },
            )
            for line in lines
        ]


class CreditRefundForm(forms.Form):
    amount = typed_amount_field(_("amount incl. VAT (€)"))
    refunded_on = forms.DateField(label=_("refunded on"))
    reference = forms.CharField(
        label=_("transfer reference"), max_length=100, widget=forms.TextInput(attrs={"size": 40})
    )


@admin.register(Invoice)
class InvoiceAdmin(ServiceRowsAdmin):
    """Issued invoices and credit notes: read-only (BIL-2). "Issue a credit note" corrects an
    invoice through ``credit_note_issue``. Never added (issued by the run or by a credit note,
    never typed in), changed (BIL-2: an issued document never changes) nor deleted."""

    list_display = [
        "number",
        "kind",
        "buyer_name",
        "issue_date",
        "due_date",
        "total_gross",
        "credit_applied",
        "amount_due",
        "pdf_link",
    ]
    list_filter = ["kind", "status", IssueMonthFilter, PartnerFilter]
    search_fields = [
        "number",
        "client__legal_name",
        "client__siren",
        "partner__name",
        "partner__legal_name",
        "partner__siren",
    ]
    list_select_related = ["client", "partner"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "kind",
                    "status",
                    "buyer_name",
                    "client",
                    "partner",
                    "run",
                    "month",
                    "issue_date",
                    "due_date",
                    "pdf_link",
                ]
            },
        ),
        (_("Correction"), {"fields": ["corrects", "reason", "created_by"]}),
        (
            _("Totals"),
            {
                "fields": [
                    "vat_table",
                    "total_net",
                    "total_vat",
                    "total_gross",
                    "credit_applied",
                    "paid_in_advance",
                    "amount_due",
                ]
            },
        ),
    ]
    readonly_fields = [name for _title, block in fieldsets for name in block["fields"]]
    actions = ["issue_credit_note", "refund_credit_note"]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind == DocumentKind.CREDIT_NOTE:
            return [InvoiceLineInline, CreditUsedInline, CreditRefundInline]
        return [InvoiceLineInline, CreditAppliedInline]

    def has_credit_permission(self, request) -> bool:
        """A credit note is a new document: issuing one needs the model's add right
        (ModelAdmin's check: the bare add form stays hidden)."""
        return admin.ModelAdmin.has_add_permission(self, request)

    # --- display ---

    @admin.display(description=_("buyer"))
    def buyer_name(self, invoice):
        return (invoice.buyer or {}).get("name") or invoice.client or invoice.partner

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice):
        if invoice.pk is None or not invoice.is_issued:
            return "—"
        url = reverse("admin:billing_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, f"{invoice.number}.pdf")

    @admin.display(description=_("VAT breakdown"))
    def vat_table(self, invoice):
        if not invoice.vat_breakdown:
            return "—"
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("category"),
            gettext("rate (%)"),
            gettext("taxable (€)"),
            gettext("VAT (€)"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        g["category"],
                        floatformat(g["rate"], -2),
                        money_number(Decimal(g["taxable"])),
                        money_number(Decimal(g["vat"])),
                    )
                    for g in invoice.vat_breakdown
                ),
            ),
        )

    # --- views ---

    def get_urls(self):
        return [
            path(
                "<int:pk>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="billing_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("client__partner", "corrects").filter(
                status=DocumentStatus.ISSUED
            ),
            pk=pk,
        )
        return FileResponse(
            io.BytesIO(documents.invoice_pdf_bytes(invoice)),
            as_attachment=True,
            filename=f"{invoice.number}.pdf",
            content_type="application/pdf",
        )

    # --- actions ---

    @admin.action(description=_("Issue a credit note (BIL-9)…"), permissions=["credit"])
    def issue_credit_note(self, request, queryset):
        invoices = list(queryset.select_related("client")[:2])
        if len(invoices) != 1:
            self.message_user(
                request, gettext("Select one invoice to issue a credit note."), messages.ERROR
            )
            return None
        invoice = invoices[0]
        if invoice.kind != DocumentKind.INVOICE:
            self.message_user(
                request,
                gettext("A credit note corrects an invoice, not another credit note."),
                messages.ERROR,
            )
            return None
        credited = invoice.credit_notes.aggregate(total=Sum("total_net"))["total"] or 0
        creditable = invoice.total_net - credited
        form = CreditNoteForm(
            request.POST if "apply" in request.POST else None,
            invoice=invoice,
            initial={
                "description": gettext("Correction of invoice %(number)s")
                % {"number": invoice.number}
            },
        )

        def credit_line(data):
            category, _sep, rate = data["vat_category"].partition(":")
            return CreditLine(
                description=data["description"],
                amount=data["amount"],
                vat_category=category,
                vat_rate=Decimal(rate) if rate else None,
                invoice_line=form.lines.get(data["line"]),
            )

        def confirm(data):
            """BIL-9: what the credit note will be — net, VAT at the rate it credits, gross —,
            for whom and against which invoice, stated before anything is issued."""
            line = credit_line(data)
            category, rate = credit_line_vat(line, corrects=invoice)
            net = round_money(data["amount"])
            vat = round_money(net * rate / 100)
            buyer = invoice.client or invoice.partner
            question = gettext("Confirm the credit note of %(gross)s incl. VAT?") % {
                "gross": money(net + vat)
            }
            return question, [
                (gettext("Customer"), str(buyer)),
                (gettext("To be issued"), gettext("A credit note (series A) correcting invoice "
                                            "%(number)s") % {"number": invoice.number}),
                (gettext("Amount excl. VAT"), money(net)),
                (gettext("VAT"), f"{money(vat)} ({category} {percent(floatformat(rate, -2))})"),
                (gettext("Amount incl. VAT"), money(net + vat)),
                (gettext("Reason"), data["reason"]),
            ]  # fmt: skip

        def issue(data):
            note = credit_note_issue(
                corrects=invoice, lines=[credit_line(data)], reason=data["reason"],
                actor=request.user,
            )  # fmt: skip
            return gettext("Credit note %(note)s issued, correcting %(invoice)s.") % {
                "note": note.number,
                "invoice": invoice.number,
            }, note

        return self.service_submit(
            request,
            form,
            issue,
            title=gettext("Issue a credit note for %(number)s") % {"number": invoice.number},
            intro=gettext(
                "The credit note (series A, its own numbering) references invoice "
                "%(number)s and is first set against what is left to pay on it, then against "
                "the buyer's next invoices. At most %(creditable)s excl. VAT can still be "
                "credited on this invoice."
            )
            % {"number": invoice.number, "creditable": _euros(creditable)},
            queryset=[invoice],
            confirm=confirm,
        )

    @admin.action(
        description=_("Refund what is left of a credit note (BIL-9)…"), permissions=["credit"]
    )
    def refund_credit_note(self, request, queryset):
        notes = list(queryset[:2])
        if len(notes) != 1 or notes[0].kind != DocumentKind.CREDIT_NOTE:
            self.message_user(request, gettext("Select one credit note to refund."), messages.ERROR)
            return None
        note = notes[0]
        left = credit_remaining(note)
        form = CreditRefundForm(
            request.POST if "apply" in request.POST else None, initial={"amount": left}
        )

        def confirm(data):
            """BIL-9: the transfer (incl. VAT), the credit note it pays back (its amounts excl.
            and incl. VAT), to whom and what is left on it, stated before it is recorded."""
            amount = round_money(data["amount"])
            return gettext("Confirm the refund of %(gross)s incl. VAT?") % {
                "gross": money(amount)
            }, [
                (gettext("Customer"), str(note.client or note.partner)),
                (gettext("Credit note"), gettext("%(number)s: %(net)s excl. VAT, %(gross)s incl. "
                                                 "VAT") % {"number": note.number,
                                                           "net": money(note.total_net),
                                                           "gross": money(note.total_gross)}),
                (gettext("Refunded incl. VAT"), money(amount)),
                (gettext("Left on the credit note incl. VAT"), money(left - amount)),
                (gettext("Transfer"), f"{data['reference']} — {date_format(data['refunded_on'])}"),
            ]  # fmt: skip

        def refund(data):
            credit_note_refund(
                credit_note=note,
                amount=data["amount"],
                refunded_on=data["refunded_on"],
                reference=data["reference"],
                actor=request.user,
            )
            return gettext("Refund of %(amount)s recorded on credit note %(note)s.") % {
                "amount": _euros(data["amount"]),
                "note": note.number,
            }, note

        return self.service_submit(
            request,
            form,
            refund,
            title=gettext("Refund credit note %(number)s") % {"number": note.number},
            intro=gettext(
                "Record the transfer that pays the buyer back. %(left)s incl. VAT is left on this "
                "credit note; what is refunded is no longer set against the next invoices."
            )
            % {"left": _euros(left)},
            queryset=[note],
            confirm=confirm,
        )
