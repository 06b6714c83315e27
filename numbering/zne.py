"""NUM-1: a site's ZNE (zone de numérotation élémentaire) from its INSEE commune code, through
the correspondence table shipped in ``data/zne_communes.csv`` (``insee;commune;zne``, an extract
of ARCEP's table of communes by ZNE)."""

import csv
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "zne_communes.csv"


@cache
def _table() -> dict[str, str]:
    with TABLE.open(encoding="utf-8") as handle:
        return {row["insee"]: row["zne"] for row in csv.DictReader(handle, delimiter=";")}


def zne_of_commune(insee_code: str) -> str:
    """The ZNE of a commune, or "" when the table does not know it."""
    return _table().get((insee_code or "").strip().upper(), "")


def zne_of_site(site) -> str:
    return zne_of_commune(site.insee_code) if site is not None else ""
