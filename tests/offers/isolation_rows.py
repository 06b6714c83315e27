"""Tenant isolation rows of contract commands added for CON-2 (line quantity changes) and CON-6
(refusing a price increase), merged by ``tests/test_isolation.py``."""

from datetime import date


def _sip_unl(t):
    """An active SIP-UNL contract of the tenant with 3 accounts, built through the services
    (the offers test factory) and cached on the tenant object."""
    if getattr(t, "sip_unl_contract", None) is None:
        from tests.offers.factories import make_contract

        start = date(2026, 10, 1)
        t.sip_unl_contract = make_contract(
            t.client, "sip-unl", quantity=3, signature=start, service_start=start
        )
    return t.sip_unl_contract


def _contract_and_price_change(t):
    """CON-6: a price increase of the SIP-UNL contract's product, scheduled and notified at
    least 60 days ahead (the refusal page exists only for a pending change)."""
    from decimal import Decimal

    from django.utils import timezone

    from offers import services
    from offers.periods import add_months, month_start

    contract = _sip_unl(t)
    line = contract.lines.select_related("product").get()
    effective = add_months(month_start(timezone.localdate()), 3)
    change = services.price_change_schedule(
        offer=contract.offer,
        product=line.product,
        new_monthly_price=line.unit_monthly_price + Decimal("1.00"),
        effective_date=effective,
    )
    return [contract.pk, change.pk]


def _contract_and_line(t):
    contract = _sip_unl(t)
    return [contract.pk, contract.lines.get().pk]


# Commands on one contract line: another partner's contract is a 404 on each, nothing written
# (tests/offers/test_quantity_changes.py::test_api_other_partner_is_404).
API_OTHER_ROUTES = {
    "api:contract-line-quantity",
    "api:contract-line-quantity-quote",
    "api:contract-cancel-line-quantity-decrease",
    "api:contract-refuse-price-change",  # CON-6 (test_price_changes_pipeline.py)
    "api:contract-accept-price-change",  # CON-6 (test_price_changes_pipeline.py)
}
PORTAL_OBJECT_PAGES = [
    ("offers:price_change_refuse", _contract_and_price_change),
    ("offers:price_change_accept", _contract_and_price_change),
    ("offers:line_quantity", _contract_and_line),
    ("offers:line_quantity_cancel", _contract_and_line),
]
# CON-2: only the admin role changes a quantity.
PORTAL_WRITES = [
    ("offers:line_quantity", _contract_and_line, {"quantity": "5", "action": "confirm"}),
]
