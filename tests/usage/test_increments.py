"""USE-2: billed seconds and cost of one call, at the boundaries of each increment scheme."""

from decimal import Decimal

import pytest

from usage.increments import billed_seconds, cost


# USE-2 per second (1/1): billed = the duration itself; 0 s bills nothing.
@pytest.mark.parametrize("duration,billed", [(0, 0), (1, 1), (59, 59), (60, 60), (61, 61)])
def test_use2_per_second(duration, billed):
    assert billed_seconds(duration, 1, 1) == billed


# USE-2 per minute (60/60): 1..60 s → 60; 61 s → 60 + ceil(1/60)×60 = 120; 120 → 120; 121 → 180.
@pytest.mark.parametrize(
    "duration,billed", [(0, 0), (1, 60), (60, 60), (61, 120), (120, 120), (121, 180)]
)
def test_use2_per_minute(duration, billed):
    assert billed_seconds(duration, 60, 60) == billed


# USE-2 30/6: ≤ 30 s → 30; 31 s → 30 + ceil(1/6)×6 = 36; 36 → 36; 37 → 42; 90 → 30 + 60 = 90.
@pytest.mark.parametrize(
    "duration,billed", [(1, 30), (30, 30), (31, 36), (36, 36), (37, 42), (90, 90)]
)
def test_use2_30_6(duration, billed):
    assert billed_seconds(duration, 30, 6) == billed


# USE-2 minimum duration 60 s on a 1/1 tariff: 1 s → max(1, 60) = 60; 60 → 60; 61 → 61.
# On 30/6 with a 45 s minimum: 31 s → max(36, 45) = 45; 37 s → 30 + 2×6 = 42 → 45;
# 43 s → 30 + ceil(13/6)×6 = 48; 46 → 48.
@pytest.mark.parametrize(
    "duration,first,next_,minimum,billed",
    [
        (1, 1, 1, 60, 60),
        (60, 1, 1, 60, 60),
        (61, 1, 1, 60, 61),
        (31, 30, 6, 45, 45),
        (37, 30, 6, 45, 45),
        (43, 30, 6, 45, 48),
        (46, 30, 6, 45, 48),
        (0, 1, 1, 60, 0),  # USE-2: an unanswered / 0 s call has no minimum
    ],
)
def test_use2_minimum_duration(duration, first, next_, minimum, billed):
    assert billed_seconds(duration, first, next_, minimum) == billed


# USE-2 cost = billed seconds × rate / 60, kept to 4 decimals half-up:
# 61 s × 0.0450 / 60 = 0.04575 → 0.0458; 36 s × 0.0600 / 60 = 0.036; 1 s × 0.0001/60 → 0.0000.
def test_use2_cost_four_decimals():
    assert cost(61, Decimal("0.0450")) == Decimal("0.0458")
    assert cost(36, Decimal("0.0600")) == Decimal("0.0360")
    assert cost(1, Decimal("0.0001")) == Decimal("0.0000")
    assert cost(0, Decimal("0.8000")) == Decimal("0.0000")
