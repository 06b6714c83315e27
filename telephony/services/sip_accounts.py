"""ACC-7 / CON-8: SIP accounts of SIP-UNL and hosted contracts: creation (credentials shown
once, destinations at their defaults), label and mobility, suspension of one account by staff,
and the devices registered on it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.notifications import notify_client
from kernel.errors import InvalidTransition
from offers.choices import ContractStatus, Preset, SuspensionReason
from offers.models import Contract
from telephony import credentials
from telephony.models import SipAccount, SipDevice, SipSuspension
from telephony.selectors import sip_account_count
from telephony.services.destinations import destinations_init
from telephony.services.notices import TECHNICAL_ROLES
from telephony.services.sip_credentials import lock_credentials, new_username, status_of

SIP_PRESETS = {Preset.SIP_UNL, Preset.HOSTED_W, Preset.HOSTED_A}


@transaction.atomic
def sip_account_create(
    *,
    contract: Contract,
    label: str = "",
    mobility: bool = False,
    actor=None,
    api_key=None,
) -> tuple[SipAccount, str]:
    """ACC-7: a SIP account of a SIP-UNL or hosted contract, with a generated username and
    secret, and premium/high-risk destinations blocked (TRK-6). Returns ``(account, secret)``:
    the secret is shown once and stored only encrypted."""
    if contract.preset not in SIP_PRESETS or not contract.offer.telephone_service:
        raise ValidationError(
            {"contract": _("SIP accounts belong to SIP or hosted telephony contracts.")}
        )
    if contract.status == ContractStatus.TERMINATED:
        raise InvalidTransition(_("This contract is terminated."), code="invalid_transition")
    secret = credentials.new_secret()
    account = SipAccount.objects.create(
        contract=contract,
        label=label,
        mobility=mobility,
        username=new_username(SipAccount, "sip"),
        secret_encrypted=credentials.encrypt(secret),
        secret_issued_at=timezone.now(),
    )
    status = status_of(account)  # CON-8: an account of a suspended contract is suspended too
    if status != account.status:
        account.status = status
        account.save(update_fields=["status", "updated_at"])
    destinations_init(account)
    audit_record(
        action="sip_account.create",
        instance=account,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"username": account.username, "mobility": mobility},
    )
    return account, secret


@transaction.atomic
def sip_account_update(
    *, account: SipAccount, label: str | None = None, mobility: bool | None = None, actor=None
) -> SipAccount:
    account = lock_credentials(account)
    before = {"label": account.label, "mobility": account.mobility}
    if label is not None:
        account.label = label
    if mobility is not None:
        account.mobility = mobility
    account.save(update_fields=["label", "mobility", "updated_at"])
    audit_record(
        action="sip_account.update",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before=before,
        after={"label": account.label, "mobility": account.mobility},
    )
    return account


@transaction.atomic
def sip_account_suspend(
    *, account: SipAccount, reason: str, note: str = "", actor=None
) -> SipSuspension:
    """CON-8: staff suspend one SIP account with a reason of the closed list; logged, the
    customer is told. The account keeps being billed (suspension is not termination)."""
    if reason not in SuspensionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    account = lock_credentials(account)
    if account.suspensions.filter(lifted_at__isnull=True).exists():
        raise InvalidTransition(
            _("This SIP account is already suspended."), code="invalid_transition"
        )
    suspension = SipSuspension.objects.create(
        account=account, reason=reason, note=note, started_at=timezone.now(), started_by=actor
    )
    before = account.status
    account.status = status_of(account)
    account.save(update_fields=["status", "updated_at"])
    audit_record(
        action="sip_account.suspend",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status, "reason": reason, "note": note},
    )
    notify_client(
        account.contract.client,
        "telephony/email/sip_suspended",
        {"account": account, "suspension": suspension},
        roles=TECHNICAL_ROLES,
    )
    return suspension


@transaction.atomic
def sip_account_lift_suspension(*, account: SipAccount, actor=None) -> SipSuspension:
    """CON-8: lifting a suspension is one action; the customer is told."""
    account = lock_credentials(account)
    suspension = account.suspensions.select_for_update().filter(lifted_at__isnull=True).first()
    if suspension is None:
        raise InvalidTransition(_("This SIP account is not suspended."), code="invalid_transition")
    suspension.lift(at=timezone.now(), by=actor)
    before = account.status
    account.status = status_of(account)
    account.save(update_fields=["status", "updated_at"])
    audit_record(
        action="sip_account.lift_suspension",
        instance=account,
        actor=actor,
        client=account.contract.client,
        before={"status": before},
        after={"status": account.status},
    )
    notify_client(
        account.contract.client,
        "telephony/email/sip_suspension_lifted",
        {"account": account},
        roles=TECHNICAL_ROLES,
    )
    return suspension


@transaction.atomic
def sip_device_register(
    *,
    account: SipAccount,
    device_id: str,
    user_agent: str = "",
    supplied_by_reseller: bool = False,
    seen_at=None,
) -> SipDevice:
    """ACC-7: a device seen registering on the account (from provisioning), or declared by
    staff. A disabled account registers nothing."""
    if account.disabled_at is not None:
        raise InvalidTransition(_("This SIP account is disabled."), code="account_disabled")
    device, _created = SipDevice.objects.update_or_create(
        account=account,
        device_id=device_id,
        defaults={
            "user_agent": user_agent[:200],
            "supplied_by_reseller": supplied_by_reseller,
            "last_seen_at": seen_at or timezone.now(),
        },
    )
    return device


@transaction.atomic
def sip_device_remove(*, device: SipDevice, actor=None) -> None:
    audit_record(
        action="sip_device.remove",
        instance=device.account,
        actor=actor,
        client=device.account.contract.client,
        before={"device": device.device_id, "user_agent": device.user_agent},
    )
    device.delete()


@transaction.atomic
def sip_account_create_ordered(*, contract: Contract, label: str = "", actor=None, today=None):
    """ACC-7 / CON-1 (issue 17 item 8): the customer creates a SIP account its SIP-UNL contract
    already bills — never beyond the accounts ordered (more accounts are a quantity change of
    the contract, CON-2). Under the contract's lock, so two clicks cannot pass the quantity.
    Returns ``(account, secret)``, the secret shown once."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.preset != Preset.SIP_UNL:
        raise ValidationError(
            {"contract": _("SIP accounts are created by the customer on SIP-UNL contracts.")}
        )
    count = sip_account_count(
        client=contract.client, contract_pk=contract.pk, today=today or timezone.localdate()
    )
    if count.missing == 0:
        raise ValidationError(
            _(
                "The %(ordered)s SIP accounts ordered on %(reference)s are all created: change "
                "the contract's quantity to have more."
            )
            % {"ordered": count.ordered, "reference": contract.reference},
            code="quantity_reached",
        )
    return sip_account_create(contract=contract, label=label.strip()[:120], actor=actor)
