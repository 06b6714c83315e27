"""Audit of trunks, channel orders and SIP accounts: cases no other test showed."""

from datetime import date

import pytest

from offers import services as offers
from telephony import services
from telephony.choices import SipStatus
from telephony.models import SipAccount
from telephony.services.sip_accounts import sip_account_create_ordered
from tests.offers.factories import make_contract
from tests.telephony.factories import customer

pytestmark = pytest.mark.django_db


# CON-8 / ACC-7 — a SIP-UNL contract suspended for fraud with one of its 2 accounts still to
# create: the account the customer creates meanwhile is suspended like its contract (portal
# and API read "suspended"), never "active" while the contract is suspended; lifting the
# contract's suspension makes it active.
def test_sip_account_created_on_suspended_contract_reads_suspended():
    client = customer()
    start = date(2026, 10, 1)
    contract = make_contract(client, "sip-unl", quantity=2, signature=start, service_start=start)
    services.sip_account_create(contract=contract, label="Accueil")
    offers.contract_suspend(contract=contract, reason="fraud")

    account, _secret = sip_account_create_ordered(
        contract=contract, label="Atelier", today=date(2026, 10, 5)
    )

    assert SipAccount.objects.get(pk=account.pk).status == SipStatus.SUSPENDED
    offers.contract_lift_suspension(contract=contract)
    assert SipAccount.objects.get(pk=account.pk).status == SipStatus.ACTIVE
