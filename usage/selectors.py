"""Reads of usage for the portal, the dashboard and the API — always scoped to one customer.

The consumption page of a month reads the daily roll-up (``UsageDay``: per Paris day, account,
plan and destination class, written after each rating pass), not the calls: a month of 100 000
calls is a few hundred rows for a few accounts, ~16 000 for 300 accounts (read as tuples).
The CSV export, the invoice annex and the API's call list read the
calls themselves (index (client, started_at, id), one partition on PostgreSQL).
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import translation
from django.utils.translation import gettext

from billing.choices import DocumentKind, DocumentStatus
from billing.models import Invoice, InvoicePurpose
from kernel.clock import PARIS, paris_today
from kernel.money import ZERO, round_money
from offers.choices import LIVE_STATUSES, FairUsePolicy
from offers.models import Contract
from offers.periods import add_months, next_month_start
from telephony.models import SipAccount, Trunk
from usage.choices import BreachStatus, PriceClass, RatingPlan
from usage.destinations import tariff_destination
from usage.models import (
    CallRecord,
    ConsumptionAlert,
    ConsumptionThreshold,
    FairUseBreach,
    IncludedDestination,
    LimitBreach,
    QualityHour,
    Tariff,
    UsageDay,
)
from usage.services.billing import LOOKBACK_MONTHS, billable_calls, class_key, class_label
from usage.services.rollup import DIMENSIONS

# USE-3 / USE-4: the distinct numbers a user may call in a month within the plan.
FAIR_USE_LIMITS = {RatingPlan.SIP_UNL: 99, RatingPlan.HOSTED_W: 150, RatingPlan.HOSTED_A: 150}


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The UTC instants of a Paris calendar month [start, end)."""
    start = datetime(month.year, month.month, 1, tzinfo=PARIS).astimezone(UTC)
    nxt = next_month_start(month)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=PARIS).astimezone(UTC)
    return start, end


def calls_of(*, client, month: date | None = None):
    """The customer's call records (of a Paris month, when given)."""
    qs = CallRecord.objects.filter(client=client)
    if month is not None:
        start, end = month_bounds(month)
        qs = qs.filter(started_at__gte=start, started_at__lt=end)
    return qs


def issued_invoices(*, client):
    """The customer's issued invoices (not drafts, not credit notes)."""
    return Invoice.objects.filter(
        client=client, kind=DocumentKind.INVOICE, status=DocumentStatus.ISSUED
    )


def priced_until(invoice) -> int | None:
    """BIL-1 / BIL-3: the last call priced by the consumption postings ``invoice`` carried
    (``ConsumptionCutoff``): as stored with its annex; else the highest cut-off of the postings
    of its consumption lines; else (no consumption line) of the runs up to its month. None: an
    invoice of before cut-offs were kept (its annex is bounded by its creation)."""
    from usage.models import ConsumptionCutoff, InvoiceAnnex

    annex = InvoiceAnnex.objects.filter(invoice=invoice).values_list("calls_until").first()
    if annex is not None:
        return annex[0]
    cutoffs = ConsumptionCutoff.objects.order_by("-last_call").values_list("last_call", flat=True)
    linked = cutoffs.filter(charges__invoice_line__invoice=invoice).first()
    if linked is not None:
        return linked
    return cutoffs.filter(month__lte=invoice.month).first()


def posted_at(invoice, until: int | None):
    """BIL-3: when the consumption ``invoice`` bills was priced — the posting whose cut-off is
    ``until`` (``priced_until``), of its month or before; its creation for an invoice of before
    cut-offs were kept. A fair-use breach found after it (USE-4: the month re-rated per minute,
    a file of the run's own window) is billed by the next run, not by this invoice."""
    from usage.models import ConsumptionCutoff

    if until is not None:
        at = (
            ConsumptionCutoff.objects.filter(last_call=until, month__lte=invoice.month)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if at is not None:
            return at
    return invoice.created_at


def annex_calls(*, invoice, until: int | None = None):
    """BIL-3: the calls an invoice of consumption in arrears billed — those its consumption
    lines priced: the calls of its month stored before its run posted the consumption (not
    ``late``), and those stored since the postings its previous regular invoice carried up to
    the last posting it carries (``priced_until``, or ``until``): late records of its month or
    of the twelve months before (never on the issued invoice of their own month: USE, late
    records); likewise the calls of a user-month whose fair-use breach (USE-4) was found after
    its month's consumption was posted (``posted_at``: also while its run was still issuing the
    invoices): on the annex of the invoice that billed the breach, at their
    re-rated cost. An invoice of before cut-offs were kept is bounded by the invoices'
    creation instead."""
    client = invoice.client
    start, end = month_bounds(invoice.month)
    oldest = add_months(invoice.month, -LOOKBACK_MONTHS)
    previous = (
        issued_invoices(client=client)
        .filter(purpose=InvoicePurpose.REGULAR, month__lt=invoice.month)
        .order_by("-month", "-created_at")
        .first()
    )
    until = until if until is not None else priced_until(invoice)
    if until is None:  # before cut-offs: the late records stored between the two invoices
        late = Q(
            late=True,
            started_at__gte=month_bounds(oldest)[0],
            started_at__lt=start,
            imported_at__lt=invoice.created_at,
        )
    else:  # the calls the postings it carries priced, but its month's priced by its run
        late = Q(id__lte=until, started_at__gte=month_bounds(oldest)[0], started_at__lt=end) & (
            Q(started_at__lt=start) | Q(late=True)
        )
    since = priced_until(previous) if previous is not None else None
    if since is not None:
        late &= Q(id__gt=since)
    elif previous is not None:
        late &= Q(imported_at__gte=previous.created_at)
    # USE-4: a month whose unlimited was lost after its consumption was posted (the posting
    # priced its calls as included, even when the invoice was issued after the breach) is
    # billed by the next run — its calls are that invoice's, not their own month's
    breaches = FairUseBreach.objects.filter(
        sip_account=OuterRef("sip_account"), month=OuterRef("billing_month")
    )
    posted = posted_at(invoice, until)
    found_later = Exists(breaches.filter(detected_at__gte=posted))
    rebilled = Q(
        Exists(
            breaches.filter(
                detected_at__lt=posted,
                **(
                    {"detected_at__gte": posted_at(previous, since)} if previous is not None else {}
                ),
            )
        ),
        late=False,
        breach=True,
        started_at__gte=month_bounds(oldest)[0],
        started_at__lt=start,
    )
    own = Q(late=False, started_at__gte=start, started_at__lt=end) & ~Q(found_later, breach=True)
    if until is not None:
        own &= Q(id__lte=until)
    return billable_calls().filter(Q(client=client) & (own | late | rebilled)).filter(cost__gt=0)


@dataclass
class Line:
    label: str
    calls: int = 0
    answered: int = 0
    seconds: int = 0
    cost: Decimal = ZERO
    list_cost: Decimal = ZERO
    trial_cost: Decimal = ZERO

    @property
    def minutes(self) -> int:
        return (self.seconds + 59) // 60

    @property
    def amount(self) -> Decimal:
        return round_money(self.cost)


@dataclass
class Account:
    key: str
    label: str
    plan: str = ""
    line: Line = None
    distinct: int = 0
    breach: FairUseBreach | None = None  # USE-4: the month's open breach (``open_breaches``)

    @property
    def fair_use_limit(self) -> int | None:
        return FAIR_USE_LIMITS.get(self.plan)


@dataclass
class Summary:
    month: date
    total: Line
    by_class: list[Line] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    days: list[tuple[date, Decimal, int]] = field(default_factory=list)

    @property
    def max_day_calls(self) -> int:
        return max((calls for _d, _c, calls in self.days), default=0)


def _labels(ids, model) -> dict[int, str]:
    """Each account as the customer knows it: its label and username ("Accueil
    (sip4038059535)"), the username alone when it has no label; a trunk by its contract, as the
    telephony pages name it ("Trunk CT-2026-000002 (trk0933151148)")."""
    if not ids:
        return {}
    rows = model.objects.filter(pk__in=ids)
    if model is not SipAccount:
        return {
            trunk.pk: f"{trunk} ({trunk.username})"
            for trunk in rows.select_related("contract").only("username", "contract__reference")
        }
    return {
        pk: f"{label} ({username})" if label else username
        for pk, username, label in rows.values_list("pk", "username", "label")
    }


def consumption_summary(*, client, month: date) -> Summary:
    """The month to date: totals by destination class, per account, per day; the fair-use
    counters of each SIP account (distinct numbers that took a slot / the plan's limit). Read
    from the daily roll-up (``UsageDay``, written after each rating pass): three queries. A
    customer with 300 accounts has ~16 000 roll-up rows a month (day × account × class): they
    are read as tuples of the columns summed, not as objects (1 s for the page as objects)."""
    rows = list(
        UsageDay.objects.filter(client=client, month=month)
        .order_by()
        .values_list(
            "day",
            *DIMENSIONS,
            "calls",
            "answered",
            "seconds",
            "cost",
            "list_cost",
            "max_slot",
        )  # fmt: skip
    )
    sip_labels = _labels({r[1] for r in rows if r[1]}, SipAccount)
    trunk_labels = _labels({r[2] for r in rows if r[2] and not r[1]}, Trunk)
    total = Line(label="")
    classes: dict[str, Line] = {}
    accounts: dict[str, Account] = {}
    days: dict[date, list] = defaultdict(lambda: [ZERO, 0])
    for (
        day, sip_id, trunk_id, plan, country, line_type, price_class,
        trial, calls, answered, seconds, cost, list_cost, max_slot,
    ) in rows:  # fmt: skip
        klass = class_key(country, line_type, price_class)
        if sip_id:
            key, label = f"s{sip_id}", sip_labels.get(sip_id, "")
        elif trunk_id:
            key, label = f"t{trunk_id}", trunk_labels.get(trunk_id, "")
        else:  # a PLATFORM contract's calls, named by the contract (no SIP account, no trunk)
            key, label = "?", gettext("Contract traffic (no SIP account)")
        account = accounts.get(key)
        if account is None:
            account = accounts[key] = Account(key=key, label=label, line=Line(label=label))
        if plan and plan != RatingPlan.NONE:
            account.plan = plan
        if max_slot and sip_id:
            account.distinct = max(account.distinct, max_slot)
        line = classes.get(klass)
        if line is None:
            line = classes[klass] = Line(label=class_label(klass))
        for target in (total, line, account.line):
            target.calls += calls
            target.answered += answered
            target.seconds += seconds
            target.cost += cost
            target.list_cost += list_cost
            if trial:
                target.trial_cost += list_cost
        days[day][0] += cost
        days[day][1] += calls
    return Summary(
        month=month,
        total=total,
        by_class=sorted(classes.values(), key=lambda x: -x.cost),
        accounts=sorted(accounts.values(), key=lambda a: a.label),
        days=[(d, round_money(v[0]), v[1]) for d, v in sorted(days.items())],
    )


def month_total(*, client, month: date) -> tuple[Decimal, int]:
    """The month's billable consumption (€ HT, rounded) and its calls (dashboard card)."""
    agg = UsageDay.objects.filter(client=client, month=month).aggregate(
        n_cost=Sum("cost"), n_calls=Sum("calls")
    )
    return round_money(agg["n_cost"] or ZERO), agg["n_calls"] or 0


def current_month() -> date:
    return paris_today().replace(day=1)


def threshold_of(*, client):
    return ConsumptionThreshold.objects.filter(client=client).first()


def alerts_of(*, client, month: date):
    return ConsumptionAlert.objects.filter(client=client, month=month).order_by("level")


def blocking_alert(alerts, threshold) -> ConsumptionAlert | None:
    """Among a month's ``alerts``, the 100 % alert that blocks the customer's outgoing calls now:
    not lifted (raising the threshold or switching the block off lifts it; the raised threshold
    blocks again at its own 100 %)."""
    if threshold is None or not threshold.block_outgoing:
        return None
    for alert in alerts:
        if alert.level == 100 and alert.blocked and alert.lifted_at is None:
            return alert
    return None


def outgoing_block(*, client_id: int, today: date | None = None) -> ConsumptionAlert | None:
    """The alert blocking the customer's outgoing calls this month (``blocking_alert``)."""
    month = (today or paris_today()).replace(day=1)
    threshold = ConsumptionThreshold.objects.filter(client_id=client_id).first()
    if threshold is None or not threshold.block_outgoing:
        return None
    alerts = ConsumptionAlert.objects.filter(client_id=client_id, month=month, level=100)
    return blocking_alert(alerts, threshold)


def open_breaches(*, client, month: date) -> dict[str, FairUseBreach]:
    """USE-4: the month's fair-use breaches not waived, by account key (``s<SIP account>``, as
    ``Account.key``): the consumption page says why an unlimited account pays."""
    return {
        f"s{b.sip_account_id}": b
        for b in FairUseBreach.objects.filter(client=client, month=month, status=BreachStatus.OPEN)
    }


def consumption_with_breaches(*, client, month: date) -> Summary:
    """``consumption_summary`` with each account's open breach (USE-4), as the consumption page
    and the API's summary show it."""
    summary = consumption_summary(client=client, month=month)
    breaches = open_breaches(client=client, month=month)
    for account in summary.accounts:
        account.breach = breaches.get(account.key)
    return summary


def limit_breaches_of(*, client, month: date):
    return LimitBreach.objects.filter(client=client, month=month).order_by("hour")


def quality_breaches_of(*, client, month: date):
    return (
        QualityHour.objects.filter(client=client, month=month)
        .filter(Q(asr_penalty__gt=0) | Q(acd_penalty__gt=0) | Q(short_penalty__gt=0))
        .order_by("hour")
    )


def tariffs_in_force(day: date | None = None) -> list[Tariff]:
    """PLATFORM 24: the tariff grid customers may see — per destination (a prefix, or a country,
    line type and price class), the rate in force today: of two valid today, the one that
    started last, as the rating chooses (``rating_py._tariff_for``)."""
    day = day or paris_today()
    grid = {}
    for tariff in (
        Tariff.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by("country", "line_type", "price_class", "prefix", "valid_from")
    ):
        key = tariff.prefix or (tariff.country, tariff.line_type, tariff.price_class)
        grid[key] = tariff  # the later valid_from wins
    return list(grid.values())


# France's overseas departments and communities, with their own country calling codes.
OVERSEAS = frozenset({"BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT"})


@dataclass
class TariffRow:
    tariff: Tariff
    prefix: str  # the tariff's own prefix, or its country's calling code ("+33")
    name: str = ""  # the destination in the page's language (``tariff_destination``)


@dataclass
class TariffSection:
    title: str
    rows: list[TariffRow]


def tariff_sections(day: date | None = None) -> list[TariffSection]:
    """The grid as a customer reads it: metropolitan France first (in the grid's order: fixed,
    mobiles, 09, special numbers), then France's overseas, the other countries by name, and the
    destinations priced by prefix (world zones, a city) by prefix; each country with its calling
    code. Empty sections are left out."""
    france, overseas, world, prefixes = [], [], [], []
    language = translation.get_language() or settings.LANGUAGE_CODE
    for tariff in tariffs_in_force(day):
        name = tariff_destination(tariff, language)
        if tariff.prefix:
            prefixes.append(TariffRow(tariff, tariff.prefix, name))
            continue
        code = phonenumbers.country_code_for_region(tariff.country)
        if tariff.price_class == PriceClass.SHORT:  # 3BPQ, 10YT: dialled as they are
            row = TariffRow(tariff, "—", name)
        else:
            row = TariffRow(tariff, f"+{code}" if code else tariff.country, name)
        if tariff.country == "FR":
            france.append(row)
        elif tariff.country in OVERSEAS:
            overseas.append(row)
        else:
            world.append(row)
    sections = [
        (gettext("Metropolitan France"), france),
        (gettext("French overseas"), sorted(overseas, key=_by_name)),
        (gettext("International"), sorted(world, key=_by_name)),
        (gettext("Other destinations, by prefix"), sorted(prefixes, key=lambda r: r.prefix)),
    ]
    return [TariffSection(title, rows) for title, rows in sections if rows]


def _by_name(row: TariffRow) -> str:
    """A destination's name as a French reader sorts it: accents and case aside ("États-Unis"
    among the E)."""
    decomposed = unicodedata.normalize("NFD", (row.name or row.tariff.name).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass
class IncludedPlan:
    """AMABOO 2, HOSTED-A 7, HOSTED-W 6.1: the destinations an unlimited plan includes, as the
    contract says they are published on the site."""

    offers: list[str]  # the customer's offers signed on these terms
    policy: str  # the fair-use policy, as the terms state it
    national: str  # what the plan includes of France's own numbers ("" when the list says all)
    destinations: list[str] = field(default_factory=list)
    per_second: str = ""  # USE-3: the calls the plan bills per second, whatever the grid says


def included_plans(*, client) -> list[IncludedPlan]:
    """The included destinations of each unlimited plan among the customer's live contracts:
    the terms' own list, else its preset's (as the rating reads them, ``_inc``), by name: the
    destinations on it today, and those on it when the contract was signed (CON-6: taken off
    the list since, they stay the contract's). Two queries (none more when no contract has a
    plan)."""
    # (terms, signature day) → (policy, preset, offers)
    by_terms: dict[tuple[int, date], tuple[str, str, set[str]]] = {}
    for contract in Contract.objects.filter(client=client, status__in=LIVE_STATUSES).select_related(
        "offer__terms"
    ):
        policy = contract.terms_snapshot.get("fair_use_policy") or FairUsePolicy.NONE
        if policy != FairUsePolicy.NONE:
            terms = contract.offer.terms
            key = (terms.pk, contract.signature_date)
            by_terms.setdefault(key, (policy, terms.preset, set()))[2].add(
                contract.offer.display_name
            )
    if not by_terms:
        return []
    today = paris_today()

    def on(d, day):
        return (d.valid_from is None or d.valid_from <= day) and (
            d.valid_to is None or day < d.valid_to
        )

    own, preset_lists = defaultdict(list), defaultdict(list)
    presets = {preset for _policy, preset, _names in by_terms.values()}
    for destination in IncludedDestination.objects.filter(
        Q(terms_id__in={terms_id for terms_id, _day in by_terms})
        | Q(terms__is_preset=True, terms__preset__in=presets)
    ).select_related("terms"):
        own[destination.terms_id].append(destination)
        if destination.terms.is_preset:
            preset_lists[destination.terms.preset].append(destination)
    language = translation.get_language() or settings.LANGUAGE_CODE
    national = {
        # USE-3: French mobiles are billed per second, the listed fixed numbers included
        FairUsePolicy.SIP_UNL: "",
        # ARCEP 2012-0856: a 0806–0809 number is called at the price of a fixed one
        FairUsePolicy.HOSTED_W: gettext(
            "France: fixed numbers (01 to 05, 09), 0806 to 0809 numbers and mobiles (06, 07)"
        ),
        FairUsePolicy.HOSTED_A: gettext(
            "France: fixed numbers (01 to 05, 09), 0806 to 0809 numbers and mobiles (06, 07), "
            "outgoing calls"
        ),
    }
    # USE-3 (AMABOO 2): SIP-UNL bills per second what it does not include, whatever the grid's
    # increments and minimum (the rating's "sec" and "incl60" modes); the hosted plans bill
    # at the grid's own increments
    per_second = {
        FairUsePolicy.SIP_UNL: gettext(
            "Billed per second, at the per-minute price of the tariff below (without its "
            "increments or minimum): every second beyond the first 60 minutes of a call; calls "
            "to fixed numbers beyond the month's first 99 numbers or outside these "
            "destinations; calls to mobiles, in France and abroad."
        ),
    }
    plans = {}
    for (terms_id, signed), (policy, preset, names) in by_terms.items():
        rows = []
        for d in own.get(terms_id) or preset_lists.get(preset, []):
            if not (on(d, today) or (today >= signed and on(d, signed))):
                continue
            tariff = Tariff(name=d.name, country=d.country, line_type=d.line_type)
            rows.append(TariffRow(tariff, "", tariff_destination(tariff, language)))
        # in English, "Portugal Fixe" and "Portugal Fixe OLO" both read "Portugal — Fixed"
        destinations = list(dict.fromkeys(row.name for row in sorted(rows, key=_by_name)))
        plan = plans.setdefault(
            (policy, tuple(destinations)),
            IncludedPlan(
                offers=[],
                policy=FairUsePolicy(policy).label,
                national=national.get(policy, ""),
                destinations=destinations,
                per_second=per_second.get(policy, ""),
            ),
        )
        plan.offers = sorted({*plan.offers, *names})
    return sorted(plans.values(), key=lambda plan: plan.offers)


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


@dataclass
class Card:
    amount: Decimal
    calls: int
    alert: ConsumptionAlert | None
    blocked: ConsumptionAlert | None = None  # the alert blocking outgoing calls


def dashboard_card(*, client) -> Card:
    """The dashboard's "This month's consumption": three queries (the month, the threshold, its
    last alert)."""
    month = current_month()
    amount, calls = month_total(client=client, month=month)
    # the alert reached last of the threshold in force (after a raised threshold, its own
    # levels, not the old 100 %: none before its 50 %; none once the threshold is removed)
    threshold = threshold_of(client=client)
    alert = None
    if threshold is not None:
        alert = (
            alerts_of(client=client, month=month)
            .filter(threshold=threshold.amount)
            .order_by("-created_at", "-pk")
            .first()
        )
    blocked = None
    if alert is not None and alert.level == 100 and alert.blocked:
        blocked = blocking_alert([alert], threshold)
    return Card(amount=amount, calls=calls, alert=alert, blocked=blocked)
