"""ACC-7: the registration credentials of SIP accounts and trunks: usernames, secrets shown
once and stored only encrypted (``telephony.credentials``), reset, declared compromised,
re-enabled. Also the status both derive from their credentials and suspensions."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from offers.choices import ContractStatus
from telephony import credentials
from telephony.choices import SipStatus
from telephony.models import SipAccount, Trunk
from telephony.services.notices import TECHNICAL_ROLES


def lock_credentials(account):
    """The account's row, locked; refused (409) once its contract is terminated: the
    credentials of a service that ended are not reset, disabled or enabled any more."""
    rows = type(account).objects.select_for_update(of=("self",)).select_related("contract")
    account = rows.get(pk=account.pk)
    if account.contract.status == ContractStatus.TERMINATED:
        raise InvalidTransition(
            _("This service's contract is terminated: its credentials no longer work."),
            code="invalid_transition",
        )
    return account


def new_username(model, prefix: str) -> str:
    for _attempt in range(10):
        username = credentials.new_username(prefix)
        if not model.objects.filter(username=username).exists():
            return username
    raise RuntimeError("could not draw a free SIP username")  # pragma: no cover


def status_of(obj) -> str:
    """CON-4/5, ACC-7, CON-8: closed (contract terminated) first, then disabled (compromised),
    then suspended — its contract suspended (a terminating one whose suspension is still open
    too), or the SIP account itself — else active."""
    if obj.contract.status == ContractStatus.TERMINATED:
        return SipStatus.CLOSED
    if obj.disabled_at is not None:
        return SipStatus.DISABLED
    if obj.contract.status == ContractStatus.SUSPENDED:
        return SipStatus.SUSPENDED
    if (
        obj.contract.status == ContractStatus.TERMINATING
        and obj.contract.suspensions.filter(lifted_at__isnull=True).exists()
    ):
        # suspended, then terminated: the suspension holds until lifted (CON-8)
        return SipStatus.SUSPENDED
    if isinstance(obj, SipAccount) and obj.suspensions.filter(lifted_at__isnull=True).exists():
        return SipStatus.SUSPENDED
    return SipStatus.ACTIVE


def statuses_follow_contract(contract) -> int:
    """CON-4/5, CON-8: the trunk and SIP accounts of ``contract`` take the status it gives them
    (inside the contract's transition, its row locked); returns how many changed."""
    changed = 0
    for model in (Trunk, SipAccount):
        for obj in model.objects.select_for_update().filter(contract=contract):
            obj.contract = contract
            status = status_of(obj)
            if status != obj.status:
                obj.status = status
                obj.save(update_fields=["status", "updated_at"])
                changed += 1
    return changed


def _issue_secret(account) -> str:
    secret = credentials.new_secret()
    account.secret_encrypted = credentials.encrypt(secret)
    account.secret_issued_at = timezone.now()
    return secret


@transaction.atomic
def sip_credentials_reset(*, account: SipAccount | Trunk, actor=None, api_key=None) -> tuple:
    """ACC-7: a new secret for a SIP account or a trunk (the old one stops working). Returns
    ``(account, secret)``: the secret is shown once."""
    account = lock_credentials(account)
    secret = _issue_secret(account)
    account.save(update_fields=["secret_encrypted", "secret_issued_at", "updated_at"])
    audit_record(
        action=f"{account._meta.model_name}.credentials_reset",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        after={"secret": "reissued"},
    )
    return account, secret


@transaction.atomic
def sip_credentials_declare_compromised(
    *, account: SipAccount | Trunk, actor=None, api_key=None
) -> tuple:
    """ACC-7: credentials declared compromised by the customer or staff: the account (or the
    trunk's registration) is disabled at once, a new secret is issued (shown once: returned as
    ``(account, secret)``), its registered devices are dropped (they used the old secret), the
    audit log records it and the customer's admin and technical contacts are told by e-mail.
    Re-enabled by ``sip_credentials_enable`` once the new secret is on the devices."""
    account = lock_credentials(account)
    before = account.status
    secret = _issue_secret(account)
    account.disabled_at = timezone.now()
    account.status = status_of(account)
    account.save(
        update_fields=[
            "secret_encrypted",
            "secret_issued_at",
            "disabled_at",
            "status",
            "updated_at",
        ]
    )
    dropped = 0
    if isinstance(account, SipAccount):
        dropped, _rows = account.devices.all().delete()
    audit_record(
        action=f"{account._meta.model_name}.declare_compromised",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status, "secret": "reissued", "devices_dropped": dropped},
    )
    notify_client(
        account.contract.client,
        "telephony/email/credentials_compromised",
        {"account": account, "declared_by": actor},
        roles=TECHNICAL_ROLES,
    )
    return account, secret


@transaction.atomic
def sip_credentials_enable(*, account: SipAccount | Trunk, actor=None, api_key=None):
    """ACC-7: credentials disabled after a compromise work again (with their new secret)."""
    account = lock_credentials(account)
    if account.disabled_at is None:
        raise InvalidTransition(_("These credentials are not disabled."), code="invalid_transition")
    account.disabled_at = None
    account.status = status_of(account)
    account.save(update_fields=["disabled_at", "status", "updated_at"])
    audit_record(
        action=f"{account._meta.model_name}.enable",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=account.contract.client,
        before={"status": SipStatus.DISABLED},
        after={"status": account.status},
    )
    return account
