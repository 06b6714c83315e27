"""TRK-2: the best tariff, a pure function (no database)."""

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telephony.packs import NoPackCombination, PackOption, PackSelection, best_packs, rank

DEMO = [
    PackOption(1, Decimal("5.00")),
    PackOption(4, Decimal("17.00")),
    PackOption(10, Decimal("39.00")),
    PackOption(30, Decimal("99.00")),
]


# TRK-2 — the three examples of the rule book.
@pytest.mark.parametrize(
    "n, counts, price, channels",
    [
        (8, {4: 2}, "34.00", 8),
        (9, {10: 1}, "39.00", 10),
        (12, {10: 1, 1: 2}, "49.00", 12),
    ],
)
def test_trk2_examples(n, counts, price, channels):
    selection = best_packs(n, DEMO)
    assert selection.counts == counts
    assert selection.monthly_price == Decimal(price)
    assert selection.channels == channels


# TRK-2 — edges: nothing, one channel, the cap itself, beyond the cap refused.
def test_trk2_edges():
    assert best_packs(0, DEMO) == PackSelection({}, Decimal("0"))
    assert best_packs(1, DEMO).counts == {1: 1}
    at_cap = best_packs(200, DEMO)
    assert at_cap.channels == 200
    assert at_cap.counts == {30: 6, 10: 2}  # 6×99 + 2×39 = 672.00
    assert at_cap.monthly_price == Decimal("672.00")
    with pytest.raises(NoPackCombination):
        best_packs(201, DEMO)
    with pytest.raises(NoPackCombination):
        best_packs(-1, DEMO)
    # 7 × 30 = 210 > 200: 190 channels cannot be held with 30-packs only.
    with pytest.raises(NoPackCombination):
        best_packs(190, [PackOption(30, Decimal("99"))])


# TRK-2 — a table where "largest pack first" (greedy) is not the cheapest.
def test_trk2_not_greedy():
    table = [(1, "10.00"), (5, "20.00"), (6, "30.00")]
    # greedy: 6 + 1 + 1 + 1 + 1 = 70.00; best: 5 + 5 = 40.00 for 10 channels
    assert best_packs(10, table).counts == {5: 2}
    assert best_packs(10, table).monthly_price == Decimal("40.00")


# TRK-2 — ties: more channels, then fewer packs, then larger packs (4+1 before 3+2).
def test_trk2_ties():
    # same price for 4 and 5 channels: take 5
    assert best_packs(4, [(1, "1"), (5, "4")]).channels == 5
    # same price and channels: fewer packs (one 2-pack rather than two 1-packs)
    assert best_packs(2, [(1, "1"), (2, "2")]).counts == {2: 1}
    # same price, channels and count: the larger packs (4+1 rather than 3+2)
    table = [(1, "1"), (2, "2"), (3, "3"), (4, "4")]
    assert best_packs(5, table).sizes == (4, 1)


def _brute_force(n, table, cap):
    """Every multiset within the cap, by enumeration of counts."""
    sizes = sorted({s for s, _ in table})
    prices = {}
    for s, p in table:
        prices[s] = min(prices.get(s, p), p)
    best = None
    ranges = [range(cap // s + 1) for s in sizes]
    for combo in itertools.product(*ranges):
        channels = sum(s * c for s, c in zip(sizes, combo, strict=True))
        if channels < n or channels > cap:
            continue
        counts = {s: c for s, c in zip(sizes, combo, strict=True) if c}
        selection = PackSelection(
            counts, sum((prices[s] * c for s, c in counts.items()), Decimal(0))
        )
        if best is None or rank(selection) < rank(best):
            best = selection
    return best


tables = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=12),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2),
    ),
    min_size=1,
    max_size=4,
)


# TRK-2 — property: for random tables, no other combination beats the result on
# (price, −channels, packs, larger packs).
@settings(max_examples=150, deadline=None)
@given(table=tables, n=st.integers(min_value=0, max_value=30), cap=st.integers(20, 30))
def test_trk2_never_beaten_by_brute_force(table, n, cap):
    expected = _brute_force(n, table, cap)
    if n > cap or expected is None:
        with pytest.raises(NoPackCombination):
            best_packs(n, table, cap=cap)
        return
    result = best_packs(n, table, cap=cap)
    assert result.channels >= n and result.channels <= cap
    assert rank(result) == rank(expected)
