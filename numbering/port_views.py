"""Customer portal pages of port-in requests (NUM-3): the list, the wizard (numbers with each
line's RIO, holder, current operator, desired date, target service, signed mandate), the
detail with its timeline, and the customer's moves — submit a draft, fix and relaunch a
rejected request, cancel.

Every read starts from the signed-in member's customer (another customer's request is a 404,
GET and POST alike); every write goes through ``numbering.services.porting``, which checks each
line's RIO against its own number and names the wrong line: the page shows that error on that
very line. Viewing is open to every member; writing needs the ``technical`` permission.
"""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import member_required
from numbering.choices import PORT_TRANSITIONS, PortStatus, RejectionReason
from numbering.forms import PortLineFormSet, PortRequestForm
from numbering.models import PortRequest
from numbering.services import porting
from numbering.views import WRITE

PORTS_PER_PAGE = 20
BLANK_LINES = 3  # empty lines offered by a new request ("add a line" gives more)
LINES_PREFIX = "lines"

PORT_BADGES = {
    PortStatus.DRAFT: "badge off",
    PortStatus.SUBMITTED: "badge",
    PortStatus.ACCEPTED: "badge",
    PortStatus.COMPLETED: "badge ok",
    PortStatus.REJECTED: "badge alert",
    PortStatus.CANCELLED: "badge off",
}
EDITABLE = (PortStatus.DRAFT, PortStatus.REJECTED)


def port_request_list_for(client):
    """The customer's port-in requests, newest first, with their lines counted."""
    return (
        PortRequest.objects.filter(client=client)
        .select_related("contract")
        .annotate(line_count=Count("lines"))
        .order_by("-created_at", "-pk")
    )


def port_request_get(*, client, pk: int) -> PortRequest:
    """One request of the customer; another customer's does not exist: 404."""
    try:
        return (
            PortRequest.objects.filter(client=client)
            .select_related("contract__offer", "sip_account", "trunk", "site")
            .get(pk=pk)
        )
    except PortRequest.DoesNotExist as error:
        raise Http404("No such port-in request.") from error


def _decorate(port: PortRequest) -> PortRequest:
    port.badge = PORT_BADGES.get(port.status, "badge")
    port.reason_label = (
        RejectionReason(port.rejection_reason).label if port.rejection_reason else ""
    )
    return port


def _timeline(port: PortRequest) -> list:
    """Each step with its label; an acceptance's note is the porting date (ISO), shown as a
    date."""
    steps = list(port.steps.all())
    for step in steps:
        step.label = PortStatus(step.status).label
        step.badge = PORT_BADGES.get(step.status, "badge")
        step.reason_label = RejectionReason(step.reason).label if step.reason else ""
        step.porting_date = None
        if step.status == PortStatus.ACCEPTED:
            try:
                step.porting_date = date.fromisoformat(step.note)
            except ValueError:
                pass
        step.text = "" if step.porting_date else step.note
    return steps


@member_required()
def port_list(request):
    requests = port_request_list_for(request.client)
    page = Paginator(requests, PORTS_PER_PAGE).get_page(request.GET.get("page"))
    for port in page.object_list:
        _decorate(port)
    return render(
        request,
        "numbering/port_list.html",
        {"page": page, "can_write": request.membership.can(WRITE)},
    )


@member_required()
def port_detail(request, pk):
    port = _decorate(port_request_get(client=request.client, pk=pk))
    can_write = request.membership.can(WRITE)
    return render(
        request,
        "numbering/port_detail.html",
        {
            "port": port,
            "lines": list(port.lines.all()),
            "steps": _timeline(port),
            "can_write": can_write,
            "can_edit": can_write and port.status in EDITABLE,
            "can_submit": can_write and port.status == PortStatus.DRAFT,
            "can_cancel": can_write and PortStatus.CANCELLED in PORT_TRANSITIONS[port.status],
            "expected_days": porting.expected_delay_days(),
        },
    )


# --- The wizard ---------------------------------------------------------------------------------


def _posted_lines(request) -> list[dict]:
    """The lines as typed (for "add a line" without JavaScript: nothing is checked yet)."""
    formset = PortLineFormSet(request.POST, prefix=LINES_PREFIX)
    return [{"number": f["number"].value(), "rio": f["rio"].value()} for f in formset.forms]


def _attach_errors(form, formset, positions: list[int], error: ValidationError) -> list[str]:
    """A service's refusal on the page: a line's error on that line (its position among the
    lines sent, ``params["n"]``, mapped back to the form's row), a field's on the field, the
    rest at the top. Returns the errors about the lines as a whole."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return []
    about_lines = []
    for field, errors in error.error_dict.items():
        if field != "lines":
            form.add_error(field if field in form.fields else None, errors)
            continue
        for line_error in errors:
            params = line_error.params or {}
            position = params.get("n")
            if isinstance(position, int) and 1 <= position <= len(positions):
                row = formset.forms[positions[position - 1]]
                row.add_error(
                    "rio" if line_error.code == "rio" else "number",
                    params.get("error") or line_error.messages[0],
                )
            else:
                about_lines.extend(line_error.messages)
    return about_lines


def _save(request, form, lines, port):
    data, submit = form.cleaned_data, request.POST.get("action") == "submit"
    fields = {
        "holder_name": data["holder_name"],
        "holder_siret": data["holder_siret"],
        "current_operator": data["current_operator"],
        "desired_date": data["desired_date"],
    }
    if port is None:
        return porting.port_request_create(
            client=request.client,
            lines=lines,
            contract=data["contract"],
            mandate=data["mandate"],
            submit=submit,
            actor=request.user,
            **fields,
            **data["service"],
        ), submit
    with transaction.atomic():
        port = porting.port_request_update(
            request=port, lines=lines, mandate=data["mandate"] or None, actor=request.user, **fields
        )
        if submit:
            port = porting.port_request_submit(request=port, actor=request.user)
    return port, submit


def _other_errors(request, form, formset, port) -> list[str]:
    """The service's errors of a form refused by its own fields, but for those fields."""
    positions, lines = [], []
    for index, row in enumerate(formset.forms):
        if (line := row.line()) is not None:
            positions.append(index)
            lines.append(line)
    data = form.cleaned_data
    names = ("holder_name", "holder_siret", "current_operator", "desired_date")
    fields = {name: data.get(name) for name in names}
    if port is not None:  # as ``port_request_update``: a field not read keeps its value
        fields = {n: getattr(port, n) if v is None else v for n, v in fields.items()}
    target = None
    if "contract" in form.fields and not {"contract", "service"} & set(form.errors):
        service = data.get("service") or {}
        target = (
            request.client,
            data.get("contract"),
            *(service.get(k) for k in ("sip_account", "trunk")),
        )
    errors = porting.input_errors(
        lines=lines,
        target=target,
        mandate_needed=request.POST.get("action") == "submit"
        and not (port is not None and port.mandate)
        and "mandate" not in form.errors,
        **fields,
    )
    for name in form.errors:
        errors.pop(name, None)
    return _attach_errors(form, formset, positions, ValidationError(errors)) if errors else []


def _saved_message(port: PortRequest, submitted: bool, relaunched: bool) -> str:
    if relaunched:
        return _("Request %(reference)s is relaunched: the current operator checks it again.") % {
            "reference": port.reference
        }
    if submitted:
        days = porting.expected_delay_days()
        return ngettext(
            "Request %(reference)s is sent. Allow about %(days)d day; the porting date is "
            "confirmed once the current operator accepts.",
            "Request %(reference)s is sent. Allow about %(days)d days; the porting date is "
            "confirmed once the current operator accepts.",
            days,
        ) % {"reference": port.reference, "days": days}
    return _(
        "Draft %(reference)s is saved. Send it once the mandate signed by the holder is attached."
    ) % {"reference": port.reference}


def _form_page(request, port: PortRequest | None):
    """The wizard, for a new request or to fix a draft or a rejected one."""
    client, editing = request.client, port is not None
    about_lines, file_dropped = [], False
    if request.method == "POST" and "add_line" in request.POST:
        # Without JavaScript: the page again, one more empty line, nothing checked yet.
        form = PortRequestForm(initial=request.POST.dict(), client=client, editing=editing)
        lines = _posted_lines(request)
        formset = PortLineFormSet(
            initial=[*lines, {}] if len(lines) < porting.MAX_LINES else lines, prefix=LINES_PREFIX
        )
        file_dropped = bool(request.FILES)
    elif request.method == "POST":
        form = PortRequestForm(request.POST, request.FILES, client=client, editing=editing)
        formset = PortLineFormSet(request.POST, prefix=LINES_PREFIX)
        if form.is_valid() and formset.is_valid():
            positions, lines = [], []
            for index, row in enumerate(formset.forms):
                if (line := row.line()) is not None:
                    positions.append(index)
                    lines.append(line)
            relaunch = editing and port.status == PortStatus.REJECTED
            try:
                saved, submitted = _save(request, form, lines, port)
            except ValidationError as error:
                about_lines = _attach_errors(form, formset, positions, error)
            else:
                messages.success(request, _saved_message(saved, submitted, relaunch and submitted))
                return redirect("numbering:port_detail", pk=saved.pk)
        elif formset.is_valid():
            # NUM-3: a field the form cannot read (a date in a wrong shape) does not hide the
            # lines' errors nor the other fields': the service names them all at once
            about_lines = _other_errors(request, form, formset, port)
        file_dropped = bool(request.FILES)
    elif editing:
        form = PortRequestForm(
            initial={
                "holder_name": port.holder_name,
                "holder_siret": port.holder_siret,
                "current_operator": port.current_operator,
                "desired_date": port.desired_date,
            },
            client=client,
            editing=True,
        )
        formset = PortLineFormSet(
            initial=[{"number": line.display, "rio": line.rio} for line in port.lines.all()],
            prefix=LINES_PREFIX,
        )
    else:
        form = PortRequestForm(client=client)
        formset = PortLineFormSet(initial=[{}] * BLANK_LINES, prefix=LINES_PREFIX)
    return render(
        request,
        "numbering/port_form.html",
        {
            "form": form,
            "formset": formset,
            "about_lines": about_lines + list(formset.non_form_errors())
            if formset.is_bound
            else about_lines,
            "file_dropped": file_dropped,
            "port": _decorate(port) if editing else None,
            "max_lines": porting.MAX_LINES,
            "expected_days": porting.expected_delay_days(),
        },
    )


@member_required(WRITE)
def port_create(request):
    return _form_page(request, None)


@member_required(WRITE)
def port_edit(request, pk):
    port = port_request_get(client=request.client, pk=pk)
    if port.status not in EDITABLE:
        messages.info(request, _("Only a draft or a rejected request can be changed."))
        return redirect("numbering:port_detail", pk=port.pk)
    return _form_page(request, port)


# --- The customer's moves ---------------------------------------------------------------------


@member_required(WRITE)
def port_submit(request, pk):
    """Send a draft (its mandate attached); a GET goes back to the request."""
    port = port_request_get(client=request.client, pk=pk)
    if request.method == "POST":
        try:
            port = porting.port_request_submit(request=port, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _saved_message(port, True, False))
    return redirect("numbering:port_detail", pk=port.pk)


@member_required(WRITE)
def port_cancel(request, pk):
    port = _decorate(port_request_get(client=request.client, pk=pk))
    detail_url = reverse("numbering:port_detail", args=[port.pk])
    if request.method == "POST":
        try:
            porting.port_request_cancel(request=port, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Request %(reference)s is cancelled.") % {"reference": port.reference}
            )
        return redirect(detail_url)
    if PortStatus.CANCELLED not in PORT_TRANSITIONS[port.status]:
        return redirect(detail_url)
    return render(
        request,
        "numbering/port_cancel.html",
        {"port": port, "lines": list(port.lines.all()), "back_url": detail_url},
    )


@member_required()
def port_mandate(request, pk):
    """The signed mandate of one of the customer's requests, as a download (never rendered)."""
    port = port_request_get(client=request.client, pk=pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not port.mandate:
        raise Http404("No mandate.")
    try:
        handle = port.mandate.open("rb")
    except FileNotFoundError as error:
        raise Http404("File missing.") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{port.reference}-mandat.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
