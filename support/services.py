"""Every write of support: tickets and messages (SLA-1, SLA-3, SLA-4), attachments, the
abusive-ticket penalty (SLA-11), outages and their announcements (SLA-5), monthly availability
reports (SLA-6, SLA-7, SLA-9) and SLA credits on request (SLA-8, SLA-10).

Who may do what: staff (``user.is_staff``) do everything; a customer's member opens and answers
its own company's tickets (technical permission, ACC-2) and requests its credits (billing
permission); a partner's API key acts for its own customers. A refusal is ``PermissionDenied``.
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import ApiKey, Client, Membership, User
from accounts.notifications import notify_client
from billing import services as billing
from billing.choices import ChargeKind, DocumentKind, DocumentStatus
from billing.models import InvoiceLine, PendingCharge
from kernel.errors import InvalidTransition  # noqa: F401 (raised by callers' tests)
from offers.choices import LIVE_STATUSES, ContractStatus, TerminationStatus
from offers.models import Contract
from offers.periods import add_months, month_start, next_month_start
from support import availability as av
from support.business_hours import (
    BusinessCalendar,
    add_elapsed_hours,
    business_days_before,
    deadline,
    subdivision_for,
)
from support.choices import (
    REPORT_TRANSITIONS,
    TICKET_TRANSITIONS,
    WORKING_STATUSES,
    ExcuseReason,
    OutageScope,
    ReportStatus,
    TicketKind,
    TicketSource,
    TicketStatus,
)
from support.models import (
    Attachment,
    AvailabilityReport,
    Outage,
    OutageAnnouncement,
    Ticket,
    TicketEvent,
    TicketMessage,
)

logger = logging.getLogger(__name__)

INTERVENTION_HOURS = 4  # SLA-3 (PLATFORM 14.2-3), when the terms do not state their own
PENALTY_AMOUNT = Decimal("100.00")  # SLA-11 (PLATFORM 27, USE-7)
ANNOUNCEMENT_BUSINESS_DAYS = 7  # SLA-5 (PLATFORM 13.1-5)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
NOTIFIED_ROLES = (Role.ADMIN, Role.TECHNICAL)
CREDIT_ROLES = (Role.ADMIN, Role.BILLING)


# --- Who may act ----------------------------------------------------------------------------


def _is_staff(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_staff


def _require_staff(actor: User | None) -> None:
    if not _is_staff(actor):
        raise PermissionDenied(_("Only support staff can do this."))


def _require_customer_side(
    client: Client, *, actor: User | None, api_key: ApiKey | None, permission: str
) -> None:
    """Staff, the partner's key of this customer, or a member of the customer with
    ``permission`` (ACC-2). Nobody else."""
    if _is_staff(actor):
        return
    if api_key is not None:
        if client.partner_id is None or api_key.partner_id != client.partner_id:
            raise PermissionDenied(_("This customer is not yours."))
        return
    if actor is None:
        return  # the system itself (jobs, demo data)
    membership = Membership.objects.filter(user=actor, client=client).first()
    if membership is None or not membership.can(permission):
        raise PermissionDenied(_("Your role does not allow this."))


# --- Attachments ----------------------------------------------------------------------------


def _is_text(head: bytes) -> bool:
    """Plain text or a log: no NUL byte and no control character but tab, newlines, form feed
    and escape (coloured logs)."""
    return not any(b < 9 or (13 < b < 32 and b != 27) or b == 127 for b in head)


PCAP_MAGICS = (
    b"\xa1\xb2\xc3\xd4",
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x4d\x3c\xb2\xa1",
    b"\x0a\x0d\x0d\x0a",  # pcapng
)
# Extension → (content type, does the file start like one?)
ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    ".png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".txt": ("text/plain", _is_text),
    ".log": ("text/plain", _is_text),
    ".pcap": ("application/vnd.tcpdump.pcap", lambda h: h[:4] in PCAP_MAGICS),
    ".pcapng": ("application/vnd.tcpdump.pcap", lambda h: h[:4] in PCAP_MAGICS),
    ".zip": ("application/zip", lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06")),
}


def attachment_check(upload) -> str:
    """The content type of an uploaded file, or ValidationError: at most 10 MB, a PDF, PNG,
    JPEG, text, log, capture (pcap) or ZIP file — by its extension *and* its first bytes."""
    name = getattr(upload, "name", "") or ""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 10 MB.") % {"name": name}, code="too_large"
        )
    if extension not in ALLOWED_ATTACHMENTS:
        raise ValidationError(
            _("%(name)s: only PDF, PNG, JPEG, TXT, LOG, PCAP and ZIP files are accepted.")
            % {"name": name},
            code="file_type",
        )
    content_type, looks_right = ALLOWED_ATTACHMENTS[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not head or not looks_right(head):
        raise ValidationError(
            _("%(name)s does not look like a %(ext)s file.")
            % {"name": name, "ext": extension[1:].upper()},
            code="file_content",
        )
    return content_type


def _check_attachments(attachments: Iterable) -> list[str]:
    errors = []
    for upload in attachments:
        try:
            attachment_check(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    return errors


def _attach(message: TicketMessage, attachments: Iterable) -> None:
    for upload in attachments:
        content_type = attachment_check(upload)
        original = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1]
        attachment = Attachment(
            message=message,
            original_name=original[:255],
            content_type=content_type,
            size=upload.size,
        )
        attachment.file.save(original, upload, save=False)
        attachment.save()


# --- Deadlines (SLA-2, SLA-3, SLA-4) --------------------------------------------------------


def contract_calendar(contract: Contract) -> BusinessCalendar | None:
    """SLA-2: the support hours of the contract's terms, with its site's Alsace-Moselle
    holidays; None when the offer has no business hours (elapsed time)."""
    terms = contract.terms_snapshot
    site = contract.site
    subdiv = subdivision_for(site.insee_code or site.postal_code) if site is not None else None
    return BusinessCalendar.from_terms(
        terms.get("support_days", ""),
        terms.get("support_start"),
        terms.get("support_end"),
        subdiv,
    )


def incident_deadlines(
    contract: Contract, reported_at: datetime, detected_at: datetime | None = None
) -> tuple[datetime, datetime | None]:
    """SLA-3: the intervention deadline — 4 business hours (or the terms' own number) from the
    report, elapsed hours when the offer has no business hours.
    SLA-4: the restoration target — the terms' hours, in business hours from the notification
    when the terms say so (HOSTED-A: 8), else elapsed from the detection (HOSTED-W: 4 h; the
    detection defaults to the report); None when the terms have no target (PLATFORM)."""
    calendar = contract_calendar(contract)
    terms = contract.terms_snapshot
    hours = terms.get("intervention_business_hours") or INTERVENTION_HOURS
    intervention = deadline(reported_at, hours, calendar)
    target_hours = terms.get("restoration_target_hours")
    if not target_hours:
        return intervention, None
    if terms.get("restoration_in_business_hours") and calendar is not None:
        return intervention, deadline(reported_at, target_hours, calendar)
    return intervention, add_elapsed_hours(detected_at or reported_at, target_hours)


# --- Tickets (SLA-1) ------------------------------------------------------------------------


def _lock_ticket(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("contract__site", "client")
        .get(pk=ticket.pk)
    )


def _ticket_number(ticket: Ticket) -> str:
    """``T2026-000123``: the year of the report (Paris) and the ticket's id — unique and
    readable, not gapless (a ticket is not an invoice)."""
    return f"T{timezone.localtime(ticket.reported_at):%Y}-{ticket.pk:06d}"


@transaction.atomic
def ticket_open(
    *,
    client: Client,
    kind: str,
    subject: str,
    body: str,
    contract: Contract | None = None,
    source: str = TicketSource.PORTAL,
    reported_at: datetime | None = None,
    detected_at: datetime | None = None,
    attachments: Iterable = (),
    actor: User | None = None,
    api_key: ApiKey | None = None,
) -> Ticket:
    """SLA-1: a question or a failure notification, with its first message. A failure
    notification names the failing service (a contract of the customer) and gets its
    intervention deadline and restoration target (SLA-3, SLA-4). The customer's admin and
    technical people are e-mailed its number."""
    _require_customer_side(client, actor=actor, api_key=api_key, permission="technical")
    attachments = list(attachments)
    now = timezone.now()
    reported_at = reported_at or now
    errors: dict[str, str | list[str]] = {}
    if kind not in TicketKind.values:
        errors["kind"] = _("Choose a question or a failure notification.")
    if contract is not None and contract.client_id != client.pk:
        errors["contract"] = _("This contract belongs to another customer.")
    elif kind == TicketKind.FAILURE and contract is None:
        errors["contract"] = _("Choose the service that fails.")
    if not subject.strip():
        errors["subject"] = _("Give the ticket a subject.")
    if not body.strip():
        errors["body"] = _("Describe your request.")
    if reported_at > now + timedelta(minutes=1):
        errors["reported_at"] = _("A ticket cannot be reported in the future.")
    if detected_at is not None and detected_at > now + timedelta(minutes=1):
        errors["detected_at"] = _("A failure cannot be detected in the future.")
    attachment_errors = _check_attachments(attachments)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationError(errors)

    ticket = Ticket.objects.create(
        number=f"tmp-{secrets.token_hex(8)}",
        client=client,
        contract=contract,
        kind=kind,
        subject=subject.strip()[:200],
        source=source,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
        opened_by_api_key=api_key,
        reported_at=reported_at,
        detected_at=detected_at if kind == TicketKind.FAILURE else None,
    )
    ticket.number = _ticket_number(ticket)
    fields = ["number"]
    if kind == TicketKind.FAILURE:
        ticket.intervention_deadline, ticket.restoration_target = incident_deadlines(
            contract, reported_at, ticket.detected_at
        )
        fields += ["intervention_deadline", "restoration_target"]
    ticket.save(update_fields=fields)
    TicketEvent.objects.create(
        ticket=ticket, to_status=TicketStatus.NEW, actor=ticket.opened_by, api_key=api_key
    )
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=ticket.opened_by,
        api_key=api_key,
        from_staff=_is_staff(actor) and source == TicketSource.STAFF,
        body=body.strip(),
    )
    _attach(message, attachments)
    audit_record(
        action="ticket.open",
        instance=ticket,
        actor=actor,
        api_key=api_key,
        after={
            "number": ticket.number,
            "kind": kind,
            "contract": contract.reference if contract else None,
            "source": source,
            "reported_at": reported_at,
            "intervention_deadline": ticket.intervention_deadline,
            "restoration_target": ticket.restoration_target,
        },
    )
    notify_client(client, "support/email/ticket_opened", {"ticket": ticket}, roles=NOTIFIED_ROLES)
    return ticket


def _set_status(
    ticket: Ticket, to_status: str, *, actor=None, api_key=None, note: str = ""
) -> list[str]:
    """Move a locked ticket along its pipeline with its event and audit rows; the fields
    changed (the caller saves them)."""
    from_status = ticket.status
    if to_status not in TICKET_TRANSITIONS[from_status]:
        raise InvalidTransition(
            _("A ticket cannot go from %(from)s to %(to)s.")
            % {"from": TicketStatus(from_status).label, "to": TicketStatus(to_status).label},
            code="invalid_transition",
        )
    now = timezone.now()
    ticket.status = to_status
    fields = ["status"]
    if to_status in WORKING_STATUSES:
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = now
            fields.append("acknowledged_at")
        if ticket.intervention_started_at is None:
            ticket.intervention_started_at = now
            fields.append("intervention_started_at")
    if to_status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif from_status == TicketStatus.RESOLVED:
        ticket.resolved_at = None  # reopened
        fields.append("resolved_at")
    if to_status == TicketStatus.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    TicketEvent.objects.create(
        ticket=ticket,
        from_status=from_status,
        to_status=to_status,
        note=note[:300],
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )
    audit_record(
        action=f"ticket.{to_status}",
        instance=ticket,
        actor=actor,
        api_key=api_key,
        before={"status": from_status},
        after={"status": to_status, "note": note},
    )
    return fields


# Moves the customer (or its partner) may make on its own ticket; every other move is staff's.
CUSTOMER_MOVES = {
    (TicketStatus.NEW, TicketStatus.CLOSED),  # withdrawn
    (TicketStatus.WAITING_CUSTOMER, TicketStatus.IN_PROGRESS),  # the answer was given
    (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),  # not solved after all
    (TicketStatus.RESOLVED, TicketStatus.CLOSED),  # confirmed
}


@transaction.atomic
def ticket_set_status(
    *,
    ticket: Ticket,
    status: str,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    note: str = "",
) -> Ticket:
    """SLA-1: move a ticket along ``new → acknowledged → in_progress → waiting_customer →
    resolved → closed`` (and back where the map allows). Entering a working status records when
    work started (SLA-3). The customer is e-mailed the new status."""
    ticket = _lock_ticket(ticket)
    if status not in TicketStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if not _is_staff(actor):
        _require_customer_side(ticket.client, actor=actor, api_key=api_key, permission="technical")
        if (ticket.status, status) not in CUSTOMER_MOVES:
            raise PermissionDenied(_("Only support staff can make this change."))
    fields = _set_status(ticket, status, actor=actor, api_key=api_key, note=note)
    ticket.save(update_fields=[*fields, "updated_at"])
    notify_client(
        ticket.client,
        "support/email/ticket_status",
        {"ticket": ticket, "note": note},
        roles=NOTIFIED_ROLES,
    )
    return ticket


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    body: str,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    internal: bool = False,
    attachments: Iterable = (),
) -> TicketMessage:
    """A message on a ticket. A staff answer to a new ticket acknowledges it and starts the
    work (SLA-3) and is e-mailed to the customer; a staff internal note is seen by staff only.
    A customer answer to a ticket waiting for it, or to a resolved one, puts it back in
    progress. A closed ticket takes no message: open a new one."""
    ticket = _lock_ticket(ticket)
    from_staff = _is_staff(actor)
    if not from_staff:
        _require_customer_side(ticket.client, actor=actor, api_key=api_key, permission="technical")
    attachments = list(attachments)
    errors: dict[str, str | list[str]] = {}
    if not body.strip():
        errors["body"] = _("Write a message.")
    if internal and not from_staff:
        errors["internal"] = _("Only support staff write internal notes.")
    attachment_errors = _check_attachments(attachments)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationError(errors)
    if ticket.status == TicketStatus.CLOSED:
        raise InvalidTransition(_("This ticket is closed: open a new one."), code="ticket_closed")
    message = TicketMessage.objects.create(
        ticket=ticket,
        author=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
        from_staff=from_staff,
        internal=internal,
        body=body.strip(),
    )
    _attach(message, attachments)
    fields: list[str] = []
    if from_staff and not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = message.created_at
            fields.append("first_response_at")
        if ticket.status == TicketStatus.NEW:
            fields += _set_status(
                ticket, TicketStatus.ACKNOWLEDGED, actor=actor, note=_("Answered by support.")
            )
    elif not from_staff and ticket.status in {
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.RESOLVED,
    }:
        fields += _set_status(
            ticket,
            TicketStatus.IN_PROGRESS,
            actor=actor,
            api_key=api_key,
            note=_("Answered by the customer."),
        )
    ticket.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    audit_record(
        action="ticket.note" if internal else "ticket.reply",
        instance=ticket,
        actor=actor,
        api_key=api_key,
        after={"message": message.pk, "from_staff": from_staff, "internal": internal},
    )
    if from_staff and not internal:
        notify_client(
            ticket.client,
            "support/email/ticket_reply",
            {"ticket": ticket, "message": message},
            roles=NOTIFIED_ROLES,
        )
    return message


@transaction.atomic
def ticket_record_restoration(
    *, ticket: Ticket, restored_at: datetime | None = None, actor: User
) -> Ticket:
    """SLA-4 / SLA-6: staff record when the service came back. It tells whether the
    restoration target was met and, for HOSTED-A, ends the unavailability counted from the
    failure notification. It can be corrected while the ticket is open."""
    _require_staff(actor)
    ticket = _lock_ticket(ticket)
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
    before = ticket.restored_at
    ticket.restored_at = restored_at
    ticket.save(update_fields=["restored_at", "updated_at"])
    audit_record(
        action="ticket.restored",
        instance=ticket,
        actor=actor,
        before={"restored_at": before},
        after={"restored_at": restored_at, "target_met": ticket.restoration_met},
    )
    notify_client(
        ticket.client, "support/email/ticket_restored", {"ticket": ticket}, roles=NOTIFIED_ROLES
    )
    return ticket


@transaction.atomic
def ticket_charge_abusive_penalty(*, ticket: Ticket, actor: User, note: str = "") -> PendingCharge:
    """SLA-11 (PLATFORM 27, USE-7): staff concluded that the customer caused the incident: a
    100.00 € HT penalty, taxable (the customer's VAT regime applies), posted as a pending charge
    keyed by the ticket — charging twice returns the same charge. The ticket's unavailability
    no longer counts in the availability (the customer's act, SLA-5)."""
    _require_staff(actor)
    ticket = _lock_ticket(ticket)
    if ticket.kind != TicketKind.FAILURE:
        raise ValidationError(_("The penalty applies to a failure notification only."))
    reported_month = month_start(timezone.localtime(ticket.reported_at).date())
    charge = billing.charge_post(
        client=ticket.client,
        kind=ChargeKind.PENALTY,
        source_type="ticket",
        source_id=ticket.pk,
        period_start=reported_month,
        description=_("Abusive incident report penalty — ticket %(number)s")
        % {"number": ticket.number},
        unit_price=PENALTY_AMOUNT,
        contract=ticket.contract,
        actor=actor,
    )
    if not ticket.customer_caused:
        ticket.customer_caused = True
        ticket.save(update_fields=["customer_caused", "updated_at"])
        audit_record(
            action="ticket.penalty",
            instance=ticket,
            actor=actor,
            before={"customer_caused": False},
            after={
                "customer_caused": True,
                "charge": charge.pk,
                "amount": PENALTY_AMOUNT,
                "note": note,
            },
        )
    return charge


# --- Outages (SLA-5) ------------------------------------------------------------------------


def announcement_deadline(started_at: datetime) -> date:
    """SLA-5: a planned maintenance starting at ``started_at`` must be announced on this day
    (Paris) or before: 7 business days (Monday–Friday, French public holidays excluded)."""
    return business_days_before(timezone.localtime(started_at).date(), ANNOUNCEMENT_BUSINESS_DAYS)


def _announced_in_time(outage: Outage) -> bool:
    last_day = announcement_deadline(outage.started_at)
    return any(timezone.localtime(a.sent_at).date() <= last_day for a in outage.announcements.all())


def outage_check(
    *,
    started_at: datetime,
    ended_at: datetime | None,
    excusable: bool,
    excuse_reason: str,
    scope: str,
    offer=None,
    contracts: Iterable[Contract] | None = None,
    announced: bool | None = None,
    now: datetime | None = None,
) -> None:
    """The checks of an outage, shared by the service and the back-office form.

    A planned maintenance must have been announced at least 7 business days before its start:
    ``announced`` says whether it already was in time; ``None`` means it is being recorded now
    and will be announced now, which is in time only if today is early enough.
    """
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if ended_at is not None and ended_at <= started_at:
        errors["ended_at"] = _("An outage ends after it starts.")
    if excusable and excuse_reason not in ExcuseReason.values:
        errors["excuse_reason"] = _("An excusable outage needs its reason from the list.")
    if not excusable and excuse_reason:
        errors["excusable"] = _("An outage with an excuse is excusable: tick the box.")
    if scope == OutageScope.OFFER and offer is None:
        errors["offer"] = _("Choose the offer whose contracts are all affected.")
    if scope == OutageScope.CONTRACTS and contracts is not None and not list(contracts):
        errors["contracts"] = _("Choose the affected contracts.")
    if excuse_reason == ExcuseReason.PLANNED_MAINTENANCE and "excuse_reason" not in errors:
        last_day = announcement_deadline(started_at)
        in_time = announced if announced is not None else timezone.localtime(now).date() <= last_day
        if not in_time:
            errors["excuse_reason"] = _(
                "A planned maintenance must be announced by e-mail at least 7 business days "
                "before it starts, so by %(day)s. It was not: record it as not excusable, or "
                "move it to a later date."
            ) % {"day": formats.date_format(last_day)}
    if errors:
        raise ValidationError(errors)


def outage_affected_contracts(outage: Outage):
    """The contracts an outage affects: those listed, or the live contracts of its offer."""
    if outage.scope == OutageScope.OFFER:
        return Contract.objects.filter(offer_id=outage.offer_id, status__in=LIVE_STATUSES)
    return outage.contracts.all()


@transaction.atomic
def outage_record(
    *,
    title: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    excusable: bool = False,
    excuse_reason: str = "",
    scope: str = OutageScope.CONTRACTS,
    offer=None,
    contracts: Iterable[Contract] = (),
    description: str = "",
    internal_note: str = "",
    actor: User | None = None,
) -> Outage:
    """SLA-5: staff record an unavailability (ongoing while it has no end). A planned
    maintenance is announced at once to the affected customers, which is allowed only 7
    business days or more before it starts."""
    _require_staff(actor)
    contracts = list(contracts)
    outage_check(
        started_at=started_at,
        ended_at=ended_at,
        excusable=excusable,
        excuse_reason=excuse_reason,
        scope=scope,
        offer=offer,
        contracts=contracts,
    )
    outage = Outage.objects.create(
        title=title,
        description=description,
        internal_note=internal_note,
        started_at=started_at,
        ended_at=ended_at,
        excusable=excusable,
        excuse_reason=excuse_reason if excusable else "",
        scope=scope,
        offer=offer if scope == OutageScope.OFFER else None,
        created_by=actor,
    )
    if scope == OutageScope.CONTRACTS:
        outage.contracts.set(contracts)
    audit_record(
        action="outage.record",
        instance=outage,
        actor=actor,
        after={
            "title": title,
            "started_at": started_at,
            "ended_at": ended_at,
            "excusable": excusable,
            "excuse_reason": excuse_reason,
            "scope": scope,
            "offer": offer.code if offer else None,
            "contracts": [c.reference for c in contracts],
        },
    )
    if outage.is_planned_maintenance:
        outage_announce(outage=outage, actor=actor)
    return outage


@transaction.atomic
def outage_update(
    *,
    outage: Outage,
    actor: User,
    ended_at: datetime | None = None,
    excusable: bool | None = None,
    excuse_reason: str | None = None,
) -> Outage:
    """SLA-5: staff end an ongoing outage or change whether it is excusable. Making it a
    planned maintenance needs an announcement made in time."""
    _require_staff(actor)
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    before = {
        "ended_at": outage.ended_at,
        "excusable": outage.excusable,
        "excuse_reason": outage.excuse_reason,
    }
    new_end = ended_at if ended_at is not None else outage.ended_at
    new_excusable = outage.excusable if excusable is None else excusable
    new_reason = outage.excuse_reason if excuse_reason is None else excuse_reason
    if not new_excusable:
        new_reason = ""
    outage_check(
        started_at=outage.started_at,
        ended_at=new_end,
        excusable=new_excusable,
        excuse_reason=new_reason,
        scope=outage.scope,
        offer=outage.offer,
        announced=_announced_in_time(outage),
    )
    outage.ended_at, outage.excusable, outage.excuse_reason = new_end, new_excusable, new_reason
    outage.save(update_fields=["ended_at", "excusable", "excuse_reason", "updated_at"])
    audit_record(
        action="outage.update",
        instance=outage,
        actor=actor,
        before=before,
        after={"ended_at": new_end, "excusable": new_excusable, "excuse_reason": new_reason},
    )
    return outage


@transaction.atomic
def outage_announce(*, outage: Outage, actor: User | None, message: str = "") -> OutageAnnouncement:
    """SLA-5: e-mail the outage to the admin and technical people of every affected customer,
    and keep the announcement (its date proves the 7-business-day notice)."""
    _require_staff(actor)
    contracts = list(outage_affected_contracts(outage).select_related("client", "offer"))
    by_client: dict[int, list[Contract]] = {}
    for contract in contracts:
        by_client.setdefault(contract.client_id, []).append(contract)
    for client_contracts in by_client.values():
        notify_client(
            client_contracts[0].client,
            "support/email/outage_announcement",
            {"outage": outage, "contracts": client_contracts, "message": message},
            roles=NOTIFIED_ROLES,
        )
    announcement = OutageAnnouncement.objects.create(
        outage=outage,
        sent_at=timezone.now(),
        message=message,
        recipients=len(by_client),
        sent_by=actor,
    )
    audit_record(
        action="outage.announce",
        instance=outage,
        actor=actor,
        after={"customers": len(by_client), "sent_at": announcement.sent_at},
    )
    return announcement


# --- Availability reports (SLA-6, SLA-7, SLA-9) ---------------------------------------------


def _paris_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=av.PARIS)


def _service_window(contract: Contract, month: date) -> tuple[datetime, datetime]:
    """The part of the month (Paris) during which the contract was in service."""
    low, high = av.month_bounds(month)
    if contract.service_start_date is not None:
        low = max(low, _paris_midnight(contract.service_start_date))
    return low, high


def unavailability_intervals(contracts, month: date) -> dict[int, list[av.Interval]]:
    """SLA-6 for several contracts in a fixed number of queries (the monthly job asks for one,
    the portal for all of a customer's): HOSTED-A from the customer's failure notifications,
    from the report to the restoration recorded by staff, a ticket whose incident the customer
    caused (SLA-11) not counting; otherwise the non-excusable outages affecting the contract
    (SLA-5). Clipped to the month and the service; an ongoing one runs to now."""
    contracts = list(contracts)
    ids = [c.pk for c in contracts]
    low, high = av.month_bounds(month)
    now = timezone.now()
    outages = list(
        Outage.objects.filter(
            Q(contracts__in=ids)
            | Q(scope=OutageScope.OFFER, offer_id__in={c.offer_id for c in contracts}),
            excusable=False,
            started_at__lt=high,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=low))
        .distinct()
    )
    listed = set(
        Outage.contracts.through.objects.filter(
            outage_id__in=[o.pk for o in outages], contract_id__in=ids
        ).values_list("outage_id", "contract_id")
    )
    failures = list(
        Ticket.objects.filter(
            contract_id__in=ids,
            kind=TicketKind.FAILURE,
            customer_caused=False,
            reported_at__lt=high,
        )
        .filter(Q(restored_at__isnull=True) | Q(restored_at__gt=low))
        .values_list("contract_id", "reported_at", "restored_at")
    )
    result = {}
    for contract in contracts:
        start, end = _service_window(contract, month)
        if contract.term("sla_policy") == "hosted_a":
            spans = [(r, e) for c, r, e in failures if c == contract.pk]
        else:
            spans = [
                (o.started_at, o.ended_at)
                for o in outages
                if (o.scope == OutageScope.OFFER and o.offer_id == contract.offer_id)
                or (o.pk, contract.pk) in listed
            ]
        clipped = [(max(s, start), min(e or now, end)) for s, e in spans]
        result[contract.pk] = [(s, e) for s, e in clipped if e > s]
    return result


def outage_intervals(contract: Contract, month: date) -> list[av.Interval]:
    """SLA-5 / SLA-6 (HOSTED-W): the intervals of one contract (see above)."""
    return unavailability_intervals([contract], month)[contract.pk]


ticket_intervals = outage_intervals  # HOSTED-A: the same reader picks failure notifications


def _invoiced_lines(contract: Contract):
    return InvoiceLine.objects.filter(
        invoice__status=DocumentStatus.ISSUED,
        invoice__kind=DocumentKind.INVOICE,
        contract_reference=contract.reference,
    )


def invoiced_subscriptions(contract: Contract, start: date, end: date) -> Decimal | None:
    """Subscriptions (full months and pro rata) invoiced for the contract for periods starting
    in [start, end); None when nothing was invoiced."""
    return (
        _invoiced_lines(contract)
        .filter(
            kind__in=[ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA],
            period_start__gte=start,
            period_start__lt=end,
        )
        .aggregate(total=Sum("net_amount"))["total"]
    )


def invoiced_consumption(contract: Contract, month: date) -> Decimal:
    """SLA-10: the consumption invoiced for the contract on the invoices of ``month``."""
    total = (
        _invoiced_lines(contract)
        .filter(kind=ChargeKind.CONSUMPTION, invoice__month=month)
        .aggregate(total=Sum("net_amount"))["total"]
    )
    return total or Decimal("0")


def sla_base(contract: Contract, month: date) -> tuple[Decimal, dict]:
    """SLA-7: the base of the credit, with its detail (shown to staff and the customer).

    HOSTED-W: "the month's amount invoiced for the failed service" — the contract's
    subscription lines (full month or pro rata) invoiced for periods starting in the month. When
    nothing was invoiced for the month (e.g. an order month, free), the contract's monthly fees
    are used instead: the credit then stays proportional to what the service costs.
    HOSTED-A: the month's fixed fees (the contract's monthly fees) + the average of the
    consumption invoiced for the contract in each of the 3 previous months (0 for a month
    without invoice, SLA-10).
    """
    policy = contract.term("sla_policy")
    fixed = contract.monthly_fees
    if policy == "hosted_a":
        months = [add_months(month, -n) for n in (3, 2, 1)]
        usage = [invoiced_consumption(contract, m) for m in months]
        base = av.hosted_a_base(fixed, usage)
        return base, {
            "fixed_fees": str(fixed),
            "usage_fees": {f"{m:%Y-%m}": str(u) for m, u in zip(months, usage, strict=True)},
        }
    invoiced = invoiced_subscriptions(contract, month, next_month_start(month))
    if invoiced is None:
        return fixed, {"source": "monthly_fees", "monthly_fees": str(fixed)}
    return invoiced, {"source": "invoiced", "invoiced": str(invoiced)}


def _report_values(contract: Contract, month: date) -> dict:
    policy = contract.term("sla_policy")
    intervals = unavailability_intervals([contract], month)[contract.pk]
    base, detail = sla_base(contract, month)
    result = av.monthly_result(policy=policy, month=month, intervals=intervals, base=base)
    applicable = contract.sla_applicable
    return {
        "policy": policy,
        "minutes_in_month": result.minutes_in_month,
        "unavailable_seconds": result.unavailable_seconds,
        "unavailable_minutes": result.unavailable_minutes,
        "availability": av.as_decimal(result.availability),
        "credit_percent": result.credit_percent,
        "base": base.quantize(Decimal("0.0001")),
        "base_detail": detail,
        "credit_amount": result.credit if applicable else Decimal("0.00"),
        "applicable": applicable,
        # SLA-9: the portal says why (HOSTED-W 7, HOSTED-A 8).
        "not_applicable_reason": ""
        if applicable
        else _(
            "The SLA does not apply: the access link, terminals or router of this service were "
            "not ordered from us."
        ),
        "computed_at": timezone.now(),
    }


def availability_report_compute(*, contract: Contract, month: date) -> AvailabilityReport | None:
    """SLA-6/7/9: compute (or recompute) one contract's report for one month. Idempotent: a
    report already requested or decided never changes; the unique (contract, month) is the final
    guard when two jobs race. None for a contract without an SLA policy."""
    month = month_start(month)
    if contract.term("sla_policy") not in av.SLA_TIERS:
        return None
    for _attempt in range(2):
        with transaction.atomic():
            report = (
                AvailabilityReport.objects.select_for_update()
                .filter(contract=contract, month=month)
                .first()
            )
            if report is not None and report.status != ReportStatus.COMPUTED:
                return report
            values = _report_values(contract, month)
            if report is not None:
                for name, value in values.items():
                    setattr(report, name, value)
                report.save(update_fields=[*values, "updated_at"])
                return report
            try:
                with transaction.atomic():
                    return AvailabilityReport.objects.create(
                        contract=contract, month=month, **values
                    )
            except IntegrityError:
                continue  # another job created it meanwhile: update that one
    return AvailabilityReport.objects.get(contract=contract, month=month)


def contracts_for_sla_month(month: date):
    """SLA-10: the contracts with an SLA policy in service at some point of the month."""
    month = month_start(month)
    following = next_month_start(month)
    ended_before = Q(
        terminations__status=TerminationStatus.EFFECTIVE, terminations__effective_date__lte=month
    )
    return (
        Contract.objects.filter(
            terms_snapshot__sla_policy__in=list(av.SLA_TIERS),
            service_start_date__lt=following,
            status__in=[*LIVE_STATUSES, ContractStatus.TERMINATED],
        )
        .exclude(ended_before)
        .order_by("pk")
    )


# --- Credits (SLA-8, SLA-10) ----------------------------------------------------------------


def _lock_report(report: AvailabilityReport) -> AvailabilityReport:
    return (
        AvailabilityReport.objects.select_for_update(of=("self",))
        .select_related("contract__client")
        .get(pk=report.pk)
    )


def _report_transition(report: AvailabilityReport, to_status: str) -> None:
    if to_status not in REPORT_TRANSITIONS[report.status]:
        raise InvalidTransition(
            _("This credit is already %(status)s.")
            % {"status": ReportStatus(report.status).label.lower()},
            code="invalid_transition",
        )


def _month_label(month: date) -> str:
    return formats.date_format(month, "F Y")


@transaction.atomic
def credit_request(
    *,
    report: AvailabilityReport,
    actor: User | None = None,
    api_key: ApiKey | None = None,
) -> AvailabilityReport:
    """SLA-10: the customer (admin or billing role) or its partner asks for the month's credit,
    in one click. Only a report with a credit and where the SLA applies (SLA-9)."""
    report = _lock_report(report)
    client = report.contract.client
    if not _is_staff(actor):
        _require_customer_side(client, actor=actor, api_key=api_key, permission="billing")
    _report_transition(report, ReportStatus.REQUESTED)
    if not report.applicable:
        raise InvalidTransition(report.not_applicable_reason, code="not_applicable")
    if report.credit_amount <= 0:
        raise InvalidTransition(
            _("The availability met the commitment this month: there is no credit."),
            code="no_credit",
        )
    report.status = ReportStatus.REQUESTED
    report.requested_at = timezone.now()
    report.requested_by = actor if actor is not None and actor.is_authenticated else None
    report.requested_by_api_key = api_key
    report.save(
        update_fields=[
            "status",
            "requested_at",
            "requested_by",
            "requested_by_api_key",
            "updated_at",
        ]
    )
    audit_record(
        action="sla_credit.request",
        instance=report,
        actor=actor,
        api_key=api_key,
        client=client,
        before={"status": ReportStatus.COMPUTED},
        after={"status": ReportStatus.REQUESTED, "credit": report.credit_amount},
    )
    return report


def approved_in_window(contract: Contract, at: datetime, exclude_pk=None) -> Decimal:
    """SLA-8: credits approved for the contract in the 30 days before ``at``."""
    total = (
        AvailabilityReport.objects.filter(
            contract=contract,
            status=ReportStatus.APPROVED,
            decided_at__gt=at - av.CAP_WINDOW,
            decided_at__lte=at,
        )
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("approved_amount"))["total"]
    )
    return total or Decimal("0")


@transaction.atomic
def credit_approve(*, report: AvailabilityReport, actor: User) -> AvailabilityReport:
    """SLA-8 / SLA-10: staff approve a requested credit. This credit plus the credits approved
    for the same contract in the previous 30 days may not exceed 20 % of this report's base:
    the excess is dropped, not carried over. The approved amount becomes a credit note (BIL-9),
    set against the customer's next invoice by the month-end run. Approving twice does nothing
    more. When the cap leaves nothing, the report is approved at 0.00 and no credit note is
    issued."""
    _require_staff(actor)
    report = _lock_report(report)
    if report.status == ReportStatus.APPROVED:
        return report
    _report_transition(report, ReportStatus.APPROVED)
    contract = report.contract
    # Approvals of one contract run one at a time: the cap reads the others' amounts.
    list(
        AvailabilityReport.objects.select_for_update()
        .filter(contract=contract)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    window = approved_in_window(contract, now, exclude_pk=report.pk)
    amount = av.capped_credit(report.credit_amount, report.base, window)
    note = None
    if amount > 0:
        month = _month_label(report.month)
        note = billing.credit_note_issue(
            client=contract.client,
            lines=[
                billing.CreditLine(
                    description=_("SLA credit %(month)s — contract %(ref)s")
                    % {"month": month, "ref": contract.reference},
                    amount=amount,
                )
            ],
            reason=_(
                "Service level credit for %(month)s: availability %(availability)s %% "
                "(contract %(ref)s)."
            )
            % {
                "month": month,
                "availability": report.availability_display,
                "ref": contract.reference,
            },
            actor=actor,
        )
    report.status = ReportStatus.APPROVED
    report.decided_at, report.decided_by = now, actor
    report.approved_amount, report.credit_note = amount, note
    report.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "approved_amount",
            "credit_note",
            "updated_at",
        ]
    )
    audit_record(
        action="sla_credit.approve",
        instance=report,
        actor=actor,
        client=contract.client,
        before={"status": ReportStatus.REQUESTED},
        after={
            "status": ReportStatus.APPROVED,
            "credit": report.credit_amount,
            "approved": amount,
            "approved_in_30_days": window,
            "credit_note": note.number if note else None,
        },
    )
    notify_client(
        contract.client,
        "support/email/credit_decided",
        {"report": report, "contract": contract},
        roles=CREDIT_ROLES,
    )
    return report


@transaction.atomic
def credit_refuse(*, report: AvailabilityReport, reason: str, actor: User) -> AvailabilityReport:
    """SLA-10: staff refuse a requested credit, with the reason the customer is told."""
    _require_staff(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason of the refusal.")})
    report = _lock_report(report)
    _report_transition(report, ReportStatus.REFUSED)
    report.status = ReportStatus.REFUSED
    report.decided_at, report.decided_by = timezone.now(), actor
    report.refusal_reason = reason.strip()[:500]
    report.save(
        update_fields=["status", "decided_at", "decided_by", "refusal_reason", "updated_at"]
    )
    audit_record(
        action="sla_credit.refuse",
        instance=report,
        actor=actor,
        client=report.contract.client,
        before={"status": ReportStatus.REQUESTED},
        after={"status": ReportStatus.REFUSED, "reason": report.refusal_reason},
    )
    notify_client(
        report.contract.client,
        "support/email/credit_decided",
        {"report": report, "contract": report.contract},
        roles=CREDIT_ROLES,
    )
    return report
