"""EQP-1 / EQP-4 / EQP-5 / EQP-6: staff record an item's move after it happened (a return
recorded three days after it arrived): the move keeps the day it happened, which they enter in
the back office (today by default, never in the future), and the deadlines and costs read it —
before, every move was dated the day staff recorded it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.choices import Role
from equipment.choices import ItemState, ReturnOutcome, ReturnReason, RmaStatus
from equipment.models import EquipmentReturn, ItemEvent
from equipment.services import items, rentals, returns, rma
from offers import services as offers
from tests.conftest import login
from tests.equipment.factories import make_model, rent, stock
from tests.factories import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.user = sign_in_staff(client)
    return client


def _rental_ended(tenant, effective=date(2026, 12, 25)):
    """A phone rented since 2025-10-01 (delivered 2025-10-03), the rental ended effective
    2026-12-25: last day Thursday 24/12, due back Monday 28/12 (25/12 Christmas, then a
    weekend)."""
    order = rent(
        tenant.client, tenant.site, make_model(sale="149.00"), ordered_on=date(2025, 10, 1)
    )
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2025, 10, 3))
    with time_machine.travel(f"{effective - timedelta(days=20)} 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=effective)
    assert offers.termination_apply(termination_id=termination.pk, today=effective)
    returns.daily(effective)
    back = EquipmentReturn.objects.get(contract=order.contract, reason=ReturnReason.RENTAL_END)
    assert back.due_date == date(2026, 12, 28)
    return phone, back.lines.get()


def _post(staff, url, data):
    """Staff's action, signed in at the (travelled) time: a session ages."""
    staff.force_login(staff.user)
    return staff.post(url, data, follow=True)


def _receive(staff, line, action, day):
    return _post(
        staff,
        reverse("admin:equipment_returnitem_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [line.pk], "apply": "1", "occurred_on": day},
    )


def test_return_arrived_on_the_deadline_recorded_three_days_later_is_on_time(tenant, staff):
    # EQP-5: the phone arrived Monday 28/12/2026, its due day; the daily jobs of 29 and 30/12
    # found it late (awaiting a decision, 149,00 € at stake until 05/01/2027); staff record it on
    # 31/12 as arrived on 28/12 in working order: returned, nothing to decide, its move dated
    # 28/12 — before, dated 31/12 (no day to enter).
    phone, line = _rental_ended(tenant)
    returns.daily(date(2026, 12, 29))
    returns.daily(date(2026, 12, 30))
    line.refresh_from_db()
    assert (line.outcome, line.decide_by) == (ReturnOutcome.AWAITING_DECISION, date(2027, 1, 5))
    with time_machine.travel("2026-12-31 10:00 +01:00", tick=False):
        _receive(staff, line, "received_working", "2026-12-28")
    line.refresh_from_db()
    assert (line.outcome, line.received_on, line.decide_by) == (
        ReturnOutcome.RETURNED, date(2026, 12, 28), None
    )  # fmt: skip
    event = ItemEvent.objects.filter(item=phone).latest("at")
    assert (event.to_state, event.occurred_on) == (ItemState.RETURNED, date(2026, 12, 28))
    assert line.received_at.date() == date(2026, 12, 31)  # when staff recorded it


def test_return_not_working_recorded_late_decision_runs_from_the_day_it_arrived(tenant, staff):
    # EQP-6: the phone came back not working on 28/12/2026, recorded on 31/12: staff decide by
    # 28/12 + 7 = 04/01/2027 (before: 31/12 + 7 = 07/01/2027), at 149,00 € HT.
    _phone, line = _rental_ended(tenant)
    with time_machine.travel("2026-12-31 10:00 +01:00", tick=False):
        _receive(staff, line, "received_not_working", "2026-12-28")
    line.refresh_from_db()
    assert (line.outcome, line.received_on, line.decide_by, str(line.amount)) == (
        ReturnOutcome.AWAITING_DECISION, date(2026, 12, 28), date(2027, 1, 4), "149.0000"
    )  # fmt: skip


def test_a_receipt_dated_in_the_future_is_refused(tenant, staff):
    _phone, line = _rental_ended(tenant)
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        response = _receive(staff, line, "received_working", "2026-12-29")
    page = response.content.decode()
    assert (
        "Cette date est dans le futur (nous sommes le 28/12/2026)." in page
        or "This date is in the future (today is 28/12/2026)." in page
    ), page[-3000:]
    line.refresh_from_db()
    assert (line.outcome, line.received_on) == (ReturnOutcome.EXPECTED, None)


def test_replacement_shipped_before_christmas_recorded_after_is_due_back_on_its_day(
    client, tenant, staff
):
    # EQP-4 / EQP-5: RMA approved Wednesday 23/12/2026, the replacement shipped Thursday 24/12,
    # staff record it on Monday 28/12: the defective phone is due back the first business day
    # after 24/12 = Monday 28/12 (before: after 28/12 = Tuesday 29/12); the customer reads
    # "shipped on 24/12/2026".
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2025, 10, 1))
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2025, 10, 3))
    stock(phone.model, 1)
    with time_machine.travel("2026-12-23 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="Écran noir")
        report = rma.rma_approve(rma=report, actor=staff.user)
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        _post(
            staff,
            reverse("admin:equipment_rma_changelist"),
            {"action": "ship_replacement", ACTION_CHECKBOX_NAME: [report.pk], "apply": "1",
             "occurred_on": "2026-12-24", "tracking_number": "6A1"},
        )  # fmt: skip
    report.refresh_from_db()
    assert (report.status, report.shipped_on) == (RmaStatus.SHIPPED, date(2026, 12, 24))
    back = report.equipment_return
    assert (back.last_day, back.due_date) == (date(2026, 12, 24), date(2026, 12, 28))
    shipped = ItemEvent.objects.get(item=report.replacement, to_state=ItemState.SHIPPED,
                                    client=tenant.client)  # fmt: skip
    assert shipped.occurred_on == date(2026, 12, 24)
    login(client, tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:rma", args=[report.pk])).content.decode()
    assert "Remplacement expédié le 24/12/2026" in page


def test_replacement_dated_before_the_approval_is_refused(tenant, staff):
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2025, 10, 1))
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2025, 10, 3))
    stock(phone.model, 1)
    with time_machine.travel("2026-12-23 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="x")
        report = rma.rma_approve(rma=report, actor=staff.user)
        _post(
            staff,
            reverse("admin:equipment_rma_changelist"),
            {"action": "ship_replacement", ACTION_CHECKBOX_NAME: [report.pk], "apply": "1",
             "occurred_on": "2026-12-22"},
        )  # fmt: skip
    report.refresh_from_db()
    assert report.status == RmaStatus.APPROVED


def test_delivery_recorded_late_warranty_from_the_day_delivered(client, tenant, staff):
    # EQP-2: delivered Tuesday 10/03/2026, staff record it on 13/03: the warranty runs to
    # 09/03/2027 included (before: from 13/03, to 12/03/2027), and the customer's item page
    # dates the delivery 10/03/2026.
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 3, 9))
    (phone,) = order.items.all()
    with time_machine.travel("2026-03-13 10:00 +01:00", tick=False):
        _post(
            staff,
            reverse("admin:equipment_item_changelist"),
            {"action": "deliver", ACTION_CHECKBOX_NAME: [phone.pk], "apply": "1",
             "occurred_on": "2026-03-10"},
        )  # fmt: skip
    phone.refresh_from_db()
    assert (phone.state, phone.delivered_on, phone.warranty_end) == (
        ItemState.AT_CUSTOMER, date(2026, 3, 10), date(2027, 3, 9)
    )  # fmt: skip
    login(client, tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:item", args=[phone.pk])).content.decode()
    assert "10/03/2026 · Chez le client" in page


# EQP-2 / EQP-1 — a delivery is never before its order: the phone sold on 10/03/2026, staff
# recording its delivery type 03/01/2026 (day and month swapped): before, it was taken, the
# warranty ran from 03/01 to 02/01/2027 — two months and a week less than 12 months from a
# delivery on or after 10/03/2026 (to 09/03/2027 at the earliest), an RMA of 05/02/2027 refused
# as « warranty ended ». Now refused, the order's day named, nothing moves; the same day is
# taken (delivered the day it was ordered).
def test_a_delivery_dated_before_its_order_is_refused(tenant, staff):
    from django.core.exceptions import ValidationError

    from tests.equipment.factories import sell

    order = sell(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 3, 10))
    (phone,) = order.items.all()
    with time_machine.travel("2026-03-13 10:00 +01:00", tick=False):
        with pytest.raises(ValidationError) as refused:
            items.item_deliver(item=phone, delivered_on=date(2026, 1, 3))
        assert "10/03/2026" in str(refused.value.message_dict["delivered_on"])
        phone.refresh_from_db()
        assert (phone.state, phone.delivered_on) == (ItemState.SHIPPED, None)
        response = _post(
            staff,
            reverse("admin:equipment_item_changelist"),
            {"action": "deliver", ACTION_CHECKBOX_NAME: [phone.pk], "apply": "1",
             "occurred_on": "2026-01-03"},
        )  # fmt: skip
        assert "10/03/2026" in response.content.decode()
        phone.refresh_from_db()
        assert phone.delivered_on is None
        items.item_deliver(item=phone, delivered_on=date(2026, 3, 10))
    phone.refresh_from_db()
    assert (phone.delivered_on, phone.warranty_end) == (date(2026, 3, 10), date(2027, 3, 9))
