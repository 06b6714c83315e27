"""TRK-1 / TRK-2: the set-up of a TRUNK contract's trunk: its registration credentials (ACC-7),
its destination settings (TRK-6) and its first packs at the best tariff."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from kernel.errors import InvalidTransition
from offers import services as offers
from offers.choices import ContractStatus, Preset
from offers.models import Contract, ContractLine
from telephony import credentials, selectors
from telephony.choices import LedgerCause
from telephony.models import Pack, Trunk
from telephony.packs import NoPackCombination, best_packs
from telephony.services.capacity import CapacityExceeded, write_ledger
from telephony.services.destinations import destinations_init
from telephony.services.pack_lines import describe, held_lines
from telephony.services.sip_credentials import new_username


def _require_trunk_contract(contract: Contract) -> None:
    if contract.preset != Preset.TRUNK:
        raise ValidationError({"contract": _("This contract is not a SIP trunk contract.")})


@transaction.atomic
def trunk_create(
    *, contract: Contract, actor=None, api_key=None, today: date | None = None
) -> tuple[Trunk, str]:
    """TRK-1: the trunk of a TRUNK contract, its registration credentials (ACC-7) and its
    destination settings (TRK-6). Returns ``(trunk, secret)``: the secret is shown once.

    Its first packs come from the contract's lines: a contract whose service has not started
    yet gets the best tariff (TRK-2) for the channels ordered at once (its lines are rewritten
    before they are ever billed); a contract already in service keeps the lines it is billed
    for until its next period start, where TRK-5 re-optimises them.
    """
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("offer").get(pk=contract.pk)
    )
    _require_trunk_contract(contract)
    if contract.status == ContractStatus.TERMINATED:
        raise InvalidTransition(_("This contract is terminated."), code="invalid_transition")
    if Trunk.objects.filter(contract=contract).exists():
        raise InvalidTransition(_("This contract already has its trunk."), code="trunk_exists")
    table = selectors.pack_table_for(contract.offer)
    today = today or offers.paris_today()
    packs_by_product = {pack.product_id: pack for pack in table.packs.all()}
    lines = list(contract.lines.filter(ended_on__isnull=True))
    held: dict[Pack, int] = {}
    started = any(line.started_on is not None for line in lines)
    channels = sum(
        line.quantity * packs_by_product[line.product_id].channels
        if line.product_id in packs_by_product
        else line.quantity
        for line in lines
        if line.product_id in packs_by_product or line.product_id == contract.offer.main_product_id
    )
    if not started:
        try:
            selection = best_packs(max(channels, 1), table.options(), cap=table.max_channels)
        except NoPackCombination as error:
            raise CapacityExceeded(
                _("A trunk holds at most %(max)s channels.") % {"max": table.max_channels},
                code="capacity_exceeded",
            ) from error
        by_size = {p.channels: p for p in table.packs.all() if p.is_active}
        for line in lines:
            if (
                line.product_id in packs_by_product
                or line.product_id == contract.offer.main_product_id
            ):
                line.delete()  # never started, never billed: replaced by the best tariff
        for size, count in selection.items():
            pack = by_size[size]
            held[pack] = count
            ContractLine.objects.create(
                contract=contract,
                product=pack.product,
                quantity=count,
                unit_setup_price=Decimal("0"),
                unit_monthly_price=pack.monthly_price,
            )
        effective = {pack: today for pack in held}
    else:
        effective = {}
        for line in lines:
            pack = packs_by_product.get(line.product_id)
            if pack is not None:
                held[pack] = held.get(pack, 0) + line.quantity
                effective[pack] = min(effective.get(pack, date.max), line.started_on or today)
        if not held and channels:
            # The offer bills per channel with a product outside its pack table: hold the best
            # tariff from today; the lines follow at the next period start (TRK-5).
            selection = best_packs(channels, table.options(), cap=table.max_channels)
            by_size = {p.channels: p for p in table.packs.all() if p.is_active}
            held = {by_size[size]: count for size, count in selection.items()}
            effective = {pack: today for pack in held}
    secret = credentials.new_secret()
    trunk = Trunk.objects.create(
        contract=contract,
        username=new_username(Trunk, "trk"),
        secret_encrypted=credentials.encrypt(secret),
        secret_issued_at=timezone.now(),
    )
    for pack, count in held.items():
        write_ledger(
            trunk, {pack: count}, day=effective[pack], cause=LedgerCause.INITIAL, actor=actor
        )
    destinations_init(trunk)
    audit_record(
        action="trunk.create",
        instance=trunk,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={"contract": contract.reference, "packs": describe(held_lines(held))},
    )
    return trunk, secret
