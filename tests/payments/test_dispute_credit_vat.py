"""BIL-8 → BIL-9: an accepted dispute's credit note mirrors what it credits — each line at the
VAT category and rate the invoice charged (never a rate that was not charged, never the buyer's
regime of today), referencing the invoice (BT-25), and totalling exactly the disputed amount
incl. VAT. BIL-6: the late-charges invoice is paid, dunned and disputed like any invoice; a
partner invoice gets no late charges."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from lxml import etree

from accounts.choices import BillingMode
from billing import services as billing
from billing.en16931 import fatal
from billing.facturx_xml import NS, build_cii_xml
from billing.models import Invoice, InvoiceLine, PendingCharge
from billing.services.credit_notes import split_incl_vat
from billing.services.parties import seller_identity
from payments import services
from payments.models import CollectionCase, Dispute
from tests.factories import ClientFactory, PartnerFactory, SiteFactory
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


def xpath(xml: bytes, path: str) -> list[str]:
    return [
        node if isinstance(node, str) else node.text
        for node in etree.fromstring(xml).xpath(path, namespaces=NS)
    ]


def lines_of(note: Invoice) -> list[tuple]:
    return [
        (line.vat_category, line.vat_rate, line.net_amount)
        for line in note.lines.order_by("position")
    ]


def accept(invoice: Invoice, amount: str, *, opened=date(2026, 10, 5), decided=None) -> Invoice:
    dispute = services.dispute_open(
        invoice=invoice, amount=amount, reason="Not ordered", today=opened
    )
    with paris(decided or opened):
        return services.dispute_accept(dispute=dispute, note="Agreed")


def late_charges_invoice(client) -> tuple[Invoice, Invoice]:
    """BIL-6, the issue's case: 1 200.00 € TTC due 30/10/2026, paid 29/11/2026 (30 days late,
    ECB 2.15 % + 10 points: 1200 × 12.15 % × 30 / 365 = 11.98) → November's run issues a
    late-charges invoice of 11.98 + 40.00 = 51.98 € (outside the scope of VAT)."""
    late = issue_invoice(client, "1000.00")
    with paris(date(2026, 11, 29)):
        services.payment_record(
            client=client, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    billing.run_month_sync(month=NOV)
    return late, Invoice.objects.get(client=client, month=NOV, purpose="late_charges")


# BIL-8 / BIL-9 — the whole 40.00 € indemnity disputed on the late-charges invoice: the credit
# note is 40.00 net in category O, 0.00 VAT, 40.00 in all — not 33.33 + 6.67 VAT. It references
# the late-charges invoice and is set against it (51.98 − 40.00 = 11.98 left to pay).
def test_bil9_dispute_of_the_indemnity_is_credited_outside_vat(ecb):
    client = direct_customer()
    late, extra = late_charges_invoice(client)
    assert (extra.total_gross, extra.issue_date) == (Decimal("51.98"), date(2026, 11, 30))

    note = accept(extra, "40.00", opened=date(2026, 12, 3))

    assert lines_of(note) == [("O", Decimal("0.00"), Decimal("40.00"))]
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("40.00"),
        Decimal("0.00"),
        Decimal("40.00"),
    )
    assert note.corrects == extra
    assert services.invoice_state(extra).open == Decimal("11.98")
    xml = build_cii_xml(note)
    assert fatal(xml) == []
    assert xpath(xml, "//ram:SpecifiedTaxRegistration/ram:ID") == []  # BR-O-02..04
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [extra.number]
    # The late-charges invoice itself: category O only, no VAT identifier, BT-25 = the late one.
    extra_xml = build_cii_xml(extra)
    assert fatal(extra_xml) == []
    assert xpath(extra_xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [late.number]


# BIL-8 / BIL-9 — 50.00 € disputed on an invoice with one 20 % group: 50 / 1.2 = 41.666… →
# 41.67 net, VAT 41.67 × 20 % = 8.334 → 8.33, 41.67 + 8.33 = 50.00 exactly.
def test_bil9_dispute_at_20_percent():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    note = accept(invoice, "50.00")
    assert lines_of(note) == [("S", Decimal("20.00"), Decimal("41.67"))]
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("41.67"),
        Decimal("8.33"),
        Decimal("50.00"),
    )
    assert services.invoice_state(invoice).open == Decimal("1150.00")  # 1 200.00 − 50.00
    assert fatal(build_cii_xml(note)) == []


# BIL-8 / BIL-9 — boundaries at 20 %: the whole invoice (1 200.00 → exactly its 1 000.00 +
# 200.00), and one cent (0.01 → 0.01 net, VAT 0.002 → 0.00).
@pytest.mark.parametrize(
    ("disputed", "net", "vat"),
    [("1200.00", "1000.00", "200.00"), ("0.01", "0.01", "0.00"), ("0.06", "0.05", "0.01")],
)
def test_bil9_dispute_boundaries(disputed, net, vat):
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    note = accept(invoice, disputed)
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal(net),
        Decimal(vat),
        Decimal(disputed),
    )
    assert fatal(build_cii_xml(note)) == []


# BIL-9 — an amount no net gives at the invoice's rate (at 20 %: net 0.02 → 0.02 TTC, net 0.03
# → 0.03 + 0.006 → 0.01 = 0.04 TTC; nothing gives 0.03): the credit is the smallest amount
# above, one cent in the customer's favour (0.04), never a cent short that would leave the
# invoice due and dunned.
def test_bil9_unreachable_amount_rounds_in_the_customers_favour():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    note = accept(invoice, "0.03")
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("0.03"),
        Decimal("0.01"),
        Decimal("0.04"),
    )
    assert services.invoice_state(invoice).open == Decimal("1199.96")


# BIL-9 — a reverse-charge customer's invoice (category AE, 0 %) is credited in AE 0 %:
# 250.00 disputed → 250.00 net, 0.00 VAT.
def test_bil9_reverse_charge_credit_in_ae():
    client = direct_customer(vat_regime="reverse_charge", vat_number="DE136695976", country="DE")
    invoice = issue_invoice(client, "1000.00")
    assert invoice.vat_breakdown[0]["category"] == "AE"
    note = accept(invoice, "250.00")
    assert lines_of(note) == [("AE", Decimal("0.00"), Decimal("250.00"))]
    assert (note.total_vat, note.total_gross) == (Decimal("0.00"), Decimal("250.00"))
    xml = build_cii_xml(note)
    assert fatal(xml) == []
    groups = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    assert xpath(xml, groups) == ["AE"]


# BIL-9 — the customer's regime changed since the invoice (mainland → Réunion, 8.5 %): the
# dispute is credited at the invoice's 20 % (120.00 → 100.00 + 20.00), not at 8.5 %
# (which would have been 110.60 + 9.40).
def test_bil9_regime_changed_since_the_invoice():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    client.vat_regime = "overseas"
    client.save(update_fields=["vat_regime"])
    note = accept(invoice, "120.00")
    assert lines_of(note) == [("S", Decimal("20.00"), Decimal("100.00"))]
    assert (note.total_vat, note.total_gross) == (Decimal("20.00"), Decimal("120.00"))
    assert fatal(build_cii_xml(note)) == []


def legacy_mixed_invoice(client) -> Invoice:
    """An invoice issued before late charges had their own invoice: 100.00 at 20 % (120.00 TTC)
    and 51.98 outside the scope of VAT on one document — 171.98 TTC."""
    invoice = Invoice.objects.create(
        kind="invoice",
        status="issued",
        series="F",
        year=2026,
        sequence=900,
        number="F2026-000900",
        client=client,
        month=SEP,
        issue_date=date(2026, 9, 30),
        due_date=date(2026, 10, 30),
        seller=seller_identity(),
        buyer={"name": client.legal_name, "siren": client.siren},
        vat_breakdown=[
            {"category": "O", "rate": "0.00", "taxable": "51.98", "vat": "0.00"},
            {"category": "S", "rate": "20.00", "taxable": "100.00", "vat": "20.00"},
        ],
        total_net=Decimal("151.98"),
        total_vat=Decimal("20.00"),
        total_gross=Decimal("171.98"),
        amount_due=Decimal("171.98"),
    )
    for position, (kind, category, rate, net) in enumerate(
        [("subscription", "S", "20.00", "100.00"), ("recovery_indemnity", "O", "0.00", "51.98")],
        start=1,
    ):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            end_client=client,
            kind=kind,
            description=kind,
            quantity=1,
            unit_price=Decimal(net),
            net_amount=Decimal(net),
            vat_category=category,
            vat_rate=Decimal(rate),
        )
    return invoice


# BIL-8 / BIL-9 — an amount over several VAT groups (a legacy mixed invoice: S 20 % 120.00 TTC
# and O 51.98, 171.98 in all) is spread in proportion to each group's amount incl. VAT, the
# rounding cent on the largest: O 100 × 51.98 / 171.98 = 30.224… → 30.22; S takes the rest,
# 100.00 − 30.22 = 69.78 → 69.78 / 1.2 = 58.15 net + 11.63 VAT (58.15 × 20 % = 11.63).
# 30.22 + 58.15 + 11.63 = 100.00. The whole rest of the invoice (71.98) can then still be
# credited, not a cent more. (The run no longer issues such invoices; their credit notes mirror
# them, "O" beside "S" as on the invoice corrected, so they fail BR-O-11 just as it does.)
def test_bil9_dispute_spread_over_vat_groups():
    client = direct_customer()
    invoice = legacy_mixed_invoice(client)
    assert fatal(build_cii_xml(invoice)) != []  # BR-O-11: why such invoices are no longer made
    with pytest.raises(ValidationError, match="charged at this VAT rate"):  # O: 51.98 at most
        billing.credit_note_issue(
            corrects=invoice,
            lines=[billing.CreditLine("Too much", Decimal("51.99"), vat_category="O")],
            reason="x",
        )

    note = accept(invoice, "100.00")

    assert sorted(lines_of(note)) == [
        ("O", Decimal("0.00"), Decimal("30.22")),
        ("S", Decimal("20.00"), Decimal("58.15")),
    ]
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("88.37"),
        Decimal("11.63"),
        Decimal("100.00"),
    )
    rest = accept(invoice, "71.98", opened=date(2026, 10, 6))  # 21.76 O + 41.85 S + 8.37 VAT
    assert sorted(lines_of(rest)) == [
        ("O", Decimal("0.00"), Decimal("21.76")),
        ("S", Decimal("20.00"), Decimal("41.85")),
    ]
    assert rest.total_gross == Decimal("71.98")
    with pytest.raises(ValidationError, match="cannot exceed"):
        billing.credit_note_issue(
            corrects=invoice,
            lines=[billing.CreditLine("More", Decimal("0.01"), vat_category="O")],
            reason="x",
        )


# BIL-9 — the allocation as a pure function: proportional shares, the cent on the largest group,
# a group with nothing left to credit skipped, and never more than what is left.
def test_bil9_split_incl_vat():
    s20, o = ("S", Decimal("20"), Decimal("100.00")), ("O", Decimal("0"), Decimal("51.98"))
    assert split_incl_vat(Decimal("50.00"), [s20]) == [("S", Decimal("20"), Decimal("41.67"))]
    assert split_incl_vat(Decimal("171.98"), [o, s20]) == [
        ("O", Decimal("0"), Decimal("51.98")),
        ("S", Decimal("20"), Decimal("100.00")),
    ]
    assert split_incl_vat(Decimal("10.00"), [("O", Decimal("0"), Decimal("0")), s20]) == [
        ("S", Decimal("20"), Decimal("8.33"))  # 8.33 + 1.666 → 1.67 = 10.00
    ]
    with pytest.raises(ValidationError):
        split_incl_vat(Decimal("120.01"), [s20])


# BIL-8 — failure path: a dispute whose amount is no longer left to credit (the invoice was
# credited in full meanwhile) is not accepted: a clear error, no credit note, the dispute open.
def test_bil8_accept_beyond_what_is_left_writes_nothing():
    client = direct_customer()
    invoice = issue_invoice(client, "1000.00")
    dispute = services.dispute_open(
        invoice=invoice, amount="100.00", reason="Wrong", today=date(2026, 10, 5)
    )
    billing.credit_note_issue(
        corrects=invoice, lines=[billing.CreditLine("All", Decimal("1000.00"))], reason="All"
    )
    with paris(date(2026, 10, 6)), pytest.raises(ValidationError, match="left to credit"):
        services.dispute_accept(dispute=dispute, note="Agreed")
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# BIL-6 / BIL-7 — the late-charges invoice is due 30 days after issue and dunned like any
# invoice: reminded the day after its due date (30/12/2026 → 31/12/2026).
def test_bil7_late_charges_invoice_is_dunned(ecb):
    client = direct_customer()
    _late, extra = late_charges_invoice(client)
    assert extra.due_date == date(2026, 12, 30)
    services.collection_run(today=date(2026, 12, 30))
    assert not CollectionCase.objects.filter(invoice=extra, stage="reminded").exists()
    services.collection_run(today=date(2026, 12, 31))
    assert CollectionCase.objects.get(invoice=extra).stage == "reminded"


# BIL-6 + ACC-3 (PLATFORM 12.5.1, Code de commerce L441-10) — a partner-billed partner's invoice
# of 1 200.00 € paid 30 days late bears late charges as a customer's does: 1 200.00 × 12.15 % ×
# 30 / 365 = 11.98 € of interest and the 40.00 € indemnity, posted for the partner (no end
# customer) and billed by the next run on the partner's late-charges invoice, 51.98 €.
def test_bil6_partner_invoice_paid_late_gets_its_late_charges(ecb):
    partner = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    end_customer = ClientFactory(partner=partner)
    SiteFactory(client=end_customer)
    billing.charge_post(
        client=end_customer,
        kind="setup",
        source_type="test",
        source_id="p-setup",
        period_start=SEP,
        description="Installation",
        unit_price=Decimal("1000.00"),
    )
    billing.run_month_sync(month=SEP)
    invoice = Invoice.objects.get(partner=partner, month=SEP)
    with paris(date(2026, 11, 29)):
        services.payment_record(
            partner=partner, amount="1200.00", method="transfer", received_on=date(2026, 11, 29)
        )
    services.collection_run(today=date(2026, 11, 30))
    assert services.invoice_state(invoice).open == 0
    late_kinds = ["late_interest", "recovery_indemnity"]
    posted = PendingCharge.objects.filter(kind__in=late_kinds).order_by("kind")
    assert [(c.kind, c.client, c.partner, c.unit_price) for c in posted] == [
        ("late_interest", None, partner, Decimal("11.9800")),
        ("recovery_indemnity", None, partner, Decimal("40.0000")),
    ]
    billing.run_month_sync(month=NOV)
    late = Invoice.objects.get(partner=partner, purpose="late_charges")
    assert (late.total_gross, list(late.preceding_invoices.all())) == (Decimal("51.98"), [invoice])


# BIL-3 / BIL-9 — a dispute of 60.00 TTC accepted by a staff member reading the console in
# English: the credit note (50.00 HT + 10.00 VAT at 20 %) is a French document, line and reason.
def test_bil9_credit_note_of_a_dispute_accepted_in_english_is_french():
    from django.utils import translation

    client = direct_customer()
    invoice = issue_invoice(client, "100.00")
    dispute = services.dispute_open(
        invoice=invoice, amount="60.00", reason="Not ordered", today=date(2026, 10, 5)
    )
    with paris(date(2026, 10, 5)), translation.override("en"):
        note = services.dispute_accept(dispute=dispute)
    line = note.lines.get()
    assert (line.description, line.net_amount) == (
        f"Contestation acceptée — facture {invoice.number}",
        Decimal("50.00"),
    )
    assert note.reason == f"Contestation de la facture {invoice.number} acceptée"
