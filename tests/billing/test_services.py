"""The month-end run (BIL-1, BIL-5), numbering (BIL-2), credit notes (BIL-9), VAT (Money)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.choices import BillingMode
from billing import services, tasks
from billing.choices import ChargeKind, VatCategory
from billing.models import Invoice, InvoiceLine, PendingCharge
from billing.services import issuing
from offers import services as offers
from offers.models import Offer, Termination
from tests.factories import ClientFactory, PartnerFactory, SiteFactory

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)
NOV = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def active_contract(client, code, *, start, quantity=1, price=None, signed=None):
    offer = Offer.objects.get(code=code)
    contract = offers.contract_create(
        client=client,
        offer=offer,
        site=client.sites.first(),
        signature_date=signed or start,
        order_date=signed or start,
        quantity=quantity,
    )
    if price is not None:
        contract.lines.update(unit_monthly_price=Decimal(price))
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=start)
    return contract


def consumption(client, contract, amount, *, day=date(2026, 10, 20), source="cdr-batch-1", vat=""):
    return services.charge_post(
        client=client,
        contract=contract,
        kind=ChargeKind.CONSUMPTION,
        source_type="usage",
        source_id=source,
        period_start=day,
        description="Calls",
        unit_price=Decimal(amount),
        vat_category=vat,
    )


def customer(**kwargs):
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    return client


# BIL-1 — the run of October (dated 2026-10-31): November in advance, October's first month pro
# rata by days (service from 2026-10-17: 15 days of 31), consumption of October in arrears.
# TRUNK 4 channels: the trunk set up at activation holds the best tariff (TRK-2), one 4-pack at
# 17.00 a month (not 4 × 5.00 = 20.00); pro rata unit 17 × 15/31 = 8.2258 → 1 × 8.2258 = 8.23.
def test_run_bills_advance_prorata_and_consumption():
    client = customer()
    contract = active_contract(client, "trunk", start=date(2026, 10, 17), quantity=4)
    consumption(client, contract, "12.3456")
    run = services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)
    assert (run.status, run.total, run.done) == ("done", 1, 1)
    assert (invoice.issue_date, invoice.due_date) == (date(2026, 10, 31), date(2026, 11, 30))
    lines = {(line.kind, line.period_start): line for line in invoice.lines.all()}
    prorata = lines[("prorata", date(2026, 10, 17))]
    assert (prorata.unit_price, prorata.quantity, prorata.net_amount) == (
        Decimal("8.2258"),
        Decimal("1"),
        Decimal("8.23"),
    )
    assert lines[("subscription", NOV)].net_amount == Decimal("17.00")
    assert lines[("consumption", date(2026, 10, 20))].net_amount == Decimal("12.35")
    # 8.23 + 17.00 + 12.35 = 37.58; VAT 20 % on the total: 7.516 → 7.52; TTC 45.10
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("37.58"),
        Decimal("7.52"),
        Decimal("45.10"),
    )
    assert invoice.lines.get(kind="subscription").contract_reference == contract.reference


# BIL-1 — idempotent: the run executed twice gives the same invoices and charges.
def test_run_twice_same_result():
    client = customer()
    active_contract(client, "sip-unl", start=date(2026, 9, 1), quantity=2)
    services.run_month_sync(month=OCT)
    first = list(Invoice.objects.values_list("number", "total_gross"))
    services.run_month_sync(month=OCT)
    assert list(Invoice.objects.values_list("number", "total_gross")) == first
    assert PendingCharge.objects.count() == InvoiceLine.objects.count() == 1


# BIL-1 — priced as the contract will stand on the 1st of M+1: a contract terminated effective
# 2026-11-01 gets no November subscription; its October is already due (every started month).
def test_terminated_on_first_not_billed_in_advance():
    client = customer()
    contract = active_contract(client, "sip-unl", start=date(2026, 9, 1))
    from offers.models import Termination

    services.run_month_sync(month=date(2026, 9, 1))
    Termination.objects.create(
        contract=contract,
        notice_at="2026-10-10T10:00Z",
        notice_date=date(2026, 10, 10),
        effective_date=NOV,
        fee_rule="none",
        fee_start=NOV,
        fee_amount=0,
        previous_status="active",
    )
    services.run_month_sync(month=OCT)
    assert InvoiceLine.objects.filter(end_client=client, period_start=OCT).exists()
    assert not InvoiceLine.objects.filter(end_client=client, period_start=NOV).exists()


# BIL-1 + CON-5 — the termination fee is invoiced by the run once its termination is effective.
def test_termination_fee_invoiced_once():
    client = customer()
    contract = active_contract(client, "hosted-a", start=date(2025, 3, 1), price="250.00")
    import time_machine

    with time_machine.travel(date(2026, 10, 15)):
        termination = offers.contract_request_termination(
            contract=contract, requested_date=date(2026, 11, 15)
        )
    assert termination.fee_amount == Decimal("1875.00")
    services.run_month_sync(month=OCT)  # effective 11-15: not yet by the run of October
    assert not InvoiceLine.objects.filter(kind="termination_fee").exists()
    # the November run (after the effective date) bills the fee, and only once
    services.run_month_sync(month=NOV)
    services.run_month_sync(month=NOV)
    fee = InvoiceLine.objects.get(kind="termination_fee")
    assert fee.net_amount == Decimal("1875.00") and fee.vat_category == "S"
    # no December subscription: the contract ends on 2026-11-15
    assert not InvoiceLine.objects.filter(
        kind="subscription", period_start=date(2026, 12, 1)
    ).exists()


# BIL-5 — the issue's case: a PLATFORM month totalling 145.30 € HT (subscription 100.00 +
# consumption 45.30) is topped up by 54.70 € to the 200.00 € commitment.
def test_minimum_commitment_topup():
    client = customer()
    contract = active_contract(client, "platform", start=date(2026, 9, 1), price="100.00")
    services.run_month_sync(month=date(2026, 9, 1))  # bills October in advance
    consumption(client, contract, "45.30")
    services.run_month_sync(month=OCT)
    # September (100.00, no consumption) was topped up by 100.00 in the September run
    assert InvoiceLine.objects.get(
        kind="commitment_topup", invoice__month=date(2026, 9, 1)
    ).net_amount == Decimal("100.00")
    topup = InvoiceLine.objects.get(kind="commitment_topup", invoice__month=OCT)
    assert topup.net_amount == Decimal("54.70")


# BIL-5 — a case no issue shows: consumption above the gap → no top-up; a month started on the
# 10th (21 of 30 days) owes the full commitment, never pro rata (PLATFORM 24.4.4): pro-rated
# subscription 150 × 21/30 = 105.00 → top-up 200.00 − 105.00 = 95.00 (it was 35.00 when the
# commitment itself was pro-rated, 140.00). Penalties do not count towards the commitment.
def test_minimum_commitment_cases():
    rich, partial = customer(), customer()
    a = active_contract(rich, "platform", start=date(2026, 9, 1))  # 150.00 a month
    active_contract(partial, "platform", start=date(2026, 9, 10))
    services.charge_post(
        client=partial,
        kind=ChargeKind.PENALTY,
        source_type="penalty",
        source_id="p1",
        period_start=date(2026, 9, 20),
        description="Penalty",
        unit_price=Decimal("500"),
    )
    consumption(rich, a, "60.00", day=date(2026, 9, 12))
    services.run_month_sync(month=date(2026, 9, 1))
    assert not InvoiceLine.objects.filter(kind="commitment_topup", end_client=rich).exists()
    topup = InvoiceLine.objects.get(kind="commitment_topup", end_client=partial)
    assert topup.net_amount == Decimal("95.00")


# BIL-2 — numbers are gapless per series and year, allocated at issue in issue order.
def test_numbering_gapless():
    clients = [customer() for _ in range(3)]
    for client in clients:
        active_contract(client, "sip-unl", start=date(2026, 9, 1))
    services.run_month_sync(month=OCT)
    note = services.credit_note_issue(
        client=clients[0],
        lines=[services.CreditLine("Goodwill", Decimal("5"))],
        reason="Outage",
        issue_date=date(2026, 11, 3),
    )
    numbers = sorted(Invoice.objects.filter(kind="invoice").values_list("number", flat=True))
    assert numbers == ["F2026-000001", "F2026-000002", "F2026-000003"]
    assert note.number == "A2026-000001"


# BIL-2 — issued documents never change: refused by the model and by the database.
def test_issued_invoice_immutable():
    client = customer()
    active_contract(client, "sip-unl", start=date(2026, 9, 1))
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get()
    invoice.total_net = Decimal("1")
    with pytest.raises(ValueError):
        invoice.save()
    with pytest.raises(ValueError):
        invoice.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():
            Invoice.objects.filter(pk=invoice.pk).update(total_net=Decimal("1"))
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceLine.objects.filter(invoice=invoice).update(net_amount=Decimal("0"))
    invoice.refresh_from_db()
    assert invoice.total_net == Decimal("19.90")


# BIL-9 — a credit note is its own document (series A), references the invoice it corrects,
# and is applied under the next invoice's total, never as a negative line.
def test_credit_note_applied_to_next_invoice():
    client = customer()
    active_contract(client, "sip-unl", start=date(2026, 9, 1))  # 19.90 HT, 23.88 TTC
    services.run_month_sync(month=date(2026, 9, 1))
    september = Invoice.objects.get()
    note = services.credit_note_issue(
        corrects=september,
        lines=[services.CreditLine("SLA credit", Decimal("10.00"))],
        reason="SLA credit",
        issue_date=date(2026, 10, 5),
    )
    assert (note.kind, note.total_net, note.total_vat, note.total_gross, note.corrects) == (
        "credit_note",
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
        september,
    )
    services.run_month_sync(month=OCT)
    october = Invoice.objects.get(month=OCT)
    assert (october.total_gross, october.credit_applied, october.amount_due) == (
        Decimal("23.88"),
        Decimal("12.00"),
        Decimal("11.88"),
    )
    assert not october.lines.filter(net_amount__lt=0).exists()
    assert services.credit_remaining(note) == Decimal("0.00")


# BIL-9 — a credit note never exceeds the invoice it corrects; amounts are positive.
def test_credit_note_limits():
    client = customer()
    active_contract(client, "sip-unl", start=date(2026, 9, 1))
    services.run_month_sync(month=date(2026, 9, 1))
    invoice = Invoice.objects.get()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.credit_note_issue(
            corrects=invoice,
            reason="x",
            lines=[services.CreditLine("Too much", invoice.total_net + Decimal("0.01"))],
        )
    with pytest.raises(ValidationError):
        services.credit_note_issue(
            corrects=invoice, reason="x", lines=[services.CreditLine("Negative", Decimal("-1"))]
        )
    assert not Invoice.objects.filter(kind="credit_note").exists()


# Money — VAT per rate on the taxable total: three lines of 0.3333 € HT each round to 0.33 →
# taxable 0.99 → VAT 0.198 → 0.20 (per total, not 3 × 0.07 = 0.21). BIL-6: the late interest
# and the 40 € indemnity posted the same month (outside the scope of VAT) go on a late-charges
# invoice of their own (EN 16931 BR-O-11), 11.98 + 40.00 = 51.98, 0.00 VAT.
def test_vat_per_rate_mixed_invoice():
    client = customer()
    for i in range(3):
        services.charge_post(
            client=client,
            kind=ChargeKind.OTHER,
            source_type="misc",
            source_id=f"m{i}",
            period_start=date(2026, 10, 2),
            description="Tiny",
            unit_price=Decimal("0.3333"),
        )
    services.charge_post(
        client=client,
        kind=ChargeKind.LATE_INTEREST,
        source_type="late",
        source_id="F2026-000009",
        period_start=date(2026, 10, 2),
        description="Interest",
        unit_price=Decimal("11.98"),
        vat_category=VatCategory.OUTSIDE_SCOPE,
    )
    services.charge_post(
        client=client,
        kind=ChargeKind.RECOVERY_INDEMNITY,
        source_type="late40",
        source_id="F2026-000009",
        period_start=date(2026, 10, 2),
        description="Indemnity",
        unit_price=Decimal("40"),
        vat_category=VatCategory.OUTSIDE_SCOPE,
    )
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(purpose="regular")
    assert invoice.vat_breakdown == [
        {"category": "S", "rate": "20.00", "taxable": "0.99", "vat": "0.20"},
    ]
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("0.99"),
        Decimal("0.20"),
        Decimal("1.19"),
    )
    late_charges = Invoice.objects.get(purpose="late_charges")
    assert late_charges.vat_breakdown == [
        {"category": "O", "rate": "0.00", "taxable": "51.98", "vat": "0.00"},
    ]
    assert (late_charges.total_net, late_charges.total_vat, late_charges.total_gross) == (
        Decimal("51.98"),
        Decimal("0.00"),
        Decimal("51.98"),
    )


# Money — a reverse-charge customer (EU business outside France): 0 % with category AE; an
# overseas customer (Réunion): 8.5 %.
def test_reverse_charge_and_overseas():
    eu = customer(vat_regime="reverse_charge", vat_number="DE136695976", country="DE")
    reunion = customer(vat_regime="overseas")
    for client in (eu, reunion):
        active_contract(client, "hosted-a", start=date(2026, 9, 1), price="99.99")
    services.run_month_sync(month=OCT)
    eu_invoice = Invoice.objects.get(client=eu)
    assert (eu_invoice.total_vat, eu_invoice.vat_breakdown[0]["category"]) == (Decimal("0"), "AE")
    run_invoice = Invoice.objects.get(client=reunion)
    assert run_invoice.total_vat == Decimal("8.50")  # 99.99 × 8.5 % = 8.499 → 8.50


# ACC-3 + BIL-1 — partner-billed: one invoice to the partner for all its customers, at its
# wholesale price, each line tagged with its end customer; reseller-billed customers are
# invoiced directly at retail prices.
def test_partner_billed_invoice():
    partner = PartnerFactory(
        billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("15")
    )
    a, b = customer(partner=partner), customer(partner=partner)
    direct_partner = PartnerFactory(billing_mode=BillingMode.RESELLER_BILLED)
    c = customer(partner=direct_partner)
    for client in (a, b, c):
        active_contract(client, "sip-unl", start=date(2026, 9, 1))  # 19.90 retail
    services.run_month_sync(month=OCT)
    partner_invoice = Invoice.objects.get(partner=partner)
    assert partner_invoice.client is None
    assert {line.end_client for line in partner_invoice.lines.all()} == {a, b}
    assert {line.unit_price for line in partner_invoice.lines.all()} == {Decimal("16.9150")}
    assert partner_invoice.total_net == Decimal("33.84")  # 2 × 16.915 → 16.92 each
    assert Invoice.objects.get(client=c).total_net == Decimal("19.90")
    assert not Invoice.objects.filter(client__in=[a, b]).exists()


# BIL-1 — preview shows what would be invoiced and writes nothing. TRUNK 10 channels: one
# 10-pack at 39.00 (TRK-2, the trunk set up at activation), not 10 × 5.00 = 50.00.
def test_preview_writes_nothing():
    client = customer()
    active_contract(client, "trunk", start=date(2026, 9, 1), quantity=10)
    drafts = services.run_preview(month=OCT)
    assert [(d.buyer_name, d.total_net) for d in drafts] == [(client.legal_name, Decimal("39.00"))]
    assert not PendingCharge.objects.exists() and not Invoice.objects.exists()


# BIL-1 — a refusal of the issuing (a ValidationError) reads as its message, not as Python's
# repr of it ("{'lines': ['…']}").
def test_run_failure_of_a_refusal_reads_as_its_message(monkeypatch):
    from django.core.exceptions import ValidationError

    client = customer()
    active_contract(client, "sip-unl", start=date(2026, 9, 1))

    def refusing(draft, *args, **kwargs):
        raise ValidationError({"lines": ["Le taux de TVA de la ligne manque."]})

    monkeypatch.setattr(issuing, "_issue", refusing)
    run = services.run_month_sync(month=OCT)
    assert run.errors == [
        f"{client.legal_name} (client {client.pk})\u00a0: Le taux de TVA de la ligne manque."
    ]


# BIL-1 — a failure for one customer is recorded and the others are invoiced.
def test_run_records_failures(monkeypatch):
    good, bad = customer(), customer()
    for client in (good, bad):
        active_contract(client, "sip-unl", start=date(2026, 9, 1))
    real = issuing._issue

    def failing(draft, *args, **kwargs):
        if draft.party == ("client", bad.pk):
            raise RuntimeError("boom")
        return real(draft, *args, **kwargs)

    monkeypatch.setattr(issuing, "_issue", failing)
    run = services.run_month_sync(month=OCT)
    assert (run.status, run.done, run.failed) == ("failed", 1, 1)
    # the buyer by its name, the kind of the unexpected error (not "client 12: boom" alone)
    assert run.errors == [
        f"{bad.legal_name} (client {bad.pk})\u00a0: erreur inattendue (RuntimeError\u00a0: "
        "boom), détail dans le journal du serveur"
    ]
    assert Invoice.objects.filter(client=good).exists()
    assert not PendingCharge.objects.filter(client=bad).exists()  # rolled back with its savepoint
    monkeypatch.setattr(issuing, "_issue", real)
    run = services.run_month_sync(month=OCT)
    assert (run.status, run.done, run.failed) == ("done", 2, 0)
    assert Invoice.objects.count() == 2


# BIL-1 — a batch delivered again (acks_late, its acknowledgement lost) changes nothing: its
# buyers are already invoiced and its outcome already counted, so the run is not finished while
# its other batch has not run. 3 buyers in 2 batches; batch 1 runs twice, then batch 2.
def test_redelivered_batch_counted_once():
    for _ in range(3):
        active_contract(customer(), "sip-unl", start=date(2026, 9, 1))
    run, parties = services.run_start(month=OCT)
    first, second = services.batches(parties, size=2)
    for _delivery in range(2):
        services.run_batch(run_id=run.pk, parties=first)
        run = services.run_finish(run_id=run.pk)
    written = Invoice.objects.filter(run=run).count()
    assert written == 2
    assert (run.status, run.total, run.done, run.failed) == ("running", 3, written, 0)
    services.run_batch(run_id=run.pk, parties=second)
    run = services.run_finish(run_id=run.pk)
    assert (run.status, run.total, run.done, run.failed) == ("done", 3, 3, 0)
    assert Invoice.objects.filter(run=run).count() == 3


# BIL-1 — a worker killed after its batch committed but before counting it: the batch delivered
# again writes nothing more and counts the invoices already written, so the run finishes.
def test_batch_committed_but_not_counted_is_counted_on_redelivery():
    for _ in range(3):
        active_contract(customer(), "sip-unl", start=date(2026, 9, 1))
    run, parties = services.run_start(month=OCT)
    [batch] = services.batches(parties)
    with transaction.atomic():
        issuing.issue_parties(run, [tuple(p) for p in batch])  # then the worker dies
    services.run_batch(run_id=run.pk, parties=batch)
    run = services.run_finish(run_id=run.pk)
    assert (run.status, run.total, run.done) == ("done", 3, 3)
    assert Invoice.objects.count() == 3


# BIL-1 — a buyer with nothing left to bill (its October billed in advance by September's run,
# no November: terminated effective 11-01) is counted all the same: the run finishes.
def test_buyer_with_nothing_to_bill_lets_the_run_finish():
    contract = active_contract(customer(), "sip-unl", start=date(2026, 9, 1))
    services.run_month_sync(month=date(2026, 9, 1))
    Termination.objects.create(
        contract=contract,
        notice_at="2026-10-10T10:00Z",
        notice_date=date(2026, 10, 10),
        effective_date=NOV,
        fee_rule="none",
        fee_start=NOV,
        fee_amount=0,
        previous_status="active",
    )
    run = services.run_month_sync(month=OCT)
    assert (run.status, run.total, run.done) == ("done", 1, 1)
    assert not Invoice.objects.filter(month=OCT).exists()


# BIL-3 — issuing a document sends ``document_issued``; the task side enqueues its PDF once the
# issuing transaction commits, and only when BILLING_RENDER_PDF is on.
def test_issued_documents_pdf_enqueued_on_commit(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(tasks.render_invoice_pdf, "delay", enqueued.append)
    active_contract(customer(), "sip-unl", start=date(2026, 9, 1))
    settings.BILLING_RENDER_PDF = True
    with django_capture_on_commit_callbacks(execute=True):
        services.run_month_sync(month=OCT)
        assert enqueued == []  # not before the commit
    invoice = Invoice.objects.get()
    assert enqueued == [invoice.pk]
    goodwill = [services.CreditLine(description="Goodwill", amount=Decimal("1.00"))]
    with django_capture_on_commit_callbacks(execute=True):
        note = services.credit_note_issue(corrects=invoice, lines=goodwill, reason="Goodwill")
    assert enqueued == [invoice.pk, note.pk]
    settings.BILLING_RENDER_PDF = False
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_note_issue(corrects=invoice, lines=goodwill, reason="Goodwill")
    assert enqueued == [invoice.pk, note.pk]


# BIL-1 — charges are keyed by source and period: posting twice gives one charge.
def test_charge_idempotent_by_source():
    client = customer()
    one = consumption(client, None, "1.00")
    two = consumption(client, None, "2.00")
    assert one.pk == two.pk and PendingCharge.objects.count() == 1
    other_source = consumption(client, None, "2.00", source="cdr-batch-2")
    assert other_source.pk != one.pk


# HOSTED-W: the order month is free (HOSTED-W 9) — ordered and started 2026-10-05: the October
# run bills November only (2 × 14.90 = 29.80), and the setup fee, due at service start whatever
# the first month (CON-2): 2 × 29.00 = 58.00, dated 2026-10-05.
def test_hosted_w_order_month_free():
    client = customer()
    active_contract(client, "hosted-w", start=date(2026, 10, 5), quantity=2)
    services.run_month_sync(month=OCT)
    periods = list(InvoiceLine.objects.values_list("kind", "period_start", "net_amount"))
    assert sorted(periods) == [
        ("setup", date(2026, 10, 5), Decimal("58.00")),
        ("subscription", NOV, Decimal("29.80")),
    ]


# BIL-9 + ACC-3 — a partner-billed customer's credit goes to the partner (who was invoiced),
# tagged with the end customer, and is applied under the partner's next invoice; the partner's
# monthly invoice itself can be credited.
def test_credit_note_partner_billed():
    partner = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    end_customer = customer(partner=partner)
    active_contract(end_customer, "sip-unl", start=date(2026, 9, 1))  # 19.90 retail
    services.run_month_sync(month=date(2026, 9, 1))
    september = Invoice.objects.get(partner=partner)
    note = services.credit_note_issue(
        client=end_customer,
        lines=[services.CreditLine("SLA credit", Decimal("5.00"))],
        reason="SLA",
        issue_date=date(2026, 10, 2),
    )
    assert (note.partner, note.client, note.lines.get().end_client) == (partner, None, end_customer)
    correction = services.credit_note_issue(
        corrects=september,
        lines=[services.CreditLine("Correction", Decimal("1.00"))],
        reason="Typo",
        issue_date=date(2026, 10, 3),
    )
    assert correction.partner == partner and correction.corrects == september
    services.run_month_sync(month=OCT)
    october = Invoice.objects.get(partner=partner, month=OCT)
    assert october.credit_applied == Decimal("7.20")  # (5.00 + 1.00) × 1.20
