"""Period-start work of trunks, on the signals of offers and billing (one-way dependencies:
neither app imports telephony)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from billing.signals import run_preparing
from offers.choices import Preset
from offers.models import PriceChange
from offers.signals import (
    contract_activated,
    contract_checking,
    contract_status_changed,
    period_started,
    price_change_applied,
)
from telephony.models import Pack, PackTable, Trunk
from telephony.services.renewal import trunk_period_start, trunks_renew_for_run
from telephony.services.sip_credentials import statuses_follow_contract
from telephony.services.trunks import trunk_create


@receiver(period_started, dispatch_uid="telephony.trunk_period_started")
def trunk_period_started(sender, contract, period_start, period_end, **kwargs):
    """TRK-4 / TRK-5: pending decreases, then re-optimisation, inside the renewal's
    transaction (the contract row is locked), exactly once per period."""
    if contract.preset == Preset.TRUNK:
        trunk_period_start(contract=contract, period_start=period_start)


@receiver(contract_checking, dispatch_uid="telephony.trunk_contract_within_cap")
def trunk_contract_within_cap(sender, offer, quantity, **kwargs) -> dict:
    """TRK-1 (TRUNK 2: « le nombre maximal de canaux est limité »): a TRUNK contract is signed
    for at most its pack table's cap of channels (200). Accepted beyond it, its activation
    failed (the trunk cannot hold them) and the ordered contract could not start: it is a
    field error on ``quantity`` at creation."""
    if offer.terms.preset != Preset.TRUNK:
        return {}
    table = PackTable.objects.filter(offer=offer).first()
    if table is None:
        return {}
    main = table.packs.filter(product_id=offer.main_product_id).first()
    channels = quantity * (main.channels if main is not None else 1)
    if channels > table.max_channels:
        return {
            "quantity": _("A trunk holds at most %(max)s channels.") % {"max": table.max_channels}
        }
    return {}


@receiver(run_preparing, dispatch_uid="telephony.renew_trunks_before_run")
def renew_trunks_before_run(sender, month, target, today, **kwargs):
    """BIL-1: the run bills ``target`` (M+1) as the trunks will stand on its first day; once
    that day has come, renew them first (the nightly renewal job then finds them done)."""
    if today >= target:
        trunks_renew_for_run(target=target)


@receiver(contract_activated, dispatch_uid="telephony.trunk_on_activation")
def trunk_on_activation(sender, contract, **kwargs):
    """TRK-1 / TRK-2: every TRUNK contract gets its trunk when its service starts, holding the
    best tariff for the channels ordered (4 channels: one 4-pack at 17.00, not 4 × 5.00).

    Inside ``contract_activate``'s transaction, right after it started the contract's lines on
    the service start date. Those lines were never billed (billing reads started lines only, and
    they started in this transaction), so the start is undone, ``trunk_create`` rewrites them as
    the best tariff (its "service not started yet" case), and they start again on the same day:
    the first partial month is billed once, by the run, from these lines. A contract whose trunk
    was set up before service started keeps it. The registration secret is not shown here: the
    customer issues one from the trunk page (ACC-7, "reset the password").
    """
    if contract.preset != Preset.TRUNK or contract.service_start_date is None:
        return
    if not PackTable.objects.filter(offer_id=contract.offer_id).exists():
        return
    if Trunk.objects.filter(contract=contract).exists():
        return
    start = contract.service_start_date
    started_now = contract.lines.filter(ended_on__isnull=True, started_on=start)
    line_ids = list(started_now.values_list("pk", flat=True))
    contract.lines.filter(pk__in=line_ids).update(started_on=None)
    trunk_create(contract=contract, actor=None, today=start)
    contract.lines.filter(ended_on__isnull=True, started_on__isnull=True).update(started_on=start)


@receiver(price_change_applied, dispatch_uid="telephony.pack_price_follows_change")
def pack_price_follows_change(sender, price_change: PriceChange, **kwargs) -> int:
    """On the effective date, inside the application's transaction: the packs of the offer's
    table sold as this product, still at the old price, take the new one (audited)."""
    packs = Pack.objects.select_for_update().filter(
        table__offer_id=price_change.offer_id,
        product_id=price_change.product_id,
        monthly_price=price_change.old_monthly_price,
    )
    changed = 0
    for pack in packs.order_by("pk"):
        before = pack.monthly_price
        pack.monthly_price = price_change.new_monthly_price
        pack.save(update_fields=["monthly_price", "updated_at"])
        audit_record(
            action="pack.price_change",
            instance=pack,
            before={"monthly_price": before},
            after={"monthly_price": pack.monthly_price, "change": price_change.pk},
        )
        changed += 1
    return changed


@receiver(contract_status_changed, dispatch_uid="telephony.statuses_follow_contract")
def statuses_follow_contract_status(sender, contract, **kwargs):
    """CON-8: a suspended contract's trunk and SIP accounts read suspended, and active again
    once it is lifted (a SIP account suspended on its own stays so); CON-4/5: a terminated
    contract's read closed. Each transition: only the statuses that change are written."""
    statuses_follow_contract(contract)
