"""NUM-3: port-in requests. A customer (admin or technical role, or its partner's key) lists the
numbers to bring with each line's RIO — every RIO checked against its own line before anything is
written, a wrong one named by its line — the holder, the current operator, the desired date and
the signed mandate. ``draft → submitted → accepted (date) → completed``, or ``rejected (reason)``
→ fixed and relaunched, or ``cancelled``; each step dated. Staff move the request (back office
or the upstream's status file); every change e-mails the customer and emits
``port_request.updated``. On completion the numbers are assigned to the target service and the
porting fee of each line becomes a pending charge keyed by the line (NUM-3, HOSTED-A 2)."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.identifiers import normalize_siret
from accounts.models import Client
from accounts.notifications import notify_client
from billing.services import charge_post
from kernel.clock import paris_midnight, paris_today
from kernel.errors import InvalidTransition
from kernel.files import file_stored, files_undone_on_error
from numbering import phone
from numbering.choices import (
    PORT_TRANSITIONS,
    NumberState,
    NumberType,
    PortStatus,
    RejectionReason,
)
from numbering.events import announce_port_request
from numbering.models import (
    NumberEvent,
    PhoneNumber,
    PortRequest,
    PortRequestLine,
    PortRequestStep,
)
from numbering.porting_days import porting_day_error
from numbering.services import port_dates, pricing
from numbering.services.assignment import require_telephone_service
from numbering.services.port_lines import MAX_LINES as MAX_LINES
from numbering.services.port_lines import clean_lines, territory_errors
from numbering.zne import zne_of_site
from offers.choices import LIVE_STATUSES
from offers.models import Product
from support.services.attachments import attachment_check
from support.services.permissions import require_customer_side

PORTING_FEE_PRODUCT = "number-porting"
NOTIFIED_ROLES = (Role.ADMIN, Role.TECHNICAL)


def expected_delay_days() -> int:
    """What the portal states (configurable): no date is guaranteed."""
    return int(getattr(settings, "PORT_IN_EXPECTED_DAYS", 10))


def _check_actor(client: Client, actor, api_key) -> None:
    """Staff, the partner's key of this customer, or its admin or technical role (ACC-2)."""
    require_customer_side(client, actor=actor, api_key=api_key, permission="technical")


def _clean_request(*, holder_name, holder_siret, current_operator, desired_date) -> dict:
    errors = {}
    if not (holder_name or "").strip():
        errors["holder_name"] = _("Give the holder's name as the current operator knows it.")
    siret = ""
    if not (holder_siret or "").strip():
        # an empty SIRET is missing, not "in a wrong format"
        errors["holder_siret"] = _("Give the holder's SIRET.")
    else:
        try:
            siret = normalize_siret(holder_siret)
        except ValidationError as error:
            errors["holder_siret"] = error.messages
    if not (current_operator or "").strip():
        errors["current_operator"] = _("Name the current operator.")
    date_error = port_dates.desired_date_error(desired_date)
    if date_error:
        errors["desired_date"] = date_error
    if errors:
        raise ValidationError(errors)
    return {
        "holder_name": holder_name.strip()[:200],
        "holder_siret": siret,
        "current_operator": current_operator.strip()[:100],
        "desired_date": desired_date,
    }


def _check_target(client, contract, sip_account, trunk):
    if contract is None:
        raise ValidationError({"contract": _("Choose the contract the numbers will serve.")})
    if contract.client_id != client.pk:
        raise PermissionDenied(_("This contract is not this customer's."))
    if contract.status not in LIVE_STATUSES:
        raise ValidationError({"contract": _("Numbers come to a contract in service only.")})
    require_telephone_service(contract, field="contract")
    for service in (sip_account, trunk):
        if service is not None and service.contract_id != contract.pk:
            raise ValidationError(_("The SIP account or trunk is not of this contract."))


def _step(request, status, *, note="", reason="", actor=None, api_key=None):
    PortRequestStep.objects.create(
        request=request,
        status=status,
        note=note[:500],
        reason=reason,
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )


def _move(request: PortRequest, to_status: str, *, actor=None, api_key=None, note="", reason=""):
    if to_status not in PORT_TRANSITIONS[request.status]:
        raise InvalidTransition(
            _("This request is %(from)s: it cannot become %(to)s.")
            % {
                "from": PortStatus(request.status).label.lower(),
                "to": PortStatus(to_status).label.lower(),
            },
            code="invalid_transition",
        )
    before = request.status
    request.status = to_status
    request.save()
    _step(request, to_status, note=note, reason=reason, actor=actor, api_key=api_key)
    audit_record(
        action=f"port_request.{to_status}",
        instance=request,
        actor=actor,
        api_key=api_key,
        client=request.client,
        before={"status": before},
        after={"status": to_status, "note": note, "reason": reason},
    )
    announce_port_request(request)
    if to_status != PortStatus.DRAFT:
        notify_client(
            request.client,
            "numbering/email/port_request",
            {"request": request, "note": note},
            roles=NOTIFIED_ROLES,
        )


def _refuse_held(lines: list[tuple[str, str]]) -> None:
    """A number we already serve (any state but ported out) has nothing to port; the rows are
    locked, so that two completions of the same number cannot both pass."""
    held = (
        PhoneNumber.objects.select_for_update()
        .filter(e164__in=[e164 for e164, _rio in lines])
        .exclude(state__in=[NumberState.PORTED_OUT])
    )
    if held:
        positions = {e164: position for position, (e164, _rio) in enumerate(lines, start=1)}
        raise ValidationError(
            {
                "lines": [
                    ValidationError(
                        _("%(number)s is already served by us: nothing to port."),
                        code="number",
                        params={"number": n.display, "n": positions[n.e164]},
                    )
                    for n in held
                ]
            }
        )


def _write_lines(request: PortRequest, lines: list[tuple[str, str]]) -> None:
    _refuse_held(lines)
    request.lines.all().delete()
    PortRequestLine.objects.bulk_create(
        [PortRequestLine(request=request, e164=e164, rio=code) for e164, code in lines]
    )


def input_errors(
    *, lines, target=None, mandate=None, mandate_needed: bool = False, **fields
) -> dict:
    """NUM-3: every error of a request's input at once, field by field (``lines``: each line's
    error with its position), nothing written: the holder, SIRET, operator and date
    (``fields``), the lines, the target ``(client, contract, sip_account, trunk)`` when given,
    and the mandate (required when ``mandate_needed``)."""
    errors = {}
    try:
        _clean_request(**fields)
    except ValidationError as error:
        errors.update(error.error_dict)
    cleaned = None
    try:
        cleaned = clean_lines(lines)
    except ValidationError as error:
        errors.update(error.error_dict)  # each line's error keeps its position
    if target is not None:
        try:
            _check_target(*target)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        contract = target[1]
        if cleaned and contract is not None and "contract" not in errors:
            if misplaced := territory_errors(cleaned, contract.site):
                errors["lines"] = misplaced
    if mandate is not None:
        try:
            _mandate_check(mandate)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    elif mandate_needed:
        errors["mandate"] = [ValidationError(_mandate_missing())]
    return errors


@transaction.atomic
@files_undone_on_error()
def port_request_create(
    *,
    client: Client,
    lines: list[dict],
    holder_name: str,
    holder_siret: str,
    current_operator: str,
    desired_date: date,
    contract,
    sip_account=None,
    trunk=None,
    mandate=None,
    submit: bool = False,
    actor=None,
    api_key=None,
) -> PortRequest:
    """A draft (or, with ``submit``, a submitted request). Nothing is written on any error."""
    _check_actor(client, actor, api_key)
    fields = {
        "holder_name": holder_name,
        "holder_siret": holder_siret,
        "current_operator": current_operator,
        "desired_date": desired_date,
    }
    errors = input_errors(
        lines=lines,
        target=(client, contract, sip_account, trunk),
        mandate=mandate,
        mandate_needed=submit,
        **fields,
    )
    if errors:
        raise ValidationError(errors)
    fields, cleaned = _clean_request(**fields), clean_lines(lines)
    request = PortRequest.objects.create(
        client=client,
        reference=f"tmp{secrets.token_hex(8)}",
        contract=contract,
        sip_account=sip_account,
        trunk=trunk,
        site=contract.site,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
        **fields,
    )
    request.reference = f"PORT-{paris_today().year}-{request.pk:06d}"
    if mandate is not None:
        _store_mandate(request, mandate)
    request.save()
    _write_lines(request, cleaned)
    _step(request, PortStatus.DRAFT, actor=actor, api_key=api_key)
    if submit:
        request = port_request_submit(request=request, actor=actor, api_key=api_key)
    return request


def _mandate_missing() -> str:
    return _("Attach the mandate signed by the holder (PDF).")


def _mandate_check(mandate) -> None:
    try:
        content_type = attachment_check(mandate)
    except ValidationError as error:
        raise ValidationError({"mandate": error.messages}) from error
    if content_type != "application/pdf":
        raise ValidationError({"mandate": _("The signed mandate is a PDF file.")})


def _store_mandate(request: PortRequest, mandate) -> None:
    _mandate_check(mandate)
    request.mandate.save(f"{request.reference}.pdf", mandate, save=False)
    file_stored(request.mandate)  # deleted if the write fails (``files_undone_on_error``)


@transaction.atomic
@files_undone_on_error()
def port_request_update(
    *, request: PortRequest, actor=None, api_key=None, lines=None, mandate=None, **changes
) -> PortRequest:
    """Fix a draft or a rejected request (what the rejection named) before (re)submitting."""
    request = PortRequest.objects.select_for_update().get(pk=request.pk)
    _check_actor(request.client, actor, api_key)
    if request.status not in (PortStatus.DRAFT, PortStatus.REJECTED):
        raise InvalidTransition(
            _("Only a draft or a rejected request can be changed."), code="not_editable"
        )
    current = {
        "holder_name": request.holder_name,
        "holder_siret": request.holder_siret,
        "current_operator": request.current_operator,
        "desired_date": request.desired_date,
    }
    current.update({k: v for k, v in changes.items() if k in current and v is not None})
    errors, cleaned = {}, None
    try:
        fields = _clean_request(**current)
    except ValidationError as error:
        errors.update(error.error_dict)
    if lines is not None:
        try:
            cleaned = clean_lines(lines)
        except ValidationError as error:
            errors.update(error.error_dict)  # each line's error keeps its position
        else:
            if misplaced := territory_errors(cleaned, request.site):
                errors["lines"] = misplaced
    if mandate is not None:
        try:
            _mandate_check(mandate)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(request, name, value)
    if cleaned is not None:
        _write_lines(request, cleaned)
    if mandate is not None:
        _store_mandate(request, mandate)
    request.save()
    return request


@transaction.atomic
def port_request_submit(*, request: PortRequest, actor=None, api_key=None) -> PortRequest:
    """Submit a draft, or relaunch a rejected request once fixed."""
    request = (
        PortRequest.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=request.pk)
    )
    _check_actor(request.client, actor, api_key)
    errors = {}
    if request.contract_id and request.contract.status not in LIVE_STATUSES:
        # NUM-3: its contract ended since the request was typed: no number can come to it (the
        # completion would refuse it), so it does not leave for the operator
        errors["contract"] = _(
            "Contract %(reference)s is no longer in service: cancel this request and port the "
            "numbers to a contract in service."
        ) % {"reference": request.contract.reference}
    if not request.mandate:
        errors["mandate"] = _mandate_missing()
    date_error = port_dates.desired_date_error(request.desired_date)
    if request.status in (PortStatus.DRAFT, PortStatus.REJECTED) and date_error:
        # NUM-3: typed days ago, the date may be gone by now
        errors["desired_date"] = (
            _("The desired date %(date)s is past: change it to a date from today on.")
            % {"date": request.desired_date.strftime("%d/%m/%Y")}
            if request.desired_date < paris_today()
            else date_error
        )
    elif "contract" not in errors and (
        ending := port_dates.termination_error(request.contract, request.desired_date)
    ):  # NUM-3: refused when sent, not when the numbers arrive
        errors["desired_date"] = ending
    if errors:
        raise ValidationError(errors)
    relaunch = request.status == PortStatus.REJECTED
    if relaunch:
        request.rejection_reason, request.rejection_note = "", ""
    _move(
        request,
        PortStatus.SUBMITTED,
        actor=actor,
        api_key=api_key,
        note=_("Relaunched after the fix.") if relaunch else "",
    )
    return request


def _staff(actor) -> None:
    if not getattr(actor, "is_staff", False) and actor is not None:
        raise PermissionDenied(_("Only the reseller's staff move port requests."))


@transaction.atomic
def port_request_accept(
    *,
    request: PortRequest,
    scheduled_date: date,
    actor=None,
    past: bool = False,
    upstream: bool = False,
) -> PortRequest:
    """``past``: the acceptance is recorded after the fact (the upstream's status file also
    completes the request), its porting date may be gone. ``upstream``: the date is the
    upstream's (its status file), taken as it is; staff typing it get a business day only."""
    _staff(actor)
    request = PortRequest.objects.select_for_update().get(pk=request.pk)
    if scheduled_date is None or (scheduled_date < paris_today() and not past):
        raise ValidationError({"scheduled_date": _("Choose a porting date from today on.")})
    if not (upstream or past) and (day_error := porting_day_error(scheduled_date)):
        raise ValidationError({"scheduled_date": day_error})
    if ending := port_dates.termination_error(request.contract, scheduled_date):
        raise ValidationError({"scheduled_date": ending})
    request.scheduled_date = scheduled_date
    _move(request, PortStatus.ACCEPTED, actor=actor, note=str(scheduled_date))
    return request


@transaction.atomic
def port_request_reject(
    *, request: PortRequest, reason: str, note: str = "", actor=None
) -> PortRequest:
    _staff(actor)
    request = PortRequest.objects.select_for_update().get(pk=request.pk)
    if reason not in RejectionReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    request.rejection_reason, request.rejection_note = reason, note[:500]
    _move(request, PortStatus.REJECTED, actor=actor, note=note, reason=reason)
    return request


@transaction.atomic
def port_request_cancel(*, request: PortRequest, actor=None, api_key=None) -> PortRequest:
    request = PortRequest.objects.select_for_update().get(pk=request.pk)
    _check_actor(request.client, actor, api_key)
    _move(request, PortStatus.CANCELLED, actor=actor, api_key=api_key)
    return request


def port_fee_quote(request: PortRequest) -> tuple[int, Decimal]:
    """What completing ``request`` charges, shown before staff confirm: its lines and the
    porting fee of each (catalogue product ``number-porting``; 0 when there is none)."""
    fee = Product.objects.filter(code=PORTING_FEE_PRODUCT).first()
    unit = fee.setup_price if fee is not None and fee.setup_price > 0 else Decimal("0")
    return request.lines.count(), unit


@transaction.atomic
def port_request_complete(*, request: PortRequest, actor=None, on: date | None = None):
    """The numbers arrived: each is assigned to the request's service, and each line's porting
    fee (catalogue product ``number-porting``) becomes a pending charge keyed by the line.

    NUM-1: a geographic number ported in takes the ZNE of the site it serves (a geographic
    number is ported within its zone) and, overseas, the restriction to it, as a range
    imported there would; it belongs to no range of ours. A number we already serve (another
    request brought it meanwhile) refuses the completion, named."""
    _staff(actor)
    request = PortRequest.objects.select_for_update().get(pk=request.pk)
    today = paris_today()
    on = on or today
    port_dates.check_completion_date(request, on, today)
    # Another request may have brought one of these numbers meanwhile: it is not taken from
    # its customer, and nothing is written.
    _refuse_held([(line.e164, line.rio) for line in request.lines.all()])
    if request.contract.status not in LIVE_STATUSES:
        # its contract ended meanwhile: no number comes to a contract out of service, no fee
        raise ValidationError(
            _(
                "Contract %(reference)s is no longer in service: reject the request (the "
                "customer can port to another contract) rather than complete it."
            )
            % {"reference": request.contract.reference}
        )
    _move(request, PortStatus.COMPLETED, actor=actor, note="" if on == today else str(on))
    # NUM-3 / NUM-2: the numbers are ours from the day they arrived (the upstream's date), not
    # from the day staff recorded it: their first billed month follows that day.
    now = timezone.now() if on == today else paris_midnight(on)
    fee = Product.objects.filter(code=PORTING_FEE_PRODUCT).first()
    site_zne = zne_of_site(request.site)
    numbers = []
    for line in request.lines.all():
        number_type = phone.number_type(line.e164)
        region = phone.region(line.e164)
        geographic = number_type == NumberType.GEOGRAPHIC
        before = PhoneNumber.objects.filter(e164=line.e164).values_list("state", flat=True)
        from_state = next(iter(before), "")  # ported out once, or never ours
        number, _created = PhoneNumber.objects.update_or_create(
            e164=line.e164,
            defaults={
                "number_type": number_type,
                "price_class": phone.price_class(line.e164),
                "region": region,
                "zne": site_zne if geographic else "",
                "zne_restricted": geographic and region in phone.OVERSEAS_REGIONS,
                "state": NumberState.ASSIGNED,
                "client": request.client,
                "site": request.site,
                "contract": request.contract,
                "sip_account": request.sip_account,
                "trunk": request.trunk,
                "assigned_at": now,
                "ported_out_on": None,
            },
        )
        line.number = number
        line.save(update_fields=["number"])
        # NUM-1: every move of a number is a dated row with its author
        NumberEvent.objects.create(
            number=number,
            from_state=from_state,
            to_state=NumberState.ASSIGNED,
            client=request.client,
            at=now,
            note=f"ported in ({request.reference})",
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        if fee is not None and fee.setup_price > 0:
            # BIL-3: the words of an invoice line are French, whatever staff's language.
            with translation.override(settings.LANGUAGE_CODE):
                description = _("Porting of %(number)s (%(reference)s)") % {
                    "number": line.display,
                    "reference": request.reference,
                }
            charge_post(
                client=request.client,
                kind="porting",
                source_type="port_request_line",
                source_id=line.pk,
                period_start=on,
                description=description,
                unit_price=fee.setup_price,
                contract=request.contract,
                actor=actor,
            )
        numbers.append(number.pk)
    # the months the runs already billed in advance since that day (a late record)
    pricing.post_monthly_charges_since(on, numbers=numbers, today=today)
    return request
