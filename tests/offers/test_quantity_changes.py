"""CON-2 — quantity changes of contract lines: an increase takes effect at once and owes the
added units pro rata by days for the rest of the month (as TRK-3), invoiced once by the next
run; a decrease takes effect at the next period start (as TRK-4), pending and cancellable until
then. The portal (admin role only), the partner API and the back office call the same service.

Amounts are computed by hand in the comments: added × monthly unit price × remaining days (today
included) / days in the month, rounded once, half-up.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from accounts.models import AuditLog, User
from billing import services as billing
from billing.models import Invoice, PendingCharge
from offers import services
from offers.choices import ContractStatus, QuantityChangeStatus
from offers.models import Contract, LineQuantityChange
from offers.services.quantities import increase_prorata, quantity_billed
from tests.offers.factories import make_contract

PARIS = ZoneInfo("Europe/Paris")
NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)
JAN, FEB, MAR = date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def sip_unl(client, quantity=3, start=date(2026, 10, 1)):
    """SIP-UNL, ``quantity`` accounts at 25.00 a month, in service since ``start``."""
    return make_contract(
        client,
        "sip-unl",
        quantity=quantity,
        signature=start,
        service_start=start,
        monthly_price="25.00",
    )


def line_of(contract):
    return contract.lines.get()


def invoice_of(client, issued: date) -> Invoice:
    """The invoice dated ``issued`` of ``client``, or of its partner when it bills its
    customers (ACC-3; no wholesale discount here, so the amounts are the retail ones)."""
    return Invoice.objects.get(Q(client=client) | Q(partner=client.partner), issue_date=issued)


def invoice_lines(client, issued: date) -> dict:
    """The lines of ``client``'s invoice dated ``issued``: (kind, period start) → line."""
    invoice = invoice_of(client, issued)
    return {(line.kind, line.period_start): line for line in invoice.lines.all()}


def charged(line):
    return (line.quantity, line.unit_price, line.net_amount)


# --- Pure calculations (no database) ----------------------------------------------------------


# CON-2 / TRK-3 — the pro rata of added units: remaining days include the day of the change.
@pytest.mark.parametrize(
    ("added", "price", "day", "first_billed", "expected"),
    [
        # 19..31 December = 13 days: 2 × 25.00 × 13/31 = 20.9677 → 20.97
        (2, "25.00", date(2026, 12, 19), date(2026, 10, 1), (13, 31, Decimal("20.97"))),
        # the last day of the month, 1 day: 2 × 25.00 × 1/31 = 1.6129 → 1.61
        (2, "25.00", date(2027, 1, 31), date(2026, 10, 1), (1, 31, Decimal("1.61"))),
        # the 1st: the full month, 2 × 25.00 × 31/31 = 50.00 = the full monthly price
        (2, "25.00", date(2027, 3, 1), date(2026, 10, 1), (31, 31, Decimal("50.00"))),
        # February 2027 (28 days), 20..28 = 9 days: 2 × 25.00 × 9/28 = 16.0714 → 16.07
        (2, "25.00", date(2027, 2, 20), date(2026, 10, 1), (9, 28, Decimal("16.07"))),
        # February 2028 (29 days), the 29th: 1 × 25.00 × 1/29 = 0.8621 → 0.86
        (1, "25.00", date(2028, 2, 29), date(2026, 10, 1), (1, 29, Decimal("0.86"))),
        # added units billed from 1 January (HOSTED-W 9, a free order month): nothing pro rata
        (1, "14.90", date(2026, 12, 20), date(2027, 1, 1), (0, 31, Decimal("0.00"))),
        # a line in service from 16 January: 1 × 14.90 × 16/31 = 7.6903 → 7.69 (16..31)
        (1, "14.90", date(2027, 1, 16), date(2027, 1, 1), (16, 31, Decimal("7.69"))),
    ],
)
def test_increase_prorata(added, price, day, first_billed, expected):
    assert (
        increase_prorata(
            added=added, unit_monthly_price=Decimal(price), day=day, first_billed_day=first_billed
        )
        == expected
    )


# CON-2 — a month is billed at the quantity on its first day: an increase during the month is
# billed by its own pro rata; a decrease counts from its effective day, pending or applied.
def test_quantity_billed_for_a_month():
    increase = (date(2026, 12, 19), 2, False)  # 3 → 5 on 19 December
    assert quantity_billed(5, [increase], DEC) == 3
    assert quantity_billed(5, [increase], JAN) == 5
    increase_on_first = (JAN, 2, False)  # covered in full by its pro rata
    assert quantity_billed(5, [increase_on_first], JAN) == 3
    pending = (FEB, -1, True)  # 5 → 4 from 1 February, not applied yet
    assert quantity_billed(5, [increase, pending], JAN) == 5
    assert quantity_billed(5, [increase, pending], FEB) == 4
    applied = (FEB, -1, False)  # the renewal applied it: the line says 4
    assert quantity_billed(4, [increase, applied], JAN) == 5
    assert quantity_billed(4, [increase, applied], FEB) == 4


# --- The service and the run ------------------------------------------------------------------


# CON-2 — the brief's case. SIP-UNL 3 × 25.00 in service since 1 October; the November run
# (dated 30 November) bills December in advance: 3 × 25.00 = 75.00.
# +2 on 19 December: the line has 5 accounts at once; 2 × 25.00 × 13/31 = 20.97 (19..31
# December) on the December run's invoice (dated 31 December), with January in advance at
# 5 × 25.00 = 125.00. 5 → 4 asked on 10 January: from 1 February (the next period); January
# stays 125.00 (already billed), the January run bills February at 4 × 25.00 = 100.00 — even
# before the renewal applies the decrease — and the renewal of 1 February applies it.
@pytest.mark.django_db
def test_increase_pro_rata_then_decrease_at_next_period(tenant):
    admin = tenant.members["admin"].user
    contract = sip_unl(tenant.client)
    line = line_of(contract)
    billing.run_month_sync(month=NOV)
    november = invoice_lines(tenant.client, date(2026, 11, 30))
    assert charged(november[("subscription", DEC)]) == (
        Decimal("3"),
        Decimal("25.0000"),
        Decimal("75.00"),
    )

    with at(date(2026, 12, 19)):
        change = services.line_quantity_change(line=line, quantity=5, actor=admin)
    line.refresh_from_db()
    assert line.quantity == 5
    assert (change.kind, change.status, change.effective_on) == (
        "increase",
        "applied",
        date(2026, 12, 19),
    )
    assert (change.prorata_days, change.period_days, change.prorata_amount) == (
        13,
        31,
        Decimal("20.97"),
    )
    audit = AuditLog.objects.get(action="contract_line.quantity_increase")
    assert (audit.actor, audit.before["quantity"], audit.after["quantity"]) == (admin, 3, 5)

    billing.run_month_sync(month=DEC)
    december = invoice_lines(tenant.client, date(2026, 12, 31))
    assert charged(december[("prorata", date(2026, 12, 19))]) == (
        Decimal("1"),
        Decimal("20.9700"),
        Decimal("20.97"),
    )
    assert charged(december[("subscription", JAN)]) == (
        Decimal("5"),
        Decimal("25.0000"),
        Decimal("125.00"),
    )
    # 20.97 + 125.00 = 145.97 excl. VAT
    assert invoice_of(tenant.client, date(2026, 12, 31)).total_net == (Decimal("145.97"))

    with at(date(2027, 1, 10)):
        decrease = services.line_quantity_change(line=line, quantity=4, actor=admin)
    line.refresh_from_db()
    assert (decrease.status, decrease.effective_on, line.quantity) == ("pending", FEB, 5)

    billing.run_month_sync(month=JAN)
    january = invoice_lines(tenant.client, date(2027, 1, 31))
    assert charged(january[("subscription", FEB)]) == (
        Decimal("4"),
        Decimal("25.0000"),
        Decimal("100.00"),
    )
    assert ("prorata", date(2026, 12, 19)) not in january  # invoiced once, in December

    services.contract_renew(contract_id=contract.pk, today=FEB)
    line.refresh_from_db()
    decrease.refresh_from_db()
    assert (line.quantity, decrease.status) == (4, "applied")
    billing.run_month_sync(month=FEB)
    february = invoice_lines(tenant.client, date(2027, 2, 28))
    assert charged(february[("subscription", MAR)])[2] == Decimal("100.00")  # 4 × 25.00


# CON-2 — the retry: running the run again (or its preview first) never charges a change
# twice; the pro rata is one charge keyed by the change.
@pytest.mark.django_db
def test_pro_rata_charged_once(tenant):
    contract = sip_unl(tenant.client)
    billing.run_month_sync(month=NOV)
    with at(date(2026, 12, 19)):
        change = services.line_quantity_change(line=line_of(contract), quantity=5)
    billing.run_preview(month=DEC)
    billing.run_month_sync(month=DEC)
    billing.run_month_sync(month=DEC)
    billing.run_month_sync(month=JAN)
    charges = PendingCharge.objects.filter(source_type="line_quantity_change")
    assert [(c.source_id, c.unit_price, c.quantity) for c in charges] == [
        (str(change.pk), Decimal("20.9700"), Decimal("1"))
    ]
    assert charges.get().invoice_line.invoice.issue_date == date(2026, 12, 31)


# CON-2 — an increase on the 1st, after the December run billed January at 3 accounts: the pro
# rata is the full month, 2 × 25.00 × 31/31 = 50.00 (so January costs 75.00 + 50.00 = 125.00 =
# 5 × 25.00), invoiced by the January run with February at 5 × 25.00 = 125.00.
@pytest.mark.django_db
def test_increase_on_the_first_after_the_run(tenant):
    contract = sip_unl(tenant.client)
    billing.run_month_sync(month=NOV)
    billing.run_month_sync(month=DEC)
    assert invoice_lines(tenant.client, date(2026, 12, 31))[("subscription", JAN)].net_amount == (
        Decimal("75.00")
    )
    with at(JAN):
        change = services.line_quantity_change(line=line_of(contract), quantity=5)
    assert (change.prorata_days, change.period_days, change.prorata_amount) == (
        31,
        31,
        Decimal("50.00"),
    )
    billing.run_month_sync(month=JAN)
    january = invoice_lines(tenant.client, date(2027, 1, 31))
    assert january[("prorata", JAN)].net_amount == Decimal("50.00")
    assert january[("subscription", FEB)].net_amount == Decimal("125.00")


# CON-2 — the same increase on the 1st made *before* the December run ran (a late run): the run
# bills January at the quantity of its first day, 3 × 25.00 = 75.00, and the pro rata of the
# two added accounts, 50.00, on the same invoice: January is billed 125.00, never 175.00.
@pytest.mark.django_db
def test_increase_on_the_first_before_a_late_run(tenant):
    contract = sip_unl(tenant.client)
    billing.run_month_sync(month=NOV)
    with at(JAN):
        services.line_quantity_change(line=line_of(contract), quantity=5)
    billing.run_month_sync(month=DEC)
    december = invoice_lines(tenant.client, date(2026, 12, 31))
    assert december[("subscription", JAN)].net_amount == Decimal("75.00")
    assert december[("prorata", JAN)].net_amount == Decimal("50.00")
    assert set(december) == {("subscription", JAN), ("prorata", JAN)}


# CON-2 — the last day of a month (1 day: 2 × 25.00 × 1/31 = 1.61) and February (28 days, 20..28
# = 9 days: 2 × 25.00 × 9/28 = 16.07); each invoiced by its month's run.
@pytest.mark.django_db
def test_last_day_and_february(tenant):
    contract = sip_unl(tenant.client)
    line = line_of(contract)
    with at(date(2027, 1, 31)):
        last_day = services.line_quantity_change(line=line, quantity=5)
    with at(date(2027, 2, 20)):
        february = services.line_quantity_change(line=line, quantity=7)
    assert (last_day.prorata_days, last_day.period_days, last_day.prorata_amount) == (
        1,
        31,
        Decimal("1.61"),
    )
    assert (february.prorata_days, february.period_days, february.prorata_amount) == (
        9,
        28,
        Decimal("16.07"),
    )
    billing.run_month_sync(month=JAN)
    assert invoice_lines(tenant.client, date(2027, 1, 31))[
        ("prorata", date(2027, 1, 31))
    ].net_amount == Decimal("1.61")
    billing.run_month_sync(month=FEB)
    lines = invoice_lines(tenant.client, date(2027, 2, 28))
    assert lines[("prorata", date(2027, 2, 20))].net_amount == Decimal("16.07")
    assert lines[("subscription", MAR)].net_amount == Decimal("175.00")  # 7 × 25.00


# CON-2 + HOSTED-W 9 — "billed from the month after the order" (the contract wins over CON-2's
# pro rata): users added owe no pro rata for their order month but their setup fee (29.00
# each), and are billed in full from the next month; the line's own setup counts the users it
# started with. Ordered 5 December, in service 10 December with 2 users at 14.90: +1 on
# 20 December, the December run bills the line's setup 2 × 29.00 = 58.00, the added user's
# 1 × 29.00 = 29.00 and January at 3 × 14.90 = 44.70. +1 on 16 January: the January run bills
# its setup 29.00 and February at 4 × 14.90 = 59.60, nothing for 16..31 January.
@pytest.mark.django_db
def test_hosted_w_free_order_month_and_setup(tenant):
    contract = make_contract(
        tenant.client,
        "hosted-w",
        quantity=2,
        signature=date(2026, 12, 5),
        service_start=date(2026, 12, 10),
    )
    line = line_of(contract)
    with at(date(2026, 12, 20)):
        change = services.line_quantity_change(line=line, quantity=3)
    assert (change.prorata_amount, change.setup_amount) == (Decimal("0.00"), Decimal("29.00"))
    billing.run_month_sync(month=DEC)
    invoice = invoice_of(tenant.client, date(2026, 12, 31))
    amounts = sorted((line.kind, line.quantity, line.net_amount) for line in invoice.lines.all())
    assert amounts == [
        ("setup", Decimal("1"), Decimal("29.00")),
        ("setup", Decimal("2"), Decimal("58.00")),
        ("subscription", Decimal("3"), Decimal("44.70")),
    ]
    with at(date(2027, 1, 16)):
        january = services.line_quantity_change(line=line, quantity=4)
    assert (january.prorata_amount, january.setup_amount) == (Decimal("0.00"), Decimal("29.00"))
    billing.run_month_sync(month=JAN)
    invoice = invoice_of(tenant.client, date(2027, 1, 31))
    amounts = sorted((line.kind, line.quantity, line.net_amount) for line in invoice.lines.all())
    assert amounts == [
        ("setup", Decimal("1"), Decimal("29.00")),
        ("subscription", Decimal("4"), Decimal("59.60")),
    ]
    # A decrease on a 12-month HOSTED-W contract waits for the anniversary (the next period).
    with at(date(2027, 1, 20)):
        quote = services.line_quantity_quote(line=line, quantity=2)
    assert (quote.kind, quote.effective_on, quote.from_monthly) == (
        "decrease",
        date(2027, 12, 5),
        Decimal("29.80"),  # 2 × 14.90 from 5 December 2027
    )


# CON-2 — refusals write nothing: a quantity below 1 (field error), the same quantity, a
# terminating or terminated contract, a trunk line (channel orders), a second decrease.
@pytest.mark.django_db
def test_refusals(tenant):
    contract = sip_unl(tenant.client)
    line = line_of(contract)
    for bad in (0, -2):
        with at(date(2026, 12, 19)), pytest.raises(ValidationError) as error:
            services.line_quantity_change(line=line, quantity=bad)
        assert list(error.value.message_dict) == ["quantity"]
    with at(date(2026, 12, 19)), pytest.raises(ValidationError) as error:
        services.line_quantity_change(line=line, quantity=3)
    assert list(error.value.message_dict) == ["quantity"]  # already 3

    with at(date(2026, 12, 19)):
        services.line_quantity_change(line=line, quantity=2)
        with pytest.raises(services.InvalidTransition) as error:
            services.line_quantity_change(line=line, quantity=1)
    assert error.value.code == "decrease_pending"

    trunk = make_contract(tenant.client, "trunk", quantity=4)
    with at(date(2026, 12, 19)), pytest.raises(services.InvalidTransition) as error:
        services.line_quantity_change(line=trunk.lines.first(), quantity=8)
    assert error.value.code == "trunk_line"

    with at(date(2026, 12, 10)):
        terminating = make_contract(tenant.client, "sip-unl", status=ContractStatus.TERMINATING)
    with at(date(2026, 12, 19)), pytest.raises(services.InvalidTransition) as error:
        services.line_quantity_change(line=line_of(terminating), quantity=2)
    assert error.value.code == "contract_not_active"
    termination = terminating.terminations.get()
    services.termination_apply(termination_id=termination.pk, today=termination.effective_date)
    assert Contract.objects.get(pk=terminating.pk).status == ContractStatus.TERMINATED
    with at(date(2027, 1, 5)), pytest.raises(services.InvalidTransition) as error:
        services.line_quantity_change(line=line_of(terminating), quantity=2)
    assert error.value.code == "contract_not_active"
    assert LineQuantityChange.objects.count() == 1  # only the decrease 3 → 2
    assert line_of(terminating).quantity == 1


# CON-2 / TRK-4 — a pending decrease is cancelled until it applies, not after; the line keeps
# its quantity and the next month is billed at it.
@pytest.mark.django_db
def test_cancel_a_pending_decrease(tenant):
    contract = sip_unl(tenant.client)
    line = line_of(contract)
    with at(date(2027, 1, 10)):
        decrease = services.line_quantity_change(line=line, quantity=2)
        services.line_quantity_decrease_cancel(change=decrease)
    decrease.refresh_from_db()
    assert decrease.status == QuantityChangeStatus.CANCELLED
    billing.run_month_sync(month=JAN)
    assert invoice_lines(tenant.client, date(2027, 1, 31))[("subscription", FEB)].net_amount == (
        Decimal("75.00")  # 3 × 25.00
    )
    with at(date(2027, 1, 12)):
        late = services.line_quantity_change(line=line, quantity=2)
    with at(FEB), pytest.raises(services.InvalidTransition):
        services.line_quantity_decrease_cancel(change=late)


# CON-2 + PLATFORM 8.2 / 17.1 / 3.3 — fewer CAPS lots is the end of some options, which the
# contract allows at an anniversary only on a registered letter at least 3 months before it
# (8.2; otherwise they renew for 12 months, 17.1). PLATFORM signed 1 February 2026, 5 lots of
# 10 CAPS at 150.00. 5 → 1 asked on 25 January 2027, one week before the anniversary of
# 1 February 2027: too late for it — the lots renew and leave at 1 February 2028, the first
# anniversary at least 3 months away (before: 1 February 2027, 4 × 150.00 × 12 = 7 200.00 €
# of a renewed year lost). Asked on 1 November 2026 (exactly 3 months before) or earlier: at
# 1 February 2027. The January 2027 run bills February 2027 at 5 lots (750.00), not 1.
@pytest.mark.django_db
def test_platform_decrease_needs_three_months_before_the_anniversary(tenant):
    from tests.usage.core_helpers import option, platform_with

    contract = platform_with(tenant.client, [option("opt-caps", 5)], start=date(2026, 2, 1))
    caps = contract.lines.get(product__code="opt-caps")
    admin = tenant.members["admin"].user
    with at(date(2026, 10, 15)):
        early = services.line_quantity_quote(line=caps, quantity=1)
    with at(date(2026, 11, 1)):
        on_time = services.line_quantity_quote(line=caps, quantity=1)
    with at(date(2026, 11, 2)):
        late = services.line_quantity_quote(line=caps, quantity=1)
    assert (early.effective_on, on_time.effective_on, late.effective_on) == (
        FEB,
        FEB,
        date(2028, 2, 1),
    )
    with at(date(2027, 1, 25)):
        change = services.line_quantity_change(line=caps, quantity=1, actor=admin)
    assert (change.status, change.effective_on) == ("pending", date(2028, 2, 1))
    services.contract_renew(contract_id=contract.pk, today=FEB)
    caps.refresh_from_db()
    change.refresh_from_db()
    assert (caps.quantity, change.status) == (5, "pending")


# CON-2 + PLATFORM 17.1 / 8.2 / 3.3 — « Le Client peut résilier ... certains des Services ou
# Options »: an option ends at an anniversary on 3 months' notice. PLATFORM signed 1 February
# 2026 (subscription 150.00) with one BGP peering at 250.00 a month. Asked on 15 October 2026:
# the peering ends on 1 February 2027 — the January run bills February 2027 without it
# (150.00, not 400.00) and the renewal ends the line. Before: « A line keeps at least 1 unit »,
# the option could only go with the whole contract (250.00 € a month kept for good). The main
# product keeps at least 1 unit.
@pytest.mark.django_db
def test_platform_option_removed_at_the_anniversary(tenant):
    from tests.usage.core_helpers import option, platform_with

    contract = platform_with(tenant.client, [option("opt-bgp-peering", 1)], start=date(2026, 2, 1))
    peering = contract.lines.get(product__code="opt-bgp-peering")
    main = contract.lines.exclude(pk=peering.pk).get()
    with at(date(2026, 10, 15)), pytest.raises(ValidationError) as error:
        services.line_quantity_change(line=main, quantity=0)
    assert list(error.value.message_dict) == ["quantity"]
    with at(date(2026, 10, 15)):
        removal = services.line_quantity_change(
            line=peering, quantity=0, actor=tenant.members["admin"].user
        )
    assert (removal.status, removal.effective_on, removal.units) == ("pending", FEB, 1)
    billing.run_month_sync(month=JAN)
    january = invoice_lines(tenant.client, date(2027, 1, 31))
    february = [line for (kind, start), line in january.items() if start == FEB]
    assert [line.net_amount for line in february] == [Decimal("150.00")]
    services.contract_renew(contract_id=contract.pk, today=FEB)
    peering.refresh_from_db()
    removal.refresh_from_db()
    assert (peering.quantity, peering.ended_on, removal.status) == (0, FEB, "applied")
    assert Contract.objects.get(pk=contract.pk).monthly_fees == Decimal("150.0000")


# USE-5 + PLATFORM 17.1 — 2 CAPS lots ended at the anniversary of 1 February 2027 still count
# in January (1 + 2 × 10 = 21 attempts per second), none from February (1).
@pytest.mark.django_db
def test_platform_caps_removed_count_until_their_end(tenant):
    from tests.usage.core_helpers import option, platform_with
    from usage.services.limits import limits_for

    contract = platform_with(tenant.client, [option("opt-caps", 2)], start=date(2026, 2, 1))
    caps = contract.lines.get(product__code="opt-caps")
    with at(date(2026, 10, 15)):
        services.line_quantity_change(line=caps, quantity=0)
    services.contract_renew(contract_id=contract.pk, today=FEB)
    caps_limit = [limits_for(tenant.client.pk, day)["caps"] for day in (date(2027, 1, 31), FEB)]
    assert caps_limit == [21, 1]


# CON-2 + HOSTED-W 8.1 — « Le Service, tout ou en partie, est résiliable à tout moment ...
# avec un préavis de un (1) mois »; during a renewal period the Client pays « la totalité des
# mois restants dus ... jusqu'à la date anniversaire ». Fewer users is a partial termination:
# it needs the month's notice. HOSTED-W ordered and started 15/03/2025 (anniversaries 15/03),
# 5 users at 14.90. 5 → 2 asked on 01/03/2027, two weeks before the anniversary of 15/03/2027:
# the notice ends on 01/04/2027, inside the period renewed on 15/03/2027, whose remaining
# months are due — the users leave at 15/03/2028 (before: at 15/03/2027, the 3 users' renewed
# year, 3 × 14.90 × 12 = 536.40 €, never billed). Asked on 15/02/2027 (exactly one month
# before) or earlier: at 15/03/2027. HOSTED-A (the rule book's 1-month notice, CON-1) alike:
# started 15/03/2024, 36 months, the initial period ends 15/03/2027.
@pytest.mark.django_db
def test_hosted_decrease_needs_the_months_notice_before_the_anniversary(tenant):
    hosted_w = make_contract(
        tenant.client,
        "hosted-w",
        quantity=5,
        signature=date(2025, 3, 15),
        service_start=date(2025, 3, 15),
    )
    hosted_a = make_contract(
        tenant.client,
        "hosted-a",
        quantity=5,
        signature=date(2024, 3, 15),
        service_start=date(2024, 3, 15),
    )
    for contract in (hosted_w, hosted_a):
        line = line_of(contract)
        quotes = []
        for day in (date(2027, 1, 10), date(2027, 2, 15), date(2027, 2, 16), date(2027, 3, 1)):
            with at(day):
                quotes.append(services.line_quantity_quote(line=line, quantity=2).effective_on)
        assert quotes == [
            date(2027, 3, 15),
            date(2027, 3, 15),
            date(2028, 3, 15),
            date(2028, 3, 15),
        ]
        with at(date(2027, 3, 1)):
            change = services.line_quantity_change(line=line, quantity=2)
        assert (change.status, change.effective_on, change.units) == (
            "pending",
            date(2028, 3, 15),
            3,
        )
        services.contract_renew(contract_id=contract.pk, today=date(2027, 3, 15))
        line.refresh_from_db()
        assert line.quantity == 5


# CON-2 + HOSTED-W 8.1 — the portal's quote says when the users leave, and why not sooner.
@pytest.mark.django_db
def test_portal_hosted_w_decrease_quote_names_the_notice(as_role, english, tenant):
    contract = make_contract(
        tenant.client,
        "hosted-w",
        quantity=5,
        signature=date(2025, 3, 15),
        service_start=date(2025, 3, 15),
    )
    with at(date(2027, 3, 1)):
        page = as_role("admin").post(quantity_url(contract), {"quantity": "2", "action": "quote"})
    text = page.content.decode()
    assert "3 units removed from 15 March 2028, the first renewal date of the contract after" in (
        text
    )
    assert "the start of the next period" not in text
    assert "Units removed take effect at the first renewal date of the contract after" in text


# CON-2 + PLATFORM 8.2 — the portal's quote says when the lots leave, and why not sooner.
@pytest.mark.django_db
def test_portal_platform_decrease_quote_names_the_anniversary(as_role, english, tenant):
    from tests.usage.core_helpers import option, platform_with

    contract = platform_with(tenant.client, [option("opt-caps", 5)], start=date(2026, 2, 1))
    caps = contract.lines.get(product__code="opt-caps")
    url = reverse("offers:line_quantity", args=[contract.pk, caps.pk])
    with at(date(2027, 1, 25)):
        page = as_role("admin").post(url, {"quantity": "1", "action": "quote"}).content.decode()
    assert "4 units removed from 1 February 2028, the first anniversary" in page
    assert "the start of the next period" not in page


# --- Portal -----------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def quantity_url(contract):
    return reverse("offers:line_quantity", args=[contract.pk, line_of(contract).pk])


# CON-2 — the admin sees the quote (pro rata of the added accounts, then the monthly price from
# the next month), confirms, and the contract page shows the new quantity.
@pytest.mark.django_db
def test_portal_quote_then_confirm(as_role, english, tenant):
    contract = sip_unl(tenant.client)
    with at(date(2026, 12, 19)):
        client = as_role("admin")
        detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert quantity_url(contract) in detail
        page = client.post(quantity_url(contract), {"quantity": "5", "action": "quote"})
        text = page.content.decode()
        # 2 × 25.00 × 13/31 = 20.97; from 1 January: 5 × 25.00 = 125.00
        assert "2 × 25.00 € × 13/31 days = 20.97 € excl. VAT" in text
        assert "5 × 25.00 € = 125.00 € excl. VAT per month" in text
        assert line_of(contract).quantity == 3  # a quote writes nothing
        response = client.post(
            quantity_url(contract),
            {
                "quantity": "5",
                "shown_prorata": "20.97",
                "shown_effective_on": "2026-12-19",
                "action": "confirm",
            },
        )
    assert response.status_code == 302
    assert line_of(contract).quantity == 5
    change = LineQuantityChange.objects.get()
    assert (change.requested_by, change.prorata_amount) == (
        tenant.members["admin"].user,
        Decimal("20.97"),
    )


# CON-2 + HOSTED-W 9 — a user added on a HOSTED-W contract: nothing for the month of the
# order, billed from the 1st of the next; the setup fee 1 × 29.00; from 1 January
# 3 × 14.90 = 44.70 a month.
@pytest.mark.django_db
def test_portal_quote_hosted_w(as_role, english, tenant):
    contract = make_contract(tenant.client, "hosted-w", quantity=2)
    with at(date(2026, 12, 19)):
        page = as_role("admin").post(quantity_url(contract), {"quantity": "3", "action": "quote"})
    text = page.content.decode()
    assert "added today: nothing for this month, billed from" in text
    assert "Setup fee: 1 × 29.00 € = 29.00 € excl. VAT" in text
    assert "3 × 14.90 € = 44.70 € excl. VAT per month" in text


# CON-2 — a confirmation whose quote changed (shown yesterday) is shown again, not recorded.
@pytest.mark.django_db
def test_portal_quote_changed(as_role, english, tenant):
    contract = sip_unl(tenant.client)
    with at(date(2026, 12, 20)):
        page = as_role("admin").post(
            quantity_url(contract),
            {
                "quantity": "5",
                "shown_prorata": "20.97",
                "shown_effective_on": "2026-12-19",
                "action": "confirm",
            },
        )
    assert 'data-testid="quote-changed"' in page.content.decode()
    # 2 × 25.00 × 12/31 = 19.35 now
    assert "19.35" in page.content.decode()
    assert not LineQuantityChange.objects.exists()


# CON-2 — a decrease is shown pending on the contract page with its date, and the admin can
# cancel it.
@pytest.mark.django_db
def test_portal_decrease_pending_and_cancel(as_role, english, tenant):
    contract = sip_unl(tenant.client)
    with at(date(2027, 1, 10)):
        client = as_role("admin")
        quote = client.post(quantity_url(contract), {"quantity": "2", "action": "quote"})
        assert 'data-testid="quote-decrease"' in quote.content.decode()
        client.post(
            quantity_url(contract),
            {"quantity": "2", "shown_prorata": "0.00", "action": "confirm"},
        )
        detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert 'data-testid="pending-decrease"' in detail
        assert "1 unit fewer from" in detail
        cancel = reverse("offers:line_quantity_cancel", args=[contract.pk, line_of(contract).pk])
        assert client.post(cancel).status_code == 302
    assert LineQuantityChange.objects.get().status == QuantityChangeStatus.CANCELLED
    assert line_of(contract).quantity == 3


# CON-2 — 0 or a negative quantity is a field error on the form; nothing is written.
@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["0", "-1", "abc"])
def test_portal_bad_quantity(as_role, english, tenant, bad):
    contract = sip_unl(tenant.client)
    with at(date(2026, 12, 19)):
        page = as_role("admin").post(quantity_url(contract), {"quantity": bad, "action": "quote"})
    assert page.status_code == 200
    assert 'data-testid="quantity-error"' in page.content.decode()
    assert not LineQuantityChange.objects.exists()


# ACC-2 / CON-2 — orders are the admin's; the technical role may ask for quotes: the billing
# and read-only roles get 403 and no link.
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["billing", "read_only"])
def test_portal_only_admins(as_role, tenant, role):
    contract = sip_unl(tenant.client)
    client = as_role(role)
    assert client.get(quantity_url(contract)).status_code == 403
    assert client.post(quantity_url(contract), {"quantity": "5"}).status_code == 403
    detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
    assert 'data-testid="change-quantity"' not in detail
    assert not LineQuantityChange.objects.exists()


# ACC-2 (options cost money: the admin's; "the technical role may ask for quotes") — the
# technical member follows the contract page's link and sees the quote (2 × 25.00 × 13/31 =
# 20.97, then 5 × 25.00 = 125.00 a month) with no confirm button; a confirmation is 403 and
# nothing is written (the line keeps its 3 accounts).
@pytest.mark.django_db
def test_portal_technical_role_asks_for_a_quote(as_role, english, tenant):
    contract = sip_unl(tenant.client)
    with at(date(2026, 12, 19)):
        client = as_role("technical")
        detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert quantity_url(contract) in detail
        assert client.get(quantity_url(contract)).status_code == 200
        page = client.post(quantity_url(contract), {"quantity": "5", "action": "quote"})
        text = page.content.decode()
        assert "2 × 25.00 € × 13/31 days = 20.97 € excl. VAT" in text
        assert "5 × 25.00 € = 125.00 € excl. VAT per month" in text
        assert 'data-testid="confirm-form"' not in text
        assert 'data-testid="confirm-admin-only"' in text
        confirm = client.post(
            quantity_url(contract),
            {
                "quantity": "5",
                "shown_prorata": "20.97",
                "shown_effective_on": "2026-12-19",
                "action": "confirm",
            },
        )
    assert confirm.status_code == 403
    assert line_of(contract).quantity == 3
    assert not LineQuantityChange.objects.exists()


# CON-2 — another customer's contract does not exist for this customer.
@pytest.mark.django_db
def test_portal_other_customer_is_404(as_role, other_tenant):
    contract = sip_unl(other_tenant.client)
    assert as_role("admin").get(quantity_url(contract)).status_code == 404


# CON-2 — a terminating contract offers no change: the page sends back to the contract.
@pytest.mark.django_db
def test_portal_terminating_contract(as_role, english, tenant):
    with at(date(2026, 12, 10)):
        contract = make_contract(
            tenant.client, "sip-unl", status=ContractStatus.TERMINATING, monthly_price="25.00"
        )
    client = as_role("admin")
    assert client.get(quantity_url(contract)).status_code == 302
    detail = client.get(reverse("offers:detail", args=[contract.pk])).content.decode()
    assert 'data-testid="change-quantity"' not in detail


# --- API --------------------------------------------------------------------------------------


def api_url(name, contract, line=None):
    return reverse(f"api:contract-{name}", args=[contract.pk, (line or line_of(contract)).pk])


# CON-2 — the partner API: the quote writes nothing; the change (with Idempotency-Key) is
# done once: a retry replays the first answer (5 accounts, not 7) and one charge follows.
@pytest.mark.django_db
def test_api_quote_change_and_retry(api, tenant):
    contract = sip_unl(tenant.client)
    with at(date(2026, 12, 19)):
        quote = api.post(api_url("line-quantity-quote", contract), {"quantity": 5}, format="json")
        assert quote.status_code == 200
        assert {k: quote.json()[k] for k in ("prorata_amount", "from_date", "from_monthly")} == {
            "prorata_amount": "20.97",  # 2 × 25.00 × 13/31
            "from_date": "2027-01-01",
            "from_monthly": "125.00",  # 5 × 25.00
        }
        assert not LineQuantityChange.objects.exists()
        headers = {"HTTP_IDEMPOTENCY_KEY": "qty-19-12"}
        url = api_url("line-quantity", contract)
        first = api.post(url, {"quantity": 5}, format="json", **headers)
        again = api.post(url, {"quantity": 5}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["prorata_amount"] == "20.97"
    assert first.json() == again.json()
    assert (LineQuantityChange.objects.count(), line_of(contract).quantity) == (1, 5)
    listed = api.get(url).json()
    assert [row["quantity_after"] for row in listed] == [5]
    billing.run_month_sync(month=DEC)
    billing.run_month_sync(month=DEC)
    assert PendingCharge.objects.filter(source_type="line_quantity_change").count() == 1


# CON-2 + HOSTED-W 8.1 — the partner API quotes a decrease asked two weeks before the
# anniversary (HOSTED-W started 15/03/2025, 5 users at 14.90, asked on 01/03/2027) at the next
# anniversary but one, 15/03/2028: from then 2 × 14.90 = 29.80 a month (before: 2027-03-15).
@pytest.mark.django_db
def test_api_hosted_w_decrease_needs_the_months_notice(api, tenant):
    contract = make_contract(
        tenant.client,
        "hosted-w",
        quantity=5,
        signature=date(2025, 3, 15),
        service_start=date(2025, 3, 15),
    )
    with at(date(2027, 3, 1)):
        quote = api.post(api_url("line-quantity-quote", contract), {"quantity": 2}, format="json")
    assert quote.status_code == 200
    assert {k: quote.json()[k] for k in ("effective_on", "from_date", "from_monthly")} == {
        "effective_on": "2028-03-15",
        "from_date": "2028-03-15",
        "from_monthly": "29.80",
    }


# CON-2 — 0 or negative: 400 naming the field; nothing written.
@pytest.mark.django_db
@pytest.mark.parametrize("bad", [0, -3, "x"])
def test_api_bad_quantity(api, tenant, bad):
    contract = sip_unl(tenant.client)
    response = api.post(api_url("line-quantity", contract), {"quantity": bad}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["quantity"]
    assert not LineQuantityChange.objects.exists()


# CON-2 — another partner's contract, or a line of another contract: 404.
@pytest.mark.django_db
def test_api_other_partner_is_404(api, tenant, other_tenant):
    theirs = sip_unl(other_tenant.client)
    mine = sip_unl(tenant.client)
    for route in ("line-quantity", "line-quantity-quote", "cancel-line-quantity-decrease"):
        assert api.post(api_url(route, theirs), {"quantity": 5}, format="json").status_code == 404
    assert api.get(api_url("line-quantity", theirs)).status_code == 404
    wrong_line = api_url("line-quantity", mine, line=line_of(theirs))
    assert api.post(wrong_line, {"quantity": 5}, format="json").status_code == 404
    assert not LineQuantityChange.objects.exists()


# CON-2 — a terminated contract: 409; a decrease, then a second one (409), then its
# cancellation (and a second cancellation, 409).
@pytest.mark.django_db
def test_api_conflicts(api, tenant):
    with at(date(2026, 12, 10)):
        ending = make_contract(tenant.client, "sip-unl", status=ContractStatus.TERMINATING)
    termination = ending.terminations.get()
    services.termination_apply(termination_id=termination.pk, today=termination.effective_date)
    with at(date(2027, 1, 10)):
        refused = api.post(api_url("line-quantity", ending), {"quantity": 2}, format="json")
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            409,
            "contract_not_active",
        )
        contract = sip_unl(tenant.client)
        url = api_url("line-quantity", contract)
        decrease = api.post(url, {"quantity": 2}, format="json")
        assert (decrease.status_code, decrease.json()["status"]) == (201, "pending")
        assert decrease.json()["effective_on"] == "2027-02-01"
        second = api.post(url, {"quantity": 1}, format="json")
        assert (second.status_code, second.json()["error"]["code"]) == (409, "decrease_pending")
        cancel = api_url("cancel-line-quantity-decrease", contract)
        assert api.post(cancel).json()["status"] == "cancelled"
        assert api.post(cancel).status_code == 409
    assert line_of(contract).quantity == 3


# --- Back office ------------------------------------------------------------------------------


# CON-2 — staff change a hosted line's quantity by an action on the contract (one selected);
# the change is the service's, audited with the staff member.
@pytest.mark.django_db
def test_admin_action_changes_a_line(client, tenant):
    from allauth.mfa.models import Authenticator

    staff = User.objects.create_user(
        email="ops@reseller.example", password="x-Pass-1234", is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    contract = make_contract(tenant.client, "hosted-a", quantity=2, monthly_price="250.00")
    line = line_of(contract)
    changelist = reverse("admin:offers_contract_changelist")
    with at(date(2026, 12, 19)):
        client.force_login(staff)
        page = client.post(
            changelist,
            {"action": "change_line_quantity", ACTION_CHECKBOX_NAME: [contract.pk]},
        )
        assert page.status_code == 200  # the intermediate form
        done = client.post(
            changelist,
            {
                "action": "change_line_quantity",
                ACTION_CHECKBOX_NAME: [contract.pk],
                "apply": "1",
                "line": line.pk,
                "quantity": "3",
            },
        )
        assert done.status_code == 302
        page = client.get(reverse("admin:offers_contract_change", args=[contract.pk]))
        assert "2 → 3" in page.content.decode()  # the change, shown on the contract
    change = LineQuantityChange.objects.get()
    # 1 × 250.00 × 13/31 = 104.8387 → 104.84; setup 1 × 490.00
    assert (change.prorata_amount, change.setup_amount, change.requested_by) == (
        Decimal("104.84"),
        Decimal("490.00"),
        staff,
    )
    assert line_of(contract).quantity == 3


# CON-2 in French — a line of one unit asked for one unit is « La ligne compte déjà 1 unité. »,
# never « 1 unités » (French: 0 and 1 are singular).
def test_unchanged_quantity_of_one_unit_is_singular():
    from django.core.exceptions import ValidationError as _Error
    from django.utils import translation

    from offers.services.quantities import _check_quantity

    with translation.override("fr"), pytest.raises(_Error) as error:
        _check_quantity(1, 1)
    assert error.value.message_dict["quantity"] == ["La ligne compte déjà 1 unité."]
    with translation.override("en"), pytest.raises(_Error) as error:
        _check_quantity(1, 1)
    assert error.value.message_dict["quantity"] == ["The line already has 1 unit."]


# CON-5 + CON-2 + PLATFORM 24.4.5 / 17.1 — a pending decrease counts in the termination fee of
# the period it took effect in. PLATFORM signed 1 February 2026: subscription 150.00 and a BGP
# peering at 250.00 a month. The peering is ended on 15 October 2026 (from 1 February 2027);
# on 15 December 2026 the customer terminates for 15 March 2027 (notice + 3 months). The last
# day of service (14/03/2027) is in the period 01/02/2027-31/01/2028, which has no peering:
# months from 01/04/2027 (March invoiced) to 31/01/2028 = 10, at the higher of the
# subscriptions (150.00) and the minimum commitment (the terms'), not at 400.00 with the
# peering that ended on 1 February.
@pytest.mark.django_db
def test_platform_termination_fee_leaves_out_units_ended_before_its_period(tenant):
    from tests.usage.core_helpers import option, platform_with

    contract = platform_with(tenant.client, [option("opt-bgp-peering", 1)], start=date(2026, 2, 1))
    peering = contract.lines.get(product__code="opt-bgp-peering")
    with at(date(2026, 10, 15)):
        services.line_quantity_change(line=peering, quantity=0)
    contract = Contract.objects.get(pk=contract.pk)
    minimum = Decimal(contract.term("minimum_monthly_commitment"))
    quote = services.termination_quote(
        contract=contract, notice_date=date(2026, 12, 15), requested_date=date(2027, 3, 15)
    )
    assert quote.fee.fee_start == date(2027, 4, 1)
    assert quote.fee.amount == 10 * max(Decimal("150.00"), minimum)
