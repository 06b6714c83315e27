"""USE-8 prepaid (PLATFORM 12.7, BIL-10, CON-8): a prepaid customer's rated consumption is
debited from its ledger, VAT included, as it is imported — a debit per rating pass of an
import batch (one pass per chunk on PostgreSQL) and month, for what the month's consumption to
be paid gained since the last debit (so a re-rating after a breach is debited too, and a re-sent
file nothing). When the balance reaches zero (or less:
traffic is not refused after the fact) the customer's active contracts are suspended (reason
"prepaid balance exhausted"); a top-up that brings the balance above zero lifts those
suspensions (and only those).

Choices: the debit is the net consumption with the VAT of the customer's regime, rounded to the
cent per debit (``payments.services.gross_amount``); the month's invoice lists the same calls as
already paid and payments squares the rounding (BIL-10) with the debits this module tells it
the invoice carries (``invoice_consumption_entries``). What the month is to be paid is, per
consumption line, its billable total or what was already charged for it when that is more (an
invoiced line re-rated lower is credited by the waiver's credit note, BIL-9, not here). A lower
total (a breach waived before the month is invoiced) gives the difference back to the ledger,
VAT included (a refund entry).
"""

from datetime import date

from django.db import transaction
from django.db.models import Q, Sum
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.choices import PaymentMethod
from accounts.models import Client
from billing.models import Invoice, PendingCharge
from kernel.errors import InvalidTransition
from kernel.money import CENT, ZERO, round_money
from offers import services as offers
from offers.choices import ContractStatus, SuspensionReason
from offers.models import Contract
from payments.choices import PrepaidKind
from payments.models import PrepaidEntry
from payments.services import (
    gross_amount,
    ledger_text,
    prepaid_consume,
    prepaid_suspend_exhausted,
)
from payments.services.prepaid import invoice_prepaid_entries, prepaid_give_back
from usage.models import PrepaidUsageDebit
from usage.partitioning import month_bounds
from usage.services.billing import SOURCE as CHARGE_SOURCE
from usage.services.billing import billable_calls, billable_totals
from usage.services.revisions import charged, credited

SOURCE = "usage_consumption"


def prepaid_debit_month(*, client: Client, month: date, source: str):
    """Debit what the month's consumption to be paid (``to_be_paid``) gained since the last
    debit; give back, VAT included, what it lost (a breach waived before the month is invoiced,
    USE-4). Idempotent by that difference: run again (a task delivered twice, a file sent
    again) it finds nothing to do. On PostgreSQL each chunk of a batch is a rating pass of its
    own, announced with the batch's id: a chunk after the first that rated more calls of the
    month is debited as ``batch:<id>#2``, ``#3``… Returns the ledger entry, or None when there
    is nothing to debit or give back."""
    if client.payment_method != PaymentMethod.PREPAID:
        return None
    with transaction.atomic():
        # the client's row is the lock: two batches of one customer are debited in turn
        Client.objects.select_for_update().filter(pk=client.pk).first()
        debited = (
            PrepaidUsageDebit.objects.filter(client=client, month=month).aggregate(s=Sum("net"))[
                "s"
            ]
            or ZERO
        )
        target = to_be_paid(client=client, month=month)
        delta = target - debited
        if round_money(delta) == 0:
            return None
        earlier = PrepaidUsageDebit.objects.filter(
            Q(source=source) | Q(source__startswith=f"{source}#"), client=client, month=month
        ).count()
        if earlier:
            source = f"{source}#{earlier + 1}"
        PrepaidUsageDebit.objects.create(client=client, month=month, source=source, net=delta)
        source_id = f"{month:%Y%m}:{source}"
        if delta < 0:
            return _give_back(client, month, target, -delta, source_id)
        # a ledger line is French (BIL-10), with its English twin for an English reader
        description = ledger_text(lambda: _("Calls of %(month)s") % {"month": f"{month:%m/%Y}"})
        entry = prepaid_consume(
            client=client,
            amount_net=delta,
            source_type=SOURCE,
            source_id=source_id,
            description=description,
        )
        if entry.balance_after == 0:  # USE-8: "at zero" (payments suspends below zero)
            prepaid_suspend_exhausted(client)
        return entry


def to_be_paid(*, client: Client, month: date):
    """What a prepaid customer's ledger is to have paid for a month of consumption (€ HT, 4
    decimals): per consumption line (``usage.services.billing.LineKey``), its billable total
    plus what credit notes already gave back on it, or what was already charged for it when
    that is more — an invoiced line re-rated lower stays paid, its credit note (BIL-9) credits
    the difference, not the ledger."""
    due = {
        key.source_id: total
        for key, (total, _calls, _seconds) in billable_totals(
            months=[month], client_ids=[client.pk]
        ).items()
    }
    given_back = credited([month], [client.pk])
    for (_month, base), charges in charged([month], [client.pk], source_type=CHARGE_SOURCE).items():
        posted = sum((c.unit_price * c.quantity for c in charges), ZERO)
        # A credit note (a waiver's, a late record's lowering, BIL-9) already gave back part of
        # what the ledger paid for the line: the ledger keeps it, or the customer would get it
        # twice (credit note and refund entry); what the line bills beyond it is still due.
        due[base] = max(due.get(base, ZERO) + given_back.get((month, base), ZERO), posted)
    return sum(due.values(), ZERO)


def _give_back(client: Client, month: date, target, net, source_id: str):
    """The month's consumption to be paid fell by ``net`` € HT: that much goes back to the
    ledger with VAT — all the month took when nothing of it is to be paid any more (no cent of
    rounding kept) — and a balance back above zero lifts the suspensions for an exhausted
    balance."""
    taken = -(
        PrepaidEntry.objects.filter(
            account__client=client, source_type=SOURCE, source_id__startswith=f"{month:%Y%m}:"
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    amount = taken if target <= 0 else min(gross_amount(client=client, net=net), taken)
    if amount <= 0:
        return None
    description = ledger_text(
        lambda: _("Calls of %(month)s re-rated: given back") % {"month": f"{month:%m/%Y}"}
    )
    entry = prepaid_give_back(
        client=client,
        amount=amount,
        source_type=SOURCE,
        source_id=source_id,
        description=description,
    )
    if entry.balance_after > 0:
        transaction.on_commit(lambda: lift_after_topup(client=client))
    return entry


def prepaid_before_run(month: date) -> int:
    """USE-8: before month M's consumption is invoiced — after the run's re-rating of HOSTED-A
    calls at the month-end tariff (``usage.receivers.on_run_preparing`` calls it then) —
    each prepaid customer's M is brought to what it is to be paid: what a re-rating lowered
    since the last debit (a breach waived) is given back, what a re-rating raised or a rating
    pass's task has not debited yet is debited, so that the invoice's "already paid" matches
    the ledger. Only the customers whose debits differ from their
    billable total are looked at. Returns how many were."""
    start = month_bounds(month)[0]
    prepaid = {"client__payment_method": PaymentMethod.PREPAID}
    totals = dict(
        billable_calls()
        .filter(billing_month=month, started_at__gte=start, **prepaid)
        .values("client_id")
        .annotate(s=Sum("cost"))
        .order_by()
        .values_list("client_id", "s")
    )
    debited = dict(
        PrepaidUsageDebit.objects.filter(month=month, **prepaid)
        .values("client_id")
        .annotate(s=Sum("net"))
        .order_by()
        .values_list("client_id", "s")
    )
    differ = [
        pk
        for pk in totals.keys() | debited.keys()
        if round_money((totals.get(pk) or ZERO) - (debited.get(pk) or ZERO)) != 0
    ]
    for client in Client.objects.filter(pk__in=differ).order_by("pk"):
        prepaid_debit_month(client=client, month=month, source="run")
    return len(differ)


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
        # CON-8: suspended, or suspended and then terminated (its service suspended still)
        status__in=[ContractStatus.SUSPENDED, ContractStatus.TERMINATING],
        suspensions__lifted_at__isnull=True,
        suspensions__reason=SuspensionReason.PREPAID_EXHAUSTED,
    ).distinct()
    for contract in suspended:
        offers.contract_lift_suspension(contract=contract)
        lifted += 1
    return lifted


def lifts_left() -> int:
    """CON-8 / USE-8, periodic (``usage.money_tasks.prepaid_lifts``): the lifts a top-up's
    commit callback did not make (the process stopped in between, the callback failed) — the
    customers with an exhausted-balance suspension still open whose balance is above zero again
    are lifted (``lift_after_topup``). Idempotent: a suspension lifted meanwhile is not lifted
    twice (the contract row is locked and re-read). Returns the contracts resumed."""
    clients = Client.objects.filter(
        contracts__status__in=[ContractStatus.SUSPENDED, ContractStatus.TERMINATING],
        contracts__suspensions__lifted_at__isnull=True,
        contracts__suspensions__reason=SuspensionReason.PREPAID_EXHAUSTED,
    ).distinct()
    lifted = 0
    for client in clients.order_by("pk"):
        try:
            lifted += lift_after_topup(client=client)
        except InvalidTransition:  # lifted meanwhile by the top-up's own callback
            continue
    return lifted


def on_prepaid_entry(sender, instance: PrepaidEntry, created: bool, **kwargs) -> None:
    """post_save of the ledger (connected in ``UsageConfig.ready``): a top-up lifts."""
    if created and instance.kind == PrepaidKind.TOPUP:
        client = instance.account.client
        transaction.on_commit(lambda: lift_after_topup(client=client))


@receiver(invoice_prepaid_entries, sender=Invoice, dispatch_uid="usage.prepaid_consumption")
def invoice_consumption_entries(sender, invoice: Invoice, **kwargs) -> list[PrepaidEntry]:
    """BIL-10 squaring: the ledger entries of the consumption an invoice lists as already paid.
    A month's debits (one per rating pass) and its charges (one per line at the month's run, a
    revision for what came later) are both differences of the month's total: the invoice
    carries the debits whose running net total lies between what the earlier invoices and this
    one charged for the month — give or take the half-cents left over by a difference too small
    to be debited or charged. A debit made after the run posted its charges is the next
    invoice's; a month whose debits never meet its charges (a re-rating not yet debited) is left
    out: nothing goes back for it."""
    charges = PendingCharge.objects.filter(
        client_id=invoice.client_id,
        source_type=CHARGE_SOURCE,
        is_paid=True,
        invoice_line__isnull=False,
        invoice_line__invoice_id__lte=invoice.pk,
    )
    months = set(
        charges.filter(invoice_line__invoice_id=invoice.pk).values_list("period_start", flat=True)
    )
    sources = []
    for month in sorted(months):
        before = this = ZERO
        keys = set()
        for source_id, price, quantity, invoice_id in charges.filter(
            period_start=month
        ).values_list("source_id", "unit_price", "quantity", "invoice_line__invoice_id"):
            keys.add(source_id.split("#", 1)[0])
            if invoice_id == invoice.pk:
                this += price * quantity
            else:
                before += price * quantity
        debits = list(
            PrepaidUsageDebit.objects.filter(client_id=invoice.client_id, month=month)
            .order_by("pk")
            .values_list("source", "net")
        )
        running = [ZERO]
        for _source, net in debits:
            running.append(running[-1] + net)
        slack = CENT / 2 * len(keys)  # each line may leave up to half a cent uncharged
        first = 0 if before == 0 else _cut(running, before, slack)
        last = _cut(running, before + this, slack)
        if first is None or last is None or last < first:
            continue
        sources += [f"{month:%Y%m}:{source}" for source, _net in debits[first:last]]
    return list(
        PrepaidEntry.objects.filter(
            account__client_id=invoice.client_id, source_type=SOURCE, source_id__in=sources
        )
    )


def _cut(running: list, charged_net, slack):
    """The last debit (its rank in ``running``, the running net totals of a month's debits)
    that the net charged for the month covers; None when none meets it. A debit leaves less
    than half a cent undebited, each charged line up to half a cent uncharged."""
    met = [i for i, total in enumerate(running) if -CENT / 2 < total - charged_net <= slack]
    return met[-1] if met else None
