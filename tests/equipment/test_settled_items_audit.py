"""Audit of equipment (EQP-4, EQP-6): an item settled as not returned — billed, or repossessed
at the customer's cost — after its RMA replacement shipped."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import PendingCharge
from equipment import selectors
from equipment.choices import ItemState, ReturnOutcome, RmaStatus
from equipment.models import ReturnItem, Rma
from equipment.services import items, returns, rma
from kernel.errors import InvalidTransition
from tests.equipment.test_equipment_audit import rented_phone_and_spare

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def replaced_and_late(tenant, staff):
    """A rented phone (ordered 2025-10-01, 149.00 if not returned) reported defective on
    2026-06-01, its replacement shipped Tuesday 2026-06-02; the defective phone, due back
    Wednesday 2026-06-03, is late on 2026-06-04 and awaits the decision."""
    order, defective, spare = rented_phone_and_spare(tenant)
    with time_machine.travel("2026-06-01 10:00 +02:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=defective, description="x")
        rma.rma_approve(rma=report, actor=staff)
    with time_machine.travel("2026-06-02 11:00 +02:00", tick=False):
        shipped = rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    returns.daily(date(2026, 6, 4))
    line = shipped.equipment_return.lines.get()
    assert line.outcome == ReturnOutcome.AWAITING_DECISION
    return order, defective, spare, line


@pytest.mark.parametrize("decision", ["bill", "repossess"])
def test_item_settled_as_not_returned_gets_no_second_replacement(tenant, staff, decision):
    # EQP-4 / EQP-6: the defective phone of an RMA was not returned: billed 149.00 (or to be
    # repossessed at the customer's cost). Its RMA is closed, the rental goes on — but the
    # phone was already replaced once: a new RMA of it would ship a second replacement into
    # the same rental (2 phones for 1 instalment of 6.00). Refused, saying why; one RMA only.
    _order, defective, _spare, line = replaced_and_late(tenant, staff)
    with time_machine.travel("2026-06-05 10:00 +02:00", tick=False):
        if decision == "bill":
            returns.non_return_bill(line=line, actor=staff)
        else:
            returns.non_return_repossess(line=line, cost=Decimal("35.00"), actor=staff)
    assert Rma.objects.get().status == RmaStatus.CLOSED
    reference = line.equipment_return.reference
    expected = {
        "bill": f"This item was not returned after its replacement and was billed to you "
        f"(return {reference}): it is no longer replaced.",
        "repossess": f"This item was not returned after its replacement and is to be taken "
        f"back (return {reference}): it is no longer replaced.",
    }[decision]
    with (
        time_machine.travel("2026-06-10 10:00 +02:00", tick=False),
        translation.override("en"),
        pytest.raises(ValidationError) as refused,
    ):
        rma.rma_request(client=tenant.client, item=defective, description="still dead")
    assert refused.value.message_dict["item"] == [expected]
    assert Rma.objects.count() == 1
    with translation.override("fr"):  # the item's page says it before the customer types
        assert rma.rma_blocker(defective, tenant.client).startswith(
            "Cet équipement n'a pas été restitué après son remplacement et "
        )


def test_repossessed_item_is_received_back_its_cost_stands(tenant, staff):
    # EQP-6 (HOSTED-A 3 b): the defective phone was not returned; on 2026-06-05 staff choose
    # repossession at the customer's cost, 35.00 € HT (a charge of kind other). The carrier
    # brings it back on 2026-06-09, recorded on 2026-06-10: the phone is returned (off the
    # customer's equipment list), the repossession and its 35.00 stand, nothing is billed at
    # 149.00, and it can be refurbished. Before: « already settled » — the phone stayed at the
    # customer's for good, with no way to take it back into the stock.
    _order, defective, _spare, line = replaced_and_late(tenant, staff)
    with time_machine.travel("2026-06-05 10:00 +02:00", tick=False):
        returns.non_return_repossess(line=line, cost=Decimal("35.00"), actor=staff)
    with time_machine.travel("2026-06-10 10:00 +02:00", tick=False):
        returns.return_receive(line=line, working=False, received_on=date(2026, 6, 9), actor=staff)
        with pytest.raises(InvalidTransition):  # received once
            returns.return_receive(line=line, actor=staff)
    line.refresh_from_db()
    defective.refresh_from_db()
    assert (line.outcome, line.received_on) == (ReturnOutcome.REPOSSESSION, date(2026, 6, 9))
    assert defective.state == ItemState.RETURNED
    assert not selectors.items_for_client(tenant.client).filter(pk=defective.pk).exists()
    returns.daily(date(2026, 6, 20))  # nothing left to bill
    charges = PendingCharge.objects.filter(
        client=tenant.client,
        source_type__in=[returns.NON_RETURN_SOURCE, returns.REPOSSESSION_SOURCE],
    )
    assert [(c.source_type, c.unit_price * c.quantity) for c in charges] == [
        (returns.REPOSSESSION_SOURCE, Decimal("35.00"))
    ]
    items.item_refurbish(item=defective, actor=staff)
    defective.refresh_from_db()
    assert (defective.state, defective.client_id) == (ItemState.REFURBISHED, None)


def test_item_billed_at_rental_end_is_not_said_to_be_returned(client, tenant, staff):
    # EQP-6 (HOSTED-A 3 a): a phone rented since 03/10/2026 (149,00 € HT if not returned), the
    # rental ended effective 25/12/2026: due back Monday 28/12, late on 29/12, billed 149,00 €
    # HT on 30/12. The customer paid for it: its page said « La location de cet équipement a
    # pris fin (…) : il est à restituer » — it would send back a phone it bought. Now the
    # page says it was billed, with the return's reference, and offers no RMA.
    from django.urls import reverse

    from accounts.choices import Role
    from equipment.services import rentals
    from offers import services as offers
    from tests.conftest import login
    from tests.equipment.factories import make_model, rent

    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 10, 3))
    (item,) = order.items.all()
    items.item_deliver(item=item, delivered_on=date(2026, 10, 3))
    with time_machine.travel("2026-12-05 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    returns.daily(date(2026, 12, 25))
    returns.daily(date(2026, 12, 29))
    line = ReturnItem.objects.get(item=item)
    with time_machine.travel("2026-12-30 10:00 +01:00", tick=False):
        returns.non_return_bill(line=line, actor=staff)
        login(client, tenant.members[Role.ADMIN])
        response = client.get(reverse("equipment:item", args=[item.pk]))
    page = html.unescape(response.content.decode())
    assert 'data-testid="report-defect"' not in page
    assert "il est à restituer" not in page
    reference = line.equipment_return.reference
    assert (
        "Cet équipement n'a pas été restitué à la fin de sa location et vous a été facturé "
        f"(retour {reference})\u00a0: il n'est plus loué, pas de RMA." in page
    )


def test_partner_api_refuses_the_second_rma_of_a_billed_item(api, tenant, staff):
    # EQP-4 / EQP-6, the partner API agreeing with the portal: the defective phone, replaced
    # then billed 149.00 as not returned, reported again through POST /api/v1/rmas/ -> 400 on
    # ``item`` with the reason (English asked), no RMA created.
    from django.urls import reverse

    _order, defective, _spare, line = replaced_and_late(tenant, staff)
    with time_machine.travel("2026-06-05 10:00 +02:00", tick=False):
        returns.non_return_bill(line=line, actor=staff)
    with time_machine.travel("2026-06-10 10:00 +02:00", tick=False):
        response = api.post(
            reverse("api:rma-list"),
            {"item": defective.pk, "description": "still dead"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400, response.content
    assert "was billed to you" in str(response.json()), response.json()
    assert Rma.objects.count() == 1
