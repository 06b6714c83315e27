"""BIL-4: the pain.008.001.02 file of a direct-debit batch, built with ``sepaxml``."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import holidays
from django.conf import settings
from sepaxml import SepaDD

SCHEMA = "pain.008.001.02"


# The SEPA area's IBAN country codes (EPC list of the SEPA schemes' geographical scope): the EU
# and the EEA, Switzerland, the United Kingdom, Monaco, San Marino, the Vatican, Andorra and
# Gibraltar (the French overseas departments, Åland, the Canaries… bank under FR, FI, ES…), and
# Albania, Moldova, Montenegro and North Macedonia, admitted in 2025. A pain.008 collection
# from an account elsewhere is rejected by the bank (BIL-4).
SEPA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "IS LI NO CH GB MC SM VA AD GI AL MD ME MK".split()
)


def in_sepa_area(iban: str) -> bool:
    """BIL-4: whether a (valid, compact) IBAN is an account a SEPA direct debit can collect."""
    return iban[:2].upper() in SEPA_COUNTRIES


@lru_cache(maxsize=16)
def _target2_holidays(year: int) -> frozenset[date]:
    """The TARGET2 closing days of ``year`` besides weekends: 1 January, Good Friday, Easter
    Monday, 1 May, 25 and 26 December (the ECB's calendar, ``holidays``' XECB)."""
    return frozenset(holidays.financial_holidays("XECB", years=year).keys())


def is_target2_day(day: date) -> bool:
    """BIL-4: a day banks settle SEPA collections on (a TARGET2 business day)."""
    return day.isoweekday() <= 5 and day not in _target2_holidays(day.year)


def next_target2_day(day: date) -> date:
    """The first TARGET2 business day on or after ``day``."""
    while not is_target2_day(day):
        day += timedelta(days=1)
    return day


# SEPA Core rulebook: the debtor is told the amount and date of a collection at least 14
# calendar days before it (no contract agrees a shorter notice). The invoice is that notice for
# its first presentation (BIL-4); after a reject, the reject e-mail is the notice of the next one.
REPRESENT_NOTICE_DAYS = 14


def represent_date(rejected_on: date) -> date:
    """The earliest day a rejected debit's invoice is collected again: 14 days after the reject
    was told, on a TARGET2 business day."""
    return next_target2_day(rejected_on + timedelta(days=REPRESENT_NOTICE_DAYS))


def earliest_collection_date(today: date) -> date:
    """BIL-4 (SEPA Core rulebook, D-1): the bank must receive the file at least one TARGET2
    business day before the collection date — the file made ``today`` reaches it on the first
    business day from today, so it collects on the business day after that at the earliest."""
    return next_target2_day(next_target2_day(today) + timedelta(days=1))


@dataclass(frozen=True)
class Collection:
    end_to_end_id: str
    amount: Decimal  # euros, 2 decimals
    debtor_name: str
    iban: str
    bic: str
    mandate_reference: str
    mandate_signed_on: date
    sequence_type: str  # FRST or RCUR
    description: str


def pain008(collections: list[Collection], collection_date: date) -> bytes:
    """The XML of the batch, validated by ``sepaxml`` against the pain.008.001.02 schema."""
    creditor = settings.SEPA_CREDITOR
    sepa = SepaDD(
        {
            "name": creditor["name"],
            "IBAN": creditor["IBAN"],
            "BIC": creditor["BIC"],
            "batch": True,
            "creditor_id": creditor["creditor_id"],
            "currency": "EUR",
        },
        schema=SCHEMA,
    )
    for c in collections:
        sepa.add_payment(
            {
                "name": c.debtor_name,
                "IBAN": c.iban,
                "BIC": c.bic,
                "amount": int((c.amount * 100).to_integral_value()),
                "type": c.sequence_type,
                "collection_date": collection_date,
                "mandate_id": c.mandate_reference,
                "mandate_date": c.mandate_signed_on,
                "description": c.description,
                "endtoend_id": c.end_to_end_id,
            }
        )
    return sepa.export(validate=True)
