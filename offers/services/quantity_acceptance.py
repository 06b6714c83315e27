"""PLATFORM 28 / 7.2.1 — more units asked by the customer or its partner wait for our
acceptance (``offers.services.quantities`` records them as *requested*): our staff accept them
(applied from that day, as any increase) or refuse them. Kept out of ``quantities`` for its
size."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.choices import QuantityChangeStatus as Status
from offers.choices import TerminationStatus
from offers.events import announce_increase_decision
from offers.models import Contract, LineQuantityChange, Termination
from offers.services.quantities import _lock, _quote


def requested_increases(*, contract: Contract) -> dict[int, LineQuantityChange]:
    """The contract's increases awaiting our acceptance, by line (PLATFORM 28). One query."""
    return {
        change.line_id: change
        for change in LineQuantityChange.objects.filter(contract=contract, status=Status.REQUESTED)
    }


def refused_increases(*, contract: Contract) -> dict[int, LineQuantityChange]:
    """The contract's increases we refused that are still their line's latest change, by line
    (PLATFORM 28: the customer reads the refusal, its day and its reason, until the line changes
    again). One query."""
    later = LineQuantityChange.objects.filter(
        line=OuterRef("line"), created_at__gt=OuterRef("created_at")
    )
    return {
        change.line_id: change
        for change in LineQuantityChange.objects.filter(
            contract=contract, status=Status.REFUSED
        ).filter(~Exists(later))
    }


@transaction.atomic
def line_quantity_increase_accept(
    *, change: LineQuantityChange, actor, today: date | None = None
) -> LineQuantityChange:
    """PLATFORM 28 / 7.2.1: our staff accept an increase asked: it is applied today as any
    increase — the units asked are added to the line's quantity now, pro rata from today (TRK-3)
    and their setup fee, charged once by the next run. Refused (nothing written) when it is not
    awaiting acceptance any more, or the contract or the line cannot change now. Audited."""
    today = today or paris_today()
    contract, line = _lock(change.line, today)
    change = LineQuantityChange.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.REQUESTED:
        raise InvalidTransition(
            _("This increase is not awaiting acceptance any more."), code="invalid_transition"
        )
    quote = _quote(contract, line, line.quantity + change.units, today)
    change.status = Status.APPLIED
    change.quantity_before, change.quantity_after = quote.current, quote.requested
    change.effective_on = quote.effective_on
    change.unit_monthly_price = quote.unit_monthly_price
    change.prorata_days, change.period_days = quote.prorata_days, quote.period_days
    change.prorata_amount, change.setup_amount = quote.prorata_amount, quote.setup_amount
    change.applied_at = change.decided_at = timezone.now()
    change.save()
    line.quantity = quote.requested
    line.save(update_fields=["quantity", "updated_at"])
    audit_record(
        action="contract_line.quantity_increase_accept",
        instance=contract,
        actor=actor,
        before={"line": line.pk, "quantity": quote.current, "status": Status.REQUESTED},
        after={
            "line": line.pk,
            "quantity": quote.requested,
            "change": change.pk,
            "effective_on": quote.effective_on,
            "prorata": quote.prorata_amount,
            "setup": quote.setup_amount,
        },
    )
    _tell(change, contract, line, {"quote": quote})
    return change


def _tell(change: LineQuantityChange, contract: Contract, line, extra: dict) -> None:
    """PLATFORM 28 / 7.2.1 (« confirmer par écrit »): the customer's administrators read our
    decision by e-mail, each once in their language (the dashboard lists it,
    ``offers.selectors``) — an acceptance, which announces a charge, its billing members too
    (ACC-2: they pay the invoices); its partner gets one webhook event."""
    accepted = change.status == Status.APPLIED
    notify_client(
        contract.client,
        f"offers/email/quantity_increase_{'accepted' if accepted else 'refused'}",
        {"contract": contract, "change": change, "product": line.product, **extra},
        roles=(Role.ADMIN, Role.BILLING) if accepted else (Role.ADMIN,),
    )
    announce_increase_decision(change)


@transaction.atomic
def line_quantity_increase_refuse(
    *, change: LineQuantityChange, actor, reason: str = ""
) -> LineQuantityChange:
    """PLATFORM 28 / 7.2.1: our staff refuse an increase asked (capacity, the customer's
    situation…), with an optional ``reason`` the customer reads (its contract page, the API):
    the line keeps its quantity, nothing is billed. Audited with the reason."""
    Contract.objects.select_for_update().get(pk=change.contract_id)
    change = LineQuantityChange.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.REQUESTED:
        raise InvalidTransition(
            _("This increase is not awaiting acceptance any more."), code="invalid_transition"
        )
    change.status = Status.REFUSED
    change.cancelled_at = change.decided_at = timezone.now()
    change.cancelled_by = actor
    change.refusal_reason = (reason or "").strip()
    change.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "decided_at",
            "refusal_reason",
            "updated_at",
        ]
    )
    audit_record(
        action="contract_line.quantity_increase_refuse",
        instance=change.contract,
        actor=actor,
        before={"line": change.line_id, "change": change.pk, "status": Status.REQUESTED},
        after={
            "line": change.line_id,
            "change": change.pk,
            "status": Status.REFUSED,
            "reason": change.refusal_reason,
        },
    )
    line = change.line
    _tell(change, change.contract, line, {"quantity": line.quantity})
    return change


def increases_refuse_on_termination(
    *, contract: Contract, termination, actor=None, api_key=None
) -> list[LineQuantityChange]:
    """PLATFORM 28 / 7.2.1, CON-4: the increases still awaiting our acceptance when the
    contract's termination is recorded (by either party) can never be accepted (only an active
    contract changes its quantities): they are refused at once, in the termination's transaction
    (the contract locked by it), with a reason the customer reads — in the portal's language,
    as a reason our staff write — audited, and one ``quantity_increase.refused`` event each.
    No e-mail here: the termination's own e-mail tells them (its ``refused_increases``). A
    termination cancelled later leaves them refused; the customer may ask again."""
    changes = list(
        LineQuantityChange.objects.select_for_update(of=("self",))
        .filter(contract=contract, status=Status.REQUESTED)
        .select_related("line__product")
        .order_by("pk")
    )
    if not changes:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "The contract is terminated from %(date)s (first day without service): an increase "
            "can no longer be accepted."
        ) % {"date": termination.effective_date.strftime("%d/%m/%Y")}
    now = timezone.now()
    for change in changes:
        change.status = Status.REFUSED
        change.cancelled_at = change.decided_at = now
        change.refusal_reason = reason
        change.save(
            update_fields=["status", "cancelled_at", "decided_at", "refusal_reason", "updated_at"]
        )
        audit_record(
            action="contract_line.quantity_increase_refuse",
            instance=contract,
            actor=actor,
            api_key=api_key,
            before={"line": change.line_id, "change": change.pk, "status": Status.REQUESTED},
            after={
                "line": change.line_id,
                "change": change.pk,
                "status": Status.REFUSED,
                "reason": reason,
                "termination": termination.pk,
            },
        )
        announce_increase_decision(change, termination)
    return changes


def increases_refuse_left_by_terminations() -> int:
    """PLATFORM 28 / 7.2.1, CON-4 — the daily clean-up (``offers.tasks.apply_terminations``,
    before the day's terminations apply): an increase still awaiting our acceptance on a
    contract whose termination is recorded (scheduled, or effective: the contract terminated) —
    asked before a termination refused them (``increases_refuse_on_termination``), or left by
    any path that missed it — can never be accepted: it is refused as that termination would
    have refused it (its reason with the termination's effective date, audited with the
    termination's id, one ``quantity_increase.refused`` event each), decided now. No e-mail:
    the contract is ending or over, and its page and the API show the refusal and its reason.
    Each contract in its own transaction, locked; idempotent. Returns how many were refused."""
    live = (TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE)
    termination_ids = list(
        Termination.objects.filter(
            status__in=live, contract__quantity_changes__status=Status.REQUESTED
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    refused = 0
    for termination_id in termination_ids:
        with transaction.atomic():
            termination = Termination.objects.select_related("contract").get(pk=termination_id)
            contract = Contract.objects.select_for_update().get(pk=termination.contract_id)
            termination.refresh_from_db(fields=["status"])  # cancelled meanwhile: left alone
            if termination.status in live:
                refused += len(
                    increases_refuse_on_termination(contract=contract, termination=termination)
                )
    return refused
