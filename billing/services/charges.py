"""Pending charges: the one way other apps ask to be paid (BIL-1).

A charge waits, keyed by its source and period, until a month-end run puts it on an invoice.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client, Partner
from billing.choices import ChargeKind
from billing.models import PendingCharge
from kernel.money import round_price


def charge_post(
    *,
    client: Client | None = None,
    partner: Partner | None = None,
    kind: str,
    source_type: str,
    source_id,
    period_start: date,
    description: str,
    unit_price,
    quantity=1,
    period_end: date | None = None,
    contract=None,
    contract_line=None,
    vat_category: str = "",
    is_paid: bool = False,
    purchase_order_ref: str = "",
    site_name: str = "",
    delivery_address: dict | None = None,
    actor=None,
) -> PendingCharge:
    """The one way other apps ask to be paid. Idempotent on (source, period): posting the same
    source twice returns the first charge. A charge without a contract names the customer's
    purchase order and the site itself, for its invoice line (BIL-3); a contract's charge has
    them from the contract; goods sold name where they are delivered (``delivery_address_of``).

    The buyer is ``client``, or ``partner`` for a partner-billed partner's own charge (the late
    charges of its monthly invoice, BIL-6): exactly one of them."""
    if (client is None) == (partner is None):
        raise ValueError("A charge has one buyer: a customer or a partner.")
    if kind not in ChargeKind.values:
        raise ValidationError({"kind": _("Unknown charge kind.")})
    if Decimal(unit_price) < 0:
        raise ValidationError(
            {"unit_price": _("A charge is never negative: issue a credit note instead.")}
        )
    charge, created = PendingCharge.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        period_start=period_start,
        defaults={
            "client": client,
            "partner": partner,
            "kind": kind,
            "period_end": period_end,
            "description": description[:255],
            "unit_price": round_price(Decimal(unit_price)),
            "quantity": Decimal(quantity),
            "contract": contract,
            "contract_line": contract_line,
            "vat_category": vat_category,
            "is_paid": is_paid,
            "purchase_order_ref": purchase_order_ref[:50],
            "site_name": site_name[:120],
            "delivery_address": dict(delivery_address or {}),
            "created_by": actor,
        },
    )
    if created and actor is not None:
        audit_record(
            action="charge.create",
            instance=charge,
            actor=actor,
            client=client,
            partner=partner,
            after={"kind": kind, "unit_price": charge.unit_price, "quantity": charge.quantity},
        )
    return charge


def charge_withdraw(*, source_type: str, source_id, period_start: date, actor=None) -> bool:
    """Withdraw a charge not invoiced yet (its source was cancelled); returns whether one was
    withdrawn. A charge already invoiced stays: correct it with a credit note (BIL-9)."""
    charge = (
        PendingCharge.objects.select_for_update()
        .filter(source_type=source_type, source_id=str(source_id), period_start=period_start)
        # by id: the default order joins the customer, nullable since a partner's charges
        .order_by("pk")
        .first()
    )
    if charge is None:
        return False
    if charge.invoice_line_id is not None:
        raise ValidationError(_("This charge is already invoiced: issue a credit note instead."))
    if actor is not None:
        audit_record(
            action="charge.withdraw",
            instance=charge,
            actor=actor,
            client=charge.client,
            before={"kind": charge.kind, "unit_price": charge.unit_price},
        )
    charge.delete()
    return True


def delivery_address_of(site) -> dict:
    """BIL-3: the delivery address of goods sent to ``site`` (a customer's premises, in France),
    as a charge and its invoice line keep it."""
    return {
        "name": site.name,
        "line1": site.address_line1,
        "line2": site.address_line2,
        "postcode": site.postal_code,
        "city": site.city,
        "country": "FR",
    }
