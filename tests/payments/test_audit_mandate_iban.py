"""BIL-4: a SEPA CORE mandate debits an account of the SEPA area — a valid IBAN of a country
outside it (Turkey, Tunisia) cannot be collected by a pain.008 file and is refused."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from payments import services
from payments.models import Mandate
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db


def create(client, iban, bic):
    return services.mandate_create(
        client=client,
        account_holder=client.legal_name,
        iban=iban,
        bic=bic,
        signed_on=date(2026, 9, 1),
    )


# BIL-4 — a Turkish and a Tunisian IBAN (both with valid check digits) are refused on the
# IBAN field (before: recorded, then put in the pain.008 file the bank rejects); Swiss and
# British IBANs, in the SEPA area outside the EU, are accepted.
@pytest.mark.parametrize(
    ("iban", "bic"),
    [("TR330006100519786457841326", "TGBATRISXXX"), ("TN5910006035183598478831", "BTBKTNTTXXX")],
)
def test_bil4_mandate_iban_outside_the_sepa_area_is_refused(iban, bic):
    client = direct_customer()
    with pytest.raises(ValidationError) as exc:
        create(client, iban, bic)
    assert set(exc.value.message_dict) == {"iban"}
    assert "SEPA" in exc.value.message_dict["iban"][0]
    assert not Mandate.objects.exists()


@pytest.mark.parametrize(
    ("iban", "bic"),
    [("CH9300762011623852957", "UBSWCHZH80A"), ("GB29NWBK60161331926819", "NWBKGB2LXXX")],
)
def test_bil4_mandate_iban_of_the_sepa_area_outside_the_eu_is_accepted(iban, bic):
    assert create(direct_customer(), iban, bic).iban == iban


# BIL-4 — the mandate reference (RUM) goes into the pain.008 file as the mandate id: the SEPA
# character set only (letters without accents, digits, / - ? : ( ) . , ' + and space), no "/"
# at either end nor "//", unique whatever the case. "RUM_ÉTÉ#1", "/RUM-1", "RUM//1" and
# "rum-demo-1" beside "RUM-DEMO-1" are refused on the reference field (before: recorded, then
# rejected by the bank with the whole batch's file).
@pytest.mark.parametrize("reference", ["RUM_ÉTÉ#1", "/RUM-1", "RUM//1", "rum-demo-1"])
def test_bil4_mandate_reference_outside_the_sepa_rules_is_refused(reference):
    services.mandate_create(
        client=direct_customer(),
        account_holder="Demo",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
        signed_on=date(2026, 9, 1),
        reference="RUM-DEMO-1",
    )
    client = direct_customer()
    with pytest.raises(ValidationError) as exc:
        services.mandate_create(
            client=client,
            account_holder=client.legal_name,
            iban="FR1420041010050500013M02606",
            bic="PSSTFRPPPAR",
            signed_on=date(2026, 9, 1),
            reference=reference,
        )
    assert set(exc.value.message_dict) == {"reference"}
    assert not Mandate.objects.filter(client=client).exists()
