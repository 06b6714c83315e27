"""ACC-6 (PLATFORM 17.3, 12.7.4): inactivity measured from the call records.

Each rating pass tells ``offers`` the last day (Paris) with a call of each contract it saw —
outbound, inbound or forwarded, answered or not: any traffic counts — so that the nightly
``contracts_flag_inactive`` flags a live contract without any call for six months since its last
one (or since its service start when it never had one) and tells the customer. Staff may then
close it (``inactive_close``): a termination for inactivity, effective and applied on the day
of the closing, without notice or fees; when it leaves the customer without a contract in
service (none left active, suspended or terminating), the prepaid balance is forfeited (it
stays with the reseller, PLATFORM 12.7.4) by a ledger debit of the whole balance. The
customer's admins and billing members are told of the closing and of the balance forfeited
(PLATFORM 17.3: « La résiliation donnera lieu à une information auprès du Client »).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.money import ZERO
from offers import services as offers
from offers.choices import (
    LIVE_STATUSES,
    ContractStatus,
    Preset,
    TerminationReason,
    TerminationStatus,
)
from offers.models import Contract
from payments.models import PrepaidEntry
from payments.services import ledger_text, lock_payer, prepaid_debit
from usage.models import CallRecord
from usage.partitioning import month_bounds
from usage.services import tariff_changes


def last_traffic_record(*, client_ids=None, keys=None) -> int:
    """Feed ``offers`` the last day with traffic of each contract of the (client_id, month)
    ``keys`` a rating pass rated (their months' calls), or of the customers given (all their
    calls). Returns the contracts updated."""
    qs = CallRecord.objects.filter(contract__isnull=False)
    if keys:
        by_month = {}
        for client_id, month in keys:
            by_month.setdefault(month, set()).add(client_id)
        scope = Q()
        for month, clients in by_month.items():
            lo, hi = month_bounds(month)
            scope |= Q(client_id__in=clients, started_at__gte=lo, started_at__lt=hi)
        qs = qs.filter(scope)
    elif client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    else:
        return 0
    last = dict(
        qs.values("contract_id")
        .annotate(last=Max("started_at"))
        .values_list("contract_id", "last")
        .order_by()
    )
    updated = 0
    for contract in Contract.objects.filter(pk__in=last):
        day = timezone.localtime(last[contract.pk]).date()
        if contract.last_traffic_on is None or day > contract.last_traffic_on:
            offers.contract_record_traffic(contract=contract, day=day)
            # PLATFORM 12.2: a call from the first day of new tariffs objected to accepts them
            tariff_changes.objections_withdraw(contract=contract, day=day)
            updated += 1
    return updated


def inactive_close_forfeit(contract: Contract):
    """ACC-6: the prepaid balance that closing ``contract`` for inactivity would forfeit — the
    whole balance when no other contract of the customer stays in service (active, suspended,
    or terminating: in service until its effective date, CON-4, paying its calls from the
    balance — 12.7.4 keeps only the balance left unconsumed) or is ordered, else nothing."""
    if contract.terms_snapshot.get("preset") != Preset.PLATFORM:
        # PLATFORM 17.3 is the only contract that lets the reseller close for inactivity
        raise ValidationError(
            _("Only a PLATFORM contract can be closed for inactivity (PLATFORM 17.3).")
        )
    if contract.inactive_flagged_on is None:
        raise ValidationError(_("Only a contract flagged inactive can be closed for inactivity."))
    scheduled = (
        contract.terminations.filter(status=TerminationStatus.SCHEDULED)
        .values_list("effective_date", flat=True)
        .first()
    )
    if scheduled is not None:
        # under notice: it ends on that day, as the termination already scheduled says (its
        # reason, its fee); not closed for inactivity before it, nor its balance forfeited
        raise ValidationError(
            _(
                "Contract %(ref)s is already under notice: it ends on %(date)s. It is not closed "
                "for inactivity."
            )
            % {"ref": contract.reference, "date": scheduled.strftime("%d/%m/%Y")}
        )
    # an ordered contract keeps the account too: a sale under way (its calls, a trial's
    # included, CON-7, are paid from the balance), as it keeps the customer from being closed
    kept = LIVE_STATUSES | {ContractStatus.ORDERED}
    others = Contract.objects.filter(client=contract.client, status__in=kept).exclude(
        pk=contract.pk
    )
    if others.exists():
        return ZERO
    balance = (
        PrepaidEntry.objects.filter(account__client=contract.client).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return max(balance, ZERO)


@transaction.atomic
def inactive_close(*, contract: Contract, today: date, actor=None, expected_forfeit=None):
    """ACC-6: staff close a contract flagged inactive; returns (termination, forfeited €).
    PLATFORM 17.3 (« le Prestataire pourra fermer le compte et résilier le Service »): the
    reseller's termination takes effect on ``today``, the day of the closing (Paris), without
    the customer's notice (17.1) and without fees, and is applied at once (the contract ends).
    ``expected_forfeit``: what the confirmation showed — refused if the balance changed since.
    The customer's row is locked before the contract, as a CDR batch's prepaid debit locks it
    before it suspends contracts (the other order would deadlock with it)."""
    lock_payer(client_id=Contract.objects.values_list("client_id", flat=True).get(pk=contract.pk))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    forfeit = inactive_close_forfeit(contract)
    if expected_forfeit is not None and forfeit != expected_forfeit:
        raise ValidationError(
            _("The prepaid balance changed since the confirmation: check the amount again.")
        )
    termination = offers.contract_request_termination(
        contract=contract,
        actor=actor,
        reason=TerminationReason.INACTIVITY,
        requested_date=today,
        notice_days=0,
        waive_fees=True,
    )
    offers.termination_apply(termination_id=termination.pk, today=today)
    termination.refresh_from_db()
    if forfeit > 0:
        # a line of the customer's prepaid statement: in its language (French), not the
        # language of the staff member who closes the contract
        description = ledger_text(
            lambda: _("Balance forfeited: account closed for inactivity (%(ref)s)")
            % {"ref": contract.reference}
        )
        prepaid_debit(
            client=contract.client,
            amount=forfeit,
            source_type="inactivity_forfeit",
            source_id=contract.pk,
            description=description,
            actor=actor,
        )
    # PLATFORM 17.3 « La résiliation donnera lieu à une information auprès du Client »: the
    # closing, its day and the balance forfeited (12.7.4), to the admins and billing members
    notify_client(
        contract.client,
        "usage/email/inactive_closed",
        {
            "contract": contract,
            "last_traffic": contract.last_traffic_on or contract.service_start_date,
            "closed_on": today,
            "forfeit": forfeit,
            # PLATFORM 28: increases asked and refused by the closing, told here
            "refused_increases": termination.refused_increases,
        },
        roles=(Role.ADMIN, Role.BILLING),
    )
    return termination, forfeit
