"""BIL-4: the pain.008.001.02 file of a direct-debit batch, built with ``sepaxml``."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from sepaxml import SepaDD

SCHEMA = "pain.008.001.02"


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
