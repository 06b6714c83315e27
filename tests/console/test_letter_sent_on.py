"""CON-4 (PLATFORM 8.2, 17.1): a PLATFORM notice is given « au moyen de l'envoi d'une lettre
recommandée au moins trois (3) mois avant la date anniversaire » (8.2) — « par l'envoi d'une
lettre recommandée … avec un préavis de trois (3) mois » (17.1): it counts from the day the
registered letter was *sent*, not the day it reached us.

PLATFORM signed and started 2026-02-01 at 250.00 € HT a month; anniversary 2027-02-01, so a
non-renewal letter must be sent by 2026-11-01. The customer's letter was sent on 2026-10-30,
received on 2026-11-02 (a Monday), typed in on 2026-11-03.

Before: counted from its receipt, 2026-11-02 + 3 months = 2027-02-02, a convenience termination
in the renewal period [2027-02-01, 2028-02-01): February 2027 invoiced in advance, fee from
2027-03-01 = 11 months × 250.00 = 2 750.00 € HT (or 2028-02-01 without fee). Now: counted from
its sending, 2026-10-30 + 3 months = 2027-01-30 → the first anniversary at least 3 months
after it, 2027-02-01, is a non-renewal without fee (0.00 €), and the earliest date 2027-01-30
is a convenience termination: January invoiced in advance, fee from 2027-02-01 = the period's
end → 0.00 € too."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from offers.models import Termination
from tests.console.conftest import at, confirmation_fields
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


def platform(customer):
    return make_contract(
        customer,
        "platform",
        signature=date(2026, 2, 1),
        service_start=date(2026, 2, 1),
        monthly_price="250.00",
    )


def test_platform_letter_counts_from_its_sending(customer, as_staff, support_agent):
    contract = platform(customer)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {
        "contract": contract.pk,
        "notice_date": "02/11/2026",
        "letter_sent_on": "30/10/2026",
        "requested_date": "01/02/2027",
    }
    with at(date(2026, 11, 3)):
        preview = browser.post(url, data).content.decode()
        assert 'data-testid="quote-notice">30 octobre 2026<' in preview
        assert "Lettre envoyée le" in preview
        assert 'data-testid="quote-date">1er février 2027<' in preview
        assert 'data-testid="quote-fee">0,00' in preview
        browser.post(url, {**confirmation_fields(preview), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert (termination.notice_date, termination.letter_sent_on) == (
        date(2026, 10, 30),
        date(2026, 10, 30),
    )
    assert (termination.effective_date, termination.fee_amount, termination.fee_rule) == (
        date(2027, 2, 1),
        Decimal("0.00"),
        "none",
    )


# The letter's sending is checked: not after its receipt, not in the future, and only under
# the PLATFORM terms (the others count from receipt) — 400, nothing written.
def test_letter_sent_on_is_checked(customer, as_staff, support_agent):
    contract = platform(customer)
    hosted = make_contract(customer, "hosted-a")
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 11, 3)):
        after = browser.post(
            url,
            {"contract": contract.pk, "notice_date": "02/11/2026", "letter_sent_on": "03/11/2026"},
        )
        other = browser.post(
            url,
            {"contract": hosted.pk, "notice_date": "02/11/2026", "letter_sent_on": "30/10/2026"},
        )
    assert after.status_code == 400 and "Une lettre est envoyée avant" in after.content.decode()
    assert other.status_code == 400 and "PLATFORM" in other.content.decode()
    assert not Termination.objects.exists()
