"""TRK-2 best tariff, as a pure function over plain values (no Django, no database).

For N channels, the packs held are the cheapest multiset of packs of the offer's table whose
channels sum to **at least N** and at most the trunk's cap (200 channels, TRUNK 2). Ties are
broken by more channels, then fewer packs, then larger packs (the pack sizes sorted from the
largest down and compared lexicographically: 4+1 before 3+2).

Exact for any table: a dynamic programme over every channel total from 0 to the cap keeps, for
each total, the best multiset summing to exactly that total (by price, then number of packs,
then larger packs); the answer is the best of the totals N..cap by (price, −channels, packs,
larger packs). Every part of that order is compatible with adding one more pack (prices and
counts add up; adding the same size to two equal-length sorted sequences keeps their order), so
the best multiset for a total always extends a best multiset of a smaller total. A greedy "take
the largest pack first" is wrong for many tables (tests show one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_CAP = 200  # TRK-1, TRUNK 2: channels held per trunk at most


class NoPackCombination(ValueError):
    """N cannot be covered by the table within the cap (or N is out of range)."""


@dataclass(frozen=True)
class PackOption:
    """One row of a pack table: a pack of ``channels`` at ``monthly_price`` (€ HT, 4 decimals)."""

    channels: int
    monthly_price: Decimal


@dataclass(frozen=True)
class PackSelection:
    """A multiset of packs: ``counts`` maps a pack size (channels) to how many are held."""

    counts: dict[int, int] = field(default_factory=dict)
    monthly_price: Decimal = Decimal("0")

    @property
    def channels(self) -> int:
        return sum(size * count for size, count in self.counts.items())

    @property
    def pack_count(self) -> int:
        return sum(self.counts.values())

    @property
    def sizes(self) -> tuple[int, ...]:
        """Every pack's size, largest first (``(10, 1, 1)`` for 10 + 2×1)."""
        return tuple(
            size for size in sorted(self.counts, reverse=True) for _ in range(self.counts[size])
        )

    def items(self) -> list[tuple[int, int]]:
        """``(size, count)`` pairs, largest packs first, without zero counts."""
        return [(s, self.counts[s]) for s in sorted(self.counts, reverse=True) if self.counts[s]]

    def __str__(self):
        return " + ".join(f"{count}×{size}" for size, count in self.items()) or "—"


def rank(selection: PackSelection) -> tuple:
    """TRK-2's order: smaller is better (price, then more channels, fewer packs, larger packs)."""
    return (
        selection.monthly_price,
        -selection.channels,
        selection.pack_count,
        tuple(-size for size in selection.sizes),
    )


def _normalise(table: Iterable) -> dict[int, Decimal]:
    prices: dict[int, Decimal] = {}
    for row in table:
        channels, price = (
            (row.channels, row.monthly_price) if hasattr(row, "channels") else (row[0], row[1])
        )
        channels, price = int(channels), Decimal(price)
        if channels < 1 or price < 0:
            raise ValueError("a pack holds at least one channel and is never negative")
        # Two rows of one size: only the cheaper can ever be chosen.
        if channels not in prices or price < prices[channels]:
            prices[channels] = price
    return prices


def best_packs(n: int, table: Iterable, cap: int = DEFAULT_CAP) -> PackSelection:
    """TRK-2: the best multiset of ``table``'s packs covering at least ``n`` channels, within
    ``cap``. ``table`` holds ``PackOption``-like rows (``channels``, ``monthly_price``) or
    ``(channels, price)`` pairs. ``n`` = 0 gives the empty selection.

    Raises ``NoPackCombination`` when ``n`` is negative, above the cap, or not reachable.
    """
    if n < 0:
        raise NoPackCombination("the number of channels cannot be negative")
    if n > cap:
        raise NoPackCombination(f"{n} channels exceed the cap of {cap}")
    prices = _normalise(table)
    sizes = sorted((s for s in prices if s <= cap), reverse=True)
    # best[t] = ((price, packs, negated sizes ascending), counts): the best multiset summing to
    # exactly t channels.
    best: list[tuple[tuple, dict[int, int]] | None] = [None] * (cap + 1)
    best[0] = ((Decimal("0"), 0, ()), {})
    for total in range(1, cap + 1):
        candidate = None
        for size in sizes:
            if size > total or best[total - size] is None:
                continue
            (price, count, neg_sizes), counts = best[total - size]
            key = (price + prices[size], count + 1, tuple(sorted((*neg_sizes, -size))))
            if candidate is None or key < candidate[0]:
                candidate = (key, {**counts, size: counts.get(size, 0) + 1})
        best[total] = candidate
    chosen = None
    for total in range(n, cap + 1):
        if best[total] is None:
            continue
        (price, count, neg_sizes), counts = best[total]
        key = (price, -total, count, neg_sizes)
        if chosen is None or key < chosen[0]:
            chosen = (key, counts)
    if chosen is None:
        raise NoPackCombination(f"no combination of packs covers {n} channels within {cap}")
    return PackSelection(counts=dict(chosen[1]), monthly_price=chosen[0][0])
