"""CON-6 price changes: the pipeline ``scheduled → notified → applied | cancelled`` (one
transition map, an event row per move), the notice each preset needs, the change applied once
on its effective date to the lines at the old catalogue price only, the run pricing each month
with the line's own price; the refusal of an increase (HOSTED-A 6) and the acceptance of a
PLATFORM increase, an amendment (7.1.2), in the portal, the partner API and the back office;
channel pack prices (TRK-1) through the same pipeline."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from accounts.models import AuditLog, User
from billing import plan
from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from offers.choices import (
    PRICE_CHANGE_TRANSITIONS,
    ContractStatus,
    PriceChangeRefusal,
    PriceChangeStatus,
    TerminationReason,
)
from offers.models import (
    Contract,
    ContractLine,
    Offer,
    PriceChange,
    PriceChangeEvent,
    PriceChangeLine,
    PriceChangeNotice,
    Product,
    Termination,
)
from tests.factories import PASSWORD
from tests.offers.factories import make_contract
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
JAN = date(2027, 1, 1)
FEB = date(2027, 2, 1)


def at(day: date, hour: int = 10, minute: int = 0):
    """``day`` at ``hour`` in Paris, frozen."""
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def _english_no_pdf(settings):
    settings.BILLING_RENDER_PDF = False
    with translation.override("en"):
        yield


def catalogue(offer_code: str, price: str) -> Offer:
    """The offer, its main product at ``price`` in the catalogue."""
    offer = Offer.objects.select_related("main_product", "terms").get(code=offer_code)
    Product.objects.filter(pk=offer.main_product_id).update(monthly_price=Decimal(price))
    offer.main_product.refresh_from_db()
    return offer


def line_price(contract: Contract) -> Decimal:
    return ContractLine.objects.get(contract=contract).unit_monthly_price


def schedule(offer, new_price, effective, *, notify=True, actor=None, **kwargs) -> PriceChange:
    change = offers.price_change_schedule(
        offer=offer,
        product=offer.main_product,
        new_monthly_price=new_price,
        effective_date=effective,
        actor=actor,
        **kwargs,
    )
    if notify:
        change = offers.price_change_notify(price_change=change, actor=actor)
    return change


class Scenario:
    """HOSTED-A at 45.00 € HT a month in the catalogue. Before the change: A signed at the
    catalogue price, B at a negotiated 40.00. On 10 December 2026 staff schedule 49.00 from
    1 January 2027 and the customers are told. On 15 December C signs at the then-current
    45.00."""

    def __init__(self, client, staff=None):
        self.offer = catalogue("hosted-a", "45.00")
        with at(date(2026, 11, 2)):
            self.a = make_contract(client, "hosted-a")
            self.b = make_contract(client, "hosted-a", monthly_price="40.00")
        with at(date(2026, 12, 10)):
            self.change = schedule(self.offer, "49.00", JAN, actor=staff, reason="Indexation")
        with at(date(2026, 12, 15)):
            self.c = make_contract(
                client, "hosted-a", signature=date(2026, 12, 15), service_start=date(2026, 12, 15)
            )


@pytest.fixture
def staff_user(db):
    return User.objects.create_user(
        email="pricing@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )


# --- The pipeline ---------------------------------------------------------------------------


# CON-6 — the brief's scenario: applied once, on its date, only to the line at the old
# catalogue price (A: 45.00 → 49.00); B's negotiated 40.00 and C (signed after the change was
# scheduled, at 45.00) are not touched; the lines changed are recorded; the catalogue follows;
# running the job again changes nothing.
def test_con6_applied_once_to_lines_at_old_catalogue_price(staff_user):
    client = direct_customer()
    s = Scenario(client, staff_user)
    assert s.change.old_monthly_price == Decimal("45.00")
    assert set(s.change.notices.values_list("contract_id", flat=True)) == {s.a.pk}
    assert s.change.notice_days == 7  # HOSTED-A 6
    with at(date(2026, 12, 31), 0, 15):
        assert offers.price_changes_daily(today=date(2026, 12, 31)) == 0  # the day before
    assert line_price(s.a) == Decimal("45.00")
    with at(JAN, 0, 15):
        assert offers.price_changes_daily(today=JAN) == 1
        assert offers.price_changes_daily(today=JAN) == 0  # twice: nothing the second time
    with at(date(2027, 1, 2), 0, 15):
        assert offers.price_changes_daily(today=date(2027, 1, 2)) == 0
    assert (line_price(s.a), line_price(s.b), line_price(s.c)) == (
        Decimal("49.00"),
        Decimal("40.00"),
        Decimal("45.00"),
    )
    s.change.refresh_from_db()
    assert s.change.status == PriceChangeStatus.APPLIED
    assert [
        (r.line.contract_id, r.old_price, r.new_price) for r in s.change.line_changes.all()
    ] == [(s.a.pk, Decimal("45.00"), Decimal("49.00"))]
    assert Product.objects.get(pk=s.offer.main_product_id).monthly_price == Decimal("49.00")
    events = list(s.change.events.values_list("from_status", "to_status", "actor_id"))
    assert events == [
        ("", "scheduled", staff_user.pk),
        ("scheduled", "notified", staff_user.pk),
        ("notified", "applied", None),  # the nightly job
    ]
    assert AuditLog.objects.filter(action="contract_line.price_change").count() == 1
    # A contract signed after the effective date gets the new catalogue price.
    with at(date(2027, 1, 5)):
        d = make_contract(
            client, "hosted-a", signature=date(2027, 1, 5), service_start=date(2027, 1, 5)
        )
    assert line_price(d) == Decimal("49.00")


# CON-6 / BIL-1 — the run of December, executed at 00:05 on 1 January before the nightly job
# (00:15), bills January in advance with the price each LINE will have: A 49.00, B 40.00,
# C 45.00. After the job, the run of January bills February from the lines themselves.
def test_con6_run_prices_each_month_with_the_line_price():
    client = direct_customer()
    s = Scenario(client)
    with at(JAN, 0, 5):
        billing.run_month_sync(month=date(2026, 12, 1))
    december = Invoice.objects.get(client=client, month=date(2026, 12, 1), kind="invoice")

    def january(contract):
        return december.lines.get(contract_reference=contract.reference, period_start=JAN)

    # 1 × 49.00 = 49.00; 1 × 40.00 = 40.00; 1 × 45.00 = 45.00
    assert january(s.a).net_amount == Decimal("49.00")
    assert january(s.b).net_amount == Decimal("40.00")
    assert january(s.c).net_amount == Decimal("45.00")
    with at(JAN, 0, 15):
        offers.price_changes_daily(today=JAN)
    with at(FEB, 0, 5):
        billing.run_month_sync(month=JAN)
    invoice = Invoice.objects.get(client=client, month=JAN, kind="invoice")
    lines = {
        line.contract_reference: line.net_amount
        for line in invoice.lines.filter(period_start=FEB, kind="subscription")
    }
    assert lines == {
        s.a.reference: Decimal("49.00"),
        s.b.reference: Decimal("40.00"),
        s.c.reference: Decimal("45.00"),
    }


# CON-6 — ``price_for`` as plain values: the line's own price, the price it had before a
# change applied to it, the price of a notified change from its date; nothing else.
def test_con6_price_for_reads_the_line_only():
    facts = dict(
        started_on=date(2025, 3, 15),
        ended_on=None,
        order_date=date(2025, 3, 1),
        free_order_month=False,
        ends_on=None,
    )
    applied = plan.LineFacts(
        monthly_price=Decimal("49.00"),
        price_steps=((JAN, Decimal("45.00"), Decimal("49.00"), True),),
        **facts,
    )
    assert applied.price_for(date(2026, 12, 1)) == Decimal("45.00")  # before: as it was
    assert applied.price_for(JAN) == Decimal("49.00")  # from the effective date
    assert applied.price_for(FEB) == Decimal("49.00")
    pending = plan.LineFacts(
        monthly_price=Decimal("45.00"),
        price_steps=((FEB, Decimal("45.00"), Decimal("49.00"), False),),
        **facts,
    )
    assert pending.price_for(JAN) == Decimal("45.00")
    assert pending.price_for(FEB) == Decimal("49.00")  # billed in advance before it applies
    untouched = plan.LineFacts(monthly_price=Decimal("40.00"), **facts)
    assert untouched.price_for(FEB) == Decimal("40.00")  # no step: the line's price
    # A month of 28 days: pro rata from the 15th = 14/28 × 49.00 = 24.50.
    late = plan.LineFacts(
        monthly_price=Decimal("49.00"),
        **{**facts, "started_on": date(2027, 2, 15), "order_date": date(2027, 2, 15)},
    )
    feb = plan.months_due(late, FEB)[0]
    assert (feb.period_start, feb.unit_price) == (date(2027, 2, 15), Decimal("24.5000"))


# CON-6 — a cancelled change never applies (from notified, the day before its date; from
# scheduled too); the contracts told are told again; the run bills the old price.
def test_con6_cancelled_change_never_applies(django_capture_on_commit_callbacks):
    client = direct_customer()
    s = Scenario(client)
    mail.outbox.clear()
    with at(date(2026, 12, 31)), django_capture_on_commit_callbacks(execute=True):
        offers.price_change_cancel(price_change=s.change)
    # E-mails follow each member's language (French here, the product's first language).
    assert [m.subject for m in mail.outbox] == [
        f"Changement de prix annulé pour votre contrat {s.a.reference}"
    ] * 2  # the admin and the billing member
    with at(date(2026, 12, 20)):
        held = schedule(s.offer, "52.00", FEB, notify=False)
        offers.price_change_cancel(price_change=held)
    with at(JAN, 0, 5):
        billing.run_month_sync(month=date(2026, 12, 1))
    with at(FEB, 0, 15):
        assert offers.price_changes_daily(today=JAN) == 0
        assert offers.price_changes_daily(today=FEB) == 0
    invoice = Invoice.objects.get(client=client, month=date(2026, 12, 1), kind="invoice")
    assert invoice.lines.get(contract_reference=s.a.reference, period_start=JAN).net_amount == (
        Decimal("45.00")
    )
    assert line_price(s.a) == Decimal("45.00")
    assert set(PriceChange.objects.values_list("status", flat=True)) == {"cancelled"}
    assert not PriceChangeLine.objects.exists()


# CON-6 — one transition map; anything outside it is refused with InvalidTransition, and
# nothing changes: an applied change cannot be cancelled or notified again, a cancelled one
# cannot be notified; a change cannot be cancelled on its effective date.
def test_con6_invalid_transitions_are_refused():
    assert PRICE_CHANGE_TRANSITIONS == {
        "scheduled": {"notified", "cancelled"},
        "notified": {"applied", "cancelled"},
        "applied": set(),
        "cancelled": set(),
    }
    client = direct_customer()
    s = Scenario(client)
    with at(JAN), pytest.raises(offers.InvalidTransition) as too_late:
        offers.price_change_cancel(price_change=s.change)
    assert too_late.value.code == "too_late"
    with at(date(2026, 12, 20)), pytest.raises(offers.InvalidTransition, match="cannot go from"):
        offers.price_change_notify(price_change=s.change)  # already notified
    with at(JAN, 0, 15):
        offers.price_changes_daily(today=JAN)
    for move in (offers.price_change_cancel, offers.price_change_notify):
        with at(date(2027, 1, 2)), pytest.raises(offers.InvalidTransition) as error:
            move(price_change=s.change)
        assert error.value.code == "invalid_transition"
    assert s.change.events.count() == 3  # scheduled, notified, applied: nothing more
    s.change.refresh_from_db()
    assert s.change.status == PriceChangeStatus.APPLIED


# CON-6 — the notice each preset needs (HOSTED-A 6: 7 days; PLATFORM, TRUNK, SIP-UNL, HOSTED-W:
# 30 days, our choice where the contract is silent), first day of a month, a real new price;
# a refused schedule writes nothing.
@pytest.mark.parametrize(
    ("offer_code", "days"),
    [("hosted-a", 7), ("platform", 30), ("trunk", 30), ("sip-unl", 30), ("hosted-w", 30)],
)
def test_con6_notice_per_preset(offer_code, days):
    offer = Offer.objects.select_related("main_product", "terms").get(code=offer_code)
    new = offer.main_product.monthly_price + 1
    last_day = date.fromordinal(JAN.toordinal() - days)  # JAN - days
    with pytest.raises(ValidationError, match=f"at least {days} days"):
        offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price=new,
            effective_date=JAN,
            today=date.fromordinal(last_day.toordinal() + 1),  # one day too late
        )
    assert not PriceChange.objects.exists()
    change = offers.price_change_schedule(
        offer=offer,
        product=offer.main_product,
        new_monthly_price=new,
        effective_date=JAN,
        today=last_day,
    )
    assert (change.status, change.notice_days) == (PriceChangeStatus.SCHEDULED, days)


def test_con6_schedule_validation_writes_nothing():
    offer = catalogue("hosted-a", "45.00")
    trunk_product = Offer.objects.get(code="trunk").main_product
    with pytest.raises(ValidationError) as error:
        offers.price_change_schedule(
            offer=offer,
            product=trunk_product,
            new_monthly_price="-1",
            effective_date=date(2027, 1, 15),
            today=date(2026, 11, 20),
        )
    assert set(error.value.message_dict) == {"new_monthly_price", "effective_date", "product"}
    with pytest.raises(ValidationError, match="already the catalogue price"):
        offers.price_change_schedule(
            offer=offer,
            product=offer.main_product,
            new_monthly_price="45.0000",
            effective_date=JAN,
            today=date(2026, 11, 20),
        )
    assert not PriceChange.objects.exists() and not PriceChangeEvent.objects.exists()


# CON-6 — notifying is possible until the last day the notice allows (HOSTED-A: 25 December
# for 1 January); the nightly job notifies a held change on that day at the latest, and
# cancels one whose last day has passed unnotified (it could not apply with its notice).
def test_con6_notice_deadline():
    client = direct_customer()
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        contract = make_contract(client, "hosted-a")
    with at(date(2026, 12, 1)):
        held = schedule(offer, "49.00", JAN, notify=False)
        late = schedule(offer, "47.00", FEB, notify=False)
    with at(date(2026, 12, 24)):
        offers.price_changes_daily(today=date(2026, 12, 24))
    held.refresh_from_db()
    assert held.status == PriceChangeStatus.SCHEDULED  # not its last day yet
    with at(date(2026, 12, 25)):
        offers.price_changes_daily(today=date(2026, 12, 25))  # 1 January − 7 days
    held.refresh_from_db()
    assert held.status == PriceChangeStatus.NOTIFIED
    assert list(held.notices.values_list("contract_id", flat=True)) == [contract.pk]
    with at(date(2027, 1, 26)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_notify(price_change=late)  # 1 February − 7 days = 25 January
    assert error.value.code == "notice_too_late"
    with at(date(2027, 1, 26)):
        offers.price_changes_daily(today=date(2027, 1, 26))
    late.refresh_from_db()
    assert late.status == PriceChangeStatus.CANCELLED
    assert late.events.last().note == "notice deadline passed without notification"


# CON-6 — a failure in the middle of the nightly job (the e-mails of one change cannot be
# sent): that change stays held and is logged, the others go on the same night. On 1 November
# 2026 HOSTED-W's and SIP-UNL's changes of 1 December reach their last notice day (30 days)
# and HOSTED-A's change of 1 November (notified) is due. Before, the error of the first held
# change stopped the job: SIP-UNL's change was never told (cancelled the next night, its
# notice day gone) and HOSTED-A's line stayed at 45.00 instead of 49.00.
def test_con6_nightly_job_goes_on_after_a_failing_change(monkeypatch):
    from offers.services import price_changes

    client = direct_customer()
    hosted_w = catalogue("hosted-w", "20.00")
    sip_unl = catalogue("sip-unl", "10.00")
    hosted_a = catalogue("hosted-a", "45.00")
    with at(date(2026, 9, 1)):
        make_contract(client, "hosted-w")
        make_contract(client, "sip-unl")
        a = make_contract(client, "hosted-a")
    with at(date(2026, 10, 2)):
        failing = schedule(hosted_w, "22.00", date(2026, 12, 1), notify=False)
        held = schedule(sip_unl, "11.00", date(2026, 12, 1), notify=False)
        due = schedule(hosted_a, "49.00", date(2026, 11, 1))
    told = price_changes.notify_client

    def notify_client(client, template, context, **kwargs):
        if context["change"].pk == failing.pk:
            raise ConnectionRefusedError("SMTP server down")
        return told(client, template, context, **kwargs)

    monkeypatch.setattr(price_changes, "notify_client", notify_client)
    with at(date(2026, 11, 1), 0, 15):
        assert offers.price_changes_daily(today=date(2026, 11, 1)) == 1
    statuses = dict(PriceChange.objects.values_list("pk", "status"))
    assert statuses[failing.pk] == PriceChangeStatus.SCHEDULED  # rolled back, logged
    assert statuses[held.pk] == PriceChangeStatus.NOTIFIED
    assert statuses[due.pk] == PriceChangeStatus.APPLIED
    assert line_price(a) == Decimal("49.0000")


# CON-6 — the e-mail of the notified step: the new and the current price, the refusal right
# and its deadline for HOSTED-A, nothing for a contract with a negotiated price.
def test_con6_notification_email(django_capture_on_commit_callbacks):
    client = direct_customer()
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        contract = make_contract(client, "hosted-a")
        make_contract(client, "hosted-a", monthly_price="40.00")
    mail.outbox.clear()
    with at(date(2026, 12, 10)), django_capture_on_commit_callbacks(execute=True):
        schedule(offer, "49.00", JAN)
    assert len(mail.outbox) == 2  # the admin and the billing member, for A only
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == f"Nouveau prix pour votre contrat {contract.reference}"
    assert "49,00" in body and "45,00" in body  # members read French
    assert "31 décembre 2026" in body  # the last day to refuse


# --- Refusal (HOSTED-A 6) -------------------------------------------------------------------


# CON-6 (HOSTED-A 6) — refusing on 10 December: termination without fee, reason price refusal,
# effective 10 December + 30 days = 9 January 2027; the old price applies meanwhile (the
# change skips A: its January is billed 45.00, its line stays 45.00).
def test_con6_hosted_a_refusal_keeps_old_price_until_the_end():
    client = direct_customer()
    s = Scenario(client)
    with at(date(2026, 12, 10), 15):
        notice = offers.price_change_refuse(price_change=s.change, contract=s.a)
    termination = notice.termination
    assert (termination.effective_date, termination.fee_amount, termination.reason) == (
        date(2027, 1, 9),
        Decimal("0.00"),
        TerminationReason.PRICE_INCREASE_REFUSED,
    )
    assert Contract.objects.get(pk=s.a.pk).status == ContractStatus.TERMINATING
    assert notice.response == "refused"
    with at(JAN, 0, 5):
        billing.run_month_sync(month=date(2026, 12, 1))
    with at(JAN, 0, 15):
        assert offers.price_changes_daily(today=JAN) == 0
    invoice = Invoice.objects.get(client=client, month=date(2026, 12, 1), kind="invoice")
    subscription = invoice.lines.get(contract_reference=s.a.reference, period_start=JAN)
    assert subscription.net_amount == Decimal("45.00")  # 1 × 45.00, January started: due
    assert line_price(s.a) == Decimal("45.00")
    assert not invoice.lines.filter(kind="termination_fee").exists()


# HOSTED-A 6 — the end date is the later of the requested date and the refusal + 30 days:
# refused on 10 December asking 20 December → 9 January; refused on 31 December (the last
# day) asking nothing → 30 January, asking 1 March → 1 March.
def test_con6_refusal_end_date_is_the_later_date():
    client = direct_customer()
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        first, second, third = (make_contract(client, "hosted-a") for _ in range(3))
    with at(date(2026, 12, 10)):
        change = schedule(offer, "49.00", JAN)
        early = offers.price_change_refuse(
            price_change=change, contract=first, requested_date=date(2026, 12, 20)
        )
    with at(date(2026, 12, 31), 23):
        _pending, quote = offers.refusal_quote(price_change=change, contract=second)
        plain = offers.price_change_refuse(price_change=change, contract=second)
        later = offers.price_change_refuse(
            price_change=change, contract=third, requested_date=date(2027, 3, 1)
        )
    assert early.termination.effective_date == date(2027, 1, 9)
    assert quote.effective_date == plain.termination.effective_date == date(2027, 1, 30)
    assert later.termination.effective_date == date(2027, 3, 1)
    assert {n.termination.fee_amount for n in (early, plain, later)} == {Decimal("0.00")}


# CON-6 — who may not refuse: a decrease, an increase imposed by an authority (HOSTED-A 6), a
# contract at a negotiated price (not concerned), too late, twice; nothing is written.
def test_con6_refusal_refused_cases():
    client = direct_customer()
    s = Scenario(client)

    def refused(change, contract, code, day=date(2026, 12, 20)):
        before = Termination.objects.count()
        with at(day), pytest.raises(offers.InvalidTransition) as error:
            offers.price_change_refuse(price_change=change, contract=contract)
        assert error.value.code == code
        assert Termination.objects.count() == before

    refused(s.change, s.b, "price_change_not_pending")  # negotiated: not concerned
    refused(s.change, s.c, "price_change_not_pending")  # signed after: not told
    refused(s.change, s.a, "too_late", day=JAN)
    with at(date(2026, 12, 20)):
        offers.price_change_refuse(price_change=s.change, contract=s.a)
    refused(s.change, s.a, "already_refused")
    with at(date(2026, 12, 2)):
        other = make_contract(
            client, "hosted-a", signature=date(2026, 12, 2), service_start=date(2026, 12, 2)
        )
        down = schedule(catalogue("hosted-a", "45.00"), "39.00", FEB)
        imposed = offers.price_change_schedule(
            offer=s.offer,
            product=s.offer.main_product,
            new_monthly_price="55.00",
            effective_date=date(2027, 3, 1),
            refusal_excluded=True,
        )
        offers.price_change_notify(price_change=imposed)
    refused(down, other, "not_an_increase")
    refused(imposed, other, "no_refusal_right")


# CON-6 — offers whose contract gives no refusal right (TRUNK, SIP-UNL, HOSTED-W).
@pytest.mark.parametrize("offer_code", ["trunk", "sip-unl", "hosted-w"])
def test_con6_no_refusal_right(offer_code):
    client = direct_customer()
    with at(date(2026, 11, 2)):
        contract = make_contract(client, offer_code, quantity=1)
        offer = Offer.objects.select_related("main_product").get(code=offer_code)
        change = schedule(offer, offer.main_product.monthly_price + 1, JAN)
    assert contract.term("price_change_refusal") == PriceChangeRefusal.NONE
    with at(date(2026, 12, 1)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_refuse(price_change=change, contract=contract)
    assert error.value.code == "no_refusal_right"
    assert not Termination.objects.exists()


# CON-6 — a refusal whose termination is cancelled stops counting: before the date the change
# applies to the contract on its date; after it, the nightly job reprices the line then.
def test_con6_cancelled_refusal_lets_the_new_price_apply():
    client = direct_customer()
    s = Scenario(client)
    with at(date(2026, 12, 10), 15):
        notice = offers.price_change_refuse(price_change=s.change, contract=s.a)
    with at(JAN, 0, 15):
        offers.price_changes_daily(today=JAN)
    assert line_price(s.a) == Decimal("45.00")
    with at(date(2027, 1, 5)):
        offers.termination_cancel(termination=notice.termination)
        assert offers.price_changes_daily(today=date(2027, 1, 5)) == 1
        assert offers.price_changes_daily(today=date(2027, 1, 5)) == 0
    assert line_price(s.a) == Decimal("49.00")
    notice.refresh_from_db()
    assert notice.withdrawn_at is not None and "cancelled" in notice.withdrawn_note


# --- Amendment (PLATFORM 7.1.2 / 12.2) ----------------------------------------------------


class PlatformScenario:
    """PLATFORM at 150.00 → 165.00 on 1 February 2027 (30 days' notice), told on 10 December."""

    def __init__(self, client):
        self.offer = catalogue("platform", "150.00")
        with at(date(2026, 11, 2)):
            self.contract = make_contract(client, "platform")
        with at(date(2026, 12, 10)):
            self.change = schedule(self.offer, "165.00", FEB)


# CON-6, PLATFORM 7.1.2 / 12.2 — 12.2's objection (and "use accepts") is for the call tariffs
# only; a subscription increase is an amendment. Not accepted: no objection to record
# (no_refusal_right), traffic on 3 February accepts nothing, the line stays at 150.00 and
# the contract keeps its price.
def test_con6_platform_increase_without_acceptance_keeps_the_price():
    client = direct_customer()
    s = PlatformScenario(client)
    with at(date(2027, 1, 15)), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_refuse(price_change=s.change, contract=s.contract)
    assert error.value.code == "no_refusal_right"
    pending = offers.pending_price_changes(s.contract)[0]
    assert pending.right == "accept" and pending.can_accept(date(2027, 1, 31))
    assert not pending.can_answer(date(2027, 1, 31))
    with at(FEB, 0, 15):
        assert offers.price_changes_daily(today=FEB) == 0
    with at(date(2027, 2, 4)):
        offers.contract_record_traffic(contract=s.contract, day=date(2027, 2, 3))
    assert line_price(s.contract) == Decimal("150.00")
    assert not PriceChangeLine.objects.exists()


# CON-6, PLATFORM 7.1.2 — accepted on 31 January (the last day), the line takes 165.00 on
# 1 February; accepting on 1 February is too late.
def test_con6_platform_increase_accepted_applies():
    client = direct_customer()
    s = PlatformScenario(client)
    with at(date(2027, 1, 31), 23):
        notice = offers.price_change_accept(price_change=s.change, contract=s.contract)
    assert notice.response == "accepted"
    with at(FEB, 0, 15):
        assert offers.price_changes_daily(today=FEB) == 1
    assert line_price(s.contract) == Decimal("165.00")
    with at(FEB, 10), pytest.raises(offers.InvalidTransition) as error:
        offers.price_change_accept(price_change=s.change, contract=s.contract)
    assert error.value.code == "price_change_not_pending"


# --- Portal ---------------------------------------------------------------------------------


@pytest.fixture
def portal(client, tenant):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    scenario = Scenario(tenant.client)

    def as_role(role):
        client.force_login(tenant.members[role].user)
        return client

    scenario.as_role = as_role
    return scenario


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# CON-6 — the contract page shows the pending change and, for the admin, the refusal right
# with its button; other roles see the change and who can refuse; a contract at a negotiated
# price shows nothing.
def test_con6_portal_contract_page_shows_the_pending_change(portal):
    with at(date(2026, 12, 20)):
        admin_page = _page(
            portal.as_role(Role.ADMIN).get(reverse("offers:detail", args=[portal.a.pk]))
        )
        billing_page = _page(
            portal.as_role(Role.BILLING).get(reverse("offers:detail", args=[portal.a.pk]))
        )
        negotiated = _page(
            portal.as_role(Role.ADMIN).get(reverse("offers:detail", args=[portal.b.pk]))
        )
    assert "Price change on 1 January 2027: 45.00 → 49.00 € excl. VAT a month" in admin_page
    assert "You may refuse this increase until" in admin_page
    assert 'data-testid="refuse-price-change"' in admin_page
    assert "Price change on 1 January 2027" in billing_page
    assert 'data-testid="refuse-price-change"' not in billing_page
    assert "administrator can refuse it" in billing_page
    assert "Price change on" not in negotiated


# CON-6 — the refusal page states the consequences (end date, no fee, old price meanwhile)
# and records nothing until confirmed; another date is shown again before it is recorded.
def test_con6_portal_refusal_with_confirmation(portal):
    url = reverse("offers:price_change_refuse", args=[portal.a.pk, portal.change.pk])
    with at(date(2026, 12, 10), 15):
        browser = portal.as_role(Role.ADMIN)  # sessions last 12 hours: sign in on the day
        page = _page(browser.get(url))
        assert "2027-01-09" in page and "0.00\u00a0€" in page  # 10 December + 30 days, no fee
        assert "without termination fee" in page
        unconfirmed = _page(browser.post(url, {"shown_effective_date": "2027-01-09"}))
        assert "Tick the box to confirm." in unconfirmed
        assert not Termination.objects.exists()
        moved = _page(
            browser.post(
                url,
                {
                    "requested_date": "2027-03-01",
                    "shown_effective_date": "2027-01-09",
                    "confirm": "on",
                },
            )
        )
        assert "The end date has changed" in moved and 'value="2027-03-01"' in moved
        assert not Termination.objects.exists()
        done = browser.post(
            url,
            {"requested_date": "2027-03-01", "shown_effective_date": "2027-03-01", "confirm": "on"},
        )
    assert done.status_code == 302 and done["Location"] == reverse(
        "offers:detail", args=[portal.a.pk]
    )
    termination = Termination.objects.get()
    assert (termination.contract_id, termination.effective_date, termination.fee_amount) == (
        portal.a.pk,
        date(2027, 3, 1),
        Decimal("0.00"),
    )
    assert termination.requested_by is not None
    assert termination.reason == TerminationReason.PRICE_INCREASE_REFUSED


# ACC-2 — refusing is the admin's: other roles 403; another customer's contract 404; a
# contract without the right is sent back with the reason and nothing is written.
def test_con6_portal_refusal_roles_and_scope(portal, other_tenant, client):
    url = reverse("offers:price_change_refuse", args=[portal.a.pk, portal.change.pk])
    with at(date(2026, 12, 20)):
        for role in (Role.BILLING, Role.TECHNICAL, Role.READ_ONLY):
            browser = portal.as_role(role)
            assert browser.get(url).status_code == 403
            assert browser.post(url, {"confirm": "on"}).status_code == 403
        client.force_login(other_tenant.members[Role.ADMIN].user)
        assert client.get(url).status_code == 404
        trunk_offer = catalogue("trunk", "5.00")
    with at(date(2026, 11, 2)):
        trunk = make_contract(portal.a.client, "trunk", quantity=1)
    with at(date(2026, 11, 3)):
        change = schedule(trunk_offer, "6.00", JAN)
    with at(date(2026, 12, 20)):
        browser = portal.as_role(Role.ADMIN)
        page = _page(browser.get(reverse("offers:detail", args=[trunk.pk])))
        assert "The new price applies from" in page
        assert 'data-testid="refuse-price-change"' not in page
        response = browser.post(
            reverse("offers:price_change_refuse", args=[trunk.pk, change.pk]), {"confirm": "on"}
        )
    assert response.status_code == 302
    assert not Termination.objects.exists()


# PLATFORM 7.1.2 — the contract page says the increase applies only if accepted, with the
# admin's button; the acceptance page records nothing until the box is ticked; then the page
# says it was accepted. Other roles see who can accept; acceptance is audited.
def test_con6_portal_platform_acceptance(client, tenant):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    s = PlatformScenario(tenant.client)
    url = reverse("offers:price_change_accept", args=[s.contract.pk, s.change.pk])
    with at(date(2027, 1, 15)):
        client.force_login(tenant.members[Role.BILLING].user)
        billing_page = _page(client.get(reverse("offers:detail", args=[s.contract.pk])))
        assert client.post(url, {"confirm": "on"}).status_code == 403
        client.force_login(tenant.members[Role.ADMIN].user)
        detail = _page(client.get(reverse("offers:detail", args=[s.contract.pk])))
        page = _page(client.get(url))
        unconfirmed = _page(client.post(url, {}))
        assert PriceChangeNotice.objects.get().response == "none"
        done = client.post(url, {"confirm": "on"})
        after = _page(client.get(reverse("offers:detail", args=[s.contract.pk])))
    assert "Price change on 1 February 2027: 150.00 → 165.00 € excl. VAT a month" in detail
    assert "only if you accept it by" in detail and 'data-testid="accept-price-change"' in detail
    assert 'data-testid="refuse-price-change"' not in detail
    assert "administrator can accept it" in billing_page
    assert "keeps its current price" in page
    assert "Tick the box to confirm." in unconfirmed
    assert done.status_code == 302
    assert PriceChangeNotice.objects.get().response == "accepted"
    assert "You accepted this new price on" in after
    assert AuditLog.objects.filter(action="price_change.accept").count() == 1


# --- Partner API ----------------------------------------------------------------------------


# CON-6 — the contract detail lists the pending price changes and what the contract allows.
def test_con6_api_detail_pending_price_changes(api, tenant):
    s = Scenario(tenant.client)
    with at(date(2026, 12, 20)):
        body = api.get(reverse("api:contract-detail", args=[s.a.pk])).json()
        negotiated = api.get(reverse("api:contract-detail", args=[s.b.pk])).json()
    assert body["pending_price_changes"] == [
        {
            "id": s.change.pk,
            "product": "hosted-a-site",
            "product_name": s.offer.main_product.name,
            "effective_date": "2027-01-01",
            "old_monthly_price": "45.0000",
            "new_monthly_price": "49.0000",
            "is_increase": True,
            "refusal_right": "terminate",
            "answer_by": "2026-12-31",
            "can_refuse": True,
            "can_accept": False,
            "response": "none",
            "termination_effective_date": None,
        }
    ]
    assert negotiated["pending_price_changes"] == []
    assert body["terms_snapshot"]["price_change_notice_days"] == 7


# CON-6 — ``POST /contracts/{id}/refuse-price-change/``: 201 with the termination; again 409
# already_refused; a change already in force or cancelled 409; an unknown id 400; a read-only
# key 403; another partner's contract 404.
def test_con6_api_refuse_price_change(api, read_only_api, tenant, other_tenant):
    s = Scenario(tenant.client)
    url = reverse("api:contract-refuse-price-change", args=[s.a.pk])
    with at(date(2026, 12, 20)):
        assert (
            read_only_api.post(url, {"price_change": s.change.pk}, format="json").status_code == 403
        )
        assert api.post(url, {"price_change": 999999}, format="json").status_code == 400
        created = api.post(url, {"price_change": s.change.pk}, format="json")
        again = api.post(url, {"price_change": s.change.pk}, format="json")
        theirs = make_contract(other_tenant.client, "hosted-a")
        other_url = reverse("api:contract-refuse-price-change", args=[theirs.pk])
        assert api.post(other_url, {"price_change": s.change.pk}, format="json").status_code == 404
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["response"], body["termination"]["effective_date"]) == ("refused", "2027-01-19")
    assert body["termination"]["fee_amount"] == "0.00"
    assert body["termination"]["reason"] == "price_increase_refused"
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_refused"
    detail = api.get(reverse("api:contract-detail", args=[s.a.pk])).json()
    assert detail["pending_price_changes"][0]["response"] == "refused"
    # A cancelled change: 409, nothing written.
    with at(date(2026, 12, 20)):
        other = make_contract(
            tenant.client,
            "hosted-a",
            signature=date(2026, 12, 20),
            service_start=date(2026, 12, 20),
        )
        later = schedule(s.offer, "47.00", date(2027, 3, 1))
        offers.price_change_cancel(price_change=later)
        response = api.post(
            reverse("api:contract-refuse-price-change", args=[other.pk]),
            {"price_change": later.pk},
            format="json",
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "price_change_not_pending"


# CON-6 — TRUNK: no refusal right, 409; the pending change is listed without it.
def test_con6_api_no_refusal_right_409(api, tenant):
    offer = catalogue("sip-unl", "19.90")
    with at(date(2026, 11, 2)):
        contract = make_contract(tenant.client, "sip-unl")
        change = schedule(offer, "21.90", JAN)
    with at(date(2026, 12, 20)):
        response = api.post(
            reverse("api:contract-refuse-price-change", args=[contract.pk]),
            {"price_change": change.pk},
            format="json",
        )
        detail = api.get(reverse("api:contract-detail", args=[contract.pk])).json()
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_refusal_right"
    assert detail["pending_price_changes"][0]["refusal_right"] == "none"
    assert detail["pending_price_changes"][0]["can_refuse"] is False
    assert not Termination.objects.exists()


# CON-6, PLATFORM 7.1.2 — ``POST /contracts/{id}/accept-price-change/``: 201 accepted; again
# 409 already_accepted; a read-only key 403; an unknown id 400; another partner's contract 404;
# a HOSTED-A change 409 no_acceptance_needed. The detail says what the contract may do.
def test_con6_api_accept_price_change(api, read_only_api, tenant, other_tenant):
    s = PlatformScenario(tenant.client)
    hosted = Scenario(tenant.client)
    url = reverse("api:contract-accept-price-change", args=[s.contract.pk])
    with at(date(2026, 12, 20)):
        before = api.get(reverse("api:contract-detail", args=[s.contract.pk])).json()
        assert (
            read_only_api.post(url, {"price_change": s.change.pk}, format="json").status_code == 403
        )
        assert api.post(url, {"price_change": 999999}, format="json").status_code == 400
        theirs = make_contract(other_tenant.client, "platform")
        other_url = reverse("api:contract-accept-price-change", args=[theirs.pk])
        assert api.post(other_url, {"price_change": s.change.pk}, format="json").status_code == 404
        created = api.post(url, {"price_change": s.change.pk}, format="json")
        again = api.post(url, {"price_change": s.change.pk}, format="json")
        hosted_a = api.post(
            reverse("api:contract-accept-price-change", args=[hosted.a.pk]),
            {"price_change": hosted.change.pk},
            format="json",
        )
        after = api.get(reverse("api:contract-detail", args=[s.contract.pk])).json()
    pending = before["pending_price_changes"][0]
    assert (pending["refusal_right"], pending["can_accept"], pending["can_refuse"]) == (
        "accept",
        True,
        False,
    )
    assert created.status_code == 201, created.json()
    assert created.json()["response"] == "accepted"
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_accepted"
    assert hosted_a.status_code == 409
    assert hosted_a.json()["error"]["code"] == "no_acceptance_needed"
    assert after["pending_price_changes"][0]["response"] == "accepted"
    assert after["pending_price_changes"][0]["can_accept"] is False


# --- Back office ----------------------------------------------------------------------------


@pytest.fixture
def staff(client, staff_user):
    """A staff member with a second factor (the tests sign in again on each frozen day:
    sessions last 12 hours)."""
    from allauth.mfa.models import Authenticator

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    Authenticator.objects.create(
        user=staff_user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client.force_login(staff_user)
    return staff_user


def _admin_url(model, view="changelist", *args, app="offers"):
    return reverse(f"admin:{app}_{model}_{view}", args=args)


def _action(client, model, action, objects, app="offers", **data):
    return client.post(
        _admin_url(model, app=app),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


# CON-6 — staff schedule (held, then notified by an action), and the pages render with the
# history, the notices and the lines.
def test_con6_admin_schedule_notify_and_pages(client, staff):
    customer = direct_customer()
    offer = catalogue("hosted-a", "45.00")
    with at(date(2026, 11, 2)):
        contract = make_contract(customer, "hosted-a")
    data = {
        "offer": offer.pk,
        "product": offer.main_product_id,
        "new_monthly_price": "49.00",
        "effective_date": "2027-01-01",
        "reason": "Indexation",
    }
    with at(date(2026, 12, 26)):  # 6 days before: refused on the form
        client.force_login(staff)
        early = client.post(_admin_url("pricechange", "add"), data)
    assert early.status_code == 200 and "at least 7 days" in early.content.decode()
    with at(date(2026, 12, 10)):
        client.force_login(staff)
        assert client.post(_admin_url("pricechange", "add"), data).status_code == 302
        change = PriceChange.objects.get()
        assert change.status == PriceChangeStatus.SCHEDULED  # notify_now unticked
        _action(client, "pricechange", "notify", [change])
    change.refresh_from_db()
    assert change.status == PriceChangeStatus.NOTIFIED and change.notified_contracts == 1
    assert change.events.last().actor == staff
    client.force_login(staff)
    for url in (
        _admin_url("pricechange"),
        _admin_url("pricechange", "change", change.pk),
        _admin_url("pricechangenotice"),
    ):
        assert client.get(url).status_code == 200
    with at(date(2026, 12, 20)):
        client.force_login(staff)
        page = client.get(_admin_url("pricechange", "change", change.pk)).content.decode()
    assert contract.reference in page


# CON-6 — staff record a written refusal with the notice action (a confirmation page first).
def test_con6_admin_records_a_refusal(client, staff):
    customer = direct_customer()
    s = Scenario(customer)
    notice = PriceChangeNotice.objects.get(contract=s.a)
    with at(date(2026, 12, 10), 15):
        client.force_login(staff)
        form = _action(client, "pricechangenotice", "record_refusal", [notice])
        assert form.status_code == 200 and "Record a refusal" in form.content.decode()
        assert not Termination.objects.exists()
        done = _action(client, "pricechangenotice", "record_refusal", [notice], apply="1")
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.response == "refused" and notice.responded_by == staff
    assert notice.termination.effective_date == date(2027, 1, 9)


# CON-6, PLATFORM 7.1.2 — staff record the signed amendment with the notice action (a
# confirmation page first); the "amendment: not signed" filter lists it before, not after.
def test_con6_admin_records_a_signed_amendment(client, staff):
    customer = direct_customer()
    s = PlatformScenario(customer)
    notice = PriceChangeNotice.objects.get(contract=s.contract)
    with at(date(2026, 12, 20), 15):
        client.force_login(staff)
        unsigned = client.get(_admin_url("pricechangenotice") + "?amendment=unsigned")
        assert s.contract.reference in unsigned.content.decode()
        form = _action(client, "pricechangenotice", "record_acceptance", [notice])
        assert form.status_code == 200 and "Record a signed amendment" in form.content.decode()
        done = _action(
            client, "pricechangenotice", "record_acceptance", [notice], apply="1", signed="on"
        )
        assert done.status_code == 302
        listed = client.get(_admin_url("pricechangenotice") + "?amendment=unsigned")
    notice.refresh_from_db()
    assert notice.response == "accepted" and notice.responded_by == staff
    assert s.contract.reference not in listed.content.decode()


# --- Channel packs (TRK-1) --------------------------------------------------------------------


# TRK-1 + CON-6 — a pack's price is read-only in the pack table; a new price is a scheduled
# price change: the trunk holding the 4-channel pack at 17.00 is told and repriced on
# 1 January (1 × 17.00 → 19.00), the pack table takes 19.00 that day, never before.
def test_trk1_con6_pack_price_goes_through_the_pipeline(client, staff):
    from telephony import services as telephony
    from telephony.models import Pack
    from tests.telephony.factories import make_trunk

    customer = direct_customer()
    with at(date(2026, 10, 1)):
        trunk = make_trunk(customer, channels=4, start=date(2026, 10, 1))
    pack = Pack.objects.get(table__offer__code="trunk", channels=4)
    held = ContractLine.objects.get(contract=trunk.contract, ended_on__isnull=True)
    assert (held.product_id, held.unit_monthly_price) == (pack.product_id, Decimal("17.0000"))
    # The inline ignores a posted price for an existing pack.
    table = pack.table
    page = client.get(_admin_url("packtable", "change", table.pk, app="telephony"))
    assert page.status_code == 200 and "disabled" in page.content.decode()
    with at(date(2026, 11, 20)):
        client.force_login(staff)
        form = _action(client, "pack", "schedule_price_change", [pack], app="telephony")
        assert form.status_code == 200
        done = _action(
            client,
            "pack",
            "schedule_price_change",
            [pack],
            app="telephony",
            apply="1",
            new_monthly_price="19.00",
            effective_date="2027-01-01",
            reason="Wholesale costs",
            notify_now="on",
        )
    assert done.status_code == 302
    change = PriceChange.objects.get()
    assert (change.product_id, change.old_monthly_price, change.status) == (
        pack.product_id,
        Decimal("17.0000"),
        PriceChangeStatus.NOTIFIED,
    )
    assert list(change.notices.values_list("contract_id", flat=True)) == [trunk.contract_id]
    pack.refresh_from_db()
    assert pack.monthly_price == Decimal("17.0000")  # not before the date
    with at(JAN, 0, 15):
        assert offers.price_changes_daily(today=JAN) == 1
    pack.refresh_from_db()
    held.refresh_from_db()
    assert (pack.monthly_price, held.unit_monthly_price) == (Decimal("19.00"), Decimal("19.00"))
    assert telephony.pack_price_change_schedule is not None
