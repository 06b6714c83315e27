"""USE-6 traffic quality (PLATFORM 26, 27): per customer and UTC hour of outbound traffic, the
ASR (answered / attempts) must stay above 60 %, the ACD (average answered duration) above 15 s,
and short calls (answered, under 8 s) under 10 % of the answered calls. Each breached metric
costs 0.02 € per call of that hour — the hour's attempts for ASR, its answered calls for ACD and
short calls — posted as a penalty line naming the hour (shown in Paris time) and the metric.

Choices: the limits are strict ("> 60 %": exactly 60 % is a breach, likewise 15 s and 10 %);
an hour without an answered call has no ACD nor short-call rate (only its ASR counts); the
contract's "heure glissante" for short calls is read as the same clock hour as the other two
metrics (the rule book's "per hour"). Only PLATFORM contracts are measured (the terms that carry
these clauses); trial traffic is measured but never penalised (CON-7). A call the platform
refused itself (TRK-6 blocked destination, consumption-alert block) counts in no metric:
PLATFORM 26 measures the traffic the customer hands over, our own refusal is not its quality.
Each computation replaces the month's hours whole: an hour left without a measured call loses its
row; what an invoiced (hour, metric) no longer costs is credited by the next run (BIL-9).
Penalties are damages, outside the scope of VAT (EN 16931 category "O", CGI art. 256): billing
puts them on an invoice of their own.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import Client
from billing import services as billing
from billing.choices import ChargeKind, VatCategory
from kernel.money import percent, round_half_up
from kernel.templatetags.hours import paris_hours
from offers.periods import next_month_start
from usage.choices import CallType
from usage.models import CallRecord, QualityHour, RerateCredit
from usage.models.money import QUALITY_MEASURES
from usage.money_choices import QualityMetric
from usage.services import revisions

UTC = ZoneInfo("UTC")
PENALTY_PER_CALL = Decimal("0.02")  # PLATFORM 27
ASR_MIN = Decimal("60")  # %, must stay above
ACD_MIN = Decimal("15")  # seconds, must stay above
SHORT_CALL_SECONDS = 8  # an answered call shorter than this is short
SHORT_MAX = Decimal("10")  # %, must stay below
PLATFORM = "PLATFORM"
SOURCE = "usage_quality"


def measured_calls():
    """The outbound, non-trial calls of PLATFORM contracts that the platform carried: a call it
    refused itself (``blocked``: a destination group blocked, TRK-6, or the customer's 100 %
    consumption alert blocking its outgoing calls) is no attempt of the customer's traffic."""
    return CallRecord.objects.filter(
        call_type=CallType.OUTBOUND,
        trial=False,
        blocked=False,
        client__isnull=False,
        contract__terms_snapshot__preset=PLATFORM,
    )


def penalties_for(attempts: int, answered: int, seconds: int, short: int) -> dict[str, Decimal]:
    """USE-6 for one hour: the penalty of each breached metric (pure, for the tests)."""
    out = {}
    if attempts and Decimal(answered * 100) / attempts <= ASR_MIN:
        out[QualityMetric.ASR] = PENALTY_PER_CALL * attempts
    if answered:
        if Decimal(seconds) / answered <= ACD_MIN:
            out[QualityMetric.ACD] = PENALTY_PER_CALL * answered
        if Decimal(short * 100) / answered >= SHORT_MAX:
            out[QualityMetric.SHORT] = PENALTY_PER_CALL * answered
    return out


@transaction.atomic
def quality_compute(*, month: date, client_ids=None) -> int:
    """(Re)compute the quality rows of a Paris month; returns the rows written."""
    qs = measured_calls().filter(billing_month=month)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    rows = (
        qs.annotate(hour=TruncHour("started_at", tzinfo=UTC))
        .values("client_id", "hour")
        .annotate(
            n_attempts=Count("id"),
            n_answered=Count("id", filter=Q(answered=True)),
            n_seconds=Sum("duration", filter=Q(answered=True)),
            n_short=Count("id", filter=Q(answered=True, duration__lt=SHORT_CALL_SECONDS)),
        )
        .order_by()
    )
    hours = []
    for row in rows:
        pen = penalties_for(
            row["n_attempts"], row["n_answered"], row["n_seconds"] or 0, row["n_short"]
        )
        hours.append(
            QualityHour(
                client_id=row["client_id"],
                hour=row["hour"],
                month=month,
                attempts=row["n_attempts"],
                answered=row["n_answered"],
                answered_seconds=row["n_seconds"] or 0,
                short_calls=row["n_short"],
                asr_penalty=pen.get(QualityMetric.ASR, 0),
                acd_penalty=pen.get(QualityMetric.ACD, 0),
                short_penalty=pen.get(QualityMetric.SHORT, 0),
            )
        )
    QualityHour.objects.bulk_create(
        hours,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["client", "hour"],
        update_fields=QUALITY_MEASURES,
    )
    # the month's result replaces it whole: an hour left without a measured call (its calls
    # refused by the platform after all, or removed) loses its row and its penalty — what was
    # invoiced for it is credited by the next run (``post_penalties``)
    given = {(h.client_id, h.hour) for h in hours}
    kept = QualityHour.objects.filter(month=month)
    if client_ids is not None:
        kept = kept.filter(client_id__in=client_ids)
    stale = [pk for pk, c, h in kept.values_list("pk", "client_id", "hour") if (c, h) not in given]
    QualityHour.objects.filter(pk__in=stale).delete()
    return len(hours)


def measure_display(hour_row: QualityHour, metric: str) -> str:
    """A measure of the hour as people read it in the active language ("41,7 %", "5,0 s" in
    French, "41.7%" in English), "—" for an hour without an answered call (no ACD nor
    short-call rate)."""
    value, unit = {
        QualityMetric.ASR: (hour_row.asr, "%"),
        QualityMetric.ACD: (hour_row.acd, "s"),
        QualityMetric.SHORT: (hour_row.short_rate, "%"),
    }[metric]
    if value is None:
        return "—"
    # rounded here, half-up: number_format cuts the decimals it does not show (41.67 → "41,6")
    figure = number_format(round_half_up(value, 1), 1)
    return percent(figure) if unit == "%" else f"{figure}\u00a0{unit}"


def _metric_name(metric: str) -> str:
    """The metric as the invoice names it: "ASR", "ACD" (the contract's own abbreviations,
    PLATFORM 26.1.3, 26.2.3), "appels courts" (PLATFORM 27's "Appels courts", not the code's
    English key)."""
    return _("short calls") if metric == QualityMetric.SHORT else metric.upper()


def _describe(hour_row: QualityHour, metric: str) -> str:
    start, hours = paris_hours(hour_row.hour)
    value = measure_display(hour_row, metric)
    return _("Traffic quality penalty: %(metric)s %(value)s, %(day)s %(hours)s (Paris time)") % {
        "metric": _metric_name(metric),
        "value": value,
        "day": start.strftime("%d/%m/%Y"),
        "hours": hours,
    }


@transaction.atomic
def post_penalties(*, month: date, client_ids=None, recompute: bool = True) -> int:
    """USE-6: post one penalty charge per (hour, breached metric) of ``month``: quantity = the
    calls concerned, unit price 0.02 €, outside the scope of VAT. What was charged already is
    not charged again; an hour that late records made worse since (more attempts in a breached
    hour, a metric newly breached) gets the difference as a charge of its own (the same key and
    a revision number), billed by the next run — the issued invoice never changes. What an
    (hour, metric) no longer costs — its hour gone (its calls refused by the platform after all,
    or removed) or the metric no longer breached, or fewer calls concerned — is withdrawn while
    not invoiced, else credited on the invoices that carried it (``_credit``). Returns the
    charges posted. ``recompute``: measure the month first (the rating passes keep the earlier
    months measured)."""
    if recompute:
        quality_compute(month=month, client_ids=client_ids)
    rows = QualityHour.objects.filter(month=month).filter(
        Q(asr_penalty__gt=0) | Q(acd_penalty__gt=0) | Q(short_penalty__gt=0)
    )
    if client_ids is not None:
        rows = rows.filter(client_id__in=client_ids)
    due: dict[str, tuple[QualityHour, str, int]] = {}
    for row in rows:
        for metric, amount, calls in (
            (QualityMetric.ASR, row.asr_penalty, row.attempts),
            (QualityMetric.ACD, row.acd_penalty, row.answered),
            (QualityMetric.SHORT, row.short_penalty, row.answered),
        ):
            if amount > 0:
                due[f"{row.client_id}:{row.hour:%Y%m%d%H}:{metric}"] = (row, metric, calls)
    charged = revisions.charged([month], client_ids, source_type=SOURCE)
    already = {base: charges for (_month, base), charges in charged.items()}
    given_back = _given_back(month, client_ids)
    over: list[tuple[str, Decimal]] = []
    # PLATFORM 6.7: a month whose calls are partly purged is no longer compared with its
    # invoices (its hours lawfully gone are not a penalty no longer due)
    whole = revisions.kept_whole(month)
    clients = Client.objects.in_bulk({r.client_id for r in rows})
    posted = 0
    for base in sorted(set(due) | set(already)):
        row, metric, calls = due.get(base, (None, None, 0))
        before = already.get(base, [])
        invoiced = [c for c in before if c.invoice_line_id]
        # the calls billed so far: what the invoices carried less what was credited back
        done = (
            sum((c.invoice_line.net_amount for c in invoiced), Decimal(0))
            - given_back.get(base, Decimal(0))
        ) / PENALTY_PER_CALL
        pending = [c for c in before if not c.invoice_line_id]
        if pending and whole and done + sum(c.quantity for c in pending) > calls:
            for charge in pending:  # not invoiced yet: withdrawn, posted again as due now
                billing.charge_withdraw(
                    source_type=SOURCE, source_id=charge.source_id, period_start=month
                )
            before = invoiced
        elif pending:
            done += sum(c.quantity for c in pending)
        if calls < done and whole:
            over.append((base, (done - calls) * PENALTY_PER_CALL))
            continue
        if calls <= done:
            continue
        description = _describe(row, metric)
        billing.charge_post(
            client=clients[row.client_id],
            kind=ChargeKind.PENALTY,
            source_type=SOURCE,
            source_id=revisions.revision_id(base, _next_revision(before)),
            period_start=month,
            period_end=next_month_start(month),  # BIL-3: the month measured
            description=revisions.after_invoicing(description) if invoiced else description,
            unit_price=PENALTY_PER_CALL,
            quantity=calls - done,
            vat_category=VatCategory.OUTSIDE_SCOPE,
        )
        posted += 1
    _credit(month, over, already)
    return posted


def _next_revision(before) -> int:
    """The revision number of a new charge of a line key: one past the highest posted."""
    numbers = [int(c.source_id.split("#", 1)[1]) if "#" in c.source_id else 1 for c in before]
    return max(numbers, default=0) + 1


def _given_back(month: date, client_ids) -> dict[str, Decimal]:
    """What was credited back on each penalty key of ``month`` (``RerateCredit``)."""
    qs = RerateCredit.objects.filter(month=month)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    return dict(qs.values_list("line_key").annotate(total=Sum("amount")).order_by())


def _credit(month: date, over: list[tuple[str, Decimal]], already: dict[str, list]) -> None:
    """BIL-9: what an (hour, metric) invoiced beyond what it costs now is credited on the
    invoices that carried it, the latest first, none beyond what is left uncredited on a line
    (an accepted dispute may have taken it): one credit note per invoice, each part recorded
    (``RerateCredit``) so that it is credited once."""
    if not over:
        return
    left = billing.lines_left_to_credit(
        c.invoice_line for base, _a in over for c in already[base] if c.invoice_line_id
    )
    parts: dict[int, list] = defaultdict(list)
    for base, amount in over:
        charges = sorted(
            (c for c in already[base] if c.invoice_line_id),
            key=lambda c: (c.invoice_line.invoice.issue_date, c.invoice_line.invoice_id),
            reverse=True,
        )
        for charge in charges:
            part = min(amount, left[charge.invoice_line_id])
            if part > 0:
                parts[charge.invoice_line.invoice_id].append(
                    (month, base, part, charge.invoice_line)
                )
                amount -= part
    for note, base, part in revisions.issue_credit_notes(
        parts,
        description=_("Traffic quality penalties of %(month)s measured again after invoicing")
        % {"month": month.strftime("%m/%Y")},
        reason=_("Traffic quality measured again after invoicing"),
    ):
        RerateCredit.objects.create(
            client_id=int(base.split(":", 1)[0]),
            month=month,
            line_key=base,
            credit_note=note,
            amount=part,
        )
