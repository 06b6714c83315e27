"""ACC-1: customer identifiers are checked with their keys (python-stdnum), not by shape."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import identifiers
from accounts.services import client_create
from tests.factories import ClientFactory


# ACC-1 — real identifiers of well-known French companies are accepted and normalised.
@pytest.mark.parametrize(
    "raw, expected",
    [("542 051 180", "542051180"), ("552081317", "552081317"), ("443 061 841", "443061841")],
)
def test_real_siren_accepted(raw, expected):
    assert identifiers.normalize_siren(raw) == expected


# ACC-1 — a wrong Luhn key or a wrong length is refused with the reason.
@pytest.mark.parametrize(
    "raw, reason",
    [("542051181", "check digit"), ("54205118", "length"), ("54205118A", "format")],
)
def test_wrong_siren_refused(raw, reason):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        identifiers.normalize_siren(raw)
    assert reason in str(error.value)


# ACC-1 — SIRET: 14 digits with its own key (TotalEnergies head office, EDF head office).
def test_siret():
    assert identifiers.normalize_siret("542 051 180 00066") == "54205118000066"
    assert identifiers.normalize_siret("55208131766522") == "55208131766522"
    with translation.override("en"), pytest.raises(ValidationError, match="check digit"):
        identifiers.normalize_siret("54205118000067")


# ACC-1 — intra-EU VAT numbers: the French key is derived from the SIREN; other EU countries use
# their own algorithm.
def test_vat_numbers():
    assert identifiers.normalize_vat_number("FR 59 542051180") == "FR59542051180"
    assert identifiers.normalize_vat_number("DE 136 695 976") == "DE136695976"
    with translation.override("en"), pytest.raises(ValidationError, match="VAT"):
        identifiers.normalize_vat_number("FR58542051180")
    with pytest.raises(ValidationError):
        identifiers.normalize_vat_number("DE136695977")


# ACC-1 — INSEE commune codes (not postal codes): Marseille 1er = 13201, Ajaccio = 2A004.
@pytest.mark.parametrize("code", ["13201", "2A004", "2b033", "97411"])
def test_insee_ok(code):
    assert identifiers.normalize_insee_code(code) == code.upper()


@pytest.mark.parametrize("code", ["1320", "2C004", "00123", "ABCDE"])
def test_insee_refused(code):
    with pytest.raises(ValidationError):
        identifiers.normalize_insee_code(code)


# ACC-1 — French postal codes: 5 digits, mainland, Corsica and overseas (97400 La Réunion).
@pytest.mark.parametrize("code", ["69003", "01000", "20000", "97400", "97200", " 75116 "])
def test_postal_code_ok(code):
    assert identifiers.normalize_postal_code(code) == code.strip()


@pytest.mark.parametrize("code", ["ABC", "6900", "690030", "00100", "96000", "69 003"])
def test_postal_code_refused(code):
    with translation.override("en"), pytest.raises(ValidationError, match="5 digits"):
        identifiers.normalize_postal_code(code)


# ACC-1 — a customer whose SIRET or VAT number belongs to another SIREN is refused field by field.
@pytest.mark.django_db
def test_client_identifiers_must_agree():
    data = {
        "legal_name": "Total",
        "siren": "542051180",
        "siret": "55208131766522",
        "vat_number": "FR59542051180",
        "address_line1": "2 place Jean Millier",
        "postal_code": "92400",
        "city": "Courbevoie",
    }
    with pytest.raises(ValidationError) as error:
        client_create(data=data)
    assert "siret" in error.value.message_dict
    data["siret"] = "54205118000066"
    data["vat_number"] = "FR03552081317"
    with pytest.raises(ValidationError) as error:
        client_create(data=data)
    assert list(error.value.message_dict) == ["vat_number"]


# ACC-1 — a SIRET alone gives the SIREN; neither is refused (B2B only).
@pytest.mark.django_db
def test_client_siren_from_siret_and_required():
    client = client_create(
        data={
            "legal_name": "EDF",
            "siret": "552 081 317 66522",
            "address_line1": "22-30 avenue de Wagram",
            "postal_code": "75008",
            "city": "Paris",
        }
    )
    assert (client.siren, client.siret) == ("552081317", "55208131766522")
    with pytest.raises(ValidationError) as error:
        client_create(
            data={
                "legal_name": "Nobody",
                "address_line1": "x",
                "postal_code": "75001",
                "city": "Paris",
            }
        )
    assert "siren" in error.value.message_dict


# ACC-1 — the database refuses a customer with neither identifier even if clean() is bypassed.
@pytest.mark.django_db
def test_client_identifier_constraint():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        ClientFactory(siren="", siret="", vat_number="")


# ACC-1 / ACC-3 — a partner-billed partner is the buyer on our invoices: its VAT number must be
# the one of its SIREN (Total's SIREN with another company's French VAT number is refused on
# the VAT field), as a customer's is.
@pytest.mark.django_db
def test_partner_vat_number_must_belong_to_its_siren():
    from tests.factories import PartnerFactory

    partner = PartnerFactory.build(siren="542051180", vat_number="FR03552081317")
    with pytest.raises(ValidationError) as error:
        partner.full_clean()
    assert list(error.value.message_dict) == ["vat_number"]
    partner.vat_number = "FR59542051180"
    partner.full_clean()


# ACC-1 / SPEC Money — Saint-Barthélemy (97133) and Saint-Martin (97150) share Guadeloupe's 971
# postal prefix but are outside the French VAT territory since 2007 (their own taxes, CGI art.
# 294 lists Guadeloupe, Martinique and Réunion only): before, a company of Gustavia was accepted
# at the 8.5 % rate (100.00 € HT invoiced 108.50 € TTC), and one of Nouméa (98800, New
# Caledonia, outside French VAT) at the standard 20 % (120.00 € TTC). Now both are refused with
# the field named; staff choose « exempt ». Guadeloupe (97110 Pointe-à-Pitre), Martinique, Réunion
# keep 8.5 %; Monaco written with a French address (98000) keeps 20 %.
@pytest.mark.parametrize(
    "regime, postal_code, refused",
    [
        ("overseas", "97133", True),  # Saint-Barthélemy
        ("overseas", "97150", True),  # Saint-Martin
        ("standard", "98800", True),  # Nouméa, New Caledonia
        ("standard", "98714", True),  # Papeete, French Polynesia
        ("standard", "97133", True),
        ("exempt", "97133", False),
        ("exempt", "98800", False),
        ("overseas", "97110", False),  # Pointe-à-Pitre, Guadeloupe
        ("overseas", "97200", False),  # Fort-de-France, Martinique
        ("overseas", "97400", False),  # Saint-Denis, Réunion
        ("standard", "98000", False),  # Monaco
        ("standard", "75002", False),
    ],
)
def test_vat_regime_of_territories_outside_french_vat(regime, postal_code, refused):
    errors = identifiers.check_vat_regime(
        vat_regime=regime, country="FR", postal_code=postal_code, vat_number=""
    )
    assert (list(errors) == ["vat_regime"]) is refused, errors
