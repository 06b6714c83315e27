"""The demo data of trunks and SIP accounts load through the services, idempotently."""

import pytest

from telephony import demo, selectors
from telephony.models import SipAccount, Trunk

pytestmark = pytest.mark.django_db


def test_demo_load_idempotent():
    from accounts import demo as accounts_demo
    from offers import demo as offers_demo

    accounts_demo.load()
    offers_demo.load()
    demo.load()
    trunk = Trunk.objects.get()
    account = SipAccount.objects.get(label="Accueil")
    # CON-1 (issue 17 item 8): the SIP-UNL contract bills 3 accounts: the demo creates all 3.
    assert SipAccount.objects.filter(contract=account.contract).count() == 3
    assert [
        c.missing
        for c in selectors.sip_account_counts(
            client=account.contract.client, today=trunk.contract.current_period_start
        )
    ] == [0]
    # TRK-6: the defaults (premium-rate, high-risk) plus the demo customer's own choice.
    assert {g.code for g in selectors.blocked_groups(trunk)} == {
        "premium-rate",
        "high-risk",
        "international-world",
    }
    assert {
        p.channels: n
        for p, n in selectors.packs_held(trunk, trunk.contract.current_period_start).items()
    } == {4: 2}
    assert account.devices.count() == 1
    # the clinic's reception on its HOSTED-W contract (usage.demo: a USE-4 breach)
    clinic = SipAccount.objects.get(label=demo.CLINIC_ACCOUNT)
    assert (clinic.contract.client.siren, clinic.contract.offer.code) == ("834567893", "hosted-w")
    demo.load()
    assert (Trunk.objects.count(), SipAccount.objects.count()) == (1, 4)
