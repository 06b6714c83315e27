"""Trunks and SIP accounts for tests, built only through the services (as the portal, the API
and the back office build them)."""

import itertools
from datetime import date
from decimal import Decimal

from accounts.choices import Role
from offers import services as offers
from telephony import services
from telephony.demo import ensure_catalogue
from tests.factories import ClientFactory, MembershipFactory, SiteFactory
from tests.offers.factories import make_contract


def seed_catalogue() -> None:
    """The pack table and destination groups of data migration 0002 (a transactional test's
    flush wipes them for the tests that follow)."""
    ensure_catalogue()


def customer(**kwargs):
    """A direct customer (billed itself) with a site and an admin who receives e-mails."""
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    MembershipFactory(client=client, role=Role.ADMIN)
    return client


def make_trunk(client, channels: int = 8, start: date = date(2026, 10, 1), renew_to=None):
    """An active TRUNK contract of ``client`` for ``channels`` channels, its trunk set up before
    service started (so its packs are the best tariff), service from ``start``, renewed up to
    ``renew_to`` when given."""
    seed_catalogue()
    contract = make_contract(client, "trunk", quantity=channels, signature=start, status="ordered")
    trunk, _secret = services.trunk_create(contract=contract, today=start)
    offers.contract_activate(contract=contract, service_start_date=start)
    if renew_to is not None:
        offers.contract_renew(contract_id=contract.pk, today=renew_to)
    trunk.refresh_from_db()
    return trunk


_TRANSFERS = itertools.count(1)


def top_up(client, amount="100.00"):
    """A transfer received today, with a bank reference of its own (BIL-10: the same transfer
    recorded twice is refused)."""
    from payments import services as payments

    return payments.prepaid_topup_record(
        client=client,
        amount_received=Decimal(amount),
        received_on=offers.paris_today(),
        reference=f"VIR-TEST-{next(_TRANSFERS)}",
    )


def make_sip_account(client, *, offer_code="sip-unl", contract=None):
    seed_catalogue()
    start = date(2026, 10, 1)
    contract = contract or make_contract(client, offer_code, signature=start, service_start=start)
    return services.sip_account_create(contract=contract, label="Accueil")
