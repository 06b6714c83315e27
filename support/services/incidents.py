"""What staff record on a failure notification: when the service came back (SLA-4, SLA-6) and
the abusive-ticket penalty when the customer caused the incident (SLA-11). Either may show that
the report was no incident after all (SLA-3, PLATFORM 14.2): the intervention deadline goes."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.notifications import notify_client
from billing import services as billing
from billing.choices import ChargeKind, VatCategory
from billing.models import PendingCharge
from kernel.errors import InvalidTransition
from offers.choices import Preset
from offers.periods import month_start
from support.choices import TicketKind, TicketStatus
from support.models import Ticket
from support.services.deadlines import intervention_deadline, is_incident
from support.services.permissions import NOTIFIED_ROLES, require_staff
from support.services.ticket_status import lock_ticket

PENALTY_AMOUNT = Decimal("100.00")  # SLA-11 (PLATFORM 27, USE-7)


def _refresh_intervention_deadline(ticket: Ticket) -> list[str]:
    """SLA-3 (PLATFORM 14.2): the intervention deadline holds only for an incident — an
    interruption longer than 30 minutes, not caused by the customer. Recomputed from the terms
    when the restoration or the customer's fault is recorded (a corrected restoration can bring
    it back); the fields changed are returned."""
    applies = is_incident(
        reported_at=ticket.reported_at,
        detected_at=ticket.detected_at,
        restored_at=ticket.restored_at,
        customer_caused=ticket.customer_caused,
    )
    new = intervention_deadline(ticket.contract, ticket.reported_at) if applies else None
    if new == ticket.intervention_deadline:
        return []
    ticket.intervention_deadline = new
    return ["intervention_deadline"]


@transaction.atomic
def ticket_record_restoration(
    *, ticket: Ticket, restored_at: datetime | None = None, actor: User
) -> Ticket:
    """SLA-4 / SLA-6: staff record when the service came back. It tells whether the
    restoration target was met and, for HOSTED-A, ends the unavailability counted from the
    failure notification. It can be corrected while the ticket is open."""
    require_staff(actor)
    ticket = lock_ticket(ticket)
    now = timezone.now()
    restored_at = restored_at or now
    if ticket.kind != TicketKind.FAILURE:
        raise ValidationError(_("Only a failure notification has a restoration."))
    start = min(filter(None, [ticket.reported_at, ticket.detected_at]))
    if restored_at < start:
        raise ValidationError(
            {"restored_at": _("The service cannot come back before the failure began.")}
        )
    if restored_at > now + timedelta(minutes=1):
        raise ValidationError({"restored_at": _("A restoration cannot be in the future.")})
    if ticket.status == TicketStatus.CLOSED:
        raise InvalidTransition(_("This ticket is closed."), code="ticket_closed")
    before = {"restored_at": ticket.restored_at, "deadline": ticket.intervention_deadline}
    ticket.restored_at = restored_at
    fields = _refresh_intervention_deadline(ticket)
    ticket.save(update_fields=["restored_at", *fields, "updated_at"])
    audit_record(
        action="ticket.restored",
        instance=ticket,
        actor=actor,
        before=before,
        after={
            "restored_at": restored_at,
            "target_met": ticket.restoration_met,
            "deadline": ticket.intervention_deadline,
        },
    )
    notify_client(
        ticket.client, "support/email/ticket_restored", {"ticket": ticket}, roles=NOTIFIED_ROLES
    )
    return ticket


@transaction.atomic
def ticket_charge_abusive_penalty(*, ticket: Ticket, actor: User, note: str = "") -> PendingCharge:
    """SLA-11 (PLATFORM 27, USE-7): staff concluded that the customer caused the incident on a
    PLATFORM service (the only contract with the clause; refused on any other): a 100.00 €
    penalty, outside the scope of VAT like every contractual penalty (docs/rules.md, USE-7:
    billing puts it on the customer's invoice of "O" charges), posted as a pending charge
    keyed by the ticket — charging twice returns the same charge. The ticket's unavailability
    no longer counts in the availability (the customer's act, SLA-5), and the report was no
    incident: its intervention deadline goes (SLA-3, PLATFORM 14.2)."""
    require_staff(actor)
    ticket = lock_ticket(ticket)
    if ticket.kind != TicketKind.FAILURE:
        raise ValidationError(_("The penalty applies to a failure notification only."))
    if ticket.contract.preset != Preset.PLATFORM:
        # Only the voice platform's contract states it (PLATFORM 27 « Support Abusif »): the
        # HOSTED-W, HOSTED-A, TRUNK and SIP-UNL contracts have no such penalty.
        raise ValidationError(
            _(
                "The abusive-ticket penalty is a clause of the voice platform contract "
                "(PLATFORM 27): this service's contract states none."
            )
        )
    reported_month = month_start(timezone.localtime(ticket.reported_at).date())
    # BIL-3: the words of an invoice line are French, whatever staff's language.
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Abusive incident report penalty — ticket %(number)s") % {
            "number": ticket.number
        }
    charge = billing.charge_post(
        client=ticket.client,
        kind=ChargeKind.PENALTY,
        source_type="ticket",
        source_id=ticket.pk,
        period_start=reported_month,
        description=description,
        unit_price=PENALTY_AMOUNT,
        contract=ticket.contract,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )
    if not ticket.customer_caused:
        deadline_before = ticket.intervention_deadline
        ticket.customer_caused = True
        fields = _refresh_intervention_deadline(ticket)
        ticket.save(update_fields=["customer_caused", *fields, "updated_at"])
        audit_record(
            action="ticket.penalty",
            instance=ticket,
            actor=actor,
            before={"customer_caused": False, "deadline": deadline_before},
            after={
                "customer_caused": True,
                "deadline": ticket.intervention_deadline,
                "charge": charge.pk,
                "amount": PENALTY_AMOUNT,
                "note": note,
            },
        )
    return charge
