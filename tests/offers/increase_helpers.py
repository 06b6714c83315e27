"""What the PLATFORM 28 / 7.2.1 increase cases share: the clock in Paris and the contract's CAPS
line. Their fixtures (``contract``, ``staff``, ``asked``) are in ``tests/offers/conftest.py``."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def caps(contract):
    return contract.lines.get(product__code="opt-caps")
