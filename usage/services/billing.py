"""Rated calls become money (USE-2..4, CON-7, BIL-1, BIL-9).

- **HOSTED-A 6.** The run first re-rates the month's HOSTED-A calls at the tariffs in force on
  its day ("au jour de la facturation"): a call is otherwise rated once, when imported.
- **Consumption lines.** At each month-end run (``billing.signals.run_preparing``) the billable
  calls of month M (``rated``, not ``trial`` — CON-7 —, not ``blocked``) are summed per
  (contract — or the SIP account / trunk when the call has no contract —, month, destination
  class) and posted through ``billing.services.charge_post`` as one charge of quantity 1 whose
  unit price is the sum of the calls' costs (4 decimals): the invoice line rounds it once,
  half-up. The destination class is national/international × line type × price class. A
  posting prices the calls stored up to its cut-off (``ConsumptionCutoff``, taken while no
  rating pass writes): a call stored after it is a late record of its month, billed by the
  next run, even when it arrives before the month's invoice is issued (the run's batches).
- **Late records and breaches found after invoicing** (USE-4, "records arriving later go on the
  next run", BIL-1): the same sums are taken again for the twelve months before M; where the
  billable total of a (contract, month, class) exceeds what was already charged for it, the
  difference is posted as a new charge (same key, a revision number), so the next run bills it
  on its own line naming the month — never by editing an issued invoice. The difference is
  taken against the cents the invoices carried (at the buyer's price, ACC-3), so that a key's
  lines together bill its total rounded once: 1.0050 € invoiced 1.01 €, then 1.0050 € late →
  1.00 € (not 1.01 €, which a later run would credit and the next bill again).
- **Prepaid customers** (USE-8): their consumption was debited from the ledger as it was
  imported (``usage.services.prepaid``); the lines are marked already paid (BIL-10).
- **Waivers** (USE-4): staff waive a breach (audited); the month is re-rated as included. Before
  the month's consumption is invoiced nothing else is needed (the run sums the re-rated calls);
  afterwards, what was invoiced beyond the new total becomes credit notes, one per invoice
  that carried it (latest first, none beyond what that invoice carried).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.choices import BillingMode, PaymentMethod
from accounts.models import Client
from billing import services as billing
from billing.choices import ChargeKind
from billing.models import Invoice, PendingCharge
from kernel.errors import InvalidTransition
from kernel.money import ZERO, round_money, round_price
from offers.models import Contract
from offers.periods import add_months, next_month_start
from usage.choices import BREACH_TRANSITIONS, BreachStatus, LineType, PriceClass
from usage.models import (
    BreachCredit,
    CallRecord,
    ConsumptionCutoff,
    FairUseBreach,
    RerateCredit,
)
from usage.partitioning import month_bounds
from usage.services.revisions import (
    after_invoicing,
    charged,
    credited,
    issue_credit_notes,
    kept_whole,
    revision_id,
)

SOURCE = "usage"
LOOKBACK_MONTHS = 12  # PLATFORM 6.7: nothing older is kept


def billable_calls():
    """USE-2..4, CON-7, TRK-6: the calls an invoice may carry."""
    return CallRecord.objects.filter(rated=True, trial=False, blocked=False)


@dataclass(frozen=True)
class LineKey:
    """What one consumption line bills: a client's contract (or account) month and class."""

    client_id: int
    month: date
    scope: str  # "c<contract>", "s<sip account>" or "t<trunk>"
    klass: str  # "<fr|intl>.<line type>.<price class>"

    @property
    def source_id(self) -> str:
        return f"{self.client_id}:{self.scope}:{self.klass}"


def _scope(row) -> str:
    if row["contract_id"]:
        return f"c{row['contract_id']}"
    if row["sip_account_id"]:
        return f"s{row['sip_account_id']}"
    return f"t{row['trunk_id']}"


def class_key(country: str, line_type: str, price_class: str) -> str:
    """The destination class a line bills: ``<fr|intl>.<line type>.<price class>``."""
    where = "fr" if country == "FR" else "intl"  # "": no country (+800, +882, invalid)
    return f"{where}.{line_type or LineType.OTHER}.{price_class or 'standard'}"


def _klass(row) -> str:
    return class_key(row["country"], row["line_type"], row["price_class"])


def class_label(klass: str) -> str:
    """The destination class in words, e.g. "Mobile, international"."""
    where, line_type, price_class = klass.split(".")
    label = LineType(line_type).label if line_type in LineType.values else line_type
    if price_class not in ("", PriceClass.STANDARD) and price_class in PriceClass.values:
        label = f"{label} — {PriceClass(price_class).label}"
    return (
        _("%(type)s, France") % {"type": label}
        if where == "fr"
        else _("%(type)s, international") % {"type": label}
    )


def billable_totals(
    *, months: list[date], client_ids=None, up_to: int | None = None
) -> dict[LineKey, tuple[Decimal, int, int]]:
    """Per line key: (sum of costs, calls, billed seconds) of the billable calls (``up_to``:
    those stored up to that call, a posting's cut-off)."""
    if not months:
        return {}
    start = min(months)
    qs = billable_calls().filter(
        billing_month__in=months,
        client__isnull=False,
        # partition pruning: no call of the months before the first one starts earlier
        started_at__gte=month_bounds(start)[0],
    )
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    if up_to is not None:
        qs = qs.filter(id__lte=up_to)
    rows = qs.values(
        "client_id",
        "billing_month",
        "contract_id",
        "sip_account_id",
        "trunk_id",
        "country",
        "line_type",
        "price_class",
    ).annotate(n_total=Sum("cost"), n_calls=Count("id"), n_seconds=Sum("billed_seconds"))
    totals: dict[LineKey, list] = defaultdict(lambda: [ZERO, 0, 0])
    for row in rows.order_by():
        key = LineKey(row["client_id"], row["billing_month"], _scope(row), _klass(row))
        acc = totals[key]
        acc[0] += row["n_total"] or ZERO
        acc[1] += row["n_calls"]
        acc[2] += row["n_seconds"] or 0
    return {k: (v[0], v[1], v[2]) for k, v in totals.items()}


def _description(key: LineKey, calls: int, seconds: int, late: bool) -> str:
    minutes = (seconds + 59) // 60  # every started minute, as the consumption page counts
    text = ngettext(
        "Calls of %(month)s — %(klass)s (%(calls)d call, %(minutes)s min)",
        "Calls of %(month)s — %(klass)s (%(calls)d calls, %(minutes)s min)",
        calls,
    ) % {
        "month": key.month.strftime("%m/%Y"),
        "klass": class_label(key.klass),
        "calls": calls,
        "minutes": minutes,
    }
    return after_invoicing(text) if late else text


def post_consumption(
    *,
    month: date,
    client_ids=None,
    lookback: int = LOOKBACK_MONTHS,
    overbilled=None,
    today: date | None = None,
) -> list[PendingCharge]:
    """Post month ``month``'s consumption lines, and the differences of the ``lookback``
    months before (late records, breaches re-rated after invoicing) whose calls are all still
    kept on ``today`` (``kept_whole``). Idempotent: a key whose billable total is already
    charged gets nothing new. ``overbilled`` (a dict): filled with the lines of the months
    before that bill less than was invoiced (``_overbilled``), read from the same totals (the
    run credits them, ``credit_lowered``)."""
    months = [add_months(month, -i) for i in range(lookback, 0, -1)]
    months = [m for m in months if kept_whole(m, today)] + [month]
    cutoff = _cutoff(month)
    totals = billable_totals(months=months, client_ids=client_ids, up_to=cutoff.last_call)
    already_charged = charged(months, client_ids, source_type=SOURCE)
    given_back = credited(months, client_ids)
    clients = Client.objects.select_related("partner").in_bulk({k.client_id for k in totals})
    factors = {pk: invoice_factor(client) for pk, client in clients.items()}
    contracts = Contract.objects.in_bulk(
        {int(k.scope[1:]) for k in totals if k.scope.startswith("c")}
    )
    posted = []
    for key in sorted(totals, key=lambda k: (k.client_id, k.month, k.scope, k.klass)):
        total, calls, seconds = totals[key]
        already = already_charged.get((key.month, key.source_id), [])
        factor = factors[key.client_id]
        if factor <= 0:  # a partner buying at a 100 % discount: nothing to bill
            continue
        # What the line still bills, in the buyer's invoice units (the cents its invoices
        # carried, less what a waiver or a re-rating credited back): the line key's total is
        # rounded once over all its lines — a revision bills round(total) less the cents
        # already invoiced, never its own share rounded again (USE-2, BIL-1).
        delta = total * factor - _billed(already, factor)
        delta += given_back.get((key.month, key.source_id), ZERO)
        if round_money(delta) <= 0:
            continue
        delta = round_price(delta / factor)  # the charge is posted at the retail price
        revision = len(already) + 1
        client = clients[key.client_id]
        if already:  # a revision names the calls it adds, not the key's all over again
            calls, seconds = _added_since(key, already, cutoff.last_call) or (calls, seconds)
        posted.append(
            billing.charge_post(
                client=client,
                kind=ChargeKind.CONSUMPTION,
                source_type=SOURCE,
                source_id=revision_id(key.source_id, revision),
                period_start=key.month,
                period_end=next_month_start(key.month),
                # a revision, or a month before the run's: its own run came first (a month
                # whose calls were all included had no line to revise)
                description=_description(key, calls, seconds, revision > 1 or key.month < month),
                unit_price=delta,
                contract=contracts.get(int(key.scope[1:])) if key.scope[0] == "c" else None,
                # USE-8 / BIL-10: a prepaid customer's calls were debited as imported.
                is_paid=client.payment_method == PaymentMethod.PREPAID,
            )
        )
    cutoff.charges.add(*posted)
    if overbilled is not None:
        overbilled.update(
            _overbilled(totals, already_charged, given_back, set(months[:-1]), factors)
        )
    return posted


def _cutoff(month: date) -> ConsumptionCutoff:
    """BIL-1: the calls this posting prices — those stored until now (``rating.posting_cutoff``);
    recorded at once (its own transaction, when not inside one), so that the calls rated from
    now on are late records of the months posted."""
    from usage.services.rating import posting_cutoff

    with transaction.atomic():
        return ConsumptionCutoff.objects.create(month=month, last_call=posting_cutoff())


def _added_since(key: LineKey, already, up_to: int) -> tuple[int, int] | None:
    """BIL-1: the calls (and billed seconds) a revision of ``key`` bills — those stored after
    the posting of the key's last charge (late records) up to this posting's cut-off
    (``up_to``): October's line billed 1 call, a late one is billed in November as "1 appel",
    not "2 appels" (the key's calls counted again). None when the revision re-rates calls
    already billed (a fair-use breach found since, USE-4) or adds no call (slots moved, USE-3):
    the line then names the key's calls, all of which it re-rates."""
    since = max(c.created_at for c in already)
    if FairUseBreach.objects.filter(
        client_id=key.client_id, month=key.month, detected_at__gte=since
    ).exists():
        return None
    # the cut-off of the posting of the key's last charge (none: a charge posted before
    # cut-offs were kept, whose calls are those stored before it)
    after = (
        ConsumptionCutoff.objects.filter(charges__in=already)
        .order_by("-last_call")
        .values_list("last_call", flat=True)
        .first()
    )
    stored = {"id__gt": after} if after is not None else {"imported_at__gte": since}
    owner = {"c": "contract_id", "s": "sip_account_id", "t": "trunk_id"}[key.scope[0]]
    scope = {owner: int(key.scope[1:])}
    if key.scope[0] != "c":  # ``_scope``: the contract first, then the SIP account
        scope["contract__isnull"] = True
    start, end = month_bounds(key.month)
    rows = (
        billable_calls()
        .filter(
            client_id=key.client_id,
            billing_month=key.month,
            started_at__gte=start,
            started_at__lt=end,
            id__lte=up_to,
            **stored,
            **scope,
        )
        .values_list("country", "line_type", "price_class", "billed_seconds")
    )
    added = [s for c, t, p, s in rows if class_key(c, t, p) == key.klass]
    return (len(added), sum(added)) if added else None


def invoice_factor(client: Client) -> Decimal:
    """ACC-3: what one euro of a customer's retail consumption is invoiced — its partner's
    wholesale price when the partner is invoiced (partner-billed), else 1. Invoiced amounts
    and credit notes are in these units; the billable totals are retail."""
    if client.partner_id and client.partner.billing_mode == BillingMode.PARTNER_BILLED:
        return (100 - Decimal(client.partner.wholesale_discount_percent)) / 100
    return Decimal(1)


def _billed(charges, factor: Decimal) -> Decimal:
    """What ``charges`` of one line key bill, in invoice units: an invoiced charge its line's
    net amount (the cents the invoice carried), a pending one its unit price at the buyer's
    price (rounded by the line that will carry it)."""
    return sum(
        (
            c.invoice_line.net_amount
            if c.invoice_line_id
            else round_price(c.unit_price * factor) * c.quantity
            for c in charges
        ),
        ZERO,
    )


def consumption_post_for_run(month: date, today: date) -> None:
    """The run of month M (``usage.receivers.on_run_preparing``, once HOSTED-A's calls are
    re-rated and the prepaid months squared) carries M's consumption and what arrived late for
    earlier months, and the traffic-quality penalties of M and what late records added to
    earlier months' (USE-6)."""
    from usage.services import quality

    overbilled: dict = {}
    post_consumption(month=month, overbilled=overbilled, today=today)
    credit_lowered(overbilled)
    quality.post_penalties(month=month)
    for back in range(1, LOOKBACK_MONTHS + 1):
        quality.post_penalties(month=add_months(month, -back), recompute=False)


def rerate_hosted_a(month: date) -> int:
    """HOSTED-A 6: the month's HOSTED-A calls take the tariff "en vigueur au jour de la
    facturation" — re-rated when the month is invoiced, with the tariffs known then (a call is
    otherwise rated once, when imported). Returns the (customer, month) keys re-rated."""
    from usage.choices import RatingPlan
    from usage.services.rating import rerate_month

    return rerate_month(month, plan=RatingPlan.HOSTED_A)


# --- waivers (USE-4) -------------------------------------------------------------------------


def _lock_breach(breach: FairUseBreach) -> FairUseBreach:
    return FairUseBreach.objects.select_for_update().get(pk=breach.pk)


@transaction.atomic
def breach_waive(*, breach: FairUseBreach, note: str, actor) -> list[BreachCredit]:
    """USE-4: staff waive a user's breach for its month (audited). The month is re-rated as
    included; what had been invoiced beyond the new billable total becomes credit notes, each
    correcting an invoice that carried it, the latest first, none beyond what that invoice
    carried. Returns the credits (none when nothing had been invoiced yet: the next run simply
    bills the re-rated calls)."""
    from usage.services.rating import rerate_month

    if not note.strip():
        raise ValidationError({"note": _("Give the reason of the waiver.")})
    if not kept_whole(breach.month):
        # PLATFORM 6.7: its calls are (partly) purged — re-rated, the month would read as
        # nothing and its whole invoice would be credited
        raise ValidationError(
            _(
                "The calls of %(month)s are no longer all kept (traffic data are kept 12 "
                "months): this breach can no longer be waived. A commercial gesture is made "
                "by a credit note from the invoice."
            )
            % {"month": breach.month.strftime("%m/%Y")}
        )
    breach = _lock_breach(breach)
    if BreachStatus.WAIVED not in BREACH_TRANSITIONS[breach.status]:
        raise InvalidTransition(_("This breach is already waived."), code="invalid_transition")
    breach.status = BreachStatus.WAIVED
    breach.waived_at = timezone.now()
    breach.waived_by = actor
    breach.waiver_note = note.strip()[:300]
    breach.save(update_fields=["status", "waived_at", "waived_by", "waiver_note", "updated_at"])
    audit_record(
        action="usage.breach_waive",
        instance=breach,
        actor=actor,
        client=breach.client,
        after={"month": breach.month, "note": breach.waiver_note},
    )
    rerate_month(breach.month, sip_account_ids=[breach.sip_account_id])
    # BIL-3: the credit note is a French legal document, whatever the staff member's language
    with translation.override(settings.LANGUAGE_CODE):
        return _credit_after_waiver(breach, actor)


class _DryRun(Exception):
    pass


def waiver_preview(breach: FairUseBreach) -> Decimal:
    """What waiving ``breach`` now would credit (€ HT, the credit notes' total; 0 when nothing
    billed because of it was invoiced yet), for the page asking for the reason."""
    return sum((note[2] for note in waiver_credit_notes(breach)), ZERO)


def waiver_credit_notes(breach: FairUseBreach) -> list[tuple]:
    """The credit notes waiving ``breach`` now would issue (none when nothing billed because
    of it was invoiced yet), for the confirmation: (invoice corrected, VAT groups, excl. VAT,
    VAT, incl. VAT) each — the waiver's re-rating done in a savepoint, its credits computed as
    ``breach_waive`` would (``billing.credit_note_totals``), then all undone (the calls, the
    roll-up, the breach; nothing is queued)."""
    from usage.services.rating import rerate_month

    if breach.status != BreachStatus.OPEN or not kept_whole(breach.month):
        return []
    notes = []
    try:
        with transaction.atomic():
            FairUseBreach.objects.filter(pk=breach.pk).update(
                status=BreachStatus.WAIVED, waived_at=timezone.now()
            )
            rerate_month(breach.month, sip_account_ids=[breach.sip_account_id])
            parts = _waiver_parts(breach)
            for invoice in Invoice.objects.filter(pk__in=parts).order_by("-issue_date", "-pk"):
                lines = [
                    billing.CreditLine(description="-", amount=part, invoice_line=line)
                    for _m, _b, part, line in parts[invoice.pk]
                ]
                notes.append((invoice, *billing.credit_note_totals(lines=lines, corrects=invoice)))
            raise _DryRun
    except _DryRun:
        pass
    return notes


def _waiver_parts(breach: FairUseBreach) -> dict[int, list]:
    month = breach.month
    return _overbilled(
        billable_totals(months=[month], client_ids=[breach.client_id]),
        charged([month], [breach.client_id], source_type=SOURCE),
        credited([month], [breach.client_id]),
    )


def _credit_after_waiver(breach: FairUseBreach, actor) -> list[BreachCredit]:
    """Each consumption line of the month invoiced beyond its re-rated total (less what was
    credited on it before) is credited on the invoices that carried it (``_overbilled``): one
    credit note per invoice, a ``BreachCredit`` per line it credits."""
    month = breach.month
    parts = _waiver_parts(breach)
    credits = []
    for note, base, part in issue_credit_notes(
        parts,
        description=_("Fair-use breach of %(account)s waived, calls of %(month)s")
        % {"account": breach.sip_account, "month": month.strftime("%m/%Y")},
        reason=_("Fair-use breach waived: %(note)s") % {"note": breach.waiver_note},
        actor=actor,
    ):
        credits.append(
            BreachCredit.objects.create(breach=breach, credit_note=note, amount=part, line_key=base)
        )
    return credits


def _overbilled(totals, already_charged, given_back, months=None, factors=None) -> dict[int, list]:
    """The consumption lines invoiced beyond what they bill now: by invoice, the (month, line
    key, amount, invoice line) to credit on it — each line's excess (its invoiced amounts, less
    what was credited on it, less its billable total rounded, at the buyer's price:
    ``invoice_factor``) on the invoices that carried it, the latest first, none beyond what is
    left uncredited on that invoice's line (BIL-9: an accepted dispute may have taken part of
    it) (``months``: only those months)."""
    by_key = {(k.month, k.source_id): v[0] for k, v in totals.items()}
    if factors is None:
        clients = Client.objects.select_related("partner").in_bulk(
            {int(base.split(":", 1)[0]) for _m, base in already_charged}
        )
        factors = {pk: invoice_factor(client) for pk, client in clients.items()}
    parts: dict[int, list] = defaultdict(list)
    left = billing.lines_left_to_credit(
        charge.invoice_line
        for (month, _base), charges in already_charged.items()
        if months is None or month in months
        for charge in charges
        if charge.invoice_line_id
    )
    for (month, base), charges in already_charged.items():
        if months is not None and month not in months:
            continue
        charges = [c for c in charges if c.invoice_line_id]  # a pending one is a rise
        if not charges:
            continue
        billed = sum((c.invoice_line.net_amount for c in charges), ZERO)
        over = billed - given_back.get((month, base), ZERO)
        factor = factors.get(int(base.split(":", 1)[0]), Decimal(1))
        over -= round_money(by_key.get((month, base), ZERO) * factor)
        latest_first = sorted(
            charges,
            key=lambda c: (c.invoice_line.invoice.issue_date, c.invoice_line.invoice_id),
            reverse=True,
        )
        for charge in latest_first:
            if over <= 0:
                break
            part = min(over, left[charge.invoice_line_id])
            if part <= 0:
                continue
            parts[charge.invoice_line.invoice_id].append((month, base, part, charge.invoice_line))
            over -= part
    return parts


def credit_lowered(parts: dict) -> list:
    """BIL-1 / BIL-9 at the run: the lines of the months before it that a late record lowered
    after they were invoiced (an earlier call that moved SIP-UNL's 99 slots: a billed call is
    now included) — ``parts``, as ``post_consumption`` found them — are credited, one credit
    note per invoice that carried them. Idempotent: what was credited counts
    (``RerateCredit``). Returns the credits."""
    credits = []
    for invoice_id, lines in parts.items():
        months_of = sorted({m for m, _b, _p, _l in lines})
        for note, base, part in issue_credit_notes(
            {invoice_id: lines},
            description=_("Calls of %(month)s re-rated after invoicing (a call recorded late)")
            % {"month": ", ".join(m.strftime("%m/%Y") for m in months_of)},
            reason=_("Consumption re-rated after invoicing"),
        ):
            month_of = next(m for m, b, _p, _l in lines if b == base)
            credits.append(
                RerateCredit.objects.create(
                    # the line's customer: a partner's invoice (ACC-3) names none
                    client_id=int(base.split(":", 1)[0]),
                    month=month_of,
                    line_key=base,
                    credit_note=note,
                    amount=part,
                )
            )
    return credits


def month_invoiced(client_id: int, month: date) -> bool:
    """Whether the month's consumption of a customer was already invoiced (a late record)."""
    return PendingCharge.objects.filter(
        Q(source_type=SOURCE) & Q(client_id=client_id, period_start=month),
        invoice_line__isnull=False,
    ).exists()
