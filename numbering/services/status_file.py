"""NUM-3: the upstream's status file — staff import it instead of moving each request by hand.
CSV (``;``, a header row, UTF-8 or Windows-1252): ``reference;status;date;reason;note`` with
status ``accepted`` (``date``: the porting date, DD/MM/YYYY or YYYY-MM-DD), ``rejected``
(``reason``: a code of ``RejectionReason``) or ``completed``. The file is checked whole first;
a line that names a request already in that status is skipped (the file may be sent twice)."""

import csv
import io
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from numbering.choices import PORT_TRANSITIONS, PortStatus, RejectionReason
from numbering.models import PortRequest
from numbering.services import porting

STATUSES = {PortStatus.ACCEPTED, PortStatus.REJECTED, PortStatus.COMPLETED}


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


@transaction.atomic
def import_status_file(*, content: bytes, actor=None) -> int:
    reader = csv.DictReader(io.StringIO(_decode(content)), delimiter=";")
    if not reader.fieldnames or not {"reference", "status"} <= set(reader.fieldnames):
        raise ValidationError(_("The file needs the columns reference;status;date;reason;note."))
    moves, errors = [], []
    for line, row in enumerate(reader, start=2):
        reference, status = (row.get("reference") or "").strip(), (row.get("status") or "").strip()
        request = PortRequest.objects.filter(reference=reference).first()
        try:
            if request is None:
                raise ValidationError(_("unknown request %(ref)s") % {"ref": reference})
            if status not in STATUSES:
                raise ValidationError(_("the status is accepted, rejected or completed"))
            when = _date(row.get("date") or "") if status == PortStatus.ACCEPTED else None
            reason = (row.get("reason") or "").strip()
            if status == PortStatus.REJECTED and reason not in RejectionReason.values:
                raise ValidationError(_("unknown rejection reason %(r)s") % {"r": reason})
            if request.status != status and status not in PORT_TRANSITIONS[request.status]:
                raise ValidationError(
                    _("%(ref)s is %(status)s") % {"ref": reference, "status": request.status}
                )
        except ValidationError as error:
            errors.append(
                _("Line %(line)d: %(error)s") % {"line": line, "error": error.messages[0]}
            )
            continue
        if request.status != status:
            moves.append((request, status, when, reason, (row.get("note") or "").strip()))
    if errors:
        raise ValidationError(errors)
    for request, status, when, reason, note in moves:
        if status == PortStatus.ACCEPTED:
            porting.port_request_accept(request=request, scheduled_date=when, actor=actor)
        elif status == PortStatus.REJECTED:
            porting.port_request_reject(request=request, reason=reason, note=note, actor=actor)
        else:
            porting.port_request_complete(request=request, actor=actor)
    return len(moves)
