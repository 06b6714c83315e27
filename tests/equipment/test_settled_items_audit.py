"""Audit of equipment (EQP-4, EQP-6): an item settled as not returned — billed, or repossessed
at the customer's cost — after its RMA replacement shipped."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from billing.models import PendingCharge
from equipment import selectors
from equipment.choices import ItemState, ReturnOutcome, RmaStatus
from equipment.models import Rma
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
