"""Demo data of this app (called by ``manage.py load_demo``): the trunk of the demo customer's
TRUNK contract (8 channels), the SIP accounts its SIP-UNL contract bills (3), and destination
settings; the clinic's reception on its HOSTED-W contract (usage.demo gives it a month past
150 distinct numbers: a USE-4 breach). Idempotent: each step is skipped when its row exists.
Everything goes through the services."""

from importlib import import_module

from django.apps import apps

from accounts.models import Client
from offers import services as offers
from offers.choices import ContractStatus
from offers.models import Contract, Offer
from offers.periods import add_months
from telephony import selectors
from telephony.models import DestinationGroup, PackTable, SipAccount, Trunk
from telephony.services.destinations import destination_block
from telephony.services.sip_accounts import sip_account_create, sip_device_register
from telephony.services.trunks import trunk_create

DEMO_SIREN = "812345676"
CLINIC_SIREN = "834567893"  # offers.demo: HOSTED-W, a partner's customer
CLINIC_ACCOUNT = "Accueil clinique"
SIP_LABELS = ["Accueil", "Direction", "Comptabilité", "Atelier", "Salle de réunion"]


def _contract(client, code: str, quantity: int) -> Contract:
    """The customer's live contract of offer ``code`` (offers/demo.py made it), else a new one."""
    contract = (
        Contract.objects.filter(client=client, offer__code=code)
        .exclude(status=ContractStatus.TERMINATED)
        .first()
    )
    if contract is not None:
        return contract
    today = offers.paris_today()
    start = add_months(today.replace(day=1), -1)
    contract = offers.contract_create(
        client=client,
        offer=Offer.objects.get(code=code),
        site=client.sites.first(),
        signature_date=start,
        order_date=start,
        quantity=quantity,
    )
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=start)
    offers.contract_renew(contract_id=contract.pk, today=today)
    return contract


def ensure_catalogue() -> None:
    """The pack table and destination groups of data migration 0002, back when a test
    database was flushed (transactional tests, the browser tests' demo data)."""
    if not PackTable.objects.exists() or not DestinationGroup.objects.exists():
        import_module("telephony.migrations.0002_packs_and_destinations").load(apps, None)
    if DestinationGroup.objects.filter(name_en="").exists():  # their English names (SPEC §9)
        import_module("telephony.migrations.0016_destination_english_names").name_in_english(
            apps, None
        )


def load() -> str:
    ensure_catalogue()
    client = Client.objects.filter(siren=DEMO_SIREN).first()
    if client is None:
        return "no demo customer"
    created = []
    trunk_contract = _contract(client, "trunk", 8)
    trunk = Trunk.objects.filter(contract=trunk_contract).first()
    if trunk is None:  # the trunk is made at activation when the pack table exists
        trunk, _secret = trunk_create(contract=trunk_contract)
        created.append("trunk")
    world = DestinationGroup.objects.filter(code="international-world").first()
    if world is not None and world not in selectors.blocked_groups(trunk):
        destination_block(owner=trunk, group=world)
    sip_contract = _contract(client, "sip-unl", 3)
    if not SipAccount.objects.filter(contract=sip_contract).exists():
        account, _secret = sip_account_create(contract=sip_contract, label="Accueil", mobility=True)
        sip_device_register(
            account=account,
            device_id="80:5e:c0:12:34:56",
            user_agent="Yealink SIP-T54W 96.86.0.70",
            supplied_by_reseller=True,
        )
        created.append("SIP account")
    # CON-1: the contract bills 3 SIP accounts: the demo creates them all (issue 17 item 8).
    ordered = selectors.sip_account_count(
        client=client, contract_pk=sip_contract.pk, today=offers.paris_today()
    )
    for label in SIP_LABELS[ordered.created : ordered.created + ordered.missing]:
        sip_account_create(contract=sip_contract, label=label)
        created.append(f"SIP account {label}")
    hosted = (
        Contract.objects.filter(
            client__siren=CLINIC_SIREN, offer__code="hosted-w", status=ContractStatus.ACTIVE
        )
        .order_by("pk")
        .first()
    )
    if hosted is not None and not SipAccount.objects.filter(contract=hosted).exists():
        sip_account_create(contract=hosted, label=CLINIC_ACCOUNT)
        created.append(f"SIP account {CLINIC_ACCOUNT}")
    return f"{Trunk.objects.count()} trunks, {SipAccount.objects.count()} SIP accounts" + (
        f" (new: {', '.join(created)})" if created else ""
    )
