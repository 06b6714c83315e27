"""CON-6 for call tariffs (HOSTED-A 6, PLATFORM 12.2): a change of the tariff grid is told to
the customers before it applies, and an increase may be refused.

- ``change_errors``: a tariff entered or changed in the back office starts at the earliest on
  ``first_day`` — the night's announcement plus the longest notice the live contracts' signed
  terms require (HOSTED-A 6: 7 days; PLATFORM and the contracts silent on prices: 30 days, as
  for the monthly prices). A tariff in force, or starting inside that notice, is never
  changed in place: a new dated row replaces it.
- ``tariffs_announce``: the nightly job (and the back office's button) tells every customer
  with a live contract, in one e-mail, of the tariffs entered since the last announcement,
  each with the price it replaces (``TariffAnnouncement``, one ``TariffNotice`` per customer).
- ``tariff_refuse``: before the first day of an increase, a HOSTED-A contract may refuse it —
  a termination without fees 30 days after the refusal (or later), its calls priced at the
  tariffs of the eve meanwhile (``TariffRefusal.keeps_day``, read by the rating) — and a
  PLATFORM contract may object — a termination without fees one month after the objection and
  not before the first day, withdrawn by any traffic from that day (``objections_withdraw``).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.choices import Role
from accounts.models import Client
from accounts.notifications import notify_client
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from offers.choices import (
    LIVE_STATUSES,
    PRICE_CHANGE_DEFAULT_RULES,
    PriceChangeRefusal,
    TerminationStatus,
)
from offers.models import Contract
from offers.services.price_change_answers import (
    letter_received_on_checked,
    refusal_termination_quote,
    refusal_termination_record,
)
from offers.services.price_changes import AFFECTED_STATUSES, refusal_rule
from offers.services.terminations import termination_cancel
from offers.services.transitions import lock_contract
from usage import events, increments
from usage.destinations import tariff_destination
from usage.models import Tariff, TariffAnnouncement, TariffNotice, TariffRefusal
from usage.services import classify

# What a tariff prices: changing one of these (or the dates) changes what calls cost.
PRICING_FIELDS = (
    "prefix",
    "country",
    "line_type",
    "price_class",
    "rate_per_minute",
    "first_increment",
    "next_increment",
    "min_duration",
    "valid_from",
)


# --- The notice -------------------------------------------------------------------------------


def notice_days() -> int:
    """The longest notice of a price change in the terms the live contracts were signed with
    (their snapshot holds it: HOSTED-A 7 days, the others 30)."""
    signed = (
        Contract.objects.filter(status__in=AFFECTED_STATUSES)
        .values_list("terms_snapshot__price_change_notice_days", flat=True)
        .distinct()
    )
    return max([0, *(int(d) if d is not None else PRICE_CHANGE_DEFAULT_RULES[0] for d in signed)])


def first_day(today: date | None = None) -> date:
    """The earliest day a tariff entered today may start: customers are told by the night's
    announcement (tomorrow at the latest), at least ``notice_days`` before it."""
    today = today or paris_today()
    return today + timedelta(days=1 + notice_days())


def _date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def change_errors(data: dict, instance: Tariff | None, *, today: date | None = None) -> dict:
    """The errors of saving ``data`` (a tariff's fields) over ``instance`` (None: a new tariff):
    a new price starts no earlier than ``first_day``; a tariff in force or told to start
    before it is never repriced in place, nor its end moved (its end changes the price too:
    a new dated row replaces it, and is announced)."""
    earliest = first_day(today)
    days = (earliest - (today or paris_today())).days - 1
    too_soon = _(
        "Customers must be told at least %(days)d days before a tariff changes (CON-6, "
        "HOSTED-A 6): this tariff can start on %(date)s at the earliest."
    ) % {"days": days, "date": _date(earliest)}
    errors = {}
    old = instance if instance is not None and instance.pk else None
    pricing_changed = (
        old is None
        or any(
            data.get(name) is not None and data.get(name) != getattr(old, name)
            for name in PRICING_FIELDS
        )
        or ("valid_to" in data and data["valid_to"] != old.valid_to)
    )
    if old is not None and pricing_changed and old.valid_from < earliest:
        errors["valid_from"] = _(
            "This tariff is in force, or starts within the notice customers must be given: "
            "enter a new tariff from %(date)s instead of changing this one."
        ) % {"date": _date(earliest)}
    elif pricing_changed and data.get("valid_from") and data["valid_from"] < earliest:
        errors["valid_from"] = too_soon
    return errors


def delete_error(tariff: Tariff, *, today: date | None = None) -> str:
    """Why ``tariff`` may not be deleted ("" if it may): one in force or within the notice is
    a price customers pay or were told of; one announced is corrected, not withdrawn."""
    if tariff.announcement_id is not None:
        return _(
            "Customers were told of this tariff: change its price (they will be told again) "
            "rather than deleting it."
        )
    if tariff.valid_from < first_day(today):
        return _("This tariff is in force, or starts within the notice: it cannot be deleted.")
    return ""


# --- What changes ------------------------------------------------------------------------------


def _in_force_on(days) -> dict[date, list[Tariff]]:
    """The tariffs in force on each of ``days``, read in one query."""
    if not days:
        return {}
    rows = list(
        Tariff.objects.filter(valid_from__lte=max(days)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=min(days))
        )
    )
    return {
        day: [t for t in rows if t.valid_from <= day and (t.valid_to is None or t.valid_to > day)]
        for day in days
    }


def replaced(tariff: Tariff, grid: list[Tariff]) -> Tariff | None:
    """The tariff of ``grid`` (those in force on the eve) whose price ``tariff`` replaces: the
    same destination (a prefix, or a country, line type and price class), else — for a
    prefix — the longest prefix it falls under. None: the destination had no price of its own."""
    if tariff.prefix:
        under = [t for t in grid if t.prefix and tariff.prefix.startswith(t.prefix)]
        under.sort(key=lambda t: (len(t.prefix), t.valid_from))
        # USE-2: a prefix of 4+ digits beats the (country, type) row, which beats the shorter
        # prefixes: with no 4+ digit prefix under it, it replaces its destination's row
        if _strong(tariff.prefix) and not any(_strong(t.prefix) for t in under):
            key = _prefix_class(tariff.prefix)
            rows = [
                t for t in grid if not t.prefix and (t.country, t.line_type, t.price_class) == key
            ]
            if rows:
                return max(rows, key=lambda t: t.valid_from)
    else:
        key = (tariff.country, tariff.line_type, tariff.price_class)
        under = [t for t in grid if not t.prefix and (t.country, t.line_type, t.price_class) == key]
        under.sort(key=lambda t: t.valid_from)
    return under[-1] if under else None


def _strong(prefix: str) -> bool:
    """A prefix that beats the (country, type) rows (USE-2, ``rating_sql``'s ``spec``)."""
    return len(prefix.lstrip("+")) >= 4


def _prefix_class(prefix: str) -> tuple | None:
    """(country, line type, price class) of the numbers under ``prefix``, read from the first
    valid number it starts (padded with one digit repeated); None if none is found."""
    if not prefix.startswith("+"):
        found = classify.classify(prefix)
        return (found.country, found.line_type, found.price_class)
    for digit in "0123456789":
        for length in range(1, 13):
            number = prefix + digit * length
            try:
                valid = phonenumbers.is_valid_number(phonenumbers.parse(number, None))
            except phonenumbers.NumberParseException:
                continue
            if valid:
                found = classify.classify(number)
                return (found.country, found.line_type, found.price_class)
    return None


def raises(tariff: Tariff, before: Tariff | None) -> bool:
    """An increase: a higher rate, a longer increment or minimum, increments that bill some
    call dearer (60/60 → 45/45: 46 s billed 90 s), or a price where there was none of its own
    (the customer's favour: such a change may be refused)."""
    if before is None:
        return Decimal(tariff.rate_per_minute) > 0
    return (
        Decimal(tariff.rate_per_minute) > Decimal(before.rate_per_minute)
        or tariff.first_increment > before.first_increment
        or tariff.next_increment > before.next_increment
        or tariff.min_duration > before.min_duration
        or increments.dearer_for_some_call(tariff, before)
    )


@dataclass
class Change:
    tariff: Tariff
    before: Tariff | None
    increase: bool

    @property
    def destination(self) -> str:
        """The tariff's destination in the active language (« Morocco — Mobile » in English)."""
        return tariff_destination(self.tariff)

    @property
    def last_day(self) -> date | None:
        """The last day the tariff prices calls (its ``valid_to`` is excluded)."""
        valid_to = self.tariff.valid_to
        return None if valid_to is None else valid_to - timedelta(days=1)


def changes_of(tariffs) -> list[Change]:
    """Each tariff with the one it replaces (in force on its eve) and whether it raises it;
    two queries at most (the tariffs, the grids of their eves)."""
    tariffs = list(tariffs)
    grids = _in_force_on({t.valid_from - timedelta(days=1) for t in tariffs})
    found = []
    for tariff in tariffs:
        grid = grids[tariff.valid_from - timedelta(days=1)]
        before = replaced(tariff, [t for t in grid if t.pk != tariff.pk])
        found.append(Change(tariff, before, raises(tariff, before)))
    return found


# --- Announcing --------------------------------------------------------------------------------


def _answer_right(contract: Contract) -> str:
    rule = refusal_rule(contract)
    return rule if rule in (PriceChangeRefusal.TERMINATE, PriceChangeRefusal.OBJECT) else ""


@transaction.atomic
def tariffs_announce(*, today: date | None = None, actor=None) -> TariffAnnouncement | None:
    """Tell every customer with a live contract of the tariffs entered since the last
    announcement that start after today (one e-mail each to its admin and billing members).
    Idempotent: a tariff is announced once (its row locked, then marked); None if there was
    nothing to tell. A tariff changed after it was told is told again."""
    today = today or paris_today()
    tariffs = list(
        Tariff.objects.select_for_update()
        .filter(announcement__isnull=True, valid_from__gt=today)
        .order_by("valid_from", "name", "pk")
    )
    if not tariffs:
        return None
    changes = changes_of(tariffs)
    increase = any(c.increase for c in changes)
    start = min(t.valid_from for t in tariffs)
    # HOSTED-A 6, PLATFORM 12.2: what may be refused is the increases, until their first day
    increase_from = min((c.tariff.valid_from for c in changes if c.increase), default=None)
    clients = list(
        Client.objects.filter(contracts__status__in=AFFECTED_STATUSES).distinct().order_by("pk")
    )
    announcement = TariffAnnouncement.objects.create(
        first_day=start,
        increase=increase,
        increase_from=increase_from,
        tariffs_count=len(tariffs),
        customers_count=len(clients),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    Tariff.objects.filter(pk__in=[t.pk for t in tariffs]).update(announcement=announcement)
    TariffNotice.objects.bulk_create(
        TariffNotice(announcement=announcement, client=client) for client in clients
    )
    rights: dict[int, set[str]] = {}
    if increase:
        for contract in Contract.objects.filter(client__in=clients, status__in=LIVE_STATUSES):
            if right := _answer_right(contract):
                rights.setdefault(contract.client_id, set()).add(right)
    for client in clients:
        client_rights = rights.get(client.pk, set())
        notify_client(
            client,
            "usage/email/tariff_change",
            {
                "announcement": announcement,
                "changes": changes,
                "may_refuse": PriceChangeRefusal.TERMINATE in client_rights,
                "may_object": PriceChangeRefusal.OBJECT in client_rights,
                "answer_by": increase_from - timedelta(days=1) if increase else None,
            },
            roles=(Role.ADMIN, Role.BILLING),
        )
    events.announce_tariffs(announcement, clients)
    audit_record(
        action="tariffs.announce",
        instance=announcement,
        actor=actor,
        after={
            "first_day": start,
            "tariffs": [t.pk for t in tariffs],
            "increase": increase,
            "customers": len(clients),
        },
    )
    return announcement


def upcoming(today: date | None = None) -> list[Change]:
    """The announced tariffs not yet in force, with the price each replaces (the portal)."""
    today = today or paris_today()
    tariffs = Tariff.objects.filter(announcement__isnull=False, valid_from__gt=today).order_by(
        "valid_from", "name", "pk"
    )
    return changes_of(tariffs)


# --- Refusals and objections -------------------------------------------------------------------


@dataclass
class Answerable:
    """An announced increase a contract may still refuse (HOSTED-A) or object to (PLATFORM)."""

    announcement: TariffAnnouncement
    contract: Contract
    right: str

    @property
    def objection(self) -> bool:
        return self.right == PriceChangeRefusal.OBJECT

    @property
    def answer_by(self) -> date:
        return self.announcement.increase_from - timedelta(days=1)


def answerable(client, *, today: date | None = None) -> list[Answerable]:
    """The announced increases ``client``'s live contracts may still refuse or object to."""
    return answerable_for([client.pk], today=today)


def answerable_for(client_ids, *, today: date | None = None) -> list[Answerable]:
    """The announced increases the live contracts of ``client_ids`` (ids or a query of them)
    may still refuse or object to: told to their customer, first day after today, not
    answered already (a refusal whose termination was cancelled no longer counts). Three
    queries whatever the number of customers."""
    today = today or paris_today()
    notices = list(
        TariffNotice.objects.filter(
            client_id__in=client_ids,
            announcement__increase=True,
            announcement__increase_from__gt=today,
        )
        .select_related("announcement")
        .order_by("announcement__first_day", "announcement_id", "client_id")
    )
    if not notices:
        return []
    by_client: dict[int, list[Contract]] = {}
    for contract in (
        Contract.objects.filter(
            client_id__in={n.client_id for n in notices}, status__in=LIVE_STATUSES
        )
        .exclude(terminations__status=TerminationStatus.SCHEDULED)
        .select_related("offer")
        .order_by("pk")
    ):
        if _answer_right(contract):
            by_client.setdefault(contract.client_id, []).append(contract)
    contracts = [c for found in by_client.values() for c in found]
    answered = set(
        _counting(TariffRefusal.objects.filter(contract__in=contracts)).values_list(
            "announcement_id", "contract_id"
        )
    )
    return [
        Answerable(notice.announcement, contract, _answer_right(contract))
        for notice in notices
        for contract in by_client.get(notice.client_id, [])
        if (notice.announcement_id, contract.pk) not in answered
    ]


def _counting(refusals):
    return refusals.filter(withdrawn_at__isnull=True).exclude(
        termination__status=TerminationStatus.CANCELLED
    )


def answer_get(client, announcement_id, contract_id, *, today=None) -> Answerable | None:
    for item in answerable(client, today=today):
        if str(item.announcement.pk) == str(announcement_id) and str(item.contract.pk) == str(
            contract_id
        ):
            return item
    return None


def refusal_quote(item: Answerable, *, requested_date: date | None = None, today=None):
    """What refusing (or objecting to) ``item`` would do, before it is confirmed: the end
    date, no fee."""
    return refusal_termination_quote(
        contract=item.contract,
        right=item.right,
        effective_date=item.announcement.increase_from,
        requested_date=requested_date,
        today=today or paris_today(),
    )


@transaction.atomic
def tariff_refuse(
    *,
    announcement: TariffAnnouncement,
    contract: Contract,
    requested_date: date | None = None,
    actor=None,
    api_key=None,
    expected_effective_date: date | None = None,
    received_on: date | None = None,
) -> TariffRefusal:
    """HOSTED-A 6 / PLATFORM 12.2: the customer (admin), its partner or staff (from the
    customer's letter) refuses an announced increase, or objects to it, before its first day.
    Recorded as a termination without fees (reason: price increase refused); a refusal keeps
    the tariffs of the eve for the contract's calls until the termination takes effect.
    ``received_on``: the day staff received the customer's letter, when they record it later —
    the refusal is judged, and its notice counted, from that day. InvalidTransition (nothing
    written) when the contract may not."""
    today = paris_today()
    announcement = TariffAnnouncement.objects.select_for_update().get(pk=announcement.pk)
    if received_on is not None:
        told_on = timezone.localdate(announcement.created_at)
        today = letter_received_on_checked(
            received_on,
            today=today,
            told_on=told_on,
            told_message=_(
                "The customers were told of these tariffs on %(date)s: a refusal is received "
                "from then."
            )
            % {"date": _date(told_on)},
        )
    contract = lock_contract(contract)
    item = answer_get(contract.client, announcement.pk, contract.pk, today=today)
    if item is None:
        raise InvalidTransition(_refusal_refused(announcement, contract, today), code="no_refusal")
    termination = refusal_termination_record(
        contract=contract,
        right=item.right,
        effective_date=item.announcement.increase_from,
        requested_date=requested_date,
        today=today,
        actor=actor,
        api_key=api_key,
        expected_effective_date=expected_effective_date,
        notice_date=received_on,
    )
    refusal, _created = TariffRefusal.objects.update_or_create(
        announcement=announcement,
        contract=contract,
        defaults={
            "termination": termination,
            "objection": item.objection,
            "keeps_day": None if item.objection else item.answer_by,
            "withdrawn_at": None,
            "withdrawn_note": "",
            "created_by": actor if actor is not None and actor.is_authenticated else None,
            "api_key": api_key,
        },
    )
    audit_record(
        action="tariffs.object" if item.objection else "tariffs.refuse",
        instance=announcement,
        actor=actor,
        api_key=api_key,
        client=contract.client,
        after={
            "contract": contract.reference,
            "termination": termination.pk,
            "effective_date": termination.effective_date,
            "keeps_day": refusal.keeps_day,
        },
    )
    return refusal


def _refusal_refused(announcement, contract, today) -> str:
    if not announcement.increase:
        return _("These tariffs raise no price: there is nothing to refuse.")
    if announcement.increase_from <= today:
        return _("These tariffs are in force: they could be refused until the day before.")
    if not _answer_right(contract) or contract.status not in LIVE_STATUSES:
        return _("This contract gives no right to refuse a tariff increase.")
    if not TariffNotice.objects.filter(announcement=announcement, client=contract.client).exists():
        return _("This customer was not told of these tariffs.")
    return _("This increase has already been refused for this contract.")


def objections_withdraw(*, contract: Contract, day: date, actor=None) -> int:
    """PLATFORM 12.2: traffic on ``day``, on or after the first day of tariffs the customer
    objected to, accepts them and withdraws the objection: its termination is cancelled while
    it has not taken effect. Audited; returns how many objections were withdrawn."""
    today = paris_today()
    refusals = _counting(
        TariffRefusal.objects.filter(
            contract=contract,
            objection=True,
            announcement__increase_from__lte=day,
            termination__status=TerminationStatus.SCHEDULED,
            termination__effective_date__gt=today,
        )
    ).select_related("termination", "announcement")
    withdrawn = 0
    for refusal in list(refusals):
        termination_cancel(termination=refusal.termination, actor=actor, today=today)
        refusal.withdrawn_at = timezone.now()
        refusal.withdrawn_note = (
            f"traffic on {day.isoformat()}: objection withdrawn, tariffs accepted"
        )
        refusal.save(update_fields=["withdrawn_at", "withdrawn_note", "updated_at"])
        audit_record(
            action="tariffs.objection_withdrawn",
            instance=refusal.announcement,
            actor=actor,
            client=contract.client,
            after={"contract": contract.reference, "traffic_on": day},
        )
        withdrawn += 1
    return withdrawn


def kept_days_sql() -> str:
    """SQL of the day whose tariffs a contract ``c`` keeps (NULL: none), for the rating."""
    return """(SELECT min(f.keeps_day) FROM usage_tariffrefusal f
        JOIN offers_termination tm ON tm.id = f.termination_id
        WHERE f.contract_id = c.id AND f.keeps_day IS NOT NULL AND f.withdrawn_at IS NULL
            AND tm.status <> 'cancelled')"""


def kept_days(contract_ids) -> dict[int, date]:
    """``kept_days_sql`` through the ORM: the day whose tariffs each refusing contract keeps."""
    found: dict[int, date] = {}
    for contract_id, day in _counting(
        TariffRefusal.objects.filter(contract_id__in=contract_ids, keeps_day__isnull=False)
    ).values_list("contract_id", "keeps_day"):
        found[contract_id] = min(day, found.get(contract_id, day))
    return found
