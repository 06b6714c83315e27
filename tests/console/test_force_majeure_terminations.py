"""CON-4 / CON-5 — PLATFORM 16.4 / 17.5: a force majeure lasting beyond one calendar month after
its notification (16.3) lets either party end the contract « immédiatement et de plein droit,
sans formalités judiciaires ni indemnité ».

Contract: PLATFORM signed and started 2026-02-01, 250.00 € HT a month; anniversary 2027-02-01.
A fire in our data centre, notified by our registered letter sent on 2026-05-04; on 2026-06-15
it still lasts and the customer's letter ends the contract.

Before, the console offered the customer's notice only (or a breach, a change of the services, an
authority's order): 17.1's three months, effective 2026-09-15, with the fee of 24.4.5 from
2026-10-01 to the anniversary — 4 × max(250.00, 200.00) = 1 000.00 € HT. Now: effective the day
of the letter, 2026-06-15, 0.00 € (the month of June, invoiced in advance, stays due).

One calendar month after a notification sent on 2026-05-15 ends on 2026-06-15 (the same day of
the month): the force majeure lasts « au-delà » of it from 2026-06-16 on.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.choices import Role
from kernel.errors import InvalidTransition
from offers import services
from offers.choices import ContractStatus
from offers.models import Termination
from tests.console.conftest import at, confirmation_fields
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


# PLATFORM 16.4 — the customer's letter of 2026-06-15, the force majeure notified on 2026-05-04:
# the confirmation shows 15 June 2026 and 0,00 €; confirmed, the termination is recorded with the
# day the force majeure was notified, the contract is terminating.
def test_the_customer_ends_the_contract_after_a_month_of_force_majeure(
    customer, contract, as_staff, support_agent
):
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {
        "contract": contract.pk,
        "reason": "force_majeure_by_customer",
        "force_majeure_notified_on": "2026-05-04",
    }
    with at(date(2026, 6, 15)):
        page = browser.post(url, data).content.decode()
        assert 'data-testid="quote-date">15 juin 2026<' in page
        assert 'data-testid="quote-fee">0,00' in page
        assert 'data-testid="quote-force-majeure">4 mai 2026<' in page
        assert "16.4" in page
        assert not Termination.objects.exists()
        browser.post(url, {**confirmation_fields(page), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert (termination.reason, termination.effective_date, termination.fee_amount) == (
        "force_majeure_by_customer",
        date(2026, 6, 15),
        Decimal("0.00"),
    )
    assert termination.force_majeure_notified_on == date(2026, 5, 4)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATING


# 16.4: « au-delà d'un délai d'un (1) mois calendaire après envoi de la notification » — notified
# on 2026-05-15, the month ends on 2026-06-15: a termination that day is refused (naming
# 16/06/2026), nothing written; on 2026-06-16 it takes effect that day, without fee.
def test_not_before_the_month_after_the_notification(contract, support_agent):
    with at(date(2026, 6, 15)), pytest.raises(ValidationError) as refused:
        services.contract_request_termination(
            contract=contract,
            reason="force_majeure_by_us",
            actor=support_agent,
            force_majeure_notified_on=date(2026, 5, 15),
        )
    assert "16/06/2026" in str(refused.value.message_dict["force_majeure_notified_on"])
    assert not Termination.objects.exists()
    with at(date(2026, 6, 16)):
        termination = services.contract_request_termination(
            contract=contract,
            reason="force_majeure_by_us",
            actor=support_agent,
            force_majeure_notified_on=date(2026, 5, 15),
        )
    assert (termination.effective_date, termination.fee_amount) == (
        date(2026, 6, 16),
        Decimal("0.00"),
    )


# The day of the notification is required (the month counts from it), on the form's field;
# nothing is written.
def test_the_notification_day_is_required(customer, contract, as_staff, support_agent):
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 6, 15)):
        response = browser.post(url, {"contract": contract.pk, "reason": "force_majeure_by_us"})
    assert response.status_code == 400
    assert "force_majeure_notified_on" in response.context["forms"]["terminate"].errors
    assert not Termination.objects.exists()


# Ours (16.4, our letter) is cancelled by our staff only, and the customer reads why and the
# day we notified it; the customer's own may be cancelled by the customer. (Asked for 1 July:
# one effective the day of its notice has taken effect and is cancelled by no one.)
def test_who_cancels_and_what_the_customer_reads(contract, support_agent, tenant, as_role):
    admin = tenant.members[Role.ADMIN].user
    with at(date(2026, 6, 15)):
        ours = services.contract_request_termination(
            contract=contract,
            reason="force_majeure_by_us",
            actor=support_agent,
            force_majeure_notified_on=date(2026, 5, 4),
            requested_date=date(2026, 7, 1),
        )
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert "force majeure" in page and "article 16.4 des conditions générales" in page
        assert "Cette résiliation ne peut être annulée que par nous" in page
        assert '<dt data-testid="notice-label">Résiliation notifiée le</dt>' in page
        with pytest.raises(InvalidTransition):
            services.termination_cancel(termination=ours, actor=admin)
        services.termination_cancel(termination=ours, actor=support_agent)
        theirs = services.contract_request_termination(
            contract=contract,
            reason="force_majeure_by_customer",
            actor=support_agent,
            force_majeure_notified_on=date(2026, 5, 4),
            requested_date=date(2026, 7, 1),
        )
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert "Cette résiliation ne peut être annulée que par nous" not in page
        assert '<dt data-testid="notice-label">Préavis reçu le</dt>' in page
        services.termination_cancel(termination=theirs, actor=admin)


# Another contract's terms have no such clause: refused on the reason, nothing written.
def test_other_terms_refuse_it(customer, as_staff, support_agent):
    hosted = make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 6, 15)):
        response = browser.post(
            url,
            {
                "contract": hosted.pk,
                "reason": "force_majeure_by_us",
                "force_majeure_notified_on": "2026-05-04",
            },
        )
    assert response.status_code == 400
    assert not Termination.objects.exists()
