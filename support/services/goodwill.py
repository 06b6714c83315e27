"""Goodwill credits and the liability cap (SLA-12, PLATFORM 15.3): the compensation that staff
grant beyond SLA credits for one event (a ticket or an outage) and one service (a contract) is
capped, in total, at the subscriptions paid for that service in the 3 months before the event.
A credit above what is left is refused with the cap in the message; one within it becomes a
credit note (BIL-9), set against the customer's next invoice by the month-end run."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from billing import services as billing
from kernel.money import round_money
from offers.models import Contract
from offers.periods import add_months
from support.choices import OutageScope
from support.models import GoodwillCredit, Outage, Ticket
from support.services.invoiced import paid_subscriptions
from support.services.permissions import require_staff

ZERO = Decimal("0.00")
CAP_MONTHS = 3  # PLATFORM 15.3: "pendant les trois (3) mois précédant le fait générateur"


def liability_window(event_date: date) -> tuple[date, date]:
    """[the same day 3 months before the event, the event's day): the invoices dated in it
    count. Invoices are dated the last day of each month (BIL-1), so the window holds exactly
    three month-end invoices: an event on 31 October counts those of 31 July, 31 August and 30
    September; the invoice of 31 October itself is not before the event."""
    return add_months(event_date, -CAP_MONTHS), event_date


def liability_cap(contract: Contract, event_date: date) -> Decimal:
    """SLA-12: the subscriptions (full months and pro rata, € HT) of the contract on the paid
    invoices dated in the 3 months before the event, less what corrections credited on them
    (``paid_subscriptions``)."""
    return paid_subscriptions(contract, *liability_window(event_date))


def event_date_of(*, ticket: Ticket | None = None, outage: Outage | None = None) -> date:
    """The day of the event (Paris time): a failure starts at its detection when given, else
    at its report; an outage at its start."""
    if ticket is not None:
        start = min(filter(None, [ticket.reported_at, ticket.detected_at]))
    elif outage is not None:
        start = outage.started_at
    else:
        raise ValueError("Give a ticket or an outage.")
    return timezone.localtime(start).date()


def goodwill_granted(
    contract: Contract, *, ticket: Ticket | None = None, outage: Outage | None = None
) -> Decimal:
    """The goodwill credits already granted for this event and service."""
    total = GoodwillCredit.objects.filter(
        contract=contract, ticket=ticket, outage=outage
    ).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


@dataclass(frozen=True)
class LiabilityRoom:
    """SLA-12 for one event and service: the cap, what was granted, what is left."""

    contract: Contract
    event_date: date
    cap: Decimal
    granted: Decimal

    @property
    def window_start(self) -> date:
        return liability_window(self.event_date)[0]

    @property
    def left(self) -> Decimal:
        return max(self.cap - self.granted, ZERO)


def liability_room(
    contract: Contract, *, ticket: Ticket | None = None, outage: Outage | None = None
) -> LiabilityRoom:
    day = event_date_of(ticket=ticket, outage=outage)
    return LiabilityRoom(
        contract=contract,
        event_date=day,
        cap=liability_cap(contract, day),
        granted=goodwill_granted(contract, ticket=ticket, outage=outage),
    )


def goodwill_contracts(*, ticket: Ticket | None = None, outage: Outage | None = None):
    """The services an event concerns: the ticket's contract; the outage's contracts (listed,
    or every contract of its offer — terminated since or not)."""
    if ticket is not None:
        return Contract.objects.filter(pk=ticket.contract_id)
    if outage.scope == OutageScope.OFFER:
        return Contract.objects.filter(offer_id=outage.offer_id)
    return outage.contracts.all()


def _money(value: Decimal) -> str:
    return formats.number_format(value, 2)


def _clean_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value <= 0 or value != round_money(value):
        raise ValidationError(
            {"amount": _("Give a positive amount in euros, with at most 2 decimals.")}
        )
    return value


def _check_event(contract, ticket, outage) -> Contract:
    if (ticket is None) == (outage is None):
        raise ValidationError(_("A goodwill credit is granted for one ticket or one outage."))
    if ticket is not None:
        if ticket.contract_id is None:
            raise ValidationError(
                _("This ticket names no service: a goodwill credit is granted for a service.")
            )
        if contract is not None and contract.pk != ticket.contract_id:
            raise ValidationError({"contract": _("This ticket is about another service.")})
        return ticket.contract
    if contract is None:
        raise ValidationError({"contract": _("Choose the service affected by the outage.")})
    if not goodwill_contracts(outage=outage).filter(pk=contract.pk).exists():
        raise ValidationError({"contract": _("This outage did not affect this service.")})
    return contract


@transaction.atomic
def goodwill_credit_issue(
    *,
    amount,
    reason: str,
    actor: User,
    ticket: Ticket | None = None,
    outage: Outage | None = None,
    contract: Contract | None = None,
) -> GoodwillCredit:
    """SLA-12 (PLATFORM 15.3): staff grant a goodwill credit for one event (``ticket`` or
    ``outage``) and one service (``contract``; a ticket's own by default). The credits of the
    event and service may not exceed, in total, the subscriptions paid for the service in the 3
    months before the event: above what is left the credit is refused with the cap in the
    message, and nothing is written. Within it, a credit note is issued (BIL-9) and the credit
    recorded with the cap in force, audited. Credits of one event run one at a time (the
    event's row is locked), so two staff cannot both use the same room."""
    require_staff(actor)
    errors = {}
    try:
        value = _clean_amount(amount)
    except ValidationError as error:
        errors.update(error.message_dict)
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason of the goodwill credit.")
    elif len(reason) > 255:
        errors["reason"] = _("Keep the reason within 255 characters.")
    if errors:
        raise ValidationError(errors)
    if ticket is not None:
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if outage is not None:
        outage = Outage.objects.select_for_update().get(pk=outage.pk)
    contract = _check_event(contract, ticket, outage)
    room = liability_room(contract, ticket=ticket, outage=outage)
    if value > room.left:
        message = _(
            "The liability cap for this event is %(cap)s €; %(granted)s € already granted, so "
            "at most %(left)s € more."
        ) % {"cap": _money(room.cap), "granted": _money(room.granted), "left": _money(room.left)}
        raise ValidationError({"amount": ValidationError(message, code="liability_cap")})
    # BIL-3: the words of a credit note are French, whatever staff's language.
    with translation.override(settings.LANGUAGE_CODE):
        event = (
            _("ticket %(number)s") % {"number": ticket.number}
            if ticket is not None
            else _("outage of %(day)s") % {"day": formats.date_format(room.event_date)}
        )
        description = _("Goodwill credit — %(event)s — contract %(ref)s") % {
            "event": event,
            "ref": contract.reference,
        }
    note = billing.credit_note_issue(
        client=contract.client,
        lines=[
            billing.CreditLine(
                description=description,
                amount=value,
                # BIL-9: at the VAT of the service on the event's day, referring to the
                # invoice that billed it.
                contract=contract,
                service_date=room.event_date,
            )
        ],
        reason=reason,
        actor=actor,
    )
    credit = GoodwillCredit.objects.create(
        contract=contract,
        ticket=ticket,
        outage=outage,
        event_date=room.event_date,
        amount=value,
        reason=reason,
        cap=room.cap,
        credit_note=note,
        granted_by=actor,
    )
    audit_record(
        action="goodwill_credit.issue",
        instance=credit,
        actor=actor,
        client=contract.client,
        after={
            "contract": contract.reference,
            "event": event,
            "event_date": room.event_date,
            "amount": value,
            "cap": room.cap,
            "granted_before": room.granted,
            "left_after": room.left - value,
            "credit_note": note.number,
        },
    )
    return credit
