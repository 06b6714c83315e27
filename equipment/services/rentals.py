"""EQP-3: ending a rental — the offers machinery, nothing of its own. The quote is
``offers.termination_quote`` (effective date, and the ``remaining_months`` fee: every remaining
instalment of the current period from the first month not yet invoiced); confirming records
the termination (the written notice) through ``offers.contract_request_termination``, which
checks that the quote shown is still the quote. The contract ends on its effective date by
the offers daily job; this app's daily job then opens the return (``services.returns``).

Example (the issue's): ordered 2025-10-01 for 24 months at 6.00/month, ended effective
2026-11-15: November was invoiced in advance, so fees run from 2026-12-01 to the end of the
initial period (2027-10-01): 10 instalments × 6.00 = 60.00."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from equipment.models import EquipmentOrder
from offers import services as offers
from offers.choices import ContractStatus


def rental_can_end(order: EquipmentOrder) -> bool:
    return (
        order.contract_id is not None
        and order.contract.can_request_termination()
        and order.contract.status != ContractStatus.DRAFT
    )


def rental_end_quote(*, order: EquipmentOrder, requested_date: date | None = None):
    if not rental_can_end(order):
        raise ValidationError(_("This rental cannot be ended (already ending or ended)."))
    return offers.termination_quote(contract=order.contract, requested_date=requested_date)


def rental_end(
    *,
    order: EquipmentOrder,
    requested_date: date | None = None,
    expected_effective_date: date | None = None,
    expected_fee: Decimal | None = None,
    actor=None,
    api_key=None,
):
    """CON-4 / EQP-3: the termination of the rental's contract, as quoted."""
    if order.contract_id is None:
        raise ValidationError(_("A sale has no rental to end."))
    return offers.contract_request_termination(
        contract=order.contract,
        requested_date=requested_date,
        expected_effective_date=expected_effective_date,
        expected_fee=expected_fee,
        actor=actor,
        api_key=api_key,
    )
