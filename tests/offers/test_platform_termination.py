"""PLATFORM terminations (CON-4, CON-5 ``commitment_max``; PLATFORM 8.2, 17.1, 17.6, 24.4.5).

The effective date is the later of the requested date and notice + 3 months; at an anniversary
it is a non-renewal without fee (8.2), on any other date a termination for convenience (17.1)
with, for each month or part of a month left until the end of the period, the higher of the
monthly subscriptions and the 200.00 minimum commitment. With no requested date the customer
chooses between the earliest date (with its fee) and the first anniversary at least 3 months
away (without fee).

Contract used unless said otherwise: signed (anchor) and started 2026-02-01, subscriptions
250.00 a month, billed in advance (the month holding the last day of service is invoiced, so
fees count from the 1st of the next month: CON-5 fee start); anniversaries 2027-02-01,
2028-02-01… Amounts are worked out by hand in the comments.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.choices import Role
from accounts.models import AuditLog
from offers import services
from offers.choices import ContractStatus, TerminationStatus
from offers.models import Contract, ContractEvent, Termination
from offers.termination_fees import (
    FeeLineLabel,
    first_anniversary_from,
    is_anniversary,
    platform_effective_date,
    platform_options,
)
from tests.offers.factories import make_contract

PARIS = ZoneInfo("Europe/Paris")
SIGNED = date(2026, 2, 1)
TERMS = {"anchor": SIGNED, "initial_months": 12, "renewal_months": 12}


def at(day: date, hour: int = 10, minute: int = 0):
    """A moment of ``day`` in Paris, for ``time_machine.travel``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def shown(day: date) -> str:
    with translation.override("en"):
        return date_format(day, "DATE_FORMAT")


def platform(tenant, price="250.00", signed=SIGNED, status=ContractStatus.ACTIVE) -> Contract:
    return make_contract(
        tenant.client,
        "platform",
        signature=signed,
        service_start=signed,
        monthly_price=price,
        status=status,
    )


def _written():
    return (
        Termination.objects.count(),
        ContractEvent.objects.count(),
        AuditLog.objects.count(),
        list(Contract.objects.values_list("status", flat=True)),
    )


# --- Effective date and choices (pure functions, no database) --------------------------------


class TestEffectiveDate:
    @pytest.mark.parametrize(
        ("notice", "requested", "expected"),
        [
            # CON-4: the issue's case: 2026-06-15 + 3 months = 2026-09-15 < requested 2026-10-01
            # → 2026-10-01, not an anniversary → convenience (17.1), fee.
            (date(2026, 6, 15), date(2026, 10, 1), (date(2026, 10, 1), True)),
            # requested 2026-08-01 < 2026-09-15 → pushed to notice + 3 months, fee.
            (date(2026, 6, 15), date(2026, 8, 1), (date(2026, 9, 15), True)),
            # the anniversary requested, notice ≥ 3 months before: non-renewal (8.2), no fee.
            (date(2026, 6, 15), date(2027, 2, 1), (date(2027, 2, 1), False)),
            # a later anniversary requested: still a non-renewal there, no fee.
            (date(2026, 6, 15), date(2028, 2, 1), (date(2028, 2, 1), False)),
            # the day before / after the anniversary: convenience, fee.
            (date(2026, 6, 15), date(2027, 1, 31), (date(2027, 1, 31), True)),
            (date(2026, 6, 15), date(2027, 2, 2), (date(2027, 2, 2), True)),
            # notice exactly 3 months before the anniversary: 2026-11-01 + 3 = 2027-02-01.
            (date(2026, 11, 1), None, (date(2027, 2, 1), False)),
            (date(2026, 11, 1), date(2027, 1, 15), (date(2027, 2, 1), False)),
            # one day later: 2026-11-02 + 3 = 2027-02-02, the anniversary is out of reach.
            (date(2026, 11, 2), None, (date(2027, 2, 2), True)),
            (date(2026, 11, 2), date(2027, 2, 1), (date(2027, 2, 2), True)),
        ],
    )
    def test_later_of_requested_and_notice_plus_3_months(self, notice, requested, expected):
        # CON-4 (PLATFORM 8.2 / 17.1)
        assert platform_effective_date(notice, requested, **TERMS) == expected

    def test_anniversaries(self):
        # CON-4: an anniversary is the end of a 12-month period counted from the signature;
        # the signature day itself is not one.
        assert not is_anniversary(SIGNED, **TERMS)
        assert is_anniversary(date(2027, 2, 1), **TERMS)
        assert is_anniversary(date(2029, 2, 1), **TERMS)
        assert not is_anniversary(date(2027, 2, 2), **TERMS)
        assert first_anniversary_from(date(2026, 1, 1), **TERMS) == date(2027, 2, 1)
        assert first_anniversary_from(date(2027, 2, 1), **TERMS) == date(2027, 2, 1)
        assert first_anniversary_from(date(2027, 2, 2), **TERMS) == date(2028, 2, 1)


class TestOptions:
    @pytest.mark.parametrize(
        ("anchor", "notice", "expected"),
        [
            # CON-4: the earliest date with its fee, and the first anniversary ≥ notice + 3.
            (SIGNED, date(2026, 6, 15), [(date(2026, 9, 15), True), (date(2027, 2, 1), False)]),
            # exactly 3 months before: both are 2027-02-01 → one option, no fee.
            (SIGNED, date(2026, 11, 1), [(date(2027, 2, 1), False)]),
            # one day later: 2027-02-02 with fee, or the next anniversary 2028-02-01 free.
            (SIGNED, date(2026, 11, 2), [(date(2027, 2, 2), True), (date(2028, 2, 1), False)]),
            # anniversaries on the 31st of January: 2026-10-31 + 3 = 2027-01-31 → in time;
            # 2026-11-01 + 3 = 2027-02-01 → next anniversary 2028-01-31.
            (date(2026, 1, 31), date(2026, 10, 31), [(date(2027, 1, 31), False)]),
            (
                date(2026, 1, 31),
                date(2026, 11, 1),
                [(date(2027, 2, 1), True), (date(2028, 1, 31), False)],
            ),
            # a 28-day February: signed 2024-02-29, anniversary 2025-02-28; 2024-11-30 + 3
            # clamps to 2025-02-28 → in time; 2024-12-01 + 3 = 2025-03-01 → next 2026-02-28.
            (date(2024, 2, 29), date(2024, 11, 30), [(date(2025, 2, 28), False)]),
            (
                date(2024, 2, 29),
                date(2024, 12, 1),
                [(date(2025, 3, 1), True), (date(2026, 2, 28), False)],
            ),
        ],
    )
    def test_earliest_and_first_anniversary(self, anchor, notice, expected):
        # CON-4 (PLATFORM 8.2 / 17.1)
        assert platform_options(notice, anchor, 12, 12) == expected


# --- Quotes and requests (services) ----------------------------------------------------------


@pytest.mark.django_db
class TestQuote:
    def test_issue_case_requested_date_kept(self, tenant):
        # CON-4 + CON-5: notice 2026-06-15 asking for 2026-10-01 → effective 2026-10-01,
        # convenience; September (last day of service) invoiced in advance → fee start
        # 2026-10-01; 4 months (Oct, Nov, Dec 2026, Jan 2027) to the anniversary 2027-02-01
        # × max(250.00, 200.00) = 4 × 250.00 = 1000.00.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 10, 1))
        assert (quote.effective_date, quote.ending) == (date(2026, 10, 1), "convenience")
        assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 10, 1), Decimal("1000.00"))
        assert quote.fee.rule == "commitment_max" and quote.options == []
        assert [(line.label, line.months, line.monthly_base) for line in quote.fee.lines] == [
            (FeeLineLabel.SUBSCRIPTIONS, 4, Decimal("250.00"))
        ]

    def test_subscriptions_below_the_minimum_commitment(self, tenant):
        # CON-5 commitment_max: same dates, subscriptions 150.00 < 200.00 → 4 × 200.00 = 800.00.
        contract = platform(tenant, price="150.00")
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 10, 1))
        assert quote.fee_amount == Decimal("800.00")
        assert [(line.label, line.months, line.monthly_base) for line in quote.fee.lines] == [
            (FeeLineLabel.MINIMUM_COMMITMENT, 4, Decimal("200.00"))
        ]

    def test_requested_date_before_the_notice_is_pushed(self, tenant):
        # CON-4: notice 2026-08-20 asking for 2026-09-01 → 2026-08-20 + 3 months = 2026-11-20.
        # CON-5: November invoiced → fee start 2026-12-01; Dec + Jan = 2 × 250.00 = 500.00.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 8, 20)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 9, 1))
        assert (quote.effective_date, quote.ending) == (date(2026, 11, 20), "convenience")
        assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 12, 1), Decimal("500.00"))

    def test_partial_month_counts_as_a_whole_one(self, tenant):
        # CON-5: signed 2026-02-15 (anniversary 2027-02-15); effective 2026-10-01, fee start
        # 2026-10-01 → 4 whole months to 2027-02-01 + 14 days (a part) = 5 × 250.00 = 1250.00.
        contract = platform(tenant, signed=date(2026, 2, 15))
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 10, 1))
        assert quote.fee_amount == Decimal("1250.00")
        assert [line.months for line in quote.fee.lines] == [5]

    def test_fee_start_month_already_invoiced_is_not_charged_twice(self, tenant):
        # CON-5 fee start: effective 2026-09-15 (last day of service 2026-09-14); September is
        # invoiced in advance on 2026-08-31 → fees from 2026-10-01: 4 × 250.00 = 1000.00, not
        # 5 (September is not charged twice).
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 9, 15))
        assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 10, 1), Decimal("1000.00"))

    def test_fee_start_nothing_invoiced_yet(self, tenant):
        # CON-5 fee start: an ordered contract (service not started) has nothing invoiced →
        # fees from the effective date 2026-09-15: 4 whole months to 2027-01-15 + a part to
        # 2027-02-01 = 5 × 250.00 = 1250.00.
        contract = platform(tenant, status=ContractStatus.ORDERED)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract, requested_date=date(2026, 9, 15))
        assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 9, 15), Decimal("1250.00"))

    def test_no_requested_date_offers_both(self, tenant):
        # CON-4: notice 2026-06-15, no date → earliest 2026-09-15 with its fee (4 × 250.00 =
        # 1000.00, see above) or the anniversary 2027-02-01 without fee. The quote itself is
        # the earliest (what a request without date gets).
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            quote = services.termination_quote(contract=contract)
        assert [(o.effective_date, o.ending, o.fee_amount) for o in quote.options] == [
            (date(2026, 9, 15), "convenience", Decimal("1000.00")),
            (date(2027, 2, 1), "non_renewal", Decimal("0.00")),
        ]
        assert quote.options[1].fee.rule == "none" and quote.options[1].fee.lines == []
        assert (quote.effective_date, quote.fee_amount) == (date(2026, 9, 15), Decimal("1000.00"))

    def test_notice_exactly_3_months_before_the_anniversary(self, tenant):
        # CON-4 boundary: notice 2026-11-01 → 2027-02-01 is the anniversary: non-renewal, 0.00,
        # one option only.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 11, 1)), tick=False):
            quote = services.termination_quote(contract=contract)
        assert (quote.effective_date, quote.ending, quote.fee_amount) == (
            date(2027, 2, 1),
            "non_renewal",
            Decimal("0.00"),
        )
        assert [o.effective_date for o in quote.options] == [date(2027, 2, 1)]

    def test_notice_one_day_late(self, tenant):
        # CON-4 boundary: notice 2026-11-02 → earliest 2027-02-02, one day into renewal 1
        # [2027-02-01, 2028-02-01): convenience; February 2027 invoiced in advance → fee start
        # 2027-03-01; March 2027 → January 2028 = 11 × 250.00 = 2750.00. Or 2028-02-01 free.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 11, 2)), tick=False):
            quote = services.termination_quote(contract=contract)
        assert [(o.effective_date, o.fee.fee_start, o.fee_amount) for o in quote.options] == [
            (date(2027, 2, 2), date(2027, 3, 1), Decimal("2750.00")),
            (date(2028, 2, 1), date(2028, 2, 1), Decimal("0.00")),
        ]


@pytest.mark.django_db
class TestRequest:
    def test_issue_case_is_recorded_with_its_fee(self, tenant):
        # CON-4 + CON-5: the request is the notice: 4 × 250.00 = 1000.00 stored with its line.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            termination = services.contract_request_termination(
                contract=contract,
                requested_date=date(2026, 10, 1),
                actor=tenant.members[Role.ADMIN].user,
            )
        assert (termination.effective_date, termination.fee_rule, termination.fee_amount) == (
            date(2026, 10, 1),
            "commitment_max",
            Decimal("1000.00"),
        )
        assert termination.fee_breakdown == [
            {
                "label": "commitment_max.subscriptions",
                "months": 4,
                "rate_percent": "100",
                "monthly_base": "250.0000",
                "amount": "1000.00",
            }
        ]
        contract.refresh_from_db()
        assert contract.status == ContractStatus.TERMINATING

    def test_choosing_the_anniversary(self, tenant):
        # CON-4: notice 2026-11-02, the customer picks the anniversary 2028-02-01: non-renewal
        # there, 0.00 (fee rule none).
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 11, 2)), tick=False):
            termination = services.contract_request_termination(
                contract=contract, requested_date=date(2028, 2, 1)
            )
        assert (termination.effective_date, termination.fee_rule, termination.fee_amount) == (
            date(2028, 2, 1),
            "none",
            Decimal("0.00"),
        )
        assert termination.fee_breakdown == []

    def test_without_date_the_earliest_date(self, tenant):
        # CON-4: a request without date takes effect at notice + 3 months (2026-09-15), with its
        # fee 4 × 250.00 = 1000.00.
        contract = platform(tenant)
        with time_machine.travel(at(date(2026, 6, 15)), tick=False):
            termination = services.contract_request_termination(contract=contract)
        assert (termination.effective_date, termination.fee_amount) == (
            date(2026, 9, 15),
            Decimal("1000.00"),
        )

    def test_quote_changed_records_nothing(self, tenant):
        # CON-4: the customer accepted the anniversary 2027-02-01 without fee shown on
        # 2026-11-01, but the request arrives on 2026-11-02: it would now be 2027-02-02 with
        # 2750.00 → refused, nothing written.
        contract = platform(tenant)
        before = _written()
        with (
            time_machine.travel(at(date(2026, 11, 2)), tick=False),
            translation.override("en"),
            pytest.raises(ValidationError) as error,
        ):
            services.contract_request_termination(
                contract=contract,
                requested_date=date(2027, 2, 1),
                expected_effective_date=date(2027, 2, 1),
                expected_fee=Decimal("0.00"),
            )
        assert error.value.code == "quote_changed"
        assert "The quote has changed since it was shown" in error.value.messages[0]
        assert _written() == before

    def test_requested_date_in_the_past(self, tenant):
        # CON-4: a requested date before the notice date is refused, nothing written.
        contract = platform(tenant)
        before = _written()
        with (
            time_machine.travel(at(date(2026, 6, 15)), tick=False),
            pytest.raises(ValidationError) as error,
        ):
            services.contract_request_termination(
                contract=contract, requested_date=date(2026, 6, 14)
            )
        assert "requested_date" in error.value.message_dict
        assert _written() == before


# --- Portal ----------------------------------------------------------------------------------


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
class TestPortal:
    @time_machine.travel(at(date(2026, 6, 15)), tick=False)
    def test_two_choices_then_confirmation(self, as_role, english, tenant):
        # CON-4: no date → two radio choices with their date and fee: 2026-09-15 at
        # 4 × 250.00 = 1,000.00 €, or 2027-02-01 at 0.00 €; confirming needs a choice.
        contract = platform(tenant)
        browser = as_role(Role.ADMIN)
        url = reverse("offers:terminate", args=[contract.pk])
        page = page_of(browser.post(url, {"action": "quote", "requested_date": ""}))
        assert 'data-testid="quote-options"' in page
        assert 'type="radio"' in page and 'name="chosen_date"' in page
        assert 'value="2026-09-15"' in page and 'value="2027-02-01"' in page
        assert f'data-testid="option-effective">{shown(date(2026, 9, 15))}<' in page
        assert f'data-testid="option-effective">{shown(date(2027, 2, 1))}<' in page
        assert 'data-testid="option-fee">1,000.00\u00a0€<' in page
        assert 'data-testid="option-fee">0.00\u00a0€<' in page
        assert "4 months × 100% × 250.00\u00a0€ = <strong>1,000.00\u00a0€</strong>" in page
        assert "Non-renewal at the anniversary, without fee" in page
        assert "Termination for convenience, with the fee" in page

        # No choice: refused with a clear message, nothing recorded.
        page = page_of(
            browser.post(url, {"action": "confirm", "requested_date": "", "confirm": "on"})
        )
        assert "Choose one of the termination dates." in page
        assert not Termination.objects.exists()
        # A date that is not on offer: refused.
        page = page_of(
            browser.post(
                url,
                {
                    "action": "confirm",
                    "requested_date": "",
                    "chosen_date": "2026-10-01",
                    "confirm": "on",
                },
            )
        )
        assert "The dates on offer have changed since the quote was shown" in page
        assert not Termination.objects.exists()
        # The anniversary chosen but the box not ticked: the choice stays selected.
        page = page_of(
            browser.post(
                url, {"action": "confirm", "requested_date": "", "chosen_date": "2027-02-01"}
            )
        )
        assert "Tick the box to confirm the termination." in page
        assert 'value="2027-02-01" form="confirm-form" checked' in page
        assert not Termination.objects.exists()

        response = browser.post(
            url,
            {
                "action": "confirm",
                "requested_date": "",
                "chosen_date": "2027-02-01",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        termination = Termination.objects.get(contract=contract)
        assert (termination.effective_date, termination.fee_amount) == (
            date(2027, 2, 1),
            Decimal("0.00"),
        )
        assert termination.status == TerminationStatus.SCHEDULED

    @time_machine.travel(at(date(2026, 6, 15)), tick=False)
    def test_choosing_the_earliest_date(self, as_role, english, tenant):
        # CON-4 + CON-5: 2026-09-15 chosen → 4 × 250.00 = 1000.00 recorded.
        contract = platform(tenant)
        browser = as_role(Role.ADMIN)
        url = reverse("offers:terminate", args=[contract.pk])
        response = browser.post(
            url,
            {
                "action": "confirm",
                "requested_date": "",
                "chosen_date": "2026-09-15",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        termination = Termination.objects.get(contract=contract)
        assert (termination.effective_date, termination.fee_amount) == (
            date(2026, 9, 15),
            Decimal("1000.00"),
        )

    @time_machine.travel(at(date(2026, 6, 15)), tick=False)
    def test_requested_date_single_quote(self, as_role, english, tenant):
        # CON-4 + CON-5: the issue's case in the portal: 2026-10-01 kept, convenience,
        # 4 × 250.00 = 1,000.00 €.
        contract = platform(tenant)
        browser = as_role(Role.ADMIN)
        url = reverse("offers:terminate", args=[contract.pk])
        page = page_of(browser.post(url, {"action": "quote", "requested_date": "2026-10-01"}))
        assert 'data-testid="quote-options"' not in page
        assert f'data-testid="quote-effective">{shown(date(2026, 10, 1))}<' in page
        assert 'data-testid="quote-ending">Termination for convenience, with the fee<' in page
        assert 'data-testid="quote-fee">1,000.00\u00a0€<' in page
        assert 'name="shown_effective_date" value="2026-10-01"' in page
        assert 'name="shown_fee" value="1000.00"' in page
        response = browser.post(
            url,
            {
                "action": "confirm",
                "requested_date": "2026-10-01",
                "shown_effective_date": "2026-10-01",
                "shown_fee": "1000.00",
                "confirm": "on",
            },
        )
        assert response.status_code == 302
        assert Termination.objects.get(contract=contract).fee_amount == Decimal("1000.00")

    def test_quote_changed_overnight(self, as_role, english, tenant):
        # CON-4: on 2026-11-01 the quote shows 2027-02-01 without fee (one option); confirmed
        # after midnight the notice date is 2026-11-02 and the date would be 2027-02-02 with
        # 2750.00: nothing recorded, the new choices are shown.
        contract = platform(tenant)
        browser = as_role(Role.ADMIN)
        url = reverse("offers:terminate", args=[contract.pk])
        with time_machine.travel(at(date(2026, 11, 1), 23, 50), tick=False):
            page = page_of(browser.post(url, {"action": "quote", "requested_date": ""}))
        assert 'data-testid="quote-ending">Non-renewal at the anniversary, without fee<' in page
        assert 'data-testid="quote-fee">0.00\u00a0€<' in page
        assert 'name="shown_fee" value="0.00"' in page
        with time_machine.travel(at(date(2026, 11, 2), 0, 5), tick=False):
            page = page_of(
                browser.post(
                    url,
                    {
                        "action": "confirm",
                        "requested_date": "",
                        "shown_effective_date": "2027-02-01",
                        "shown_fee": "0.00",
                        "confirm": "on",
                    },
                )
            )
        assert 'data-testid="quote-changed"' in page
        assert 'value="2027-02-02"' in page and 'value="2028-02-01"' in page
        assert 'data-testid="option-fee">2,750.00\u00a0€<' in page
        assert not Termination.objects.exists()


# --- API ---------------------------------------------------------------------------------------


def _url(route, contract):
    return reverse(route, args=[contract.pk])


@pytest.mark.django_db
class TestApi:
    @time_machine.travel(at(date(2026, 6, 15)), tick=False)
    def test_quote_returns_both_options_and_request_takes_the_choice(self, api, tenant):
        # CON-4: no date → options: 2026-09-15 with 4 × 250.00 = 1000.00, 2027-02-01 with 0.00.
        contract = platform(tenant)
        before = _written()
        response = api.post(_url("api:contract-termination-quote", contract), {}, format="json")
        assert response.status_code == 200, response.json()
        quote = response.json()
        assert _written() == before
        assert (quote["effective_date"], quote["fee_amount"], quote["ending"]) == (
            "2026-09-15",
            "1000.00",
            "convenience",
        )
        assert quote["options"] == [
            {
                "ending": "convenience",
                "effective_date": "2026-09-15",
                "fee_start": "2026-10-01",
                "fee_amount": "1000.00",
                "fee_rule": "commitment_max",
                "lines": [
                    {
                        "label": "commitment_max.subscriptions",
                        "months": 4,
                        "rate_percent": "100.00",
                        "monthly_base": "250.0000",
                        "amount": "1000.00",
                    }
                ],
            },
            {
                "ending": "non_renewal",
                "effective_date": "2027-02-01",
                "fee_start": "2027-02-01",
                "fee_amount": "0.00",
                "fee_rule": "none",
                "lines": [],
            },
        ]
        response = api.post(
            _url("api:contract-terminate", contract),
            {
                "requested_date": "2027-02-01",
                "expected_effective_date": "2027-02-01",
                "expected_fee_amount": "0.00",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["effective_date"], body["fee_amount"], body["fee_rule"]) == (
            "2027-02-01",
            "0.00",
            "none",
        )

    @time_machine.travel(at(date(2026, 6, 15)), tick=False)
    def test_quote_with_requested_date(self, api, tenant):
        # CON-4 + CON-5: the issue's case: 2026-10-01, convenience, 4 × 250.00 = 1000.00; no
        # options when a date was requested.
        contract = platform(tenant)
        response = api.post(
            _url("api:contract-termination-quote", contract),
            {"requested_date": "2026-10-01"},
            format="json",
        )
        quote = response.json()
        assert (quote["effective_date"], quote["fee_amount"], quote["ending"]) == (
            "2026-10-01",
            "1000.00",
            "convenience",
        )
        assert "options" not in quote

    def test_request_refused_when_the_quote_changed(self, api, tenant):
        # CON-4: accepted 2027-02-01 at 0.00 but requested on 2026-11-02 → would be 2027-02-02
        # with 2750.00 → 400, nothing written.
        contract = platform(tenant)
        before = _written()
        with time_machine.travel(at(date(2026, 11, 2)), tick=False):
            response = api.post(
                _url("api:contract-terminate", contract),
                {
                    "requested_date": "2027-02-01",
                    "expected_effective_date": "2027-02-01",
                    "expected_fee_amount": "0.00",
                },
                format="json",
            )
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["code"] == "validation_error"
        assert _written() == before
