"""USE-8 prepaid (PLATFORM 12.7, BIL-10, CON-8): a prepaid customer's rated consumption is
debited from its ledger, VAT included, as it is imported — a debit per rating pass of an
import batch (one pass per chunk on PostgreSQL) and month, for what the month's billable total
gained since the last debit (so a re-rating after a breach is debited too, and a re-sent file
nothing). When the balance reaches zero (or less:
traffic is not refused after the fact) the customer's active contracts are suspended (reason
"prepaid balance exhausted"); a top-up that brings the balance above zero lifts those
suspensions (and only those).

Choices: the debit is the net consumption with the VAT of the customer's regime, rounded to the
cent per debit (``payments.services.gross_amount``); the month's invoice lists the same calls as
already paid and payments squares the rounding (BIL-10). A lower total after a waiver is not
refunded to the ledger here: it is credited by the waiver's credit note (BIL-9).
"""

from datetime import date

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from accounts.choices import PaymentMethod
from accounts.models import Client
from kernel.money import ZERO, round_money
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract
from payments.choices import PrepaidKind
from payments.models import PrepaidEntry
from payments.services import prepaid_consume
from usage.models import PrepaidUsageDebit
from usage.services.billing import billable_calls

SOURCE = "usage_consumption"


def prepaid_debit_month(*, client: Client, month: date, source: str):
    """Debit what the month's billable consumption gained since the last debit. Idempotent by
    that difference: run again (a task delivered twice, a file sent again) it finds nothing to
    debit. On PostgreSQL each chunk of a batch is a rating pass of its own, announced with the
    batch's id: a chunk after the first that rated more calls of the month is debited as
    ``batch:<id>#2``, ``#3``… Returns the ledger entry, or None when there is nothing to
    debit."""
    if client.payment_method != PaymentMethod.PREPAID:
        return None
    with transaction.atomic():
        # the client's row is the lock: two batches of one customer are debited in turn
        Client.objects.select_for_update().filter(pk=client.pk).first()
        total = (
            billable_calls()
            .filter(client=client, billing_month=month)
            .aggregate(s=Sum("cost"))["s"]
            or ZERO
        )
        debited = (
            PrepaidUsageDebit.objects.filter(client=client, month=month).aggregate(s=Sum("net"))[
                "s"
            ]
            or ZERO
        )
        delta = total - debited
        if round_money(delta) <= 0:
            return None
        earlier = PrepaidUsageDebit.objects.filter(
            Q(source=source) | Q(source__startswith=f"{source}#"), client=client, month=month
        ).count()
        if earlier:
            source = f"{source}#{earlier + 1}"
        PrepaidUsageDebit.objects.create(client=client, month=month, source=source, net=delta)
        entry = prepaid_consume(
            client=client,
            amount_net=delta,
            source_type=SOURCE,
            source_id=f"{month:%Y%m}:{source}",
            description=_("Calls of %(month)s") % {"month": month.strftime("%m/%Y")},
        )
        if entry.balance_after == 0:  # USE-8: "at zero" (payments suspends below zero)
            _suspend(client)
        return entry


def _suspend(client: Client) -> None:
    for contract in Contract.objects.filter(client=client, status=ContractStatus.ACTIVE):
        offers.contract_suspend(
            contract=contract,
            reason=SuspensionReason.PREPAID_EXHAUSTED,
            note=_("Prepaid balance exhausted"),
        )


def lift_after_topup(*, client: Client) -> int:
    """CON-8 / USE-8: a top-up that brings the balance above zero lifts the suspensions for an
    exhausted balance. Returns the contracts resumed."""
    balance = (
        PrepaidEntry.objects.filter(account__client=client).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    if balance <= 0:
        return 0
    lifted = 0
    suspended = Contract.objects.filter(
        client=client,
        status=ContractStatus.SUSPENDED,
        suspensions__lifted_at__isnull=True,
        suspensions__reason=SuspensionReason.PREPAID_EXHAUSTED,
    ).distinct()
    for contract in suspended:
        offers.contract_lift_suspension(contract=contract)
        lifted += 1
    return lifted


def on_prepaid_entry(sender, instance: PrepaidEntry, created: bool, **kwargs) -> None:
    """post_save of the ledger (connected in ``UsageConfig.ready``): a top-up lifts."""
    if created and instance.kind == PrepaidKind.TOPUP:
        client = instance.account.client
        transaction.on_commit(lambda: lift_after_topup(client=client))
