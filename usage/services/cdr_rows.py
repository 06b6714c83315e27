"""A CDR row (docs/cdr-format.md): its columns and the checks of one row. The reference of both
paths of the import: Python's (``usage.services.imports`` on SQLite, and the rows the SQL leaves
to it) and the SQL of ``usage.services.import_sql``, which gives the same result row by row
(tests/usage/test_import_sql.py)."""

import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from usage.choices import CallType
from usage.services import classify as cls

COLUMNS = [
    "call_id",
    "account",
    "start_time",
    "answered",
    "duration",
    "caller",
    "called",
    "call_type",
    "device_id",
]
YES = {"yes", "y", "true", "1", "oui", "o"}
NO = {"no", "n", "false", "0", "non"}


DIGITS = frozenset("0123456789")
# A start time is of these years (those the API's date filters take): 1900 or 9999 is a
# carrier's placeholder, and 9999-12-31 with a negative offset is past what a date can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A record is of a call that happened: one that starts more than an hour after the import reads
# it (a carrier's clock a little ahead is allowed) is refused — it was stored, rated and billed
# in its future month (a call of 2099 made a partition of 2099).
FUTURE_SLACK = timedelta(hours=1)
# PostgreSQL's text holds no NUL: the csv reader's rows are sent with each NUL replaced
# (``import_sql``), and a row holding either is refused, whatever its path.
NUL, REPLACED = "\x00", "\ufffd"
# A start time's offset (``Z``, ``±HH``, ``±HH:MM``, ``±HH:MM:SS``…): what is left before it must
# end with the seconds. ``datetime.fromisoformat`` takes "2026-10-02T09:15+02:00" (no seconds)
# and "2026-10-02T09+02:15:30" (an hour alone), whose offset made them long enough.
OFFSET = re.compile(
    r"(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?)$", re.IGNORECASE | re.ASCII
)
SECONDS = re.compile(r"(?:^|\D)\d{2}(:?)\d{2}\1\d{2}(?:[.,]\d+)?$", re.ASCII)


def latest_start() -> datetime:
    """The latest start time an import accepts now (``FUTURE_SLACK``)."""
    return timezone.now() + FUTURE_SLACK


def parse_row(row: list[str], accounts: dict, reasons: dict, latest: datetime | None = None):
    """(values, None) or (None, reason) for one CSV row. ``values``: the row as stored
    (``STAGE_COLUMNS`` order), the start time still as its ISO text (validated here).
    ``latest``: the latest start accepted (``latest_start()`` unless given)."""
    if any(NUL in v or REPLACED in v for v in row):
        return None, reasons["character"]
    call_id, account, start, answered, duration, caller, called, call_type, device = (
        v.strip() for v in row
    )
    if not call_id or len(call_id) > 64:
        return None, reasons["call_id"]
    try:
        started = datetime.fromisoformat(start)
    except ValueError:
        return None, reasons["start_time"]
    if len(start) < 19 or not FIRST_YEAR <= started.year <= LAST_YEAR:  # no seconds, 1999…
        return None, reasons["start_time"]
    if not SECONDS.search(OFFSET.sub("", start)):  # "2026-10-02T09:15+02:00": no seconds
        return None, reasons["start_time"]
    answered = answered.lower()
    if answered not in YES and answered not in NO:
        return None, reasons["answered"]
    # ASCII digits: str.isdigit() takes "²" (which int() refuses: the import stopped, retried
    # every minute) and "٣٠" (Arabic-Indic digits)
    if not (duration.isascii() and duration.isdigit()) or len(duration) > 7:
        return None, reasons["duration"]
    call_type = call_type.lower()
    if call_type not in CALL_TYPES:
        return None, reasons["call_type"]
    if called.startswith("+") and DIGITS.issuperset(called[1:]):
        number = cls.e164(called)
    else:
        number = cls.normalize(called)
    # ASCII digits: the patterns' \d takes "１５" (full-width), a short number no plan knows —
    # not the emergency number 15, and billed as a special one
    if not number.isascii() or not (cls.E164.match(number) or cls.SHORT.match(number)):
        return None, reasons["called"]
    if len(caller) > 32 or len(device) > 64 or len(account) > 64:
        return None, reasons["field"]
    owner = accounts.get(account)
    if owner is None:
        return None, reasons["account"]
    if started.tzinfo is None:
        start += "+00:00"  # SPEC §4: start times are UTC
        started = started.replace(tzinfo=UTC)
    if started > (latest or latest_start()):
        return None, reasons["future"]
    c = cls.classify(number)
    return (
        call_id,
        start,
        account,
        answered in YES,
        # seconds of conversation: an unanswered call's are 0 (docs/cdr-format.md), whatever the
        # carrier wrote (its ringing time counted as minutes on the consumption page)
        int(duration) if answered in YES else 0,
        caller,
        number,
        call_type,
        device,
        *owner,
        c.country,
        c.line_type.value,
        c.price_class.value,
    ), None


CALL_TYPES = frozenset(CallType.values)
# The row as stored: the file's columns (start time and account under their stored names),
# then the account it resolved to and the number's USE-1 class.
STAGE_COLUMNS = [
    "call_id",
    "started_at",
    "account_ref",
    *COLUMNS[3:],
    "client_id",
    "contract_id",
    "sip_account_id",
    "trunk_id",
    "country",
    "line_type",
    "price_class",
]


def accounts_for(refs, partner_id=None) -> dict:
    """{account ref: (client_id, contract_id, sip_account_id, trunk_id)}: SIP account usernames,
    trunk usernames and (PLATFORM, which has neither) contract references."""
    from offers.models import Contract
    from telephony.models import SipAccount, Trunk

    scope = {"contract__client__partner_id": partner_id} if partner_id else {}
    found = {}
    for c in Contract.objects.filter(reference__in=refs).filter(
        **({"client__partner_id": partner_id} if partner_id else {})
    ):
        found[c.reference] = (c.client_id, c.pk, None, None)
    for t in Trunk.objects.filter(username__in=refs, **scope).select_related("contract"):
        found[t.username] = (t.contract.client_id, t.contract_id, None, t.pk)
    for a in SipAccount.objects.filter(username__in=refs, **scope).select_related("contract"):
        found[a.username] = (a.contract.client_id, a.contract_id, a.pk, None)
    return found


def check_rows(rows, partner_id, reasons) -> tuple[list, list]:
    """``parse_row`` over ``[(line, row)]`` with their accounts looked up at once: the good rows
    as (line, values), the bad ones as (line, reason, raw)."""
    accounts = accounts_for({row[1].strip() for _line, row in rows}, partner_id)
    latest = latest_start()
    good, bad = [], []
    for line, row in rows:
        values, reason = parse_row(row, accounts, reasons, latest)
        if reason:
            bad.append((line, reason, ",".join(row)))
        else:
            good.append((line, values))
    return good, bad
