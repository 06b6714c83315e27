"""Demo contracts: one per preset, on the demo customers. Idempotent (keyed by the customer and
the offer)."""

from datetime import date

from accounts.models import Client
from kernel.clock import paris_today
from offers.choices import ContractStatus
from offers.models import Contract, Offer
from offers.periods import add_months
from offers.services.contracts import contract_activate, contract_create, contract_order
from offers.services.renewals import contract_renew

# (customer SIREN, offer code, quantity, signed months ago, status)
DEMO_CONTRACTS = [
    ("812345676", "hosted-a", 1, 20, ContractStatus.ACTIVE),
    ("812345676", "trunk", 8, 5, ContractStatus.ACTIVE),
    ("812345676", "sip-unl", 3, 2, ContractStatus.ACTIVE),
    ("823456785", "platform", 1, 10, ContractStatus.ACTIVE),
    ("834567893", "hosted-w", 12, 14, ContractStatus.ACTIVE),
    ("845678903", "hosted-w", 5, 1, ContractStatus.ORDERED),
    ("856789011", "hosted-a", 1, 30, ContractStatus.ACTIVE),
]


def load() -> str:
    today = paris_today()
    created = 0
    for siren, offer_code, quantity, months_ago, status in DEMO_CONTRACTS:
        client = Client.objects.get(siren=siren)
        offer = Offer.objects.get(code=offer_code)
        if Contract.objects.filter(client=client, offer=offer).exists():
            continue
        signed = add_months(today.replace(day=1), -months_ago)
        contract = contract_create(
            client=client,
            offer=offer,
            site=client.sites.first(),
            signature_date=signed,
            order_date=signed,
            quantity=quantity,
            purchase_order_ref=f"BC-{signed:%Y%m}",
        )
        contract_order(contract=contract)
        if status == ContractStatus.ACTIVE:
            contract_activate(
                contract=contract, service_start_date=date(signed.year, signed.month, min(15, 28))
            )
            contract_renew(contract_id=contract.pk, today=today)
        created += 1
    return f"{Contract.objects.count()} contracts ({created} new)"
