"""BIL-9: a credit note's lines carry the VAT category and rate of what they credit — the
corrected invoice's VAT group, or, without an invoice (SLA and goodwill credits, SLA-10 /
SLA-12), the rate last charged for the credited service — never a rate that was not charged."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from billing import services
from billing.choices import ChargeKind, VatCategory
from billing.en16931 import fatal
from billing.facturx_xml import build_cii_xml
from billing.models import Invoice
from offers import services as offers
from offers.models import Offer
from tests.factories import ClientFactory, SiteFactory

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf_english(settings):
    settings.BILLING_RENDER_PDF = False
    with translation.override("en"):
        yield


def customer(**kwargs):
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    return client


def contract_of(client, price):
    contract = offers.contract_create(
        client=client,
        offer=Offer.objects.get(code="sip-unl"),
        site=client.sites.first(),
        signature_date=SEP,
        order_date=SEP,
        quantity=1,
    )
    contract.lines.update(unit_monthly_price=Decimal(price))
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=SEP)
    return contract


def lines_of(note):
    return [(line.vat_category, line.vat_rate, line.net_amount) for line in note.lines.all()]


def credit(*, amount, reason="SLA credit", **kwargs):
    return services.credit_note_issue(
        lines=[services.CreditLine("Credit", Decimal(amount), **kwargs.pop("line", {}))],
        reason=reason,
        issue_date=date(2026, 11, 5),
        **kwargs,
    )


# BIL-9 / SLA-10 — an SLA or goodwill credit (no corrected invoice) is at the rate charged for
# the service: the customer was invoiced at 20 % in September and October, then moved to
# Réunion (8.5 %): a 10.00 € credit is 10.00 + 2.00 VAT = 12.00, not 10.00 + 0.85.
def test_bil9_sla_credit_at_the_rate_charged_not_todays_regime():
    client = customer()
    contract_of(client, "19.90")
    services.run_month_sync(month=SEP)
    services.run_month_sync(month=OCT)
    client.vat_regime = "overseas"
    client.save(update_fields=["vat_regime"])

    note = credit(client=client, amount="10.00")

    assert lines_of(note) == [("S", Decimal("20.00"), Decimal("10.00"))]
    assert (note.total_vat, note.total_gross) == (Decimal("2.00"), Decimal("12.00"))
    assert fatal(build_cii_xml(note)) == []


# BIL-9 — with the credited service named (the contract, a day of the credited month), the
# rate is the one of that service's line covering the day: October's service was invoiced at
# 20 % by September's run; November's at 8.5 % by October's run (regime changed in between).
# A credit for October: 50.00 + 10.00 = 60.00; for November: 50.00 + 4.25 = 54.25; a customer
# never invoiced yet: its regime's rate (8.5 %: 50.00 + 4.25).
def test_bil9_credit_for_a_named_service_and_day():
    client = customer()
    contract = contract_of(client, "100.00")
    services.run_month_sync(month=SEP)  # October in advance, at 20 %
    client.vat_regime = "overseas"
    client.save(update_fields=["vat_regime"])
    services.run_month_sync(month=OCT)  # November in advance, at 8.5 %

    october = credit(
        client=client, amount="50.00", line={"contract": contract, "service_date": OCT}
    )
    november = credit(
        client=client, amount="50.00", line={"contract": contract, "service_date": NOV}
    )
    newcomer = credit(client=customer(vat_regime="overseas"), amount="50.00")

    assert lines_of(october) == [("S", Decimal("20.00"), Decimal("50.00"))]
    assert october.total_gross == Decimal("60.00")
    assert lines_of(november) == [("S", Decimal("8.50"), Decimal("50.00"))]
    assert november.total_gross == Decimal("54.25")
    assert lines_of(newcomer) == [("S", Decimal("8.50"), Decimal("50.00"))]
    for note in (october, november, newcomer):
        assert fatal(build_cii_xml(note)) == []


# BIL-9 — correcting an invoice without naming the VAT: its one group subject to VAT; on a
# late-charges invoice (BIL-6), its only group, O (40.00 → 40.00, 0.00 VAT, no VAT identifier).
def test_bil9_correction_takes_the_invoices_group():
    client = customer()
    contract_of(client, "19.90")
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=client, month=SEP)
    services.charge_post(
        client=client,
        kind=ChargeKind.RECOVERY_INDEMNITY,
        source_type="late_invoice_indemnity",
        source_id=september.pk,
        period_start=september.due_date,
        description="Indemnity",
        unit_price=Decimal("40.00"),
        vat_category=VatCategory.OUTSIDE_SCOPE,
    )
    services.run_month_sync(month=OCT)
    extra = Invoice.objects.get(client=client, month=OCT, purpose="late_charges")

    on_september = credit(corrects=september, amount="5.00")
    on_extra = credit(corrects=extra, amount="40.00")

    assert lines_of(on_september) == [("S", Decimal("20.00"), Decimal("5.00"))]
    assert lines_of(on_extra) == [("O", Decimal("0.00"), Decimal("40.00"))]
    assert (on_extra.total_vat, on_extra.total_gross) == (Decimal("0.00"), Decimal("40.00"))
    for note in (on_september, on_extra):
        assert fatal(build_cii_xml(note)) == []


# BIL-9 — failure paths, nothing written: a VAT category the invoice did not charge; more than
# the invoice (September's run billed September and October at 19.90: 39.80 at 20 %, so 39.81
# is refused and 39.80 is fine); an amount incl. VAT without the invoice to spread it over; a
# credit note "correcting" a credit note; a customer never invoiced at the VAT category asked.
def test_bil9_credit_refusals():
    client = customer()
    contract_of(client, "19.90")
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=client, month=SEP)
    assert september.total_net == Decimal("39.80")
    with pytest.raises(ValidationError, match="charged no VAT at this category"):
        credit(corrects=september, amount="1.00", line={"vat_category": "AE"})
    with pytest.raises(ValidationError, match="cannot exceed"):
        credit(corrects=september, amount="39.81")
    with pytest.raises(ValidationError, match="name the invoice"):
        credit(client=client, amount="1.00", line={"includes_vat": True})
    with pytest.raises(ValidationError, match="never invoiced at this VAT category"):
        credit(client=client, amount="1.00", line={"vat_category": "AE"})
    note = credit(corrects=september, amount="39.80")  # the whole of it is fine
    with pytest.raises(ValidationError, match="corrects an issued invoice"):
        credit(corrects=note, amount="1.00")
    assert list(Invoice.objects.filter(kind="credit_note")) == [note]


# BIL-9 — the credit notes of an invoice never credit more VAT than it charged. September's run
# billed September and October at 5.03: 10.06 + VAT 2.01 (2.012) = 12.07. Two notes of 5.03:
# the first 5.03 + 1.01 (1.006) = 6.04, the second completes the invoice and carries the 1.00 of
# VAT left (not 1.01): 12.07 credited in all, not 12.08. EN 16931 accepts a group's VAT within
# one unit of its rounded rate (BR-CO-17).
def test_bil9_the_note_completing_an_invoice_takes_the_vat_left():
    client = customer()
    contract_of(client, "5.03")
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=client, month=SEP)
    assert (september.total_vat, september.total_gross) == (Decimal("2.01"), Decimal("12.07"))

    first = credit(corrects=september, amount="5.03")
    second = credit(corrects=september, amount="5.03")

    assert (first.total_vat, first.total_gross) == (Decimal("1.01"), Decimal("6.04"))
    assert (second.total_vat, second.total_gross) == (Decimal("1.00"), Decimal("6.03"))
    assert second.vat_breakdown[0]["vat"] == "1.00"
    assert fatal(build_cii_xml(second)) == []


# BIL-9 — the same cap on a credit incl. VAT: after a first note of 6.04, 6.03 incl. VAT is
# what is left (not 6.04): 6.04 is refused, 6.03 credits 5.03 + 1.00. And three notes of 5.02,
# 5.02 and 0.02: VAT 1.00 (1.004), 1.00, then the 0.01 left (0.004 would round to 0.00) = 2.01.
def test_bil9_vat_left_incl_vat_and_in_three_notes():
    client = customer()
    contract_of(client, "5.03")
    services.run_month_sync(month=SEP)
    september = Invoice.objects.get(client=client, month=SEP)
    credit(corrects=september, amount="5.03")
    with pytest.raises(ValidationError, match="6.03"):
        credit(corrects=september, amount="6.04", line={"includes_vat": True})
    rest = credit(corrects=september, amount="6.03", line={"includes_vat": True})
    assert (rest.total_net, rest.total_vat, rest.total_gross) == (
        Decimal("5.03"),
        Decimal("1.00"),
        Decimal("6.03"),
    )

    other = customer()
    contract_of(other, "5.03")
    services.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(client=other, month=SEP)
    notes = [credit(corrects=invoice, amount=a) for a in ("5.02", "5.02", "0.02")]
    assert [n.total_vat for n in notes] == [Decimal("1.00"), Decimal("1.00"), Decimal("0.01")]
    assert sum(n.total_gross for n in notes) == invoice.total_gross == Decimal("12.07")
