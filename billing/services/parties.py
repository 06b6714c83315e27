"""Who sells and who is invoiced: the seller's identity, the buyer's (a customer, or its partner
in partner-billed mode, ACC-3) and the buyers of a month's run (BIL-1)."""

from datetime import date

from django.conf import settings
from django.db.models import Q

from accounts.choices import BillingMode
from accounts.models import Client, Partner
from billing.models import PendingCharge
from offers.choices import LIVE_STATUSES
from offers.models import Contract
from offers.periods import add_months


def seller_identity() -> dict:
    """The seller block of every document, from the reseller's settings."""
    r = settings.RESELLER
    return {
        "name": r["legal_name"],
        "trade_name": r["name"],
        "siren": r["siren"],
        "vat_number": r["vat_number"],
        "address": r["address"],
        "country": "FR",
        "email": r["support_email"],
        "legal_form": r["legal_form"],
        "rcs": r["rcs"],
        "vat_on_debits": bool(r.get("vat_on_debits", False)),
    }


def client_identity(client: Client) -> dict:
    """The buyer block of a customer's document, frozen on the document when it is issued."""
    return {
        "name": client.legal_name,
        "siren": client.siren,
        "siret": client.siret,
        "vat_number": client.vat_number,
        "address_line1": client.address_line1,
        "address_line2": client.address_line2,
        "postal_code": client.postal_code,
        "city": client.city,
        "country": client.country,
        "vat_regime": client.vat_regime,
        "recipients": client.invoice_recipients,
        "distributor": client.partner.name if client.partner_id else "",
    }


def partner_identity(partner: Partner, end_clients=()) -> dict:
    """The buyer block of a partner's document (partner-billed mode, ACC-3), with the names of
    the end customers its lines bill (``end_clients``), frozen like the rest (BIL-2)."""
    return {
        "name": partner.legal_name or partner.name,
        "siren": partner.siren,
        "siret": "",
        "vat_number": partner.vat_number,
        "address_line1": partner.address_line1,
        "address_line2": "",
        "postal_code": partner.postal_code,
        "city": partner.city,
        "country": partner.country,
        "vat_regime": partner.vat_regime,
        "recipients": [partner.support_email],
        "distributor": "",
        # a line of the partner's own (its late charges, BIL-6) names no end customer
        "end_clients": {str(c.pk): c.legal_name for c in end_clients if c is not None},
    }


def party_key(client: Client) -> tuple[str, int]:
    """Who is invoiced for a customer's charges (ACC-3)."""
    if client.partner_id and client.partner.billing_mode == BillingMode.PARTNER_BILLED:
        return ("partner", client.partner_id)
    return ("client", client.pk)


def parties_for_month(month: date) -> list[tuple[str, int]]:
    """Every buyer with something to bill in the run of ``month``: the buyers of the customers
    with contracts or charges, and the partners with charges of their own (the late charges of
    their monthly invoices, BIL-6)."""
    target = add_months(month, 1)
    with_contracts = Contract.objects.filter(
        Q(status__in=LIVE_STATUSES) | Q(terminations__effective_date__gte=month)
    ).values_list("client_id", flat=True)
    pending = PendingCharge.objects.filter(invoice_line__isnull=True, period_start__lte=target)
    with_charges = pending.filter(client__isnull=False).values_list("client_id", flat=True)
    ids = set(with_contracts) | set(with_charges)
    clients = (
        Client.objects.filter(pk__in=ids)
        .select_related("partner")
        .only("pk", "partner__billing_mode")
    )
    partners = pending.filter(partner__isnull=False).values_list("partner_id", flat=True)
    return sorted({party_key(c) for c in clients} | {("partner", pk) for pk in partners})
