"""The liability cap (SLA-12, PLATFORM 15.3) in the back office: shown on a ticket and on a
report; goodwill credits — the compensation staff grant beyond SLA credits — listed, and granted
from a ticket or an outage by an action: amount and reason, on a confirmation page that shows
the cap and what is left for each service, then ``goodwill_credit_issue`` (one service, which
refuses a credit above the cap)."""

import secrets
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyInline
from billing.services.credit_notes import CreditLine, credit_line_vat
from kernel.admin import (
    GO,
    SENT,
    SHOW,
    ServiceRowsAdmin,
    already_sent,
    confirmation_page,
    confirmation_step,
)
from kernel.forms import attach_errors, error_text
from kernel.inputs import typed_amount_field
from kernel.money import money, percent, round_money
from offers.models import Contract
from support import selectors
from support.models import GoodwillCredit
from support.services.goodwill import (
    LiabilityRoom,
    goodwill_contracts,
    goodwill_credit_issue,
    liability_room,
)

GOODWILL_TEMPLATE = "admin/support/goodwill_form.html"
MAX_ROOMS = 50  # an outage of a whole offer: the page shows the first services' caps


def _money(value: Decimal) -> str:
    return number_format(value, 2)


def liability_cap_text(contract, day) -> str:
    """SLA-12, for display: the cap of an event on ``day``."""
    if contract is None:
        return "—"
    cap = selectors.liability_cap(contract=contract, day=day)
    return gettext(
        "%(cap)s € excl. VAT (subscriptions paid, invoiced in the 3 months before %(day)s)"
    ) % {
        "cap": _money(cap),
        "day": date_format(day),
    }


def liability_room_text(room: LiabilityRoom) -> str:
    """SLA-12, for display: the cap of an event and service, granted and left."""
    return gettext(
        "%(cap)s € excl. VAT (subscriptions paid, invoiced in the 3 months before %(day)s); "
        "%(granted)s € granted, %(left)s € left"
    ) % {
        "cap": _money(room.cap),
        "day": date_format(room.event_date),
        "granted": _money(room.granted),
        "left": _money(room.left),
    }


class GoodwillInline(ReadOnlyInline):
    """The goodwill credits granted for a ticket or an outage (written by the action only)."""

    model = GoodwillCredit
    fields = ["created_at", "contract", "amount", "cap", "reason", "credit_note", "granted_by"]
    readonly_fields = fields


@admin.register(GoodwillCredit)
class GoodwillCreditAdmin(ServiceRowsAdmin):
    """SLA-12: every goodwill credit, with its event, the cap in force and its credit note.
    Granted from a ticket or an outage (their action), never added or edited here."""

    list_display = [
        "created_at",
        "contract",
        "customer",
        "ticket",
        "outage",
        "event_date",
        "amount",
        "cap",
        "credit_note",
        "granted_by",
    ]
    list_select_related = [
        "contract__client",
        "contract__offer",
        "ticket",
        "outage",
        "credit_note",
        "granted_by",
    ]
    search_fields = ["contract__reference", "contract__client__legal_name", "ticket__number"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "contract",
        "customer",
        "ticket",
        "outage",
        "event_date",
        "amount",
        "cap",
        "reason",
        "credit_note",
        "granted_by",
        "created_at",
    ]
    fields = readonly_fields

    @admin.display(description=_("customer"))
    def customer(self, credit):
        return credit.contract.client


class GoodwillForm(forms.Form):
    amount = typed_amount_field(_("amount (€ excl. VAT)"))
    reason = forms.CharField(
        label=_("reason"),
        max_length=255,
        widget=forms.Textarea,
        help_text=_("Shown on the credit note."),
    )


class OutageGoodwillForm(GoodwillForm):
    contract = forms.ModelChoiceField(label=_("service"), queryset=Contract.objects.none())

    def __init__(self, *args, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        self.order_fields(["contract", "amount", "reason"])


def may_issue_credit_notes(request) -> bool:
    """A goodwill credit is a credit note (BIL-9): granting one needs the right to issue credit
    notes (``billing.add_invoice``, the invoices' "Issue a credit note" action), not the change
    right of the ticket or outage it is granted for (support staff answer and end those)."""
    return request.user.has_perm("billing.add_invoice")


def may_post_charges(request) -> bool:
    """A penalty charged from a ticket (SLA-11) is a charge on the customer's next invoice: it
    needs the right to post charges (``billing.add_pendingcharge``, the charges' own add form),
    not the change right of the ticket (support staff answer it)."""
    return request.user.has_perm("billing.add_pendingcharge")


def _goodwill_facts(data, event, target) -> tuple[str, list[tuple[str, str]]]:
    """What a goodwill credit's confirmation states: the credit note's amounts (excl. VAT, its
    VAT at the rate charged for the service, incl. VAT), the customer, the service, the event."""
    contract = data.get("contract") or event.contract
    room = liability_room(contract, **target)
    net = round_money(data["amount"])
    line = CreditLine("", net, contract=contract, service_date=room.event_date)
    category, rate = credit_line_vat(line, client=contract.client)
    vat = round_money(net * rate / 100)
    question = gettext("Confirm the goodwill credit note of %(gross)s incl. VAT?") % {
        "gross": money(net + vat)
    }
    return question, [
        (gettext("Customer"), str(contract.client)),
        (gettext("Service"), contract.reference),
        (gettext("Event"), str(event)),
        (gettext("To be issued"), gettext("A credit note set against the customer's next invoice")),
        (gettext("Amount excl. VAT"), money(net)),
        (gettext("VAT"), f"{money(vat)} ({category} {percent(floatformat(rate, -2))})"),
        (gettext("Amount incl. VAT"), money(net + vat)),
        (gettext("Left under the cap (excl. VAT)"), money(room.left)),
        (gettext("Reason"), data["reason"]),
    ]


def goodwill_action(modeladmin, request, queryset, *, kind: str):
    """The "Grant a goodwill credit" action of tickets (``kind="ticket"``) and outages: one
    event at a time; the page shows each service's cap, what was granted and what is left,
    and a refusal of the service (above the cap) stays on the page with its message."""
    events = list(queryset[:2])
    if len(events) != 1:
        modeladmin.message_user(
            request,
            gettext("Select one ticket or outage: a goodwill credit is granted for one event."),
            messages.ERROR,
        )
        return None
    event = events[0]
    target = {kind: event}
    if kind == "ticket" and event.contract_id is None:
        modeladmin.message_user(
            request,
            gettext("This ticket names no service: a goodwill credit is granted for a service."),
            messages.ERROR,
        )
        return None
    contracts = goodwill_contracts(**target).select_related("client").order_by("reference")
    data = request.POST if "apply" in request.POST else None
    if kind == "ticket":
        form = GoodwillForm(data)
    else:
        form = OutageGoodwillForm(data, contracts=contracts)
    step = None
    if form.is_bound and form.is_valid():
        # BIL-9: stated first (net, VAT, gross, for whom); only the confirmation of that issues
        try:
            question, facts = _goodwill_facts(form.cleaned_data, event, target)
        except ValidationError as error:
            attach_errors(form, error)
            question = None
        shown = [question, *(f"{label}: {value}" for label, value in facts)] if question else []
        step = confirmation_step(request, shown) if question else None
        if step == SHOW:
            return confirmation_page(
                modeladmin, request, [event], form=form, question=question, facts=facts,
                shown=shown, title=gettext("Grant a goodwill credit (SLA-12)"),
            )  # fmt: skip
        if step == SENT:  # the page sent twice: one credit note, not two
            return already_sent(modeladmin, request)
    if step == GO:
        try:
            credit = goodwill_credit_issue(
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                contract=form.cleaned_data.get("contract"),
                actor=request.user,
                **target,
            )
        except ValidationError as error:
            attach_errors(form, error)
        except PermissionDenied as error:
            modeladmin.message_user(request, error_text(error), messages.ERROR)
            return None
        else:
            modeladmin.message_user(
                request,
                gettext(
                    "Goodwill credit of %(amount)s € excl. VAT granted: credit note %(number)s."
                )
                % {"amount": _money(credit.amount), "number": credit.credit_note.number},
                messages.SUCCESS,
            )
            return None
    shown = list(contracts[: MAX_ROOMS + 1])
    rooms = [liability_room(contract, **target) for contract in shown[:MAX_ROOMS]]
    rooms_more = contracts.count() - MAX_ROOMS if len(shown) > MAX_ROOMS else 0
    return render(
        request,
        GOODWILL_TEMPLATE,
        {
            **modeladmin.admin_site.each_context(request),
            "title": gettext("Grant a goodwill credit (SLA-12)"),
            "intro": gettext(
                "Compensation beyond SLA credits, for this event and one service, is capped in "
                "total at the subscriptions paid for the service in the 3 months before the "
                "event. The credit becomes a credit note set against the customer's next "
                "invoice."
            ),
            "form": form,
            "rooms": rooms,
            "rooms_more": rooms_more,
            "queryset": [event],
            "opts": modeladmin.model._meta,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "once": secrets.token_urlsafe(16),
        },
    )
