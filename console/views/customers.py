"""The customer 360 (issue 17): a search by name, SIREN, e-mail or invoice number, then one
page with everything about the customer and the actions staff take from there — suspend a
contract, record a payment, reset SIP credentials, terminate with a quote, close a contract
flagged inactive (ACC-6) — each through the
owning app's service, each confirmed first (the second submission carries ``confirm``)."""

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Client
from console import selectors
from console.access import staff_required
from console.forms import (
    CustomerSearchForm,
    InactiveCloseForm,
    PaymentRecordForm,
    SuspendForm,
    TerminateForm,
)
from console.views.common import render_console
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.forms import attach_errors
from kernel.money import money_number
from kernel.queues import Team
from offers.choices import NOTIFIED_BY_US, TerminationReason
from offers.selectors import increases_awaiting
from offers.services.suspensions import contract_suspend
from offers.services.terminations import contract_request_termination, termination_quote
from payments.services.allocation import (
    partner_collects,
    partner_collects_message,
    payment_record,
)
from telephony.models import SipAccount, Trunk
from telephony.services.sip_credentials import sip_credentials_reset
from usage.services.inactivity import inactive_close, inactive_close_forfeit


@staff_required()
def search(request):
    form = CustomerSearchForm(request.GET or None)
    results, page, query = [], None, ""
    if form.is_bound and form.is_valid():
        found = selectors.customer_search(form.cleaned_data["q"])
        page = Paginator(found, selectors.SEARCH_LIMIT).get_page(request.GET.get("page"))
        results = list(page.object_list)
        if page.paginator.count == 1:
            return redirect("console:customer", pk=results[0].pk)
        query = urlencode({"q": form.cleaned_data["q"]})
    return render_console(
        request,
        "console/customer_search.html",
        {"form": form, "results": results, "page": page, "filter_query": query},
    )


def _client(pk):
    return get_object_or_404(Client.objects.select_related("partner"), pk=pk)


def _page(request, client, *, action=None, form=None, preview=None, status=200, secret=None):
    forms_by_action = {
        "payment": PaymentRecordForm(initial={"received_on": paris_today()}),
        "suspend": SuspendForm(client=client),
        "terminate": TerminateForm(client=client),
        "inactive": InactiveCloseForm(client=client),
    }
    if action and form is not None:
        forms_by_action[action] = form
    return render_console(
        request,
        "console/customer.html",
        {
            "client": client,
            **selectors.customer_360(client, today=paris_today()),
            "forms": forms_by_action,
            "action": action,
            "preview": preview,
            "secret": secret,
            "can_bill": Team.BILLING in request.teams,
            "partner_pays": partner_collects_message(client) if partner_collects(client) else "",
            "can_support": Team.SUPPORT in request.teams,
        },
        status=status,
    )


@staff_required()
def customer(request, pk):
    return _page(request, _client(pk))


def _confirmed(request) -> bool:
    return "confirm" in request.POST


ONCE_SECONDS = 3600


def _once_key(token: str) -> str:
    return f"console:once:{token}"


def _shown(client, data) -> list[str]:
    """What a payment's preview showed, for whom: the confirmation records it only if it is
    the same, on the same customer's page."""
    return [
        str(client.pk),
        f"{data['amount']:.2f}",
        str(data["method"]),
        data["received_on"].isoformat(),
        str(data.get("reference") or "").strip(),
    ]


def _issue_once(request, client, data) -> str:
    """A token the confirmation of a payment carries: it records one payment only, whatever
    the number of times the confirmation is sent (a double click, a resent form), and only the
    payment the preview showed (``data``)."""
    token = secrets.token_urlsafe(16)
    cache.set(_once_key(token), [request.user.pk, *_shown(client, data)], ONCE_SECONDS)
    return token


def _once_matches(request, client, data) -> bool:
    """Whether the confirmation's token is this member's and was given for ``data``: a
    confirmation whose amount, method, date or reference is not the preview's (a hand-made
    request) is previewed again, nothing recorded."""
    token = request.POST.get("once", "")
    stored = cache.get(_once_key(token)) if token and len(token) <= 64 else None
    return stored is None or stored == [request.user.pk, *_shown(client, data)]


def _use_once(request) -> bool:
    """Whether the confirmation's token is this member's and unused; using it spends it (the
    cache's delete answers once, even for two requests at the same instant)."""
    token = request.POST.get("once", "")
    if not token or len(token) > 64:
        return False
    key = _once_key(token)
    stored = cache.get(key)
    return isinstance(stored, list) and stored[0] == request.user.pk and bool(cache.delete(key))


def _amount(value) -> Decimal:
    """An amount the confirmation carried; an unreadable one matches no amount."""
    try:
        return Decimal(value or "")
    except InvalidOperation:
        return Decimal(-1)


@staff_required(Team.BILLING)
@require_POST
def record_payment(request, pk):
    """BIL-4: a transfer, card or cheque received; it settles the oldest invoices due first."""
    client = _client(pk)
    form = PaymentRecordForm(request.POST)
    if partner_collects(client):
        form.is_valid()
        form.add_error(None, partner_collects_message(client))
        return _page(request, client, action="payment", form=form, status=400)
    if not form.is_valid():
        return _page(request, client, action="payment", form=form, status=400)
    data = form.cleaned_data
    if not _confirmed(request) or not _once_matches(request, client, data):
        preview = {**data, "once": _issue_once(request, client, data)}
        return _page(request, client, action="payment", form=form, preview=preview)
    if not _use_once(request):
        messages.error(
            request,
            _(
                "This confirmation was already sent (or has expired): the payment is recorded "
                "once. Check the customer's payments below before recording it again."
            ),
        )
        return redirect("console:customer", pk=pk)
    try:
        payment_record(client=client, actor=request.user, **data)
    except ValidationError as error:
        attach_errors(form, error)
        return _page(request, client, action="payment", form=form, status=400)
    messages.success(
        request, _("Payment of %(amount)s € recorded.") % {"amount": money_number(data["amount"])}
    )
    return redirect("console:customer", pk=pk)


@staff_required()
@require_POST
def suspend(request, pk):
    """CON-8: suspend one of the customer's active contracts (or one under notice), with a
    reason of the list."""
    client = _client(pk)
    form = SuspendForm(request.POST, client=client)
    if not form.is_valid():
        return _page(request, client, action="suspend", form=form, status=400)
    data = form.cleaned_data
    if not _confirmed(request):
        return _page(request, client, action="suspend", form=form, preview=data)
    try:
        contract_suspend(
            contract=data["contract"], reason=data["reason"], note=data["note"], actor=request.user
        )
    except ValidationError as error:
        attach_errors(form, error)
        return _page(request, client, action="suspend", form=form, status=400)
    messages.success(
        request, _("Contract %(ref)s suspended.") % {"ref": data["contract"].reference}
    )
    return redirect("console:customer", pk=pk)


@staff_required()
@require_POST
def terminate(request, pk):
    """CON-4 / CON-5: the quote (effective date and fee) first, then the termination, recorded
    with the quote the staff member saw (the service refuses if it changed meanwhile)."""
    client = _client(pk)
    form = TerminateForm(request.POST, client=client)
    if not form.is_valid():
        return _page(request, client, action="terminate", form=form, status=400)
    data = form.cleaned_data
    notice_date = data["notice_date"] or paris_today()  # CON-4: the letter's day of receipt
    # PLATFORM 8.2 / 17.1: its notice counts from the day it was sent (checked by the form)
    sent_on = data["letter_sent_on"]
    try:
        quote = termination_quote(
            contract=data["contract"],
            notice_date=sent_on or notice_date,
            requested_date=data["requested_date"],
            reason=data["reason"],
        )
    except ValidationError as error:
        attach_errors(form, error)
        return _page(request, client, action="terminate", form=form, status=400)
    # CON-4: the notice counts from the day the letter was received, even when its effective
    # date has passed by the time it is typed in (SIP-UNL/TRUNK: a letter of 31 October ends the
    # contract on 1 November): the contract ends tonight, and billing credits the months its runs
    # invoiced from the fee start (BIL-9, ``billing.services.termination_credits``).
    quote.past = quote.effective_date <= paris_today()
    quote.reason_label = TerminationReason(data["reason"]).label
    quote.notified_by_us = data["reason"] in NOTIFIED_BY_US  # ours: not a notice « received »
    quote.letter_sent = sent_on is not None
    quote.contract = data["contract"]  # named on the confirmation: which contract it ends
    quote.force_majeure_notified_on = data["force_majeure_notified_on"]  # PLATFORM 16.4
    # PLATFORM 28: the increases still awaiting our acceptance, which the termination refuses
    quote.increases_refused = increases_awaiting(contract=data["contract"])
    shown = _quote_shown(request)
    if not _confirmed(request) or shown is None:
        return _page(request, client, action="terminate", form=form, preview=quote)
    try:
        contract_request_termination(
            contract=data["contract"],
            requested_date=data["requested_date"],
            actor=request.user,
            reason=data["reason"],
            # CON-4 / CON-5: the quote the confirmation showed, not the one of this request:
            # a quote changed meanwhile (past midnight, a price changed) records nothing
            expected_effective_date=shown[0],
            expected_fee=shown[1],
            notice_date=notice_date,
            letter_sent_on=sent_on,
            force_majeure_notified_on=data["force_majeure_notified_on"],
        )
    except ValidationError as error:
        if getattr(error, "code", None) == "quote_changed":
            quote.changed = error.messages  # the new quote, to confirm again
            return _page(request, client, action="terminate", form=form, preview=quote)
        attach_errors(form, error)
        return _page(request, client, action="terminate", form=form, status=400)
    messages.success(
        request,
        _("Termination of %(ref)s recorded, effective %(date)s.")
        % {"ref": data["contract"].reference, "date": quote.effective_date.strftime("%d/%m/%Y")},
    )
    return redirect("console:customer", pk=pk)


def _quote_shown(request) -> tuple[date, Decimal] | None:
    """The effective date and fee a termination's confirmation showed (its hidden fields);
    None when it carries none or an unreadable one: the quote is shown again."""
    try:
        shown = date.fromisoformat(request.POST.get("quote_date", ""))
        fee = Decimal(request.POST.get("quote_fee", ""))
    except (ValueError, InvalidOperation):
        return None
    return (shown, fee) if fee.is_finite() else None


@staff_required(Team.BILLING)
@require_POST
def close_inactive(request, pk):
    """ACC-6: close a contract flagged inactive, without fees; when it is the customer's last
    contract in service its prepaid balance is forfeited — the confirmation shows how much, and
    the closing is refused if the balance changed meanwhile."""
    client = _client(pk)
    form = InactiveCloseForm(request.POST, client=client)
    if not form.is_valid():
        return _page(request, client, action="inactive", form=form, status=400)
    contract = form.cleaned_data["contract"]
    forfeit = inactive_close_forfeit(contract)
    if not _confirmed(request):
        return _page(
            request,
            client,
            action="inactive",
            form=form,
            preview={"contract": contract, "forfeit": forfeit},
        )
    try:
        inactive_close(
            contract=contract,
            today=paris_today(),
            actor=request.user,
            expected_forfeit=_amount(request.POST.get("forfeit")),
        )
    except ValidationError as error:
        attach_errors(form, error)
        return _page(request, client, action="inactive", form=form, status=400)
    messages.success(
        request,
        _("Contract %(ref)s closed for inactivity; %(amount)s € of prepaid balance forfeited.")
        % {"ref": contract.reference, "amount": money_number(forfeit)},
    )
    return redirect("console:customer", pk=pk)


@staff_required(Team.SUPPORT)
@require_POST
def reset_credentials(request, pk, kind, account_pk):
    """ACC-7: a new SIP secret (the old one stops working), shown once on this page."""
    client = _client(pk)
    model = {"trunk": Trunk, "sip": SipAccount}.get(kind)
    if model is None:
        raise PermissionDenied
    account = get_object_or_404(model, pk=account_pk, contract__client=client)
    if not _confirmed(request):
        return _page(request, client, action="reset", preview={"account": account, "kind": kind})
    try:
        account, secret = sip_credentials_reset(account=account, actor=request.user)
    except InvalidTransition as refusal:  # its contract is terminated
        messages.error(request, " ".join(refusal.messages))
        return redirect("console:customer", pk=pk)
    messages.success(request, _("New credentials issued: copy the secret now, it is shown once."))
    response = _page(request, client, secret={"account": account, "value": secret})
    add_never_cache_headers(response)  # the secret: never kept by a browser or a proxy
    return response
