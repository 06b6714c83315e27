"""Customer portal pages of a contract line's quantity (CON-2): the admin asks for a quote,
sees the pro rata of an increase or the date a decrease takes effect, then confirms; a pending
decrease can be cancelled until it applies. ACC-2: options and users cost money, so only the
admin confirms; the technical role may ask for the quote (no confirm button, 403 on confirm).

Kept out of ``offers.views`` (which uses ``quantity_lines`` for the contract page) so that
neither module passes the size limit. Every page reads the contract through
``offers.selectors`` (scoped to the signed-in member's customer): another customer's contract
or line is a 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.decorators import member_required
from kernel.forms import attach_errors
from offers import selectors
from offers.choices import FirstMonth, QuantityChangeKind, QuantityChangeStatus
from offers.forms import LineQuantityForm
from offers.models import Contract, ContractLine
from offers.services.quantities import (
    added_units_billed_from,
    decrease_notice_months,
    line_quantity_change,
    line_quantity_decrease_cancel,
    line_quantity_quote,
    line_quantity_refusal,
    pending_decreases,
)
from offers.services.quantity_acceptance import refused_increases, requested_increases


def can_quote(membership) -> bool:
    """ACC-2: who may ask for a quantity quote — the admin (who orders) and the technical
    role (who may ask for quotes)."""
    return membership.can("order") or membership.can("technical")


def quantity_lines(
    contract: Contract, *, can_order: bool, can_quote: bool = False
) -> list[ContractLine]:
    """The contract page's lines, each with its pending decrease (``pending_decrease``), its
    increase awaiting our acceptance or refused by us (``requested_increase``,
    ``refused_increase``, PLATFORM 28) and,
    for a member who may order or ask for a quote (ACC-2), the link to change its quantity
    (``quantity_url``, None when the line cannot change now)."""
    pending = pending_decreases(contract=contract)
    requested = requested_increases(contract=contract)  # PLATFORM 28: awaiting our acceptance
    refused = refused_increases(contract=contract)  # PLATFORM 28: refused, with the reason
    lines = list(contract.lines.all())
    for line in lines:
        line.pending_decrease = pending.get(line.pk)
        line.requested_increase = requested.get(line.pk)
        line.refused_increase = refused.get(line.pk)
        line.quantity_url = (
            reverse("offers:line_quantity", args=[contract.pk, line.pk])
            if (can_order or can_quote)
            and line_quantity_refusal(contract=contract, line=line) is None
            else None
        )
        line.cancel_decrease_url = (
            reverse("offers:line_quantity_cancel", args=[contract.pk, line.pk])
            if can_order and line.pending_decrease is not None
            else None
        )
    return lines


def _contract_line(request, pk: int, line_pk: int) -> tuple[Contract, ContractLine]:
    contract = selectors.contract_get(client=request.client, pk=pk)
    line = next((line for line in contract.lines.all() if line.pk == line_pk), None)
    if line is None:
        raise Http404("No such line.")
    line.contract = contract
    return contract, line


def _money(amount) -> str:
    return number_format(amount, 2, force_grouping=True)


@member_required()
def line_quantity(request, pk, line_pk):
    """CON-2: the quote (``action=quote``), then the confirmation (``action=confirm``).
    ACC-2: the admin and technical roles see the quote; only the admin confirms — anyone else
    gets 403 before anything is read or written."""
    can_order = request.membership.can("order")
    if not can_quote(request.membership):
        raise PermissionDenied
    if request.POST.get("action") == "confirm" and not can_order:
        raise PermissionDenied
    contract, line = _contract_line(request, pk, line_pk)
    detail_url = reverse("offers:detail", args=[contract.pk])
    refusal = line_quantity_refusal(contract=contract, line=line)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect(detail_url)
    form = LineQuantityForm(initial={"quantity": line.quantity})
    quote = None
    quote_changed = False
    if request.method == "POST":
        form = LineQuantityForm(request.POST)
        if form.is_valid():
            try:
                quote = line_quantity_quote(line=line, quantity=form.cleaned_data["quantity"])
            except ValidationError as error:
                attach_errors(form, error)
        if quote is not None and request.POST.get("action") == "confirm":
            quote_changed = form.shows_another_quote(quote)
            if not quote_changed:
                try:
                    change = line_quantity_change(
                        line=line, quantity=quote.requested, actor=request.user
                    )
                except ValidationError as error:
                    attach_errors(form, error)
                    quote = None
                else:
                    messages.success(request, _done_message(change, line))
                    return redirect(detail_url)
    return render(
        request,
        "offers/line_quantity.html",
        {
            "contract": contract,
            "line": line,
            "form": form,
            "quote": quote,
            "quote_changed": quote_changed,
            "pending_decrease": pending_decreases(contract=contract).get(line.pk),
            "decrease_notice_months": decrease_notice_months(contract),
            "free_order_month": _free_order_month(contract),
            "can_order": can_order,
        },
    )


def _free_order_month(contract: Contract) -> bool:
    """HOSTED-W 9: « facturés à compter du mois suivant la commande » — units added are an
    order: no pro rata, billed in full from the 1st of the next month (CON-2)."""
    return contract.term("first_month") == FirstMonth.FREE_ORDER_MONTH


def _increase_message(change, line) -> str:
    """CON-2: what an increase costs, as the quote said it — pro rata for the rest of the month,
    or (HOSTED-W 9) nothing before the 1st of the next month — and the added units' setup fee,
    on the next invoice."""
    names = {
        "product": line.product.display_name,
        "before": change.quantity_before,
        "after": change.quantity_after,
    }
    if _free_order_month(line.contract):
        first = added_units_billed_from(
            day=change.effective_on, started_on=line.started_on, free_order_month=True
        )
        message = _(
            "Quantity changed: %(product)s goes from %(before)s to %(after)s from today, billed "
            "from %(date)s."
        ) % {**names, "date": date_format(first, "DATE_FORMAT")}
    else:
        message = _(
            "Quantity changed: %(product)s goes from %(before)s to %(after)s from today. "
            "%(amount)s € excl. VAT will be on your next invoice for the rest of the month."
        ) % {**names, "amount": _money(change.prorata_amount)}
    if change.setup_amount:
        message += " " + _("Setup fee: %(amount)s € excl. VAT on your next invoice.") % {
            "amount": _money(change.setup_amount)
        }
    return message


def _done_message(change, line) -> str:
    if change.status == QuantityChangeStatus.REQUESTED:  # PLATFORM 28: our acceptance first
        return _(
            "Request recorded: %(product)s will go from %(before)s to %(after)s once we accept "
            "it (PLATFORM 28). Nothing is billed before; from then on, pro rata to the end of "
            "the month."
        ) % {
            "product": line.product.display_name,
            "before": change.quantity_before,
            "after": change.quantity_after,
        }
    if change.kind == QuantityChangeKind.INCREASE:
        return _increase_message(change, line)
    return _(
        "Decrease recorded: %(product)s goes from %(before)s to %(after)s on %(date)s. "
        "You can cancel it until then."
    ) % {
        "product": line.product.display_name,
        "before": change.quantity_before,
        "after": change.quantity_after,
        "date": date_format(change.effective_on, "DATE_FORMAT"),
    }


@member_required("order")
def line_quantity_cancel(request, pk, line_pk):
    """CON-2 / TRK-4: cancel the line's pending decrease (a confirmation page, then POST)."""
    contract, line = _contract_line(request, pk, line_pk)
    detail_url = reverse("offers:detail", args=[contract.pk])
    change = pending_decreases(contract=contract).get(line.pk)
    if change is None:
        raise Http404("No pending decrease.")
    if request.method == "POST":
        try:
            line_quantity_decrease_cancel(change=change, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The decrease is cancelled: %(product)s keeps %(n)s units.")
                % {"product": line.product.display_name, "n": line.quantity},
            )
        return redirect(detail_url)
    return render(
        request,
        "offers/confirm.html",
        {
            "title": _("Cancel the decrease"),
            "question": ngettext(
                "Cancel the decrease of %(product)s from %(before)s to %(after)s unit planned "
                "on %(date)s? The line keeps its %(before)s units.",
                "Cancel the decrease of %(product)s from %(before)s to %(after)s units planned "
                "on %(date)s? The line keeps its %(before)s units.",
                line.quantity - change.units,
            )
            % {
                "product": line.product.display_name,
                "before": line.quantity,
                "after": line.quantity - change.units,
                "date": date_format(change.effective_on, "DATE_FORMAT"),
            },
            "confirm_label": _("Cancel the decrease"),
            "back_url": detail_url,
        },
    )
