"""Contracts for tests, built only through ``offers.services`` (as the portal, the API and the
back office build them). The catalogue (offers sip-unl, trunk, hosted-w, platform, hosted-a)
comes from data migration 0002."""

from datetime import date
from decimal import Decimal

from offers import services
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract, Offer


def make_contract(
    client,
    offer_code: str = "hosted-a",
    quantity: int = 1,
    signature: date = date(2025, 3, 1),
    service_start: date = date(2025, 3, 15),
    status: str = ContractStatus.ACTIVE,
    monthly_price=None,
    *,
    site=None,
    sla_applicable: bool = True,
    actor=None,
) -> Contract:
    """A contract of ``client`` at its first site (or ``site``), signed and ordered on
    ``signature``, in ``status``: draft, ordered, active (service started on
    ``service_start``), suspended (non-payment) or terminating (a termination requested now,
    as soon as the notice allows).

    ``monthly_price`` is the catalogue price of the offer's main product when the contract is
    signed (the contract keeps it; the catalogue gets its price back afterwards).
    """
    offer = Offer.objects.select_related("main_product").get(code=offer_code)
    product = offer.main_product
    catalogue_price = product.monthly_price
    if monthly_price is not None:
        product.monthly_price = Decimal(str(monthly_price))
        product.save(update_fields=["monthly_price", "updated_at"])
    try:
        contract = services.contract_create(
            client=client,
            offer=offer,
            site=site if site is not None else client.sites.first(),
            signature_date=signature,
            order_date=signature,
            quantity=quantity,
            sla_applicable=sla_applicable,
            actor=actor,
        )
    finally:
        if monthly_price is not None:
            product.monthly_price = catalogue_price
            product.save(update_fields=["monthly_price", "updated_at"])
    if status == ContractStatus.DRAFT:
        return contract
    services.contract_order(contract=contract, actor=actor)
    if status == ContractStatus.ORDERED:
        return Contract.objects.get(pk=contract.pk)
    services.contract_activate(contract=contract, service_start_date=service_start, actor=actor)
    if status == ContractStatus.SUSPENDED:
        services.contract_suspend(
            contract=contract, reason=SuspensionReason.NON_PAYMENT, actor=actor
        )
    elif status == ContractStatus.TERMINATING:
        services.contract_request_termination(contract=contract, actor=actor)
    elif status != ContractStatus.ACTIVE:
        raise ValueError(f"make_contract cannot build a {status} contract")
    return Contract.objects.get(pk=contract.pk)
