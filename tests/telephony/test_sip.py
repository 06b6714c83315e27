"""SIP accounts and trunk credentials (ACC-7), suspension of one account (CON-8), destination
groups blocked by default and audited changes (TRK-6)."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.choices import Role
from accounts.models import AuditLog
from telephony import credentials, selectors, services
from telephony.choices import SipStatus
from telephony.models import DestinationGroup, SipAccount
from tests.factories import MembershipFactory
from tests.telephony.factories import customer, make_sip_account, make_trunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    client = customer()
    MembershipFactory(client=client, role=Role.TECHNICAL)
    MembershipFactory(client=client, role=Role.BILLING)
    return make_sip_account(client)


# ACC-7 — generated username, secret shown once and only stored encrypted (authenticated).
def test_acc7_secret_encrypted_at_rest(account):
    sip, secret = account
    assert len(secret) == 24 and secret not in sip.secret_encrypted
    assert credentials.decrypt(sip.secret_encrypted) == secret
    stored = SipAccount.objects.values_list("secret_encrypted", flat=True).get(pk=sip.pk)
    assert secret not in stored
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 - InvalidToken: tampering is detected
        credentials.decrypt(tampered)
    other, _ = make_sip_account(sip.contract.client, contract=sip.contract)
    assert other.username != sip.username


# ACC-7 — declared compromised: disabled at once, a new secret (shown once), devices dropped,
# audited, the customer's admin and technical contacts told; re-enabled explicitly.
def test_acc7_declare_compromised(account, django_capture_on_commit_callbacks):
    sip, old_secret = account
    services.sip_device_register(account=sip, device_id="00:11:22:33:44:55", user_agent="Yealink")
    staff = MembershipFactory(client=sip.contract.client, role=Role.ADMIN).user
    with django_capture_on_commit_callbacks(execute=True):
        sip, new_secret = services.sip_credentials_declare_compromised(account=sip, actor=staff)
    assert sip.status == SipStatus.DISABLED and sip.disabled_at
    assert new_secret != old_secret and credentials.decrypt(sip.secret_encrypted) == new_secret
    assert sip.devices.count() == 0
    log = AuditLog.objects.get(action="sipaccount.declare_compromised")
    assert (log.actor, log.after["status"]) == (staff, "disabled")
    recipients = {address for message in mail.outbox for address in message.to}
    roles = {m.role for m in sip.contract.client.memberships.all() if m.user.email in recipients}
    assert roles == {Role.ADMIN, Role.TECHNICAL}
    with pytest.raises(services.InvalidTransition):
        services.sip_device_register(account=sip, device_id="x")
    sip = services.sip_credentials_enable(account=sip, actor=staff)
    assert sip.status == SipStatus.ACTIVE


# ACC-7 — a trunk's registration credentials can be declared compromised too.
def test_acc7_trunk_credentials():
    trunk = make_trunk(customer(), channels=4, start=date(2026, 10, 1))
    old = credentials.decrypt(trunk.secret_encrypted)
    trunk, secret = services.sip_credentials_declare_compromised(account=trunk)
    assert trunk.status == SipStatus.DISABLED and secret != old
    trunk, again = services.sip_credentials_reset(account=trunk)
    assert credentials.decrypt(trunk.secret_encrypted) == again != secret


# CON-8 — one SIP account suspended with a reason of the list, logged, customer told; lifting
# is one action; a reason outside the list is refused.
def test_con8_suspend_one_account(account, django_capture_on_commit_callbacks):
    sip, _ = account
    with pytest.raises(ValidationError):
        services.sip_account_suspend(account=sip, reason="whim")
    with django_capture_on_commit_callbacks(execute=True):
        services.sip_account_suspend(account=sip, reason="fraud", note="Calls to +882")
    sip.refresh_from_db()
    assert sip.status == SipStatus.SUSPENDED
    assert mail.outbox and sip.username in mail.outbox[0].subject
    with pytest.raises(services.InvalidTransition):
        services.sip_account_suspend(account=sip, reason="fraud")
    services.sip_account_lift_suspension(account=sip)
    sip.refresh_from_db()
    assert sip.status == SipStatus.ACTIVE
    assert AuditLog.objects.filter(action__startswith="sip_account.").count() >= 3


# CON-8 — a suspended contract suspends its service: its trunk and SIP accounts read
# "suspended" (the portal, the API), and "active" again once it is lifted; a SIP account also
# suspended on its own stays suspended, and disabled credentials (ACC-7) stay disabled.
def test_con8_contract_suspension_shows_on_trunk_and_accounts(account):
    from offers import services as offers

    sip, _ = account
    own, _secret = make_sip_account(sip.contract.client, contract=sip.contract)
    services.sip_account_suspend(account=own, reason="fraud")
    trunk = make_trunk(customer(), channels=4, start=date(2026, 10, 1))
    services.sip_credentials_declare_compromised(account=trunk)
    for contract in (sip.contract, trunk.contract):
        offers.contract_suspend(contract=contract, reason="non_payment")
    statuses = {obj: SipAccount.objects.get(pk=obj.pk).status for obj in (sip, own)}
    assert statuses == {sip: SipStatus.SUSPENDED, own: SipStatus.SUSPENDED}
    trunk.refresh_from_db()
    assert trunk.status == SipStatus.DISABLED
    services.sip_credentials_enable(account=trunk)
    trunk.refresh_from_db()
    assert trunk.status == SipStatus.SUSPENDED

    for contract in (sip.contract, trunk.contract):
        offers.contract_lift_suspension(contract=contract)
    statuses = {obj: SipAccount.objects.get(pk=obj.pk).status for obj in (sip, own)}
    assert statuses == {sip: SipStatus.ACTIVE, own: SipStatus.SUSPENDED}
    trunk.refresh_from_db()
    assert trunk.status == SipStatus.ACTIVE


# CON-4/CON-5 — once its contract is terminated a SIP account reads "closed" (it read
# "active" for a service that had ended), and its credentials are neither reset nor disabled.
def test_terminated_contract_closes_its_accounts(account):
    import time_machine

    from offers import services as offers

    sip, _ = account
    with time_machine.travel(date(2026, 10, 20)):
        offers.contract_request_termination(contract=sip.contract)
    termination = sip.contract.terminations.get()
    assert offers.termination_apply(termination_id=termination.pk, today=termination.effective_date)
    sip.refresh_from_db()
    assert sip.status == SipStatus.CLOSED
    for command in (services.sip_credentials_reset, services.sip_credentials_declare_compromised):
        with pytest.raises(services.InvalidTransition):
            command(account=sip)
    sip.refresh_from_db()
    assert sip.status == SipStatus.CLOSED


# TRK-6 — a new SIP account (and a new trunk) has premium-rate and high-risk blocked; the
# customer unblocks/blocks a group, each change audited with who, before and after.
def test_trk6_blocked_by_default_and_audited(account):
    sip, _ = account
    assert {g.code for g in selectors.blocked_groups(sip)} == {"premium-rate", "high-risk"}
    trunk = make_trunk(customer(), channels=4, start=date(2026, 10, 1))
    assert {g.code for g in selectors.blocked_groups(trunk)} == {"premium-rate", "high-risk"}
    user = sip.contract.client.memberships.first().user
    premium = DestinationGroup.objects.get(code="premium-rate")
    services.destination_unblock(owner=sip, group=premium, actor=user)
    assert {g.code for g in selectors.blocked_groups(sip)} == {"high-risk"}
    log = AuditLog.objects.get(action="destination.unblock")
    assert (log.actor, log.before, log.after) == (
        user,
        {"group": "premium-rate", "blocked": True},
        {"group": "premium-rate", "blocked": False},
    )
    services.destination_unblock(owner=sip, group=premium, actor=user)  # no change, no row
    assert AuditLog.objects.filter(action="destination.unblock").count() == 1
    services.destination_block(owner=sip, group=premium, actor=user)
    assert AuditLog.objects.filter(action="destination.block").count() == 1
    # the other trunk is untouched
    assert {g.code for g in selectors.blocked_groups(trunk)} == {"premium-rate", "high-risk"}


# ACC-7 — a SIP account goes to a SIP or hosted telephony contract, never to an equipment rental
# (EQP-3), though its contract is in service: refused, naming the contract; nothing written.
# The back office's form does not offer the rental either.
def test_acc7_no_sip_account_on_an_equipment_rental():
    from telephony.admin import SipAccountCreateForm
    from tests.equipment.factories import make_model, rent

    client = customer()
    rental = rent(client, client.sites.get(), make_model()).contract
    with pytest.raises(ValidationError) as refused:
        services.sip_account_create(contract=rental, label="Poste")
    assert "contract" in refused.value.message_dict
    assert not SipAccount.objects.filter(contract=rental).exists()
    assert rental not in SipAccountCreateForm().fields["contract"].queryset


# CON-8 — a contract suspended for suspected hacking whose customer then asks for its
# termination (allowed: suspended → terminating) stays suspended until staff lift it: its trunk
# and SIP accounts read "active" again the moment the termination was requested (the open
# suspension hidden behind "terminating") — a PLATFORM customer would have had three months of
# service back. Lifting it is still one action (the contract keeps terminating, and cancelling
# the termination then returns it to active), and a non-payment suspension of a terminating
# contract is lifted once the customer has paid (BIL-7), as it is for a suspended one.
def test_con8_termination_requested_while_suspended_keeps_the_service_suspended(account):
    import time_machine

    from offers import services as offers
    from offers.choices import ContractStatus
    from payments.services import suspension_lift_if_paid

    sip, _ = account
    trunk = make_trunk(customer(), channels=4, start=date(2026, 10, 1))
    with time_machine.travel(date(2026, 10, 20)):
        for contract in (sip.contract, trunk.contract):
            offers.contract_suspend(contract=contract, reason="fraud")
            offers.contract_request_termination(contract=contract)
    sip.refresh_from_db()
    trunk.refresh_from_db()
    assert sip.contract.status == trunk.contract.status == ContractStatus.TERMINATING
    assert (sip.status, trunk.status) == (SipStatus.SUSPENDED, SipStatus.SUSPENDED)

    with time_machine.travel(date(2026, 10, 21)):
        offers.contract_lift_suspension(contract=sip.contract)
        sip.refresh_from_db()
        assert sip.status == SipStatus.ACTIVE
        assert sip.contract.status == ContractStatus.TERMINATING
        assert not sip.contract.suspensions.filter(lifted_at__isnull=True).exists()
        offers.termination_cancel(termination=sip.contract.terminations.get())
    sip.refresh_from_db()
    assert (sip.contract.status, sip.status) == (ContractStatus.ACTIVE, SipStatus.ACTIVE)

    # BIL-7: nothing is late for this customer: its non-payment suspension is lifted.
    other = make_trunk(customer(), channels=4, start=date(2026, 10, 1))
    with time_machine.travel(date(2026, 10, 20)):
        offers.contract_suspend(contract=other.contract, reason="non_payment")
        offers.contract_request_termination(contract=other.contract)
        assert suspension_lift_if_paid(client=other.contract.client) == 1
    other.refresh_from_db()
    assert (other.contract.status, other.status) == (ContractStatus.TERMINATING, SipStatus.ACTIVE)
