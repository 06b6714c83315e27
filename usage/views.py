"""Customer portal pages of usage: the consumption of a month (totals by destination and per
account, a chart by day, the fair-use counters, the platform limits and quality penalties), the
month's calls as CSV, the alert threshold, the tariff grid (PLATFORM 24) and the call-detail
annex of an invoice (BIL-3).

Every read starts from the signed-in member's customer; an invoice of another customer is a
404. Viewing is open to every member; the threshold and the annex of an invoice need the
``billing`` permission (admin and billing roles, as invoices, ACC-2).
"""

import csv
import re
from datetime import UTC, date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.choices import PaymentMethod
from accounts.decorators import member_required
from billing.choices import DocumentKind
from billing.models import InvoicePurpose
from kernel.forms import attach_errors
from kernel.money import round_money
from offers.periods import add_months
from payments.selectors import prepaid_balance
from usage import selectors
from usage.choices import CallType, LineType, PriceClass
from usage.forms import MonthForm, ThresholdForm
from usage.services import alerts, annexes, partitions

BILLING = "billing"
MONTHS_SHOWN = 12  # PLATFORM 6.7: traffic data are kept 12 months
CHART_HEIGHT = 120
BAR_STEP = 20


def _month(request) -> date | None:
    """The month asked (``?month=YYYY-MM``, the current one without it); None when the one
    asked is not a month of the last 12."""
    form = MonthForm(request.GET)
    current = selectors.current_month()
    if "month" not in request.GET:
        return current
    if not form.is_valid() or form.cleaned_data["month"] is None:
        return None
    month = form.cleaned_data["month"]
    oldest = add_months(current, -MONTHS_SHOWN)
    return month if oldest <= month <= current else None


def _unavailable_month(request) -> None:
    messages.warning(
        request,
        _(
            "This month is not available: the consumption of the current month and of the "
            "12 before it only. Here is the current month."
        ),
    )


def _chart(summary) -> tuple[list[dict], dict]:
    """Bars of the chart by day (server-rendered SVG: no script, no inline style): the day's
    billable amount, or its calls when the month has no billable amount; and its scale, the
    value of the highest bar (a line at the top of the chart names it)."""
    use_cost = any(cost for _d, cost, _n in summary.days)
    values = {d: (cost if use_cost else calls, cost, calls) for d, cost, calls in summary.days}
    top = max((v[0] for v in values.values()), default=0) or 1
    scale = {"top": top, "by_cost": use_cost}
    bars = []
    day = summary.month
    while day.month == summary.month.month:
        value, cost, calls = values.get(day, (0, 0, 0))
        height = int(CHART_HEIGHT * value / top)
        height = max(height, 2) if value else 0
        bars.append(
            {
                "x": (day.day - 1) * BAR_STEP + 2,
                "y": CHART_HEIGHT - height,
                "height": height,
                "day": day,
                "cost": cost,
                "calls": calls,
                "label": day.day in (1, 5, 10, 15, 20, 25, 30),
            }
        )
        day = date.fromordinal(day.toordinal() + 1)
    return bars, scale


@member_required()
def consumption(request):
    month = _month(request)
    if month is None:
        _unavailable_month(request)
        return redirect("usage:consumption")
    return render(request, "usage/consumption.html", _consumption_context(request, month))


def _consumption_context(request, month, threshold_form=None) -> dict:
    """The consumption page of ``month``; ``threshold_form``: a threshold typed and refused,
    shown again with its errors."""
    client = request.client
    summary = selectors.consumption_with_breaches(client=client, month=month)
    bars, chart_scale = _chart(summary)
    threshold = selectors.threshold_of(client=client)
    current = selectors.current_month()
    months = [add_months(current, -i) for i in range(MONTHS_SHOWN + 1)]
    alerts = list(selectors.alerts_of(client=client, month=month))
    prepaid = client.payment_method == PaymentMethod.PREPAID
    # PLATFORM 6.7: the calls of the days before the retention start are purged (the oldest
    # month offered is then partial: say so, rather than call its rest "the whole month")
    kept_from = partitions.retention_start()
    quality_breaches = list(selectors.quality_breaches_of(client=client, month=month))
    return {
        "kept_from": kept_from.date() if selectors.month_bounds(month)[0] < kept_from else None,
        # USE-8: a prepaid customer's calls are debited from its balance, not invoiced
        "prepaid": prepaid,
        "prepaid_balance": prepaid_balance(client) if prepaid else None,
        "month": month,
        "current_month": current,
        "months": months,
        "summary": summary,
        "bars": bars,
        "chart_scale": chart_scale,
        "chart_width": 31 * BAR_STEP + 4,
        "chart_height": CHART_HEIGHT,
        "threshold": threshold,
        "threshold_form": threshold_form
        or ThresholdForm(
            initial={
                "amount": threshold.amount if threshold else None,
                "block_outgoing": threshold.block_outgoing if threshold else False,
            }
        ),
        "threshold_percent": (
            int(summary.total.amount * 100 / threshold.amount)
            if threshold and month == current
            else None
        ),
        "alerts": alerts,
        # the 100 % alert blocking the outgoing calls now (this month only)
        "blocked": selectors.blocking_alert(alerts, threshold) if month == current else None,
        # every hour of the month (at most 744 each): the penalties billed are all shown
        "limit_breaches": list(selectors.limit_breaches_of(client=client, month=month)),
        "quality_breaches": quality_breaches,
        "quality_total": sum((q.penalty for q in quality_breaches), Decimal(0)),
        "can_bill": request.membership.can(BILLING),
    }


# The export is for a spreadsheet in the reader's language (the API serves machines): the
# headers and the kinds of call in words, the prices with the language's decimal separator
# ("0,5000" in French: a French spreadsheet reads "0.5000" as text), ";" between columns.
CSV_COLUMNS = [
    ("call_id", _lazy("Call ID")),
    ("started_at", _lazy("Start (Paris time)")),
    ("account_ref", _lazy("Account")),
    ("call_type", _lazy("Call type")),
    ("caller", _lazy("Caller")),
    ("called", _lazy("Number called")),
    ("country", _lazy("Country")),
    ("line_type", _lazy("Line type")),
    ("price_class", _lazy("Price class")),
    ("answered", _lazy("Answered (1/0)")),
    ("duration", _lazy("Duration (s)")),
    ("billed_seconds", _lazy("Billed (s)")),
    ("rate", _lazy("Price per minute (€ excl. VAT)")),
    ("cost", _lazy("Cost (€ excl. VAT)")),
    ("included", _lazy("Included (1/0)")),
    ("blocked", _lazy("Blocked (1/0)")),
    ("trial", _lazy("Trial (1/0)")),
    ("late", _lazy("Received after invoicing (1/0)")),
]
CSV_FIELDS = [field for field, _label in CSV_COLUMNS]  # = annexes.CALL_FIELDS (the stored annex)
# After them (appended, so that a column keeps its place): the start in UTC — the Paris time
# repeats an hour when the clocks go back (25/10/2026: two calls at « 02:30:00 », 00:30 and
# 01:30 UTC) — then, in an invoice's annex, the heading of the lines that billed the call.
CSV_UTC_LABEL = _lazy("Start (UTC)")
_STARTED = CSV_FIELDS.index("started_at")
CSV_LABELS = {"call_type": CallType, "line_type": LineType, "price_class": PriceClass}
CSV_PRICES = {"rate", "cost"}


class _Echo:
    def write(self, value):
        return value


# A text a spreadsheet would run as a formula (CSV injection): what the carrier or a partner
# sent as a caller, call id or device id ("=HYPERLINK(…)", "@SUM(…)"). A number written
# "+33…" is left as it is: a spreadsheet reads it as a number, never as a function.
FORMULA = re.compile(r"^[=+\-@\t\r]")
SIGNED_NUMBER = re.compile(r"^[+-]?\d+$")


def spreadsheet_cell(value):
    if value is True or value is False:
        return "1" if value else "0"
    if value is None:
        return ""
    if isinstance(value, str) and FORMULA.match(value) and not SIGNED_NUMBER.match(value):
        return "'" + value
    return value


def _csv_response(rows, filename: str, heading=None) -> HttpResponse:
    """``rows``: tuples of ``CSV_FIELDS``; with ``heading`` (a label), (tuple, text) pairs —
    the text in a last column so labelled."""
    writer = csv.writer(_Echo(), delimiter=";")
    words = {
        field: {k: str(v) for k, v in choices.choices} for field, choices in CSV_LABELS.items()
    }
    # the language's decimal separator, read once: ``number_format`` per price (two a call)
    # took 10 s for a month of 50 000 calls; the prices are kept to 4 decimals (USE-2)
    separator = get_format("DECIMAL_SEPARATOR", use_l10n=True)
    paris = timezone.get_current_timezone()

    def price(raw):
        text = f"{raw:.4f}"
        return text.replace(".", separator) if separator != "." else text

    def value(field, raw):
        if field == "started_at":
            return raw.astimezone(paris).strftime("%Y-%m-%d %H:%M:%S")
        if field in words and raw:
            return words[field].get(raw, raw)
        if field in CSV_PRICES and raw is not None:
            return price(raw)
        return spreadsheet_cell(raw)

    def lines():
        labels = [*(str(label) for _field, label in CSV_COLUMNS), str(CSV_UTC_LABEL)]
        yield "\ufeff" + writer.writerow([*labels, str(heading)] if heading else labels)
        for row in rows:
            row, extra = row if heading else (row, None)
            cells = [value(f, v) for f, v in zip(CSV_FIELDS, row, strict=True)]
            cells.append(row[_STARTED].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))
            yield writer.writerow([*cells, extra] if heading else cells)

    # One body (a month is at most ~100 000 calls, ~15 MB): simpler for caches and tests than
    # a stream, and the rows are still read in chunks.
    response = HttpResponse("".join(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@member_required()
def calls_csv(request):
    """The month's calls, as rated (CSV, ``;``-separated, UTF-8 with BOM for spreadsheets). A
    month that is not one of the last 12 is not answered with another month's calls: back to
    the page, which says so."""
    month = _month(request)
    if month is None:
        _unavailable_month(request)
        return redirect("usage:consumption")
    rows = (
        selectors.calls_of(client=request.client, month=month)
        .order_by("started_at", "id")
        .values_list(*CSV_FIELDS)
        .iterator(chunk_size=5000)
    )
    # the file's name in the page's language too: « appels-2026-11.csv », "calls-2026-11.csv"
    return _csv_response(rows, _("calls-%(month)s.csv") % {"month": f"{month:%Y-%m}"})


@member_required(BILLING)
def invoice_annex(request, invoice_id: int):
    """BIL-3: the call-detail annex of an invoice — the calls it billed (``selectors.
    annex_calls``: its month's, and the late records it carried), without touching the issued
    invoice."""
    invoice = (
        selectors.issued_invoices(client=request.client)
        # BIL-3: only a regular invoice bills calls (a penalties-only "O" invoice bills none)
        .filter(
            pk=invoice_id,
            month__isnull=False,
            purpose=InvoicePurpose.REGULAR,
            kind=DocumentKind.INVOICE,
        )
        .select_related("client")
        .first()
    )
    if invoice is None:
        raise Http404
    # as it stood when the invoice was issued (a waiver since re-rated its calls), each call
    # under the heading of the lines that billed it (its month's, or its month's late records)
    return _csv_response(
        annexes.annex_sections(invoice),
        _("call-annex-%(number)s.csv") % {"number": invoice.number},
        heading=_("Billed under"),
    )


@member_required(BILLING)
def threshold(request):
    """POST: set the alert threshold; GET: back to the consumption page."""
    if request.method != "POST":
        return redirect("usage:consumption")
    form = ThresholdForm(request.POST)
    if form.is_valid():
        try:
            alerts.threshold_set(
                client=request.client,
                amount=form.cleaned_data["amount"],
                block_outgoing=form.cleaned_data["block_outgoing"],
                actor=request.user,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            amount = form.cleaned_data["amount"]
            messages.success(
                request,
                _("Alert threshold set to %(amount)s € a month.")
                % {"amount": number_format(round_money(amount), 2, force_grouping=True)}
                if amount
                else _("Consumption alerts removed."),
            )
            alerts.alerts_check(client_id=request.client.pk, month=selectors.current_month())
            return redirect("usage:consumption")
    # refused: the page again, the typed amount kept, the error under the field
    context = _consumption_context(request, selectors.current_month(), threshold_form=form)
    return render(request, "usage/consumption.html", context, status=400)
