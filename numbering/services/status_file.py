"""NUM-3: the upstream's status file — staff import it instead of moving each request by hand.
CSV (``;``, a header row, UTF-8 or Windows-1252): ``reference;status;date;reason;note`` with
status ``accepted`` (``date``: the porting date, DD/MM/YYYY or YYYY-MM-DD), ``rejected``
(``reason``: a code of ``RejectionReason``) or ``completed`` (``date``: the day the numbers
arrived, never in the future; empty: the import day).

The lines are applied in their order, each on its own: a bad line is reported with its number
and reason and the good lines are imported. A request may appear on several lines (``accepted``
then ``completed``): each line sees the request as the lines above left it. A line that names a
step the request already went through is skipped (the file may be sent twice). An ``accepted``
line's porting date is from today on, unless a later line of the file completes the request:
the step then happened already, and its date is recorded as it is."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from numbering.choices import PORT_TRANSITIONS, PortStatus, RejectionReason
from numbering.models import PortRequest
from numbering.services import porting

STATUSES = {PortStatus.ACCEPTED, PortStatus.REJECTED, PortStatus.COMPLETED}
APPLIED, SKIPPED, REFUSED = "applied", "skipped", "refused"


@dataclass
class LineOutcome:
    line: int
    reference: str
    status: str
    outcome: str  # APPLIED, SKIPPED or REFUSED
    message: str = ""


@dataclass
class StatusFileReport:
    lines: list[LineOutcome] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return sum(1 for line in self.lines if line.outcome == APPLIED)

    @property
    def refused(self) -> list[LineOutcome]:
        return [line for line in self.lines if line.outcome == REFUSED]


def _date(text: str) -> date:
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), layout).date()  # noqa: DTZ007 - a day
        except ValueError:
            continue
    raise ValidationError(_("the date is DD/MM/YYYY"))


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _already(request: PortRequest, status: str) -> bool:
    """The request went through this step already (the file sent twice)."""
    if request.status == status:
        return True
    return (
        status == PortStatus.ACCEPTED
        and request.status == PortStatus.COMPLETED
        and request.steps.filter(status=PortStatus.ACCEPTED).exists()
    )


def _apply(request, status, row, *, completed_below: bool, actor) -> None:
    """One line's move; raises ValidationError (or InvalidTransition) with its reason."""
    reason = (row.get("reason") or "").strip()
    text = (row.get("date") or "").strip()
    if status == PortStatus.ACCEPTED:
        when = _date(text)
        if when < paris_today() and not completed_below:
            raise ValidationError(
                _("the porting date %(date)s is past: accept from today on")
                % {"date": when.strftime("%d/%m/%Y")}
            )
        porting.port_request_accept(
            request=request, scheduled_date=when, actor=actor, past=completed_below, upstream=True
        )
    elif status == PortStatus.REJECTED:
        if reason not in RejectionReason.values:
            raise ValidationError(_("unknown rejection reason %(r)s") % {"r": reason})
        porting.port_request_reject(
            request=request, reason=reason, note=(row.get("note") or "").strip(), actor=actor
        )
    else:
        on = _date(text) if text else paris_today()
        porting.port_request_complete(request=request, actor=actor, on=on)


def import_status_file(*, content: bytes, actor=None) -> StatusFileReport:
    """Apply the file line by line; the report says, per line, applied, skipped or why
    refused. Only a file without its columns is refused whole."""
    reader = csv.DictReader(io.StringIO(_decode(content)), delimiter=";")
    if not reader.fieldnames or not {"reference", "status"} <= set(reader.fieldnames):
        raise ValidationError(_("The file needs the columns reference;status;date;reason;note."))
    rows = [
        (line, (row.get("reference") or "").strip(), (row.get("status") or "").strip(), row)
        for line, row in enumerate(reader, start=2)
    ]
    completions = {(ref, line) for line, ref, status, _row in rows if status == "completed"}
    report, refused_at = StatusFileReport(), {}
    for line, reference, status, row in rows:
        outcome = LineOutcome(line=line, reference=reference, status=status, outcome=APPLIED)
        report.lines.append(outcome)
        request = PortRequest.objects.filter(reference=reference).first()
        try:
            if request is None:
                raise ValidationError(_("unknown request %(ref)s") % {"ref": reference})
            if status not in STATUSES:
                raise ValidationError(_("the status is accepted, rejected or completed"))
            if _already(request, status):
                outcome.outcome = SKIPPED
                outcome.message = _("already recorded")
                continue
            if status not in PORT_TRANSITIONS[request.status]:
                if reference in refused_at:
                    raise ValidationError(
                        _("not applied: line %(line)d of this request was refused")
                        % {"line": refused_at[reference]}
                    )
                raise ValidationError(
                    _("%(ref)s is %(status)s") % {"ref": reference, "status": request.status}
                )
            below = any(ref == reference and at > line for ref, at in completions)
            with transaction.atomic():  # a line refused by its move leaves nothing written
                _apply(request, status, row, completed_below=below, actor=actor)
        except (ValidationError, InvalidTransition) as error:
            outcome.outcome = REFUSED
            outcome.message = _reason(error)
            refused_at.setdefault(reference, line)
    return report


def _reason(error) -> str:
    messages = getattr(error, "messages", None) or [str(error)]
    return " ".join(messages)
