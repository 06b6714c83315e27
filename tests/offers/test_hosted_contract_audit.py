"""HOSTED-W (WITECH) and HOSTED-A (ALLSET) read clause by clause against the portal: the cases
here are the ones the contracts decide and no other test covered. Amounts by hand in comments."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from offers import services
from offers.models import Contract
from tests.usage.core_helpers import option

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def hosted_w_with_ivr(client, start=date(2026, 3, 10)):
    """HOSTED-W ordered and started on ``start``: 3 users at 14.90 and one IVR at 15.00."""
    from offers.models import Offer

    contract = services.contract_create(
        client=client,
        offer=Offer.objects.get(code="hosted-w"),
        site=client.sites.first(),
        signature_date=start,
        order_date=start,
        quantity=3,
        options=[option("hosted-w-ivr", 1)],
    )
    services.contract_order(contract=contract)
    services.contract_activate(contract=contract, service_start_date=start)
    return Contract.objects.get(pk=contract.pk)


# CON-2 + HOSTED-W 8.1 — « Le Service, tout ou en partie, est résiliable à tout moment par le
# Client ... avec un préavis de un (1) mois »; during the initial period the remaining months
# are due. HOSTED-W ordered 10/03/2026 (anniversary 10/03/2027): 3 users at 14.90 and an IVR
# (option, 3.2 « Serveur Vocal Interactif ») at 15.00. On 05/10/2026 the admin ends the IVR:
# the month's notice ends on 05/11/2026, inside the initial period, whose remaining months are
# due — the IVR leaves at the anniversary, 10/03/2027 (as the users a decrease removes, CON-2).
# Before: « A line keeps at least 1 unit » — the IVR could only go with the whole contract,
# 15.00 € a month renewed for 12 more months every year (180.00 € a year). The users (the main
# product) keep at least 1: ending them all is the termination of the contract.
@pytest.mark.django_db
def test_hosted_w_option_ended_in_part_at_the_anniversary(tenant):
    contract = hosted_w_with_ivr(tenant.client)
    ivr = contract.lines.get(product__code="hosted-w-ivr")
    users = contract.lines.get(product__code="hosted-w-user")
    admin = tenant.members["admin"].user
    with at(date(2026, 10, 5)), pytest.raises(ValidationError) as error:
        services.line_quantity_change(line=users, quantity=0, actor=admin)
    assert list(error.value.message_dict) == ["quantity"]
    with at(date(2026, 10, 5)):
        removal = services.line_quantity_change(line=ivr, quantity=0, actor=admin)
    assert (removal.status, removal.effective_on, removal.units) == (
        "pending",
        date(2027, 3, 10),
        1,
    )
    services.contract_renew(contract_id=contract.pk, today=date(2027, 3, 10))
    ivr.refresh_from_db()
    assert (ivr.quantity, ivr.ended_on) == (0, date(2027, 3, 10))
    # 3 × 14.90 = 44.70 € a month from the renewed period, without the IVR's 15.00
    assert Contract.objects.get(pk=contract.pk).monthly_fees == Decimal("44.7000")


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# CON-2 + HOSTED-W 9 — « les Services de téléphonie hébergée sont facturés à compter du mois
# suivant la commande »: a user added on 19/12/2026 to a HOSTED-W contract (2 users at 14.90)
# owes nothing for December — only its setup fee, 1 × 29.00 — and is billed from 01/01/2027,
# 3 × 14.90 = 44.70 a month. The quote said so, but the form's help said « Units added take
# effect today and are charged pro rata by days for the rest of the month » and the
# confirmation « 0.00 € excl. VAT will be on your next invoice for the rest of the month »,
# naming neither the 29.00 € setup fee nor the 1st of January.
@pytest.mark.django_db
def test_portal_hosted_w_increase_says_billed_from_next_month(as_role, english, tenant):
    from django.urls import reverse

    contract = make_hosted_w(tenant.client)
    line = contract.lines.get()
    url = reverse("offers:line_quantity", args=[contract.pk, line.pk])
    with at(date(2026, 12, 19)):
        client = as_role("admin")
        form = client.get(url).content.decode()
        response = client.post(
            url,
            {
                "quantity": "3",
                "shown_prorata": "0.00",
                "shown_effective_on": "2026-12-19",
                "action": "confirm",
            },
            follow=True,
        )
    assert "charged pro rata" not in form
    assert "Units added take effect today and are billed in full from the 1st of the next" in form
    text = response.content.decode()
    assert "for the rest of the month" not in text
    assert (
        "Quantity changed: Hosted telephony user goes from 2 to 3 from today, billed "
        "from 1 January 2027. Setup fee: 29.00 € excl. VAT on your next invoice."
    ) in text


def make_hosted_w(client):
    from tests.offers.factories import make_contract

    return make_contract(
        client,
        "hosted-w",
        quantity=2,
        signature=date(2026, 3, 10),
        service_start=date(2026, 3, 10),
    )
