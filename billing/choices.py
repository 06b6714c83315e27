"""Closed lists of billing (BIL-1..3, BIL-9)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChargeKind(models.TextChoices):
    SUBSCRIPTION = "subscription", _("Subscription")
    PRORATA = "prorata", _("Pro-rata subscription")
    CONSUMPTION = "consumption", _("Consumption")
    SETUP = "setup", _("Setup fee")
    EQUIPMENT = "equipment", _("Equipment")
    PENALTY = "penalty", _("Penalty")
    PORTING = "porting", _("Porting fee")
    TERMINATION_FEE = "termination_fee", _("Termination fee")
    COMMITMENT_TOPUP = "commitment_topup", _("Minimum commitment top-up")
    LATE_INTEREST = "late_interest", _("Late-payment interest")
    RECOVERY_INDEMNITY = "recovery_indemnity", _("Recovery indemnity")
    REJECT_FEE = "reject_fee", _("Direct-debit reject fee")
    OTHER = "other", _("Other")


# ACC-3: charges that are not sales, so never at a partner's wholesale price: late-payment
# interest and the recovery indemnity (compensation, outside the scope of VAT, BIL-6) and the
# bank's direct-debit reject fee (a cost passed on as it is, BIL-4).
NOT_SALES_KINDS = frozenset(
    {ChargeKind.LATE_INTEREST, ChargeKind.RECOVERY_INDEMNITY, ChargeKind.REJECT_FEE}
)
# ACC-3: a partner-billed partner buys every sale at its wholesale price: subscriptions, setup
# fees, consumption, equipment, porting, termination fees, commitment top-ups… Not a penalty
# (USE-6, USE-7, SLA-11): damages fixed by the contract, outside the scope of VAT because they
# pay for no supply, so no sale to discount — the partner is invoiced its amount.
SALES_KINDS = frozenset(ChargeKind) - NOT_SALES_KINDS
WHOLESALE_KINDS = SALES_KINDS - {ChargeKind.PENALTY}
# BIL-5 (PLATFORM 24.4.4: "le total facturé au Client" — the contract wins over the rule book's
# "subscriptions + consumption"): every sale invoiced for the contract's month counts — setup,
# options, consumption, equipment, porting. Not the top-up itself, not a termination fee (it pays
# the months after the effective date, 24.4.5), not what is not a sale (late charges, reject
# fees), never credit notes (they are not invoiced amounts), and not penalties (rule book,
# revised: damages for a breach, PLATFORM 27, billed outside the scope of VAT on the
# late-charges invoice, not on "la facture" 24.4.4 brings to the minimum — counted, a breach
# would pay for the commitment).
COMMITMENT_KINDS = SALES_KINDS - {
    ChargeKind.COMMITMENT_TOPUP,
    ChargeKind.TERMINATION_FEE,
    ChargeKind.PENALTY,
}


class VatCategory(models.TextChoices):
    """EN 16931 VAT category codes (UNCL5305)."""

    STANDARD = "S", _("Standard rate")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    EXEMPT = "E", _("Exempt")
    OUTSIDE_SCOPE = "O", _("Outside the scope of VAT")


# Rate by the customer's VAT regime (SPEC, Money).
VAT_BY_REGIME = {
    "standard": (VatCategory.STANDARD, Decimal("20.00")),
    "overseas": (VatCategory.STANDARD, Decimal("8.50")),
    "reverse_charge": (VatCategory.REVERSE_CHARGE, Decimal("0.00")),
    "exempt": (VatCategory.EXEMPT, Decimal("0.00")),
}


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


SERIES = {DocumentKind.INVOICE: "F", DocumentKind.CREDIT_NOTE: "A"}  # BIL-2
UNTDID_TYPE = {DocumentKind.INVOICE: "380", DocumentKind.CREDIT_NOTE: "381"}  # BIL-3 Factur-X


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Done with errors")
