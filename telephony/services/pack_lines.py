"""Packs as priced lines: ``count`` packs of ``channels`` channels at ``monthly_price`` each.

What a quote, a trunk's set-up, the period start and the portal pages show and compare; plain
values built from a ``PackSelection`` (TRK-2) or from the packs a trunk holds (its ledger).
"""

from dataclasses import dataclass
from decimal import Decimal

from kernel.languages import reads_english
from telephony.models import Pack, PackTable
from telephony.packs import PackSelection


@dataclass(frozen=True)
class PackLine:
    """``count`` packs of ``channels`` channels at ``monthly_price`` each (€ HT)."""

    channels: int
    count: int
    monthly_price: Decimal
    name: str = ""
    name_en: str = ""  # the pack's product in English, if entered (``kernel.languages``)

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and reads_english() else self.name

    @property
    def total(self) -> Decimal:
        return self.monthly_price * self.count

    def as_json(self) -> dict:
        return {
            "channels": self.channels,
            "count": self.count,
            "monthly_price": str(self.monthly_price),
        }


def selection_lines(selection: PackSelection, table: PackTable) -> list[PackLine]:
    """The packs of ``selection`` (pack sizes) at ``table``'s prices, largest first."""
    by_size = {p.channels: p for p in table.packs.all() if p.is_active}
    return [
        PackLine(
            size,
            count,
            by_size[size].monthly_price,
            by_size[size].product.name,
            by_size[size].product.name_en,
        )
        for size, count in selection.items()
    ]


def held_lines(held: dict[Pack, int]) -> list[PackLine]:
    """The packs held (pack → count, as ``selectors.packs_held`` gives them), largest first."""
    return [
        PackLine(pack.channels, count, pack.monthly_price, pack.product.name, pack.product.name_en)
        for pack, count in sorted(held.items(), key=lambda kv: -kv[0].channels)
        if count
    ]


def describe(lines: list[PackLine]) -> str:
    return " + ".join(f"{line.count}×{line.channels}" for line in lines) or "—"


def monthly(lines: list[PackLine]) -> Decimal:
    return sum((line.total for line in lines), Decimal("0"))
