"""Number use cases: ``inventory`` (ranges imported from the numbering plan, NUM-1),
``assignment`` (search, assign, release, quarantine, NUM-2)."""

from numbering.services.assignment import (
    assign_numbers,
    quarantine_ended,
    release_numbers,
    search_available,
)
from numbering.services.inventory import import_ranges, parse_ranges

__all__ = [
    "assign_numbers",
    "import_ranges",
    "parse_ranges",
    "quarantine_ended",
    "release_numbers",
    "search_available",
]
