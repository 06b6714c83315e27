"""Staff work queues of equipment (kernel.queues): RMAs awaiting a decision or a shipment (by
their target), returns overdue, non-return decisions (by the day the job bills them); and the
daily task, idempotent."""

from datetime import date

import pytest
from django.utils import translation

from equipment.models import ReturnItem
from equipment.services import items, returns, rma
from equipment.services.return_open import open_return
from equipment.tasks import daily
from kernel.queues import REGISTRY
from tests.equipment.factories import make_model, rent

pytestmark = pytest.mark.django_db


def test_queues_list_what_waits_for_staff(tenant, other_tenant, django_user_model):
    staff = django_user_model.objects.create_user(email="s@x.example", password="x", is_staff=True)
    order = rent(tenant.client, tenant.site, make_model(), quantity=2)
    first, second = order.items.order_by("serial_number")
    for item in (first, second):
        items.item_deliver(item=item)
    waiting = rma.rma_request(client=tenant.client, item=first, description="x")
    approved = rma.rma_approve(
        rma=rma.rma_request(client=tenant.client, item=second, description="y"), actor=staff
    )
    queue = REGISTRY["equipment.rmas"].items()
    assert [i.pk for i in queue] == [approved.pk, waiting.pk]  # a deadline first
    assert REGISTRY["equipment.rmas"].items(partner_id=other_tenant.client.partner_id) == []

    back = open_return(
        client=tenant.client, reason="rental_end", items=[first, second],
        last_day=date(2026, 1, 2), contract=order.contract,
    )  # fmt: skip
    assert [i.pk for i in REGISTRY["equipment.returns_overdue"].items()] == [back.pk]
    returns.daily(date(2026, 1, 6))  # due Monday 2026-01-05: late the day after
    decisions = REGISTRY["equipment.non_returns"].items()
    assert len(decisions) == 2 and all(i.deadline for i in decisions)
    # The price a non-return bills (the model's sale price, 149.00 HT), as the console's French
    # reads amounts: it showed « 149.0000 € » (4 decimals, a point, a plain space).
    line = ReturnItem.objects.get(pk=decisions[0].pk)
    with translation.override("fr"):
        detail = REGISTRY["equipment.non_returns"].items()[0].detail
    assert detail == f"{line.item.model.name} · 149,00\u00a0€"


def test_daily_task_runs_twice_safely():
    nothing = {"returns_opened": 0, "late": 0, "billed": 0, "prices_in_force": 0}
    assert daily() == nothing
    assert daily() == nothing
