"""ACC-6 (PLATFORM 17.3): the last day with traffic, and contracts flagged after six months
without any."""

from datetime import date

from django.db import transaction

from accounts.audit import audit_record
from accounts.notifications import notify_client
from offers import periods
from offers.choices import LIVE_STATUSES, ContractStatus, Preset
from offers.models import Contract
from offers.services.price_change_answers import price_change_objections_withdraw
from offers.services.transitions import lock_contract

INACTIVITY_MONTHS = 6  # ACC-6, PLATFORM 17.3


@transaction.atomic
def contract_record_traffic(*, contract: Contract, day: date, actor=None) -> Contract:
    """ACC-6: the last day with traffic (fed by usage, or set by staff until usage exists).
    CON-6 (PLATFORM 12.2): traffic on or after the effective date of a price change the
    customer objected to withdraws the objection (the new price applies)."""
    contract = lock_contract(contract)
    if contract.last_traffic_on is None or day > contract.last_traffic_on:
        contract.last_traffic_on = day
        contract.inactive_flagged_on = None
        contract.save(update_fields=["last_traffic_on", "inactive_flagged_on", "updated_at"])
    price_change_objections_withdraw(contract=contract, day=day, actor=actor)
    return contract


def inactive_due_on(last: date) -> date:
    """ACC-6: the day a contract whose last traffic (or service start) was ``last`` is flagged —
    the end of the period ``[last, last + 6 months)``, calendar months clamped to the month end."""
    return periods.add_months(last, INACTIVITY_MONTHS)


def contracts_flag_inactive(*, today: date) -> int:
    """ACC-6 (PLATFORM 17.3): a live contract without any traffic for 6 months since its last
    call (or since service start if it never had any) is flagged and the customer is told;
    staff may then close it. Flagging is idempotent (flagged once until traffic resumes).

    The six months are calendar months counted from the day of the last call — or of the
    service start when that is later (trial calls before it, CON-7) — and clamped to
    the month end (``inactive_due_on``): last call 31/08 → flagged on 28/02 (29/02 in a leap
    year), 31/03 → 30/09. Counting back from ``today`` instead cannot be inverted at a month
    end (28/02 − 6 months is 28/08: the 29th, 30th and 31st waited until 01/03)."""
    flagged = 0
    candidates = Contract.objects.filter(
        # a contract under notice (terminating) is not flagged: it ends on its termination's
        # effective date anyway, for that termination's reason (docs/rules.md, ACC-6)
        status__in=LIVE_STATUSES - {ContractStatus.TERMINATING},
        inactive_flagged_on__isnull=True,
        service_start_date__isnull=False,
        # only PLATFORM's terms (17.3) let the reseller close an account for inactivity: the
        # other contracts (SIP-UNL, TRUNK, HOSTED-W, HOSTED-A) have no such clause
        terms_snapshot__preset=Preset.PLATFORM,
    )
    for contract in candidates.select_related("client").iterator():
        # the later of its last call and its service start: calls of a free trial before the
        # service (CON-7, PLATFORM 6.2) do not count the service's six months from before it
        last = max(filter(None, [contract.last_traffic_on, contract.service_start_date]))
        if inactive_due_on(last) > today:
            continue
        with transaction.atomic():
            updated = Contract.objects.filter(
                pk=contract.pk, inactive_flagged_on__isnull=True
            ).update(inactive_flagged_on=today)
            if updated:
                audit_record(
                    action="contract.flag_inactive",
                    instance=contract,
                    after={"last_traffic_on": last, "flagged_on": today},
                )
                notify_client(
                    contract.client,
                    "offers/email/inactive",
                    {"contract": contract, "last_traffic": last},
                )
                flagged += 1
    return flagged
