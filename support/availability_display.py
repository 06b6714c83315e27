"""What the availability pages of the portal show (SLA-5..10): the figures of the month in
progress, the unavailabilities they count (outages, HOSTED-A failure notifications), and the
server-rendered 12-month chart with its table. Pure presentation: reads go through
``support.selectors`` scoped to the customer."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.urls import reverse
from django.utils.translation import gettext as _

from offers import selectors as offers_selectors
from offers.choices import LIVE_STATUSES, ContractStatus, TerminationStatus
from offers.models import Contract, Termination
from offers.periods import add_months
from support import availability as av
from support import selectors
from support.choices import OutageScope
from support.models import Outage
from support.services.unavailability import unavailability_intervals

OUTAGES_SHOWN = 30


def sla_target(policy: str) -> Decimal | None:
    terms = av.SLA_TIERS.get(policy)
    return terms.target if terms else None


def truncated(value: Decimal) -> Decimal:
    """SLA-6: 3 decimals, truncated (never shown above what it is)."""
    return value.quantize(Decimal("0.001"), rounding=ROUND_DOWN)


def paris_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=av.PARIS)


def sla_contracts(client) -> list[Contract]:
    """The customer's contracts with an SLA policy that have been in service."""
    return list(
        offers_selectors.contract_list(client=client)
        .filter(
            terms_snapshot__sla_policy__in=list(av.SLA_TIERS),
            status__in=[*LIVE_STATUSES, ContractStatus.TERMINATED],
            service_start_date__isnull=False,
        )
        .order_by("reference")
    )


def ended_before(contracts: list[Contract], month: date) -> dict[int, date]:
    """SLA-6 / SLA-10: the contracts whose termination took effect on or before ``month``'s
    first day, with that effective date (their first day without service): the month is not
    measured — the monthly job skips them (``contracts_for_sla_month``) — so the pages show no
    figure "so far" for it, as for a service not started yet. Only a terminated contract has
    one (no query without)."""
    terminated = [c.pk for c in contracts if c.status == ContractStatus.TERMINATED]
    if not terminated:
        return {}
    return dict(
        Termination.objects.filter(
            contract__in=terminated,
            status=TerminationStatus.EFFECTIVE,
            effective_date__lte=month,
        ).values_list("contract_id", "effective_date")
    )


def _affecting(outage: Outage, contract: Contract, listed: set[tuple[int, int]]) -> bool:
    if outage.scope == OutageScope.OFFER:
        return outage.offer_id == contract.offer_id
    return (outage.pk, contract.pk) in listed


def _listed_pairs(client, outages) -> set[tuple[int, int]]:
    """(outage, contract) rows of the customer's own contracts only."""
    return set(
        Outage.contracts.through.objects.filter(
            outage_id__in=[o.pk for o in outages], contract__client=client
        ).values_list("outage_id", "contract_id")
    )


def month_so_far(contracts: list[Contract], month: date) -> dict[int, Decimal]:
    """SLA-6 for the month in progress, per contract, as the monthly job will count it if
    nothing else happens (the same intervals, read for every contract at once)."""
    intervals = unavailability_intervals(contracts, month)
    return {
        pk: truncated(av.as_decimal(av.availability(av.unavailable_seconds(spans, month), month)))
        for pk, spans in intervals.items()
    }


@dataclass(frozen=True)
class MonthSoFar:
    """SLA-6 for the month in progress (issue 17 item 3): the availability and the unavailable
    minutes counted so far, from the same intervals as the monthly report."""

    month: date
    availability: Decimal
    unavailable_minutes: Decimal


def contract_month_so_far(contract: Contract, month: date) -> MonthSoFar:
    spans = unavailability_intervals([contract], month)[contract.pk]
    seconds = av.unavailable_seconds(spans, month)
    return MonthSoFar(
        month,
        truncated(av.as_decimal(av.availability(seconds, month))),
        (Decimal(seconds) / 60).quantize(Decimal("0.01")),
    )


def failure_rows(client, contracts: list[Contract], since: datetime) -> list[dict]:
    """SLA-6 (HOSTED-A): the failure notifications whose time counts as unavailability, from
    the report to the restoration, shown with the outages (a ticket whose incident the customer
    caused, SLA-11, does not count and is not listed). ``contracts``: the customer's contracts
    shown (one contract: its own only). One query."""
    by_pk = {c.pk: c for c in contracts}
    tickets = selectors.failure_notifications_counted(
        client=client, since=since, contract=contracts[0] if len(contracts) == 1 else None
    )[:OUTAGES_SHOWN]
    return [
        {
            "title": f"{ticket.number} — {ticket.subject}",
            "url": reverse("support:ticket_detail", args=[ticket.pk]),
            "description": _(
                "Failure notification: unavailable from the report to the restoration."
            ),
            "started_at": ticket.reported_at,
            "ended_at": ticket.ended_at,
            "excusable": False,
            "excuse": "",
            "contracts": [by_pk[ticket.contract_id]] if ticket.contract_id in by_pk else [],
        }
        for ticket in tickets
    ]


def outage_rows(client, outages: list[Outage], contracts: list[Contract]) -> list[dict]:
    """SLA-5: what the customer sees of an outage — never staff's internal note — and which
    of its own contracts it affected."""
    listed = _listed_pairs(client, outages)
    rows = []
    for outage in outages:
        rows.append(
            {
                "title": outage.title,
                "description": outage.description,
                "started_at": outage.started_at,
                "ended_at": outage.ended_at,
                "excusable": outage.excusable,
                "excuse": outage.get_excuse_reason_display() if outage.excusable else "",
                "contracts": [c for c in contracts if _affecting(outage, c, listed)],
            }
        )
    return rows


# --- The chart (SLA-10: the last 12 months) ----------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 760, 270
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 58, 14, 24, 44
SCALE_FLOORS = [Decimal(v) for v in ("99.5", "99", "98", "97", "95", "90", "80", "50", "0")]


def scale_floor(lowest: Decimal) -> Decimal:
    """The bottom of the scale: availability lives near 100 %, so the bars start from a round
    value a little below the lowest month and the target (10 % of the scale as margin)."""
    for floor in SCALE_FLOORS:
        if floor <= lowest and lowest - floor >= (Decimal(100) - floor) / 10:
            return floor
    return Decimal(0)


def _px(value: Decimal) -> str:
    return f"{value:.1f}"


def availability_chart(history: list, target: Decimal, current: MonthSoFar | None = None) -> dict:
    """Geometry of the server-rendered SVG bar chart: one bar per month (availability %), the
    target as a line; a month without report has no bar, except the month in progress
    (``current``), drawn lighter with its availability so far."""
    values = [p.report.availability for p in history if p.report is not None]
    if current is not None:
        values.append(current.availability)
    floor = scale_floor(min([*values, target]))
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    plot_width = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
    # SVG geometry in Decimal too, like the percentages it draws.
    slot = Decimal(plot_width) / max(len(history), 1)
    bar_width = slot * Decimal("0.62")
    bottom = PLOT_TOP + plot_height

    def y(value: Decimal) -> Decimal:
        share = (Decimal(100) - max(value, floor)) / (Decimal(100) - floor)
        return PLOT_TOP + share * plot_height

    bars = []
    for index, point in enumerate(history):
        centre = PLOT_LEFT + slot * index + slot / 2
        bar = {
            "month": point.month,
            "report": point.report,
            "x": _px(centre - bar_width / 2),
            "centre": _px(centre),
            "width": _px(bar_width),
            "label_y": _px(bottom + 17),
            "year_y": _px(bottom + 32),
            "show_year": index == 0 or point.month.month == 1,
        }
        if current is not None and point.month == current.month and point.report is None:
            top = y(current.availability)
            bar.update(
                current=True,
                value=current.availability,
                y=_px(top),
                height=_px(max(bottom - top, Decimal("1.5"))),
                value_y=_px(max(top - 5, PLOT_TOP - 6)),
                below=current.availability < target,
            )
        elif point.report is not None:
            top = y(point.report.availability)
            bar.update(
                value=point.report.availability_display,
                y=_px(top),
                height=_px(max(bottom - top, Decimal("1.5"))),
                value_y=_px(max(top - 5, PLOT_TOP - 6)),
                below=point.report.availability < target,
            )
        else:
            bar.update(value=None, y=_px(bottom - Decimal("1.5")), height="1.5")
        bars.append(bar)
    ticks = sorted({floor, target, Decimal(100)})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "right": CHART_WIDTH - PLOT_RIGHT,
        "bottom": _px(bottom),
        "bars": bars,
        "target": target,
        "target_y": _px(y(target)),
        "floor": floor,
        "ticks": [
            {"value": t, "y": _px(y(t)), "label_y": _px(y(t) + 4), "is_target": t == target}
            for t in ticks
        ],
    }


def table_rows(
    history: list, current: MonthSoFar | None = None, ended_on: date | None = None
) -> list[dict]:
    """The chart's months for the table below it, newest first; consecutive months without a
    report (before the service started, or not computed yet) make one row; the month in
    progress (``current``) has its own row with the figures so far. The months after the
    service ended (no day of them before ``ended_on``, the termination's effective date) make
    their own row, which says so."""
    rows: list[dict] = []
    for point in reversed(history):
        ended = ended_on is not None and point.report is None and point.month >= ended_on
        if current is not None and point.month == current.month and point.report is None:
            rows.append(
                {
                    "month": point.month,
                    "first": point.month,
                    "report": None,
                    "count": 1,
                    "current": current,
                    "computed_on": add_months(point.month, 1),
                }
            )
            continue
        previous = rows[-1] if rows else None
        if (
            point.report is None
            and previous is not None
            and previous["report"] is None
            and "current" not in previous
            and previous["ended"] == ended
        ):
            previous["first"] = point.month
            previous["count"] += 1
            continue
        rows.append(
            {
                "month": point.month,
                "first": point.month,
                "report": point.report,
                "count": 1,
                "ended": ended,
            }
        )
    return rows
