"""ACC-3 + SPEC Money: a partner-billed partner is the buyer of its monthly invoice, so the rate
of that invoice follows the partner's own VAT regime (its billing address), not a fixed 20 %.

Every amount is computed by hand in the comment above its assertion."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import services
from billing.choices import ChargeKind, VatCategory
from billing.models import Invoice
from tests.billing.test_einvoice_rules import assert_en16931, post
from tests.factories import ClientFactory, PartnerFactory

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def reunion_partner(**kwargs):
    return PartnerFactory(
        name="Océan Indien Télécom",
        address_line1="12 rue de Paris",
        postal_code="97400",
        city="Saint-Denis",
        vat_regime="overseas",
        **kwargs,
    )


# BIL-1 / BIL-3 (SPEC Money: 8.5 % in Guadeloupe, Martinique and Réunion) — a partner-billed
# partner established in Saint-Denis de La Réunion is invoiced for its customers' services at
# 8.5 %: 100.00 + 40.00 = 140.00 HT × 8.5 % = 11.90 → 151.90 TTC (it was invoiced at 20 %:
# 28.00 of VAT → 168.00 TTC, 16.10 € too much).
def test_partner_billed_partner_in_reunion_is_invoiced_at_8_5():
    partner = reunion_partner()
    durand = ClientFactory(
        partner=partner, postal_code="97400", city="Saint-Denis", vat_regime="overseas"
    )
    martin = ClientFactory(partner=partner)
    post(durand, ChargeKind.SUBSCRIPTION, "100", source="sub-durand", start=OCT)
    post(martin, ChargeKind.SUBSCRIPTION, "40", source="sub-martin", start=OCT)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(partner=partner, kind="invoice")
    assert set(invoice.lines.values_list("vat_category", "vat_rate")) == {
        (VatCategory.STANDARD, Decimal("8.50"))
    }
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("140.00"),
        Decimal("11.90"),
        Decimal("151.90"),
    )
    assert invoice.buyer["vat_regime"] == "overseas"
    assert_en16931(invoice)


# BIL-9 — a goodwill credit of 10.00 € HT to a customer of that partner, before the partner was
# ever invoiced, is at the partner's rate: 10.00 × 8.5 % = 0.85 → 10.85 TTC (not 12.00).
def test_credit_to_a_partner_never_invoiced_takes_its_regime():
    partner = reunion_partner()
    client = ClientFactory(partner=partner)
    note = services.credit_note_issue(
        client=client,
        lines=[services.CreditLine("Geste commercial", Decimal("10.00"))],
        reason="Geste commercial",
    )
    assert note.partner == partner
    assert (note.total_vat, note.total_gross) == (Decimal("0.85"), Decimal("10.85"))


# ACC-3 — the partner's regime must fit its billing address, as a customer's does (ACC-1): a
# partner in Réunion left at the mainland 20 % is refused, with the field named.
def test_partner_regime_must_fit_its_address():
    partner = PartnerFactory.build(postal_code="97400", city="Saint-Denis", vat_regime="standard")
    with pytest.raises(ValidationError) as error:
        partner.full_clean()
    assert "vat_regime" in error.value.message_dict


# ACC-3 / BIL-9 — a credit note correcting a partner's monthly invoice names, on each line, the
# end customer of the invoice line it credits (as the invoice did), so the partner knows whom
# to credit in turn: 40.00 € HT credited on Martin's line of 40.00 → « Client final Martin &
# Fils SAS » on the credit note's line, in its XML and its buyer block; 40.00 + 20 % = 48.00.
def test_partner_credit_note_names_the_end_customer_of_the_line_it_credits():
    partner = PartnerFactory(name="Orbit")
    durand = ClientFactory(partner=partner, legal_name="Cabinet Durand SARL")
    martin = ClientFactory(partner=partner, legal_name="Martin & Fils SAS")
    post(durand, ChargeKind.SUBSCRIPTION, "100", source="sub-durand", start=OCT)
    post(martin, ChargeKind.SUBSCRIPTION, "40", source="sub-martin", start=OCT)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(partner=partner, kind="invoice")
    note = services.credit_note_issue(
        corrects=invoice,
        lines=[services.CreditLine("Correction", Decimal("40.00"))],
        reason="Abonnement facturé à tort",
    )
    assert note.total_gross == Decimal("48.00")
    [line] = note.lines.all()
    assert line.credited_line.end_client == martin
    assert line.end_client == martin
    assert note.buyer["end_clients"] == {str(martin.pk): "Martin & Fils SAS"}
    assert b"Client final Martin &amp; Fils SAS" in assert_en16931(note)
