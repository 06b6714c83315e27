"""Closed lists of the accounts domain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """ACC-2: what a member of a customer company may do in the portal."""

    ADMIN = "admin", _("Administrator")
    BILLING = "billing", _("Billing")
    TECHNICAL = "technical", _("Technical")
    READ_ONLY = "read_only", _("Read-only")


class BillingMode(models.TextChoices):
    """ACC-3: who the reseller invoices for a partner's customers."""

    PARTNER_BILLED = "partner_billed", _("Partner-billed (white label)")
    RESELLER_BILLED = "reseller_billed", _("Reseller-billed")


class VatRegime(models.TextChoices):
    """VAT regime of a customer: decides the rate on its invoices (SPEC, Money)."""

    STANDARD = "standard", _("Standard 20% (mainland France)")
    OVERSEAS = "overseas", _("8.5% (Guadeloupe, Martinique, Réunion)")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge (EU business outside France)")
    EXEMPT = "exempt", _("Exempt")


class PaymentMethod(models.TextChoices):
    SEPA_DIRECT_DEBIT = "sepa_direct_debit", _("SEPA direct debit")
    TRANSFER = "transfer", _("Bank transfer")
    PREPAID = "prepaid", _("Prepaid account")


class ClientStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# ACC-2: what each role may do. Views, the API and services ask these, never the role name.
# "tickets": the read-only role writes nothing but its tickets (ACC-2 "every role may open a
# ticket"); the technical permission includes tickets.
ROLE_PERMISSIONS = {
    Role.ADMIN: {"manage_users", "manage_company", "order", "terminate", "billing", "technical"},
    Role.BILLING: {"billing"},
    Role.TECHNICAL: {"technical"},
    Role.READ_ONLY: {"tickets"},
}
