"""Opening a ticket (SLA-1): a question or a failure notification, with its first message,
its number and, for a failure, its deadlines (SLA-3, SLA-4)."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, Client, User
from accounts.notifications import notify_client
from kernel.files import files_undone_on_error
from kernel.inputs import one_line
from offers.choices import LIVE_STATUSES, ContractStatus, TerminationStatus
from offers.models import Contract, Termination
from offers.periods import add_months
from support.choices import TicketKind, TicketSource, TicketStatus
from support.models import Ticket, TicketEvent, TicketMessage
from support.services.attachments import attachments_save, check_attachments
from support.services.deadlines import incident_deadlines
from support.services.permissions import (
    is_staff,
    notified_roles,
    require_customer_side,
    ticket_permissions,
)


def _ticket_number(ticket: Ticket) -> str:
    """``T2026-000123``: the year of the report (Paris) and the ticket's id — unique and
    readable, not gapless (a ticket is not an invoice)."""
    return f"T{timezone.localtime(ticket.reported_at):%Y}-{ticket.pk:06d}"


def ticket_times_errors(
    *, reported_at: datetime, detected_at: datetime | None, now: datetime | None = None
) -> dict[str, str]:
    """SLA-1 / SLA-4: what is wrong with a ticket's report and detection times, by field (the
    back office's form shows them before anything is written): neither in the future, and the
    failure detected before it is reported, or when."""
    now = now or timezone.now()
    errors = {}
    if reported_at > now + timedelta(minutes=1):
        errors["reported_at"] = _("A ticket cannot be reported in the future.")
    if detected_at is not None and detected_at > now + timedelta(minutes=1):
        errors["detected_at"] = _("A failure cannot be detected in the future.")
    elif detected_at is not None and detected_at > reported_at + timedelta(minutes=1):
        # SLA-4: the restoration target runs from the detection, the 30-minute incident test
        # from the earlier of the two — a detection after the report would move the target
        errors["detected_at"] = _("A failure is detected before it is reported, or when.")
    return errors


def in_service_condition(day: date | None = None) -> Q:
    """SLA-1: a contract whose service ran on ``day`` (Paris; today by default), the only kind
    a failure notification may name — its service started, and active, suspended, or under
    notice (terminating) until its termination's effective date, its first day without
    service (the nightly job may not have made it terminated yet); a terminated one only for
    a day before its effective date (staff recording a call after the fact). Never an ordered
    contract, nor one terminated while ordered."""
    day = day or timezone.localdate()
    ends = Termination.objects.filter(
        contract=OuterRef("pk"),
        status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
    )
    return (
        Q(service_start_date__lte=day)
        & ~Exists(ends.filter(effective_date__lte=day))
        & (
            Q(status__in=LIVE_STATUSES)
            | Q(status=ContractStatus.TERMINATED)
            & Exists(ends.filter(status=TerminationStatus.EFFECTIVE, effective_date__gt=day))
        )
    )


def with_in_service(contracts: QuerySet[Contract], day: date | None = None):
    """``contracts`` each with ``in_service`` (``in_service_condition``), in the same query."""
    return contracts.annotate(
        in_service=ExpressionWrapper(in_service_condition(day), output_field=BooleanField())
    )


# SLA-1: how long after its termination a customer may still name a contract in a ticket (its
# final invoice, a credit, an item to return): a question only, never a failure notification.
TERMINATED_TICKET_MONTHS = 12


def with_terminated_on(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """``contracts`` each with ``terminated_on``: the effective date of its applied termination
    (its first day without service), null for a contract not terminated."""
    effective = Termination.objects.filter(
        contract=OuterRef("pk"),
        contract__status=ContractStatus.TERMINATED,
        status=TerminationStatus.EFFECTIVE,
    ).order_by("-effective_date")
    return contracts.annotate(terminated_on=Subquery(effective.values("effective_date")[:1]))


def ticket_contract_condition(day: date | None = None) -> Q:
    """SLA-1: the contracts a customer (portal) or its partner (API) may name in a ticket on
    ``day`` (Paris): any but a draft, and a terminated one only while its termination took
    effect less than ``TERMINATED_TICKET_MONTHS`` months ago (that day included). Needs
    ``with_terminated_on``."""
    day = day or timezone.localdate()
    return ~Q(status__in=[ContractStatus.DRAFT, ContractStatus.TERMINATED]) | Q(
        status=ContractStatus.TERMINATED,
        terminated_on__gte=add_months(day, -TERMINATED_TICKET_MONTHS),
    )


def ticket_contracts(client: Client, day: date | None = None) -> QuerySet[Contract]:
    """SLA-1: ``client``'s contracts offered in the portal's ticket form — live ones first, then
    those terminated within the last 12 months — each with ``in_service`` and
    ``terminated_on``."""
    contracts = with_terminated_on(Contract.objects.filter(client=client))
    return with_in_service(
        contracts.filter(ticket_contract_condition(day))
        .select_related("offer", "site")
        .order_by(F("terminated_on").desc(nulls_first=True), "reference"),
        day,
    )


def contract_not_in_service_message(contract: Contract) -> str:
    ended = getattr(contract, "terminated_on", None)
    if ended is None and contract.status == ContractStatus.TERMINATED:
        ended = with_terminated_on(Contract.objects.filter(pk=contract.pk))[0].terminated_on
    if ended is not None:
        # SLA-1: a terminated service no longer fails; its final invoice or a credit is a question
        return _(
            "%(reference)s was terminated on %(date)s: a failure notification is for a service "
            "still in service. Ask a question about it instead."
        ) % {"reference": contract.reference, "date": date_format(ended, "SHORT_DATE_FORMAT")}
    return _(
        "%(reference)s is not in service: a failure notification is for a service that is "
        "active, suspended or under notice until its termination takes effect. Ask a question "
        "about it instead."
    ) % {"reference": contract.reference}


@transaction.atomic
@files_undone_on_error()
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
    require_customer_side(client, actor=actor, api_key=api_key, permission=ticket_permissions(kind))
    attachments = list(attachments)
    now = timezone.now()
    reported_at = reported_at or now
    errors: dict[str, str | list[str]] = {}
    if kind not in TicketKind.values:
        errors["kind"] = _("Choose a question or a failure notification.")
    if contract is not None and contract.client_id != client.pk:
        errors["contract"] = _("This contract belongs to another customer.")
    elif (
        contract is not None
        and source != TicketSource.STAFF
        and contract.status == ContractStatus.DRAFT
    ):
        # SLA-1: not a service yet (ticket_contract_condition), as the portal's list
        errors["contract"] = _(
            "%(reference)s is a draft, not ordered yet: it cannot be named in a ticket. Quote "
            "its reference in your message instead."
        ) % {"reference": contract.reference}
    elif (
        contract is not None
        and source != TicketSource.STAFF
        and contract.status == ContractStatus.TERMINATED
        and not with_terminated_on(Contract.objects.filter(pk=contract.pk))
        .filter(ticket_contract_condition(timezone.localtime(reported_at).date()))
        .exists()
    ):
        # SLA-1: the portal and the partner API, as the portal's list; staff may name any
        errors["contract"] = _(
            "%(reference)s was terminated more than %(months)s months ago: it can no longer be "
            "named in a ticket. Quote its reference in your message instead."
        ) % {"reference": contract.reference, "months": TERMINATED_TICKET_MONTHS}
    elif kind == TicketKind.FAILURE and contract is None:
        errors["contract"] = _("Choose the service that fails.")
    elif (
        kind == TicketKind.FAILURE
        and not Contract.objects.filter(
            in_service_condition(timezone.localtime(reported_at).date()), pk=contract.pk
        ).exists()
    ):
        # SLA-1: the portal, the partner API and the back office alike, on the report's day
        errors["contract"] = contract_not_in_service_message(contract)
    if not subject.strip():
        errors["subject"] = _("Give the ticket a subject.")
    if not body.strip():
        errors["body"] = _("Describe your request.")
    errors.update(ticket_times_errors(reported_at=reported_at, detected_at=detected_at, now=now))
    attachment_errors = check_attachments(attachments)
    if attachment_errors:
        errors["attachments"] = attachment_errors
    if errors:
        raise ValidationError(errors)

    ticket = Ticket.objects.create(
        number=f"tmp-{secrets.token_hex(8)}",
        client=client,
        contract=contract,
        kind=kind,
        subject=one_line(subject)[:200],  # one line, as the e-mails' subject
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
        from_staff=is_staff(actor) and source == TicketSource.STAFF,
        body=body.strip(),
    )
    attachments_save(message, attachments)
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
    notify_client(
        client, "support/email/ticket_opened", {"ticket": ticket}, roles=notified_roles(ticket)
    )
    return ticket
