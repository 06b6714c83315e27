"""Customer portal pages of equipment, under ``/equipment/``: the items per site, an item's page
(warranty end, title retention, its rental), ending a rental (quote, then confirmation), RMAs
(request and follow-up), returns (labels) and requests for equipment.

Every read starts from the signed-in member's customer (``equipment.selectors``): another
customer's item, RMA or return is a 404, on GET and POST alike. Viewing is open to every member;
an RMA needs the ``technical`` permission (admin and technical roles), ending a rental the
``terminate`` one and asking for equipment the ``order`` one (admin, ACC-2)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import member_required
from equipment import selectors
from equipment.choices import Tenure
from equipment.documents import render_label
from equipment.forms import RentalConfirmForm, RentalEndForm, RequestForm, RmaForm, SiteFilterForm
from equipment.services import orders, rentals
from equipment.services.returns import rental_end_items
from equipment.services.rma import (
    is_under_warranty,
    rma_blocker,
    rma_calendar,
    rma_request,
    rma_target,
)
from kernel.forms import attach_errors
from offers.choices import ContractStatus, TerminationStatus
from offers.periods import day_before

PER_PAGE = 50


def _instalment(contract) -> dict | None:
    """EQP-3: the rental's monthly instalment, as its contract bills it and its end quote
    counts it: the items (its line's quantity) × the monthly price of one (2 × 6,00 = 12,00)."""
    if contract is None:
        return None
    lines = list(contract.lines.all())
    # a rental has one line; once ended, it keeps its price (what was billed)
    live = [line for line in lines if line.ended_on is None] or lines[-1:]
    if len(live) != 1:
        return {"total": contract.monthly_fees, "quantity": 1, "unit": contract.monthly_fees}
    line = live[0]
    return {
        "total": line.unit_monthly_price * line.quantity,
        "quantity": line.quantity,
        "unit": line.unit_monthly_price,
    }


def _last_day(contract):
    """The last day of the contract's current period (its end is exclusive)."""
    if contract is None or contract.current_period_end is None:
        return None
    return day_before(contract.current_period_end)


@member_required()
def item_list(request):
    """EQP-1: the customer's equipment per site."""
    form = SiteFilterForm(request.GET or None, client=request.client)
    items = selectors.items_for_client(request.client)
    site = form.selected_site()
    if site is not None:
        items = items.filter(site=site)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    retained = selectors.title_retained(page.object_list)
    for item in page.object_list:
        item.title_retained = retained.get(item.pk, False)
    return render(
        request,
        "equipment/item_list.html",
        {"page": page, "form": form, "is_filtered": site is not None},
    )


@member_required()
def item_detail(request, pk):
    """EQP-2 / EQP-3: warranty end, title retention until paid, the rental and its end."""
    item = selectors.item_get(client=request.client, pk=pk)
    order = item.order
    contract = order.contract if order and order.contract_id else None
    termination = (
        contract.terminations.filter(
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE]
        ).first()
        if contract
        else None
    )
    # the RMAs this customer opened: a refurbished item may carry another customer's
    rmas = list(item.rmas.filter(client=request.client).order_by("-reported_at"))
    can_report = request.membership.can("technical")
    rma_refused = rma_blocker(item, request.client) if can_report else ""
    return render(
        request,
        "equipment/item_detail.html",
        {
            "item": item,
            "order": order,
            "contract": contract,
            "termination": termination,
            "period_last_day": _last_day(contract),
            # EQP-3: an ended rental has no current period, only its last day
            "rental_last_day": day_before(termination.effective_date)
            if termination and contract.status == ContractStatus.TERMINATED
            else None,
            "instalment": _instalment(contract),
            "title_retained": selectors.title_retained([item]).get(item.pk, False),
            "under_warranty": is_under_warranty(item),
            "can_rma": can_report and not rma_refused,
            "rma_refused": rma_refused,
            "can_end": request.membership.can("terminate")
            and order is not None
            and rentals.rental_can_end(order),
            "rmas": rmas,
            "events": item.events.filter(client=request.client)
            .select_related("site")
            .order_by("occurred_on", "at", "pk"),
        },
    )


@member_required("terminate")
def rental_end(request, pk):
    """EQP-3 / CON-4: the quote (effective date, remaining instalments), then confirmation."""
    item = selectors.item_get(client=request.client, pk=pk)
    order = item.order
    if order is None or order.tenure != Tenure.RENTAL or not rentals.rental_can_end(order):
        messages.error(request, _("This rental cannot be ended (already ending or ended)."))
        return redirect("equipment:item", pk=item.pk)
    form = RentalEndForm(request.GET or None)
    requested = form.cleaned_data.get("requested_date") if form.is_valid() else None
    if request.method == "POST":
        confirm = RentalConfirmForm(request.POST)
        if confirm.is_valid():
            data = confirm.cleaned_data
            try:
                rentals.rental_end(
                    order=order,
                    requested_date=data.get("requested_date"),
                    expected_effective_date=data["expected_effective_date"],
                    expected_fee=data["expected_fee"],
                    actor=request.user,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("equipment:rental_end", pk=item.pk)
            messages.success(request, _("The rental is ended: a return label will be ready."))
            return redirect("equipment:item", pk=item.pk)
        requested = confirm.cleaned_data.get("requested_date")
    try:
        quote = rentals.rental_end_quote(order=order, requested_date=requested)
    except ValidationError as error:
        attach_errors(form, error)
        quote = rentals.rental_end_quote(order=order)
    return render(
        request,
        "equipment/rental_end.html",
        {
            "item": item,
            "order": order,
            "contract": order.contract,
            "period_last_day": _last_day(order.contract),
            "instalment": _instalment(order.contract),
            "serial_numbers": [i.serial_number for i in rental_end_items(order.contract)],
            "form": form,
            "quote": quote,
            "confirm": RentalConfirmForm(
                initial={
                    "requested_date": requested,
                    "expected_effective_date": quote.effective_date,
                    "expected_fee": quote.fee_amount,
                }
            ),
        },
    )


@member_required("technical")
def rma_create(request, pk):
    """EQP-4: report a defective item, with photos."""
    item = selectors.item_get(client=request.client, pk=pk)
    refused = rma_blocker(item, request.client)
    if refused:  # said before the customer types the defect and picks its photos
        messages.error(request, refused)
        return redirect("equipment:item", pk=item.pk)
    form = RmaForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rma = rma_request(
                client=request.client,
                item=item,
                description=form.cleaned_data["description"],
                photos=form.cleaned_data["photos"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("Your report is sent: support answers it shortly."))
            return redirect("equipment:rma", pk=rma.pk)
    hours, calendar = rma_target(item, under_warranty=is_under_warranty(item))
    return render(
        request,
        "equipment/rma_form.html",
        {"item": item, "form": form, "target_hours": hours, "business_hours": calendar is not None},
    )


@member_required()
def rma_list(request):
    page = Paginator(selectors.rmas_for_client(request.client), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "equipment/rma_list.html", {"page": page})


@member_required()
def rma_detail(request, pk):
    """EQP-4: the follow-up — number, target, replacement shipment, the return label."""
    rma = selectors.rma_get(client=request.client, pk=pk)
    equipment_return = getattr(rma, "equipment_return", None)
    target_hours = rma.target_hours or rma_target(rma.item, under_warranty=rma.under_warranty)[0]
    return render(
        request,
        "equipment/rma_detail.html",
        {
            "rma": rma,
            "photos": list(rma.photos.all()),
            "equipment_return": equipment_return,
            "target_hours": target_hours,
            "business_hours": rma.in_business_hours
            if rma.ship_by
            else rma_calendar(rma.item) is not None,
        },
    )


@member_required()
def rma_photo(request, pk, photo_pk):
    rma = selectors.rma_get(client=request.client, pk=pk)
    photo = next((p for p in rma.photos.all() if p.pk == photo_pk), None)
    if photo is None:
        raise Http404("No such photo.")
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("File missing.") from error
    return FileResponse(handle, content_type=photo.content_type, filename=photo.original_name)


@member_required()
def return_list(request):
    """EQP-5: the returns expected and done, with their labels."""
    page = Paginator(selectors.returns_for_client(request.client), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "equipment/return_list.html", {"page": page})


@member_required()
def return_label(request, pk):
    """EQP-5: the printable label (PDF, A6)."""
    equipment_return = selectors.return_get(client=request.client, pk=pk)
    response = HttpResponse(render_label(equipment_return), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="etiquette-{equipment_return.reference}.pdf"'
    )
    return response


@member_required()
def request_list(request):
    """The customer's requests for equipment; the administrator asks for more (ACC-2: orders
    that cost money are the admin's), staff confirm."""
    can_order = request.membership.can("order")
    form = RequestForm(request.POST or None, client=request.client)
    if request.method == "POST":
        if not can_order:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                orders.request_create(
                    client=request.client,
                    site=data["site"],
                    model=data["model"],
                    tenure=data["tenure"],
                    quantity=data["quantity"],
                    commitment_months=data.get("commitment_months") or None,
                    note=data.get("note", ""),
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("Your request is sent: we confirm it shortly."))
                return redirect("equipment:requests")
    page = Paginator(selectors.requests_for_client(request.client), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "equipment/request_list.html",
        {"page": page, "form": form, "can_order": can_order},
    )
