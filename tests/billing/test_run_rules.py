"""The month-end run's money rules (issue "Every euro right"): setup fees (CON-2, BIL-1), the
minimum commitment (BIL-5), back-dated activations (BIL-1), the partner's wholesale price on
every sale (ACC-3) and what a prepaid invoice has left to pay (BIL-10, BR-CO-17).

Every amount is computed by hand in the comment above its assertion."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.choices import BillingMode
from billing import amounts, plan, services
from billing.choices import ChargeKind, VatCategory
from billing.models import Invoice, InvoiceLine, PendingCharge
from kernel.errors import InvalidTransition
from offers import services as offers
from offers.models import Offer
from tests.factories import ClientFactory, PartnerFactory, SiteFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
SEP, OCT, NOV, DEC = (date(2026, m, 1) for m in (9, 10, 11, 12))
JAN = date(2027, 1, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def customer(**kwargs):
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    return client


def ordered(client, code, *, signed, quantity=1, monthly=None, setup=None):
    """A contract signed and ordered on ``signed``, its lines at the given prices."""
    contract = offers.contract_create(
        client=client,
        offer=Offer.objects.get(code=code),
        site=client.sites.first(),
        signature_date=signed,
        order_date=signed,
        quantity=quantity,
    )
    if monthly is not None:
        contract.lines.update(unit_monthly_price=Decimal(monthly))
    if setup is not None:
        contract.lines.update(unit_setup_price=Decimal(setup))
    offers.contract_order(contract=contract)
    return contract


def activate(contract, *, start, on=None):
    """Activated on ``on`` (10:00 Paris), service started on ``start`` (back-dated or not)."""
    on = on or start
    with time_machine.travel(datetime(on.year, on.month, on.day, 10, tzinfo=PARIS)):
        return offers.contract_activate(contract=contract, service_start_date=start)


def post(client, kind, price, *, source, day=OCT, contract=None, vat="", paid=False):
    return services.charge_post(
        client=client,
        contract=contract,
        kind=kind,
        source_type="test",
        source_id=source,
        period_start=day,
        description=str(kind),
        unit_price=Decimal(price),
        vat_category=vat,
        is_paid=paid,
    )


def lines_of(client, month):
    invoice = Invoice.objects.get(client=client, month=month, kind="invoice")
    return invoice, sorted(
        invoice.lines.values_list("kind", "period_start", "net_amount"), key=lambda r: (r[1], r[0])
    )


# --- Setup fees (CON-2, BIL-1) ---------------------------------------------------------------


# CON-2 / BIL-1 — the issue's case: a HOSTED-A site (setup 490.00, 250.00 a month) activated on
# 2026-10-05 shows its setup fee on October's invoice, dated 2026-10-31, next to October pro rata
# (5–31 October = 27 of 31 days: 250 × 27/31 = 217.7419 → 217.74) and November in advance.
# 490.00 + 217.74 + 250.00 = 957.74 HT; VAT 20 % on the total 191.548 → 191.55; TTC 1 149.29.
def test_con2_setup_fee_on_the_first_invoice():
    client = customer()
    activate(ordered(client, "hosted-a", signed=date(2026, 10, 1)), start=date(2026, 10, 5))
    services.run_month_sync(month=OCT)
    invoice, lines = lines_of(client, OCT)
    assert invoice.issue_date == date(2026, 10, 31)
    assert lines == [
        ("prorata", date(2026, 10, 5), Decimal("217.74")),
        ("setup", date(2026, 10, 5), Decimal("490.00")),
        ("subscription", NOV, Decimal("250.00")),
    ]
    setup = invoice.lines.get(kind="setup")
    assert (setup.quantity, setup.unit_price) == (Decimal("1"), Decimal("490.0000"))
    assert (invoice.total_net, invoice.total_vat, invoice.total_gross) == (
        Decimal("957.74"),
        Decimal("191.55"),
        Decimal("1149.29"),
    )


# CON-2 — quantity × unit setup price: 3 users × 50.00 = 150.00; a line without setup fee (a
# SIP-UNL account, setup 0.00) posts nothing.
def test_con2_setup_fee_quantity_and_zero():
    client = customer()
    activate(
        ordered(client, "hosted-w", signed=date(2026, 10, 2), quantity=3, setup="50.00"),
        start=date(2026, 10, 2),
    )
    activate(ordered(client, "sip-unl", signed=date(2026, 10, 2)), start=date(2026, 10, 2))
    services.run_month_sync(month=OCT)
    setup = InvoiceLine.objects.get(kind="setup")
    assert (setup.quantity, setup.unit_price, setup.net_amount) == (
        Decimal("3"),
        Decimal("50.0000"),
        Decimal("150.00"),
    )
    assert PendingCharge.objects.filter(kind="setup").count() == 1


# CON-2 / BIL-1 — never twice: the run re-run, the next run, the activation retried (refused,
# nothing written) all leave one setup charge of 490.00, invoiced once.
def test_con2_setup_fee_never_twice():
    client = customer()
    contract = ordered(client, "hosted-a", signed=date(2026, 10, 1))
    activate(contract, start=date(2026, 10, 5))
    services.run_month_sync(month=OCT)
    services.run_month_sync(month=OCT)
    with pytest.raises(InvalidTransition):
        activate(contract, start=date(2026, 10, 6), on=date(2026, 10, 6))
    services.run_month_sync(month=NOV)
    assert list(
        PendingCharge.objects.filter(kind="setup").values_list("unit_price", flat=True)
    ) == [Decimal("490.0000")]
    assert InvoiceLine.objects.filter(kind="setup").count() == 1
    assert not InvoiceLine.objects.filter(kind="setup", invoice__month=NOV).exists()


# CON-2 — a setup fee staff already posted by hand for the line is not posted again.
def test_con2_setup_fee_posted_by_hand_not_doubled():
    client = customer()
    contract = ordered(client, "hosted-a", signed=date(2026, 10, 1))
    activate(contract, start=date(2026, 10, 5))
    services.charge_post(
        client=client,
        contract=contract,
        contract_line=contract.lines.get(),
        kind=ChargeKind.SETUP,
        source_type="manual",
        source_id="setup-by-hand",
        period_start=date(2026, 10, 5),
        description="Frais de mise en service",
        unit_price=Decimal("490"),
    )
    services.run_month_sync(month=OCT)
    assert InvoiceLine.objects.filter(kind="setup").count() == 1


# CON-2 — failure path: an activation refused (service start before the order) writes nothing
# and the run bills neither setup nor subscription for the contract still ordered.
def test_con2_refused_activation_bills_nothing():
    client = customer()
    contract = ordered(client, "hosted-a", signed=date(2026, 10, 10))
    with pytest.raises(ValidationError):
        activate(contract, start=date(2026, 10, 9), on=date(2026, 10, 10))
    contract.refresh_from_db()
    assert contract.status == "ordered" and contract.lines.get().started_on is None
    services.run_month_sync(month=OCT)
    assert not PendingCharge.objects.exists() and not Invoice.objects.exists()


# CON-2 + ACC-3 — a partner-billed customer's setup fee is invoiced to the partner at its
# wholesale price: 490.00 × (100 − 20) % = 392.00.
def test_con2_setup_fee_at_wholesale_price():
    partner = PartnerFactory(
        billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("20")
    )
    client = customer(partner=partner)
    activate(ordered(client, "hosted-a", signed=date(2026, 10, 1)), start=date(2026, 10, 5))
    services.run_month_sync(month=OCT)
    setup = InvoiceLine.objects.get(kind="setup", invoice__partner=partner)
    assert (setup.end_client, setup.unit_price, setup.net_amount) == (
        client,
        Decimal("392.0000"),
        Decimal("392.00"),
    )


# CON-2 — a line in service before the portal's first run had its setup billed before the
# portal: the first run (October) bills November in advance only, no setup, no September.
def test_con2_no_setup_for_lines_before_the_first_run():
    client = customer()
    activate(ordered(client, "hosted-a", signed=date(2026, 9, 1)), start=date(2026, 9, 1))
    services.run_month_sync(month=OCT)
    assert lines_of(client, OCT)[1] == [("subscription", NOV, Decimal("250.00"))]


# --- Minimum commitment, never pro rata (BIL-5, PLATFORM 24.4) --------------------------------


# BIL-5 — the issue's case: PLATFORM from 2026-10-20 (100.00 a month), October pro rata 20–31 =
# 12 of 31 days: 100 × 12/31 = 38.7097 → 38.71; consumption 10.00; billed 48.71 → top-up
# 200.00 − 48.71 = 151.29 (the full commitment, not 200 × 12/31 = 77.42 − 48.71 = 28.71).
def test_bil5_first_month_owes_the_full_commitment():
    client = customer()
    contract = ordered(client, "platform", signed=date(2026, 10, 20), monthly="100.00")
    activate(contract, start=date(2026, 10, 20))
    post(
        client,
        ChargeKind.CONSUMPTION,
        "10.00",
        source="cdr-oct",
        day=date(2026, 10, 25),
        contract=contract,
    )
    services.run_month_sync(month=OCT)
    _invoice, lines = lines_of(client, OCT)
    assert ("prorata", date(2026, 10, 20), Decimal("38.71")) in lines
    assert ("commitment_topup", OCT, Decimal("151.29")) in lines


# BIL-5 — a single day of service (31 October: 100 × 1/31 = 3.2258 → 3.23) owes the full
# difference: 200.00 − 3.23 = 196.77.
def test_bil5_one_day_of_service():
    client = customer()
    activate(
        ordered(client, "platform", signed=date(2026, 10, 31), monthly="100.00"),
        start=date(2026, 10, 31),
    )
    services.run_month_sync(month=OCT)
    topup = InvoiceLine.objects.get(kind="commitment_topup")
    assert (topup.period_start, topup.net_amount) == (OCT, Decimal("196.77"))


# BIL-5 — boundaries of a month fully in service (September run, September billed full by it):
# subscriptions 250.00 ≥ 200.00 → no line; exactly 200.00 → no line; 199.99 → 0.01.
@pytest.mark.parametrize(
    ("monthly", "topup"), [("250.00", None), ("200.00", None), ("199.99", Decimal("0.01"))]
)
def test_bil5_month_covered_or_not(monthly, topup):
    client = customer()
    activate(ordered(client, "platform", signed=SEP, monthly=monthly), start=SEP)
    services.run_month_sync(month=SEP)
    lines = InvoiceLine.objects.filter(kind="commitment_topup")
    assert [line.net_amount for line in lines] == ([topup] if topup else [])


# BIL-5 (rule book, revised: "Credit notes and penalties do not count in that total"): a
# penalty of the contract is damages for a breach (PLATFORM 27), billed outside the scope of
# VAT on the late-charges invoice, not on "la facture" whose amount 24.4.4 brings to the
# minimum; counting it would let the breach pay for the commitment. Late interest (not a sale)
# and a credit note do not count either.
# September: subscription 150.00 (the 30.00 penalty aside) → top-up 200.00 − 150.00 = 50.00
# (it was 20.00 when the penalty counted); the 12.00 of late interest and the 100.00 credit
# note change nothing.
def test_bil5_penalties_credit_notes_and_late_charges_do_not_count():
    client = customer()
    contract = ordered(client, "platform", signed=SEP)
    activate(contract, start=SEP)
    post(
        client,
        ChargeKind.PENALTY,
        "30.00",
        source="penalty-1",
        day=date(2026, 9, 20),
        contract=contract,
    )
    post(
        client,
        ChargeKind.LATE_INTEREST,
        "12.00",
        source="late-1",
        day=date(2026, 9, 20),
        contract=contract,
        vat="O",
    )
    post(client, ChargeKind.PENALTY, "500.00", source="penalty-2", day=date(2026, 9, 20))
    services.credit_note_issue(
        client=client,
        lines=[services.CreditLine("Goodwill", Decimal("100.00"))],
        reason="Goodwill",
        issue_date=date(2026, 9, 25),
    )
    services.run_month_sync(month=SEP)
    assert InvoiceLine.objects.get(kind="commitment_topup").net_amount == Decimal("50.00")


# BIL-5 — a PLATFORM contract in service before the portal's first run (October): October's
# subscription was billed before the portal, so October's top-up is not decided (no line, never
# a top-up that ignores a subscription billed elsewhere); November's is: its 100.00 billed in
# advance by the October run → 200.00 − 100.00 = 100.00.
def test_bil5_first_run_month_of_a_contract_already_in_service():
    client = customer()
    activate(ordered(client, "platform", signed=SEP, monthly="100.00"), start=SEP)
    services.run_month_sync(month=OCT)
    services.run_month_sync(month=NOV)
    topups = InvoiceLine.objects.filter(kind="commitment_topup")
    assert [(t.period_start, t.net_amount) for t in topups] == [(NOV, Decimal("100.00"))]


def _platform_terminated_in_november(terms_timing: str | None = None):
    """PLATFORM signed and started 2026-08-17 at 100.00 a month; notice on 2026-08-17 → a
    termination for convenience effective 2026-11-17 (notice + 3 months, not an anniversary);
    the runs of August to October billed up to November in advance."""
    client = customer()
    contract = ordered(client, "platform", signed=date(2026, 8, 17), monthly="100.00")
    if terms_timing:
        contract.terms_snapshot = {**contract.terms_snapshot, "subscription_timing": terms_timing}
        contract.save(update_fields=["terms_snapshot"])
    activate(contract, start=date(2026, 8, 17))
    with time_machine.travel(datetime(2026, 8, 17, 15, tzinfo=PARIS)):
        termination = offers.contract_request_termination(contract=contract)
    for month in (date(2026, 8, 1), SEP, OCT):
        services.run_month_sync(month=month)
    return client, termination


# BIL-5 + CON-5 — PLATFORM (subscriptions in advance): November, whose last day of service is
# the 16th, was invoiced in advance, so the fee starts on 2026-12-01: 9 months (December to
# 17 August 2027, the last part counting as one) × max(100.00, 200.00) = 1 800.00. November is
# not in the fee: its 16 days of service owe the full top-up 200.00 − 100.00 = 100.00.
def test_bil5_month_not_in_the_termination_fee_owes_the_top_up():
    client, termination = _platform_terminated_in_november()
    assert (termination.effective_date, termination.fee_start, termination.fee_amount) == (
        date(2026, 11, 17),
        DEC,
        Decimal("1800.00"),
    )
    services.run_month_sync(month=NOV)
    _invoice, lines = lines_of(client, NOV)
    assert ("commitment_topup", NOV, Decimal("100.00")) in lines
    assert ("termination_fee", DEC, Decimal("1800.00")) in lines
    assert not any(kind == "subscription" and start == DEC for kind, start, _n in lines)


# BIL-5 + CON-5 — the same termination under terms billing subscriptions in arrears: nothing
# of November was invoiced, the fee starts on the effective date 2026-11-17: 9 months × 200.00
# = 1 800.00, November counted in it → no November top-up (a month is never charged twice).
def test_bil5_month_counted_in_the_termination_fee_owes_none():
    client, termination = _platform_terminated_in_november(terms_timing="arrears")
    assert (termination.fee_start, termination.fee_amount) == (
        date(2026, 11, 17),
        Decimal("1800.00"),
    )
    services.run_month_sync(month=NOV)
    _invoice, lines = lines_of(client, NOV)
    assert ("termination_fee", date(2026, 11, 17), Decimal("1800.00")) in lines
    assert not any(kind == "commitment_topup" for kind, _s, _n in lines)
    # …while the earlier months kept theirs: August 17–31 = 15/31 × 100 = 48.3871 → 48.39,
    # top-up 151.61; September and October 200.00 − 100.00 = 100.00 each.
    assert list(
        InvoiceLine.objects.filter(kind="commitment_topup")
        .order_by("period_start")
        .values_list("net_amount", flat=True)
    ) == [Decimal("151.61"), Decimal("100.00"), Decimal("100.00")]


# BIL-5 (PLATFORM 24.4.4: the delta makes "le montant de la facture" reach the minimum) — a
# sale of a month whose top-up an earlier run already decided (October's call records arriving
# after the October run) is invoiced by the November run, so it counts toward November's total,
# never toward no month at all. PLATFORM at 100.00 a month from 1 October: October 100.00 +
# 50.00 of calls → top-up 50.00; 30.00 of October calls arrive late. November: 100.00 (billed
# in advance) + the 30.00 late calls on its invoice → top-up 200.00 − 130.00 = 70.00 (not
# 100.00: the customer would pay 430.00 for two months whose commitment is 2 × 200.00 and
# whose sales are 280.00).
def test_bil5_late_sale_of_a_month_already_topped_up_counts_toward_the_next():
    client = customer()
    contract = ordered(client, "platform", signed=OCT, monthly="100.00")
    activate(contract, start=OCT)
    post(client, ChargeKind.CONSUMPTION, "50.00", source="cdr-oct", contract=contract)
    services.run_month_sync(month=OCT)
    assert ("commitment_topup", OCT, Decimal("50.00")) in lines_of(client, OCT)[1]
    post(client, ChargeKind.CONSUMPTION, "30.00", source="cdr-oct-late", contract=contract)
    services.run_month_sync(month=NOV)
    _invoice, lines = lines_of(client, NOV)
    assert ("consumption", OCT, Decimal("30.00")) in lines
    assert ("commitment_topup", NOV, Decimal("70.00")) in lines


# BIL-5 (pure) — a day of service makes a month count; the fee's months owe none.
def test_bil5_month_rules():
    assert plan.serves_in(NOV, date(2026, 11, 30), None)
    assert not plan.serves_in(NOV, DEC, None)
    assert not plan.serves_in(NOV, SEP, NOV)  # ended on 1 November: no day in November
    assert plan.serves_in(NOV, SEP, date(2026, 11, 2))
    assert plan.counted_in_fee(NOV, date(2026, 11, 30))
    assert not plan.counted_in_fee(NOV, DEC)
    assert not plan.counted_in_fee(NOV, None)
    assert amounts.commitment_gap(Decimal("200"), Decimal("48.71")) == Decimal("151.29")
    assert amounts.commitment_gap(Decimal("200"), Decimal("250")) == Decimal("0")


# --- A back-dated activation loses no day (BIL-1) --------------------------------------------


def _hosted_310(client, *, signed):
    return ordered(client, "hosted-a", signed=signed, monthly="310.00", setup="0")


# BIL-1 — the issue's case: service started 2026-11-28, activated 2026-12-02, after the
# November run (executed 1 December 00:05, the contract still ordered). The December run
# (dated 2026-12-31) bills every month no run billed: 28–30 November = 3 of 30 days:
# 310 × 3/30 = 31.00; December 310.00 (the November run could not bill it in advance); January
# in advance 310.00. Total 651.00 HT.
def test_bil1_back_dated_activation_catches_up():
    client = customer()
    contract = _hosted_310(client, signed=date(2026, 11, 20))
    services.run_month_sync(month=NOV)
    assert not Invoice.objects.filter(client=client).exists()
    activate(contract, start=date(2026, 11, 28), on=date(2026, 12, 2))
    services.run_month_sync(month=DEC)
    invoice, lines = lines_of(client, DEC)
    assert invoice.issue_date == date(2026, 12, 31)
    assert lines == [
        ("prorata", date(2026, 11, 28), Decimal("31.00")),
        ("subscription", DEC, Decimal("310.00")),
        ("subscription", JAN, Decimal("310.00")),
    ]
    assert invoice.total_net == Decimal("651.00")
    # Every day once: the December run again, then the January run (February only).
    services.run_month_sync(month=DEC)
    services.run_month_sync(month=JAN)
    assert lines_of(client, JAN)[1] == [("subscription", date(2027, 2, 1), Decimal("310.00"))]
    assert PendingCharge.objects.filter(contract=contract).count() == 4


# BIL-1 — back-dated within the month: started 2026-12-01, activated 2026-12-10 → the December
# run bills December 310.00 (a full month) and January 310.00 = 620.00.
def test_bil1_back_dated_in_the_same_month():
    client = customer()
    contract = _hosted_310(client, signed=date(2026, 11, 25))
    services.run_month_sync(month=NOV)
    activate(contract, start=DEC, on=date(2026, 12, 10))
    services.run_month_sync(month=DEC)
    invoice, lines = lines_of(client, DEC)
    assert lines == [
        ("subscription", DEC, Decimal("310.00")),
        ("subscription", JAN, Decimal("310.00")),
    ]
    assert invoice.total_net == Decimal("620.00")


# BIL-1 — two months back: started 2026-10-15, activated 2026-12-02 (the October and November
# runs did not see it). 15–31 October = 17 of 31 days: 310 × 17/31 = 170.00; November,
# December, January 310.00 each → 170.00 + 3 × 310.00 = 1 100.00.
def test_bil1_back_dated_two_months():
    client = customer()
    contract = _hosted_310(client, signed=date(2026, 10, 10))
    services.run_month_sync(month=OCT)
    services.run_month_sync(month=NOV)
    activate(contract, start=date(2026, 10, 15), on=date(2026, 12, 2))
    services.run_month_sync(month=DEC)
    invoice, lines = lines_of(client, DEC)
    assert lines == [
        ("prorata", date(2026, 10, 15), Decimal("170.00")),
        ("subscription", NOV, Decimal("310.00")),
        ("subscription", DEC, Decimal("310.00")),
        ("subscription", JAN, Decimal("310.00")),
    ]
    assert invoice.total_net == Decimal("1100.00")


# BIL-1 — a February of 28 days: started 2027-02-27, activated 2027-03-03 after the February
# run: 27–28 February = 2/28 × 310 = 22.1429 → 22.14; March 310.00; April 310.00.
def test_bil1_back_dated_into_february():
    client = customer()
    contract = _hosted_310(client, signed=date(2027, 2, 20))
    services.run_month_sync(month=date(2027, 2, 1))
    activate(contract, start=date(2027, 2, 27), on=date(2027, 3, 3))
    services.run_month_sync(month=date(2027, 3, 1))
    _invoice, lines = lines_of(client, date(2027, 3, 1))
    assert lines == [
        ("prorata", date(2027, 2, 27), Decimal("22.14")),
        ("subscription", date(2027, 3, 1), Decimal("310.00")),
        ("subscription", date(2027, 4, 1), Decimal("310.00")),
    ]


# BIL-1 + BIL-5 — a back-dated PLATFORM (100.00 a month, started 2026-11-28, activated
# 2026-12-02): the December run decides November's top-up with November's subscriptions:
# 100 × 3/30 = 10.00 → 200.00 − 10.00 = 190.00; December 200.00 − 100.00 = 100.00.
def test_bil1_back_dated_platform_tops_up_each_month():
    client = customer()
    contract = ordered(client, "platform", signed=date(2026, 11, 20), monthly="100.00")
    services.run_month_sync(month=NOV)
    activate(contract, start=date(2026, 11, 28), on=date(2026, 12, 2))
    services.run_month_sync(month=DEC)
    topups = InvoiceLine.objects.filter(kind="commitment_topup").order_by("period_start")
    assert [(t.period_start, t.net_amount) for t in topups] == [
        (NOV, Decimal("190.00")),
        (DEC, Decimal("100.00")),
    ]


# BIL-1 (pure) — the months a line may owe: from its first billable day to M+1; before the
# portal's first run (G) nothing, and G itself only for a line that started during it.
def test_bil1_months_due_window():
    facts = plan.LineFacts(
        started_on=date(2026, 11, 28),
        ended_on=None,
        monthly_price=Decimal("310"),
        order_date=date(2026, 11, 20),
        free_order_month=False,
        ends_on=None,
    )
    due = plan.months_due(facts, DEC, NOV)
    assert [(d.period_start, d.unit_price) for d in due] == [
        (date(2026, 11, 28), Decimal("31.0000")),
        (DEC, Decimal("310")),
        (JAN, Decimal("310")),
    ]
    assert [d.month for d in plan.months_due(facts, DEC, DEC)] == [JAN]
    ended = dataclasses.replace(facts, ends_on=date(2026, 12, 15))
    assert [d.month for d in plan.months_due(ended, DEC, NOV)] == [NOV, DEC]


# --- Partner-billed: every sale at the wholesale price (ACC-3) --------------------------------


# ACC-3 — the issue's case, discount 20 %: a termination fee of 1 000.00 → 800.00; consumption
# 45.6789 → 45.6789 × 0.8 = 36.54312 → unit 36.5431 → line 36.54. Equipment 120.00 → 96.00,
# porting 30.00 → 24.00. Not sales, kept as they are: the bank's reject fee 7.50, late interest
# 11.98 and the recovery indemnity 40.00 (outside VAT). Nor a penalty (USE-7, PLATFORM 27):
# damages, outside VAT, no supply to discount — 100.00 stays 100.00.
def test_acc3_partner_buys_every_sale_at_wholesale():
    partner = PartnerFactory(
        billing_mode=BillingMode.PARTNER_BILLED, wholesale_discount_percent=Decimal("20")
    )
    client = customer(partner=partner)
    post(client, ChargeKind.TERMINATION_FEE, "1000.00", source="t1")
    post(client, ChargeKind.CONSUMPTION, "45.6789", source="c1")
    post(client, ChargeKind.EQUIPMENT, "120.00", source="e1")
    post(client, ChargeKind.PORTING, "30.00", source="p1")
    post(client, ChargeKind.PENALTY, "100.00", source="pen1")
    post(client, ChargeKind.REJECT_FEE, "7.50", source="r1")
    post(client, ChargeKind.LATE_INTEREST, "11.98", source="i1", vat=VatCategory.OUTSIDE_SCOPE)
    post(client, ChargeKind.RECOVERY_INDEMNITY, "40", source="i40", vat=VatCategory.OUTSIDE_SCOPE)
    services.run_month_sync(month=OCT)
    billed = dict(
        InvoiceLine.objects.filter(invoice__partner=partner).values_list("kind", "net_amount")
    )
    assert billed == {
        "termination_fee": Decimal("800.00"),
        "consumption": Decimal("36.54"),
        "equipment": Decimal("96.00"),
        "porting": Decimal("24.00"),
        "penalty": Decimal("100.00"),
        "reject_fee": Decimal("7.50"),
        "late_interest": Decimal("11.98"),
        "recovery_indemnity": Decimal("40.00"),
    }
    assert InvoiceLine.objects.get(kind="consumption").unit_price == Decimal("36.5431")


# ACC-3 — boundaries: a reseller-billed partner's customer is invoiced directly at retail
# (1 000.00), and a partner-billed partner without discount pays retail too.
def test_acc3_retail_when_not_discounted():
    direct = customer(
        partner=PartnerFactory(
            billing_mode=BillingMode.RESELLER_BILLED, wholesale_discount_percent=Decimal("20")
        )
    )
    no_discount = PartnerFactory(billing_mode=BillingMode.PARTNER_BILLED)
    other = customer(partner=no_discount)
    post(direct, ChargeKind.TERMINATION_FEE, "1000.00", source="t1")
    post(other, ChargeKind.CONSUMPTION, "45.6789", source="c1")
    services.run_month_sync(month=OCT)
    assert InvoiceLine.objects.get(invoice__client=direct).net_amount == Decimal("1000.00")
    assert InvoiceLine.objects.get(invoice__partner=no_discount).net_amount == Decimal("45.68")


# --- What a prepaid invoice has left to pay (BIL-10, BR-CO-17) ---------------------------------


# BIL-10 — two prepaid consumption lines of 5.03 HT at 20 %: total 10.06 HT, VAT on the total
# 2.012 → 2.01, TTC 12.07; paid in advance computed the same way: 12.07 → 0.00 left to pay
# (line by line it was 2 × 6.04 = 12.08, leaving −0.01).
def test_bil10_fully_prepaid_invoice_owes_nothing():
    client = customer()
    post(client, ChargeKind.CONSUMPTION, "5.03", source="cdr-1", paid=True)
    post(client, ChargeKind.CONSUMPTION, "5.03", source="cdr-2", paid=True)
    (draft,) = services.run_preview(month=OCT)
    assert (draft.total_net, draft.total_vat, draft.total_gross) == (
        Decimal("10.06"),
        Decimal("2.01"),
        Decimal("12.07"),
    )
    assert draft.paid_in_advance == Decimal("12.07")
    assert draft.total_gross - draft.paid_in_advance == Decimal("0.00")


# BIL-10 — partly prepaid: 5.03 paid + 5.03 not: paid = 5.03 + VAT 1.006 → 1.01 = 6.04; left
# 12.07 − 6.04 = 6.03. With two rates, each group's VAT once: paid 5.03 at 20 % (6.04) + 10.00
# outside VAT (10.00) = 16.04.
def test_bil10_partly_prepaid_amounts():
    s, o = VatCategory.STANDARD, VatCategory.OUTSIDE_SCOPE
    twenty, zero = Decimal("20.00"), Decimal("0.00")
    assert amounts.paid_in_advance(
        [(s, twenty, Decimal("5.03"), True), (s, twenty, Decimal("5.03"), False)]
    ) == Decimal("6.04")
    assert amounts.paid_in_advance(
        [(s, twenty, Decimal("5.03"), True), (o, zero, Decimal("10.00"), True)]
    ) == Decimal("16.04")
    assert amounts.paid_in_advance([(s, twenty, Decimal("5.03"), False)]) == Decimal("0")


# BIL-10 — the issued invoice: two prepaid lines of 5.03 HT at 20 %: VAT on the total 10.06
# × 20 % = 2.012 → 2.01, TTC 12.07, paid in advance 12.07, amount due 0.00 (it was −0.01 when
# the paid VAT was rounded line by line: 6.04 + 6.04 = 12.08).
def test_bil10_issued_prepaid_invoice_due_zero():
    client = customer()
    post(client, ChargeKind.CONSUMPTION, "5.03", source="cdr-1", paid=True)
    post(client, ChargeKind.CONSUMPTION, "5.03", source="cdr-2", paid=True)
    services.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client)
    assert (invoice.total_gross, invoice.paid_in_advance, invoice.amount_due) == (
        Decimal("12.07"),
        Decimal("12.07"),
        Decimal("0.00"),
    )


# --- The preview shows what the run invoices (BIL-1) ------------------------------------------


# BIL-1 / BIL-5 — the preview is "what each buyer would be invoiced": the month's consumption
# (posted when the run prepares) is on it, and the minimum-commitment top-up reckons with it.
# PLATFORM at 100.00 a month started on 1 October, October's calls 150.0000 €: the October run
# bills October 100.00 + November 100.00 + calls 150.00 = 350.00 HT; October's total 250.00 ≥
# 200.00 → no top-up (the preview showed no calls and a 100.00 top-up: 300.00). The preview
# shows the same lines and writes nothing.
def test_bil1_preview_shows_the_month_consumption_like_the_run():
    from tests.usage.money_helpers import call

    client = customer()
    contract = ordered(client, "platform", signed=OCT, monthly="100.00")
    activate(contract, start=OCT)
    call(client, contract=contract, cost="150.0000", line_type="mobile")
    (draft,) = services.run_preview(month=OCT)
    preview = sorted((line.charge.kind, line.net) for line in draft.lines)
    assert not PendingCharge.objects.filter(kind=ChargeKind.CONSUMPTION).exists()
    services.run_month_sync(month=OCT)
    invoice, _lines = lines_of(client, OCT)
    assert invoice.total_net == Decimal("350.00")
    assert preview == sorted(invoice.lines.values_list("kind", "net_amount"))
    assert draft.total_net == Decimal("350.00")


# --- Trials (CON-7) ----------------------------------------------------------------------------


# CON-7 (PLATFORM 6.2: a free access for testing, before the service contract is signed) — a
# PLATFORM contract (150.00 a month, minimum commitment 200.00, BIL-5) ordered on 01/09 and on
# trial until 01/11 (excluded). September's run bills it nothing: not in service. Activated on
# 20/10 (service start 20/10) while the trial runs: the trial ends on the 20th. October's run:
# October pro rata 20–31 = 12 of 31 days: 150.00 × 12/31 = 58.0645 → 58.06; October's top-up
# 200.00 − 58.06 = 141.94 (never pro rata); November in advance 150.00. Before: the trial ran on
# to 01/11 over 12 days of a service billed in full. A trial cannot be granted on the contract
# once in service (before: a trial for November was granted, and November billed 150.00).
def test_con7_trial_before_the_service_bills_nothing_and_ends_at_the_activation():
    client = customer()
    contract = ordered(client, "platform", signed=SEP)
    offers.contract_set_trial(contract=contract, ends_on=NOV)
    services.run_month_sync(month=SEP)
    assert not PendingCharge.objects.filter(contract=contract).exists()
    contract = activate(contract, start=date(2026, 10, 20))
    contract.refresh_from_db()
    assert (contract.is_trial, contract.trial_ends_on) == (False, date(2026, 10, 20))
    services.run_month_sync(month=OCT)
    assert lines_of(client, OCT)[1] == [
        ("commitment_topup", OCT, Decimal("141.94")),
        ("prorata", date(2026, 10, 20), Decimal("58.06")),
        ("subscription", NOV, Decimal("150.00")),
    ]
    with pytest.raises(ValidationError, match="déjà en service"):
        offers.contract_set_trial(contract=contract, ends_on=DEC)
