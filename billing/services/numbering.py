"""Gapless numbering of invoices and credit notes (BIL-2): one counter row per series and year,
locked by the transaction that issues."""

from billing.choices import SERIES
from billing.models import Counter


def allocate_numbers(kind: str, year: int, count: int) -> list[tuple[int, str]]:
    """Take ``count`` consecutive numbers of ``kind``'s series for ``year``, inside the caller's
    transaction (the counter row stays locked until it commits; a rollback gives them back)."""
    series = SERIES[kind]
    Counter.objects.get_or_create(series=series, year=year)
    counter = Counter.objects.select_for_update().get(series=series, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [(n, f"{series}{year}-{n:06d}") for n in range(first, first + count)]
