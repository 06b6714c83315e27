"""Pending charges, invoice runs, invoices and credit notes (BIL-1, BIL-2, BIL-3, BIL-5, BIL-9).

Issued documents never change: the model refuses it and, on PostgreSQL, a trigger refuses it too.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Partner, User
from billing.choices import ChargeKind, DocumentKind, DocumentStatus, RunStatus, VatCategory
from kernel.money import money
from offers.models import Contract, ContractLine

PRICE = {"max_digits": 14, "decimal_places": 4}
MONEY = {"max_digits": 14, "decimal_places": 2}


class PendingCharge(models.Model):
    """A request to be paid, from any app (subscriptions, consumption, orders, penalties…).

    Keyed by its **source** (what caused it) and period, not by its kind: the unique constraint
    makes each charge invoiceable exactly once (BIL-1).

    Its buyer is a customer (``client``: invoiced to it, or to its partner in partner-billed
    mode, on a line naming it), or a partner-billed partner itself (``partner``: the late
    interest and recovery indemnity of the partner's own monthly invoice, BIL-6) — exactly one.
    """

    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        related_name="charges",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="own_charges",
        help_text=_("A partner-billed partner's own charge (the late charges of its invoices)."),
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
    )
    contract_line = models.ForeignKey(
        ContractLine,
        verbose_name=_("contract line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind)
    source_type = models.CharField(_("source type"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=64)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), null=True, blank=True, help_text=_("Exclusive."))
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4, default=1)
    unit_price = models.DecimalField(_("unit price (€ excl. VAT)"), **PRICE)
    vat_category = models.CharField(
        _("VAT"),
        max_length=2,
        choices=VatCategory,
        blank=True,
        help_text=_("Empty: the customer's regime decides."),
    )
    is_paid = models.BooleanField(_("already paid"), default=False)
    # BIL-3: what a charge without a contract (an equipment sale) bills, printed on its line:
    # the customer's purchase order (Code de commerce L441-9) and the site.
    purchase_order_ref = models.CharField(_("purchase order"), max_length=50, blank=True)
    site_name = models.CharField(_("site"), max_length=120, blank=True)
    # BIL-3: goods sold (equipment) — where they are delivered ({"name", "line1", "line2",
    # "postcode", "city", "country"}); empty for a service.
    delivery_address = models.JSONField(_("delivery address"), default=dict, blank=True)
    invoice_line = models.OneToOneField(
        "InvoiceLine",
        verbose_name=_("invoice line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="charge",
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["client", "period_start", "id"]
        verbose_name = _("pending charge")
        verbose_name_plural = _("pending charges")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "period_start"],
                name="one_charge_per_source_and_period",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False, partner__isnull=True)
                | Q(client__isnull=True, partner__isnull=False),
                name="charge_one_buyer",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "invoice_line"]),
            # The partner API's list order (kernel.sql_lists pages on it: issue 13).
            models.Index(fields=["-period_start", "-id"], name="charge_newest"),
        ]

    def __str__(self):
        return self.description


class Counter(models.Model):
    """BIL-2: the last number given in a series and year. Incremented under a row lock inside
    the issuing transaction, so numbers have no gap (a rollback gives the number back)."""

    series = models.CharField(_("series"), max_length=4)
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["series", "year"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_counter_per_series_year")
        ]

    def __str__(self):
        return f"{self.series}{self.year}: {self.last_number}"


class InvoiceRun(models.Model):
    """BIL-1: the month-end run of month M (progress and errors, for staff to watch)."""

    month = models.DateField(_("month"), unique=True, help_text=_("First day of month M."))
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus, default=RunStatus.PENDING
    )
    total = models.PositiveIntegerField(_("bill-to parties"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # BIL-1: the batches whose outcome is in done/failed (each known by its first buyer), so
    # that a batch delivered twice is counted once.
    batches_counted = models.JSONField(
        _("batches counted"), default=list, blank=True, editable=False
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        User,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class InvoicePurpose(models.TextChoices):
    """BIL-1 / BIL-6: what a run invoice carries. A buyer gets at most one of each per month:
    the regular invoice (everything taxable), and the late-charges invoice (late interest and
    recovery indemnities, outside the scope of VAT: EN 16931 BR-O-11 forbids an "O" VAT group
    beside any other on one invoice)."""

    REGULAR = "regular", _("Services and charges")
    LATE_CHARGES = "late_charges", _("Late-payment charges")


class Invoice(models.Model):
    """An invoice (type 380) or a credit note (type 381). Drafts have no number; an issued
    document is immutable (BIL-2). The buyer is a customer, or a partner in partner-billed mode.
    """

    kind = models.CharField(
        _("kind"), max_length=12, choices=DocumentKind, default=DocumentKind.INVOICE
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DocumentStatus, default=DocumentStatus.DRAFT
    )
    series = models.CharField(_("series"), max_length=4)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=20, null=True, blank=True, unique=True)
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    run = models.ForeignKey(
        InvoiceRun,
        verbose_name=_("run"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    month = models.DateField(_("month"), null=True, blank=True)
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=InvoicePurpose, default=InvoicePurpose.REGULAR
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("corrected invoice"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # BIL-6: a late-charges invoice refers to the late invoices whose interest and indemnity it
    # bills (EN 16931 BT-25, "preceding invoice reference"); written when it is issued.
    preceding_invoices = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="late_charges_invoices",
        verbose_name=_("late invoices"),
    )
    seller = models.JSONField(_("seller"), default=dict)
    buyer = models.JSONField(_("buyer"), default=dict)
    vat_breakdown = models.JSONField(_("VAT breakdown"), default=list)
    total_net = models.DecimalField(_("total excl. VAT"), default=0, **MONEY)
    total_vat = models.DecimalField(_("total VAT"), default=0, **MONEY)
    total_gross = models.DecimalField(_("total incl. VAT"), default=0, **MONEY)
    credit_applied = models.DecimalField(_("credit notes applied"), default=0, **MONEY)
    paid_in_advance = models.DecimalField(_("already paid"), default=0, **MONEY)
    amount_due = models.DecimalField(_("amount due"), default=0, **MONEY)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-sequence"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "sequence"], name="gapless_number_unique"
            ),
            # BIL-1: the last guard of the run — one invoice per buyer, month and purpose (the
            # regular invoice, and the late-charges invoice of BIL-6).
            models.UniqueConstraint(
                fields=["client", "month", "purpose"],
                condition=Q(kind="invoice", run__isnull=False),
                name="one_run_invoice_per_client_month_purpose",
            ),
            models.UniqueConstraint(
                fields=["partner", "month", "purpose"],
                condition=Q(kind="invoice", run__isnull=False),
                name="one_run_invoice_per_partner_month_purpose",
            ),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(partner__isnull=False),
                name="invoice_has_buyer",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | Q(status="issued", number__isnull=False),
                name="issued_documents_are_numbered",
            ),
            models.CheckConstraint(condition=Q(total_net__gte=0), name="totals_not_negative"),
        ]
        indexes = [
            models.Index(fields=["client", "status"]),
            # The partner API's newest issued documents first (issue 13): a page walks this
            # index and stops after its rows instead of sorting every document of the partner;
            # the page's count reads the owners from it (an index-only scan, not the wide rows).
            models.Index(
                fields=["-issue_date", "-id"],
                include=["client", "partner"],
                condition=Q(status="issued"),
                name="invoice_issued_newest",
            ),
        ]

    def __str__(self):
        return self.number or _("Draft %(pk)s") % {"pk": self.pk}

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = Invoice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == DocumentStatus.ISSUED:
                raise ValueError("An issued invoice or credit note is never changed (BIL-2).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_issued:
            raise ValueError("An issued invoice or credit note is never deleted (BIL-2).")
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.status == DocumentStatus.ISSUED


class InvoiceLine(models.Model):
    """One line: what it bills (contract, site, period), quantity, unit price HT, VAT; its net
    amount is rounded half-up to the cent once, when the line is made."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveIntegerField(_("position"))
    end_client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("end customer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChargeKind)
    description = models.CharField(_("description"), max_length=255)
    contract_reference = models.CharField(_("contract"), max_length=20, blank=True)
    site_name = models.CharField(_("site"), max_length=120, blank=True)
    purchase_order_ref = models.CharField(_("purchase order"), max_length=50, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(_("unit price (€ excl. VAT)"), **PRICE)
    net_amount = models.DecimalField(_("amount excl. VAT"), **MONEY)
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    is_paid = models.BooleanField(_("already paid"), default=False)
    # BIL-3 (2026 reform): where goods were delivered, when not at the buyer's address.
    delivery_address = models.JSONField(_("delivery address"), default=dict, blank=True)
    # BIL-9: on a credit note, the invoice line it credits — the credits of a line never exceed
    # what it billed. Empty on an invoice, and on the credit notes issued before the link.
    credited_line = models.ForeignKey(
        "self",
        verbose_name=_("credited invoice line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="line_position_unique"),
            # BIL-9: never a negative invoice line — corrections are credit notes.
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="line_not_negative"),
        ]

    def __str__(self):
        return self.description


class CreditAllocation(models.Model):
    """BIL-9: part of a credit note set against an invoice ("credit notes applied")."""

    credit_note = models.ForeignKey(
        Invoice, verbose_name=_("credit note"), on_delete=models.PROTECT, related_name="allocations"
    )
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        related_name="credit_allocations",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit allocation")
        verbose_name_plural = _("credit allocations")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")
        ]

    def __str__(self):
        return f"{self.credit_note} → {self.invoice}: {money(self.amount)}"


class Refund(models.Model):
    """Money paid back by transfer (a credit note's, a payment's left on account): its amount,
    day, the transfer's reference and who recorded it. What is refunded is never set against an
    invoice afterwards."""

    amount = models.DecimalField(_("amount"), **MONEY)
    refunded_on = models.DateField(_("refunded on"))
    reference = models.CharField(_("transfer reference"), max_length=100)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]


class CreditRefund(Refund):
    """BIL-9: part of a credit note paid back to its buyer instead of being set against an
    invoice (a customer leaving with credit left, say)."""

    credit_note = models.ForeignKey(
        Invoice, verbose_name=_("credit note"), on_delete=models.PROTECT, related_name="refunds"
    )

    class Meta(Refund.Meta):
        verbose_name = _("credit note refund")
        verbose_name_plural = _("credit note refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_positive")]

    def __str__(self):
        return f"{self.credit_note} → {self.reference}: {money(self.amount)}"


class InvoiceDocument(models.Model):
    """The PDF/A-3 with its Factur-X XML, rendered after issue and kept (the invoice row itself
    never changes). Re-rendering the same invoice gives the same bytes."""

    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="document"
    )
    pdf = models.FileField(_("pdf"), upload_to="invoices/%Y/")
    sha256 = models.CharField(_("sha256"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now=True)

    class Meta:
        verbose_name = _("invoice document")
        verbose_name_plural = _("invoice documents")

    def __str__(self):
        return self.pdf.name


ZERO = Decimal("0")
