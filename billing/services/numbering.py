"""Gapless numbering of invoices and credit notes (BIL-2): one counter row per series and year,
locked by the transaction that issues."""

from datetime import date

from django.utils import timezone

from billing.choices import SERIES
from billing.models import Counter, Invoice


def _locked_counter(series: str, year: int) -> Counter:
    Counter.objects.get_or_create(series=series, year=year)
    return Counter.objects.select_for_update().get(series=series, year=year)


def allocate_numbers(kind: str, year: int, count: int) -> list[tuple[int, str]]:
    """Take ``count`` consecutive numbers of ``kind``'s series for ``year``, inside the caller's
    transaction (the counter row stays locked until it commits; a rollback gives them back)."""
    series = SERIES[kind]
    counter = _locked_counter(series, year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [(n, f"{series}{year}-{n:06d}") for n in range(first, first + count)]


def chronological_date(kind: str, nominal: date) -> date:
    """BIL-2, CGI art. 242 nonies A: the date of documents of ``kind`` about to be numbered,
    meant to be ``nominal``. The series runs in one chronological sequence: when its numbers of
    ``nominal``'s year already include a document dated after ``nominal`` (the run of October
    completed after November's run), ``nominal`` would put a date before the number's
    predecessor's, so the documents are dated the day they are issued (Paris), never before
    that latest date. Locks the counter row of ``nominal``'s year, inside the caller's
    transaction, so that the date and the numbers taken next cannot be overtaken by another
    issuer."""
    _locked_counter(SERIES[kind], nominal.year)
    return planned_date(kind, nominal)


def planned_date(kind: str, nominal: date) -> date:
    """The date ``chronological_date`` gives now, without locking (what staff are told)."""
    # A series is numbered per calendar year (BIL-2): its chronology is the year's. Being
    # chronological, its latest date is its last number's (the unique index).
    latest = (
        Invoice.objects.filter(series=SERIES[kind], year=nominal.year)
        .order_by("-sequence")
        .values_list("issue_date", flat=True)
        .first()
    )
    if latest is None or latest <= nominal:
        return nominal
    return max(timezone.localdate(), latest)
