"""Customer portal pages of payments and collection (BIL-4, BIL-8, BIL-10, ACC-2).

Members with the ``billing`` permission only (the admin and billing roles), like the invoice
pages. Every read goes through ``payments.selectors`` scoped to the signed-in member's customer
and every write through ``payments.services``: another customer's invoice or dispute is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.choices import PaymentMethod as ClientPaymentMethod
from accounts.decorators import member_required
from billing.selectors import billing_partner
from billing.views import BADGES
from kernel.clock import paris_today
from kernel.forms import attach_errors
from payments import selectors
from payments.choices import DisputeStatus
from payments.forms import DisputeForm
from payments.invoice_states import invoice_state, payment_status
from payments.models import Dispute
from payments.services.disputes import dispute_deadline, dispute_open

PAYMENTS_PER_PAGE = 20
DISPUTES_PER_PAGE = 20
ENTRIES_PER_PAGE = 25


def invoice_row(state, today) -> dict:
    """One open invoice of the overview with its badge: under dispute, awaiting its direct
    debit (never late meanwhile, BIL-6), late N days, or due."""
    status = payment_status(state, today)
    return {
        "invoice": state.invoice,
        "open": state.open,
        "disputed": state.disputed,
        "undisputed": state.undisputed_open,
        "days_late": state.days_late(today),
        "debit_on": state.debit_pending_on,
        # a rejected debit presented again (the reject e-mail's notice), while still ahead
        "represent_from": state.represent_from
        if state.represent_from and state.represent_from >= today
        else None,
        "status": status,
        "badge": BADGES[status],
    }


def topup_reference(client) -> str:
    """The reference a customer writes on a prepaid top-up transfer (BIL-10)."""
    return f"PREPAID-{client.pk}"


def partner_billed_page(request, partner):
    """ACC-3 (white label): a partner-billed customer is invoiced and paid by its partner, never
    by us. Its payment pages speak of the partner only: no reseller name, IBAN or balance."""
    return render(request, "payments/partner_billed.html", {"partner": partner})


@member_required("billing")
def overview(request):
    client = request.client
    partner = billing_partner(client=client)
    if partner is not None:
        return partner_billed_page(request, partner)
    today = paris_today()
    summary = selectors.account_summary(client, today)
    # BIL-4: each payment's refunds under it, one query for the page's payments
    payments = Paginator(
        selectors.client_payments(client).prefetch_related("refunds"), PAYMENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/overview.html",
        {
            "summary": summary,
            "rows": [invoice_row(state, today) for state in summary.open_invoices],
            "page": payments,
            "mandate": selectors.active_mandate(client),
            "creditor": settings.SEPA_CREDITOR,
            "is_prepaid": client.payment_method == ClientPaymentMethod.PREPAID,
            "disputes_open": selectors.client_disputes(client)
            .filter(status=DisputeStatus.OPEN)
            .count(),
        },
    )


@member_required("billing")
def dispute_create(request, invoice_pk):
    """BIL-8: dispute part of an invoice while today ≤ issue date + 60 days. Past the deadline
    the page says so instead of showing the form; a POST then gets the service's refusal."""
    invoice = get_object_or_404(selectors.client_invoices(request.client), pk=invoice_pk)
    deadline = dispute_deadline(invoice)
    too_late = paris_today() > deadline
    open_dispute = invoice.disputes.filter(status=DisputeStatus.OPEN).first()
    if request.method == "POST":
        form = DisputeForm(request.POST, request.FILES, invoice=invoice)
        if form.is_valid():
            try:
                dispute = dispute_open(
                    invoice=invoice,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    documents=form.cleaned_data["documents"],
                    actor=request.user,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your dispute of invoice %(number)s is registered. The disputed amount "
                        "is put on hold until we reply; the rest stays due."
                    )
                    % {"number": invoice.number},
                )
                return redirect("payments:dispute_detail", pk=dispute.pk)
    else:
        form = DisputeForm(invoice=invoice)
    return render(
        request,
        "payments/dispute_form.html",
        {
            "invoice": invoice,
            "state": invoice_state(invoice),
            "deadline": deadline,
            "too_late": too_late,
            "open_dispute": open_dispute,
            "form": form,
        },
    )


@member_required("billing")
def dispute_list(request):
    partner = billing_partner(client=request.client)
    if partner is not None:
        return partner_billed_page(request, partner)
    page = Paginator(selectors.client_disputes(request.client), DISPUTES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "payments/dispute_list.html", {"page": page})


@member_required("billing")
def dispute_detail(request, pk):
    try:
        dispute = selectors.client_dispute(request.client, pk)
    except Dispute.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "payments/dispute_detail.html",
        {
            "dispute": dispute,
            "documents": list(dispute.documents.all()),
            "deadline": dispute_deadline(dispute.invoice),
        },
    )


@member_required("billing")
def prepaid(request):
    """BIL-10: the prepaid ledger and how to top it up. A postpaid customer is told that its
    consumption is invoiced, not debited from a balance, and gets no top-up instructions; the
    ledger shows only if it has movements (issue 17 item 6)."""
    client = request.client
    partner = billing_partner(client=client)
    if partner is not None:
        return partner_billed_page(request, partner)
    page = Paginator(selectors.prepaid_entries(client), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    is_prepaid = client.payment_method == ClientPaymentMethod.PREPAID
    return render(
        request,
        "payments/prepaid.html",
        {
            "balance": selectors.prepaid_balance(client),
            "page": page,
            "is_prepaid": is_prepaid,
            # BIL-10, PLATFORM 12.7.1: the balance pays consumption only — what the invoices
            # still ask (subscriptions, commitment top-up, penalties) is the payments page's
            # and the dashboard's figure, shown here too.
            "summary": selectors.account_summary(client, paris_today()) if is_prepaid else None,
            "creditor": settings.SEPA_CREDITOR,
            "reference": topup_reference(client),
        },
    )
