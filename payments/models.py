"""Payments, allocations, SEPA mandates and batches, disputes, the ECB rate table, dunning
cases and the prepaid ledger (BIL-4, BIL-6, BIL-7, BIL-8, BIL-10).

Invoices never change (BIL-2): what is paid, disputed or late about an invoice lives here, in
append-only rows (payments, allocations, ledger entries) and in one mutable collection case per
invoice (reminders sent, stage).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Partner, User
from billing.models import Invoice, Refund
from kernel.languages import reads_english
from kernel.money import money
from payments.choices import (
    AllocationSource,
    BatchStatus,
    DebitStatus,
    DisputeStatus,
    DunningStage,
    MandateStatus,
    PaymentMethod,
    PaymentStatus,
    PrepaidKind,
    SequenceType,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class EcbRate(models.Model):
    """BIL-6: the ECB main refinancing rate in force on 1 January or 1 July (L441-10), kept by
    staff. The late-payment rate of a half-year is this rate + 10 points."""

    effective_on = models.DateField(
        _("in force on"), unique=True, help_text=_("1 January or 1 July.")
    )
    rate = models.DecimalField(_("ECB rate (%)"), max_digits=6, decimal_places=3)
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
        ordering = ["-effective_on"]
        verbose_name = _("ECB rate")
        verbose_name_plural = _("ECB rates")

    def __str__(self):
        return f"{self.effective_on}: {self.rate} %"


class Mandate(models.Model):
    """BIL-4: a customer's SEPA direct-debit mandate (CORE)."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="mandates"
    )
    reference = models.CharField(_("mandate reference (UMR)"), max_length=35, unique=True)
    account_holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11)
    signed_on = models.DateField(_("signature date"))
    status = models.CharField(
        _("status"), max_length=10, choices=MandateStatus, default=MandateStatus.ACTIVE
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
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
        ordering = ["client", "-signed_on"]
        verbose_name = _("SEPA mandate")
        verbose_name_plural = _("SEPA mandates")
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(status="active"), name="one_active_mandate"
            )
        ]

    def __str__(self):
        return self.reference

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} •••• {self.iban[-4:]}"


class DebitBatch(models.Model):
    """BIL-4: a pain.008 file of the invoices due, sent to the bank."""

    reference = models.CharField(_("reference"), max_length=35, unique=True)
    collection_date = models.DateField(_("collection date"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus, default=BatchStatus.CREATED
    )
    total = models.DecimalField(_("total"), default=0, **MONEY)
    count = models.PositiveIntegerField(_("debits"), default=0)
    xml = models.TextField(_("pain.008 file"))
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
        ordering = ["-created_at"]
        verbose_name = _("direct-debit batch")
        verbose_name_plural = _("direct-debit batches")

    def __str__(self):
        return self.reference


class Payment(models.Model):
    """Money received from a buyer (append-only). A rejected direct debit is marked rejected
    and its allocations reversed by negative rows, never deleted."""

    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    method = models.CharField(_("method"), max_length=15, choices=PaymentMethod)
    amount = models.DecimalField(_("amount"), **MONEY)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("bank reference"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus, default=PaymentStatus.RECEIVED
    )
    # An advance payment for something not invoiced yet (a channel order, TRK-3).
    source_type = models.CharField(_("paid for"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=Q(client__isnull=False) | Q(partner__isnull=False),
                name="payment_has_payer",
            ),
        ]
        # The partner API's list order (kernel.sql_lists pages on it: issue 13).
        indexes = [models.Index(fields=["-received_on", "-id"], name="payment_newest")]

    def __str__(self):
        return f"{self.get_method_display()} {money(self.amount)} ({self.received_on:%d/%m/%Y})"


class PaymentRefund(Refund):
    """BIL-4: money of a payment left on account (paid beyond the invoices it settled) paid back
    to the payer — a customer leaving, say (Code civil art. 1302: what was received without
    being owed is given back)."""

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )

    class Meta(Refund.Meta):
        verbose_name = _("payment refund")
        verbose_name_plural = _("payment refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_refund_positive")
        ]

    def __str__(self):
        return f"{self.payment} → {self.reference}: {money(self.amount)}"


class Allocation(models.Model):
    """What settles an invoice (append-only): part of a payment, a credit note set against it
    after issue (an accepted dispute), or the reversal of a rejected payment (negative)."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="settlements"
    )
    source = models.CharField(_("source"), max_length=12, choices=AllocationSource)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    credit_note = models.ForeignKey(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_not_zero"),
        ]
        indexes = [models.Index(fields=["invoice", "on"])]

    def __str__(self):
        return f"{self.invoice} ← {money(self.amount)}"


class DirectDebit(models.Model):
    """One collection of a batch: an invoice's undisputed balance, under a mandate."""

    batch = models.ForeignKey(
        DebitBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="debits"
    )
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="direct_debits"
    )
    mandate = models.ForeignKey(
        Mandate, verbose_name=_("mandate"), on_delete=models.PROTECT, related_name="debits"
    )
    end_to_end_id = models.CharField(_("end to end id"), max_length=35, unique=True)
    sequence_type = models.CharField(_("sequence type"), max_length=4, choices=SequenceType)
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=DebitStatus, default=DebitStatus.PENDING
    )
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="direct_debit",
    )
    reject_reason = models.CharField(_("reject reason"), max_length=120, blank=True)
    reject_fee = models.DecimalField(_("bank fee"), null=True, blank=True, **MONEY)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("direct debit")
        verbose_name_plural = _("direct debits")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="debit_positive"),
            # One collection in flight per invoice.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="pending"), name="one_pending_debit"
            ),
        ]

    def __str__(self):
        return self.end_to_end_id


class Dispute(models.Model):
    """BIL-8 (PLATFORM 12.6): part of an invoice contested by its buyer, within 60 days of
    issue — a customer (``client``), or a partner-billed partner disputing its own monthly
    invoice (``partner``, ACC-3); exactly one of them is set."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="disputes"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes",
    )
    amount = models.DecimalField(_("amount disputed (incl. VAT)"), **MONEY)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus, default=DisputeStatus.OPEN
    )
    opened_by = models.ForeignKey(
        User,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    credit_note = models.OneToOneField(
        Invoice,
        verbose_name=_("credit note"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute",
    )
    new_due_date = models.DateField(_("new due date"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dispute_positive"),
            models.CheckConstraint(
                condition=Q(client__isnull=False, partner__isnull=True)
                | Q(client__isnull=True, partner__isnull=False),
                name="dispute_one_buyer",
            ),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="open"), name="one_open_dispute"
            ),
        ]
        # The partner API's list order (kernel.sql_lists pages on it: issue 13).
        indexes = [models.Index(fields=["-opened_at", "-id"], name="dispute_newest")]

    def __str__(self):
        return f"{self.invoice} — {money(self.amount)}"


class DisputeDocument(models.Model):
    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to="disputes/%Y/")
    original_name = models.CharField(_("original name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute document")
        verbose_name_plural = _("dispute documents")

    def __str__(self):
        return self.original_name


class CollectionCase(models.Model):
    """BIL-6/BIL-7: the collection state of one issued invoice (the only mutable row about an
    invoice): reminders sent, stage, and whether its late charges were posted."""

    invoice = models.OneToOneField(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="collection"
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=DunningStage, default=DunningStage.NONE
    )
    first_reminder_on = models.DateField(_("first reminder"), null=True, blank=True)
    second_reminder_on = models.DateField(_("second reminder"), null=True, blank=True)
    suspension_proposed_on = models.DateField(_("suspension proposed on"), null=True, blank=True)
    settled_on = models.DateField(_("paid on"), null=True, blank=True)
    late_charges_posted = models.BooleanField(_("late charges posted"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["invoice"]
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")

    def __str__(self):
        return f"{self.invoice}: {self.get_stage_display()}"

    def reminder_stage(self) -> str:
        """The stage its reminders reached: where it stands when it is due again (a rejected
        direct debit) or when a suspension proposal is withdrawn (a debit sent, BIL-7)."""
        if self.second_reminder_on:
            return DunningStage.FINAL_REMINDER
        return DunningStage.REMINDED if self.first_reminder_on else DunningStage.NONE


class PrepaidAccount(models.Model):
    """BIL-10: the row locked by every ledger write of a customer (the balance is the sum of the
    entries; ``PrepaidEntry.balance_after`` records it, checked ≥ 0 unless overdraft)."""

    client = models.OneToOneField(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="prepaid"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("prepaid account")
        verbose_name_plural = _("prepaid accounts")

    def __str__(self):
        return str(self.client)


class PrepaidEntry(models.Model):
    """BIL-10: an append-only entry of the prepaid ledger, in euros including VAT."""

    account = models.ForeignKey(
        PrepaidAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PrepaidKind)
    amount = models.DecimalField(_("amount (incl. VAT)"), **MONEY)
    balance_after = models.DecimalField(_("balance"), **MONEY)
    bank_fee = models.DecimalField(_("bank fee"), default=Decimal("0"), **MONEY)
    description = models.CharField(_("description"), max_length=255)
    # the same words for an English reader (the ledger's own lines; empty: the French words)
    description_en = models.CharField(_("description in English"), max_length=255, blank=True)
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    # An overdraft is only ever written together with the suspension of CON-8.
    overdraft = models.BooleanField(_("overdraft"), default=False)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("prepaid entry")
        verbose_name_plural = _("prepaid entries")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="prepaid_entry_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0) | Q(overdraft=True),
                name="prepaid_never_negative",
            ),
            models.UniqueConstraint(
                fields=["account", "kind", "source_type", "source_id"],
                condition=~Q(source_type=""),
                name="one_prepaid_entry_per_source",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {money(self.amount)}"

    @property
    def display_description(self) -> str:
        """The words the reader reads: English on English pages when the line has them (lines
        written before they had an English twin keep their French words)."""
        return self.description_en if self.description_en and reads_english() else self.description
