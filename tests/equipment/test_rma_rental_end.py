"""EQP-4 / EQP-5 (HOSTED-W 5.5.3, HOSTED-A 3 and 4): an RMA still awaiting its replacement when
the rental of its item ends — or when the item comes back through a return — is closed with its
reason, the customer told; no replacement ships on an ended rental, and the refurbished item's
next customer can report a defect on it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AuditLog
from equipment.choices import ItemState, ReturnReason, RmaClosure, RmaStatus, Tenure
from equipment.models import EquipmentReturn, Item, Rma
from equipment.services import items, orders, rentals, returns, rma
from kernel.errors import InvalidTransition
from offers import services as offers
from tests.conftest import login
from tests.equipment.factories import make_model, rent, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def _rented_phone(tenant):
    """A phone rented by Acme since 2025-10-01, delivered 2025-10-03, and a spare in stock."""
    model = make_model()
    order = rent(tenant.client, tenant.site, model, ordered_on=date(2025, 10, 1))
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2025, 10, 3))
    (spare,) = stock(model, 1)
    return order, phone, spare


def _rented_again(phone, tenant):
    """The refurbished ``phone`` rented to ``tenant`` from 4 January 2027 (12 months)."""
    return orders.order_create(
        form=orders.OrderForm(
            client=tenant.client, site=tenant.site, tenure=Tenure.RENTAL,
            model=phone.model, commitment_months=12, ordered_on=date(2027, 1, 4),
            serial_numbers=[phone.serial_number],
        )
    )  # fmt: skip


def _end(order, effective=date(2026, 12, 25), *, daily=True):
    with time_machine.travel(f"{effective - timedelta(days=20)} 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=effective)
    assert offers.termination_apply(termination_id=termination.pk, today=effective)
    if daily:
        returns.daily(effective)
        return EquipmentReturn.objects.get(contract=order.contract, reason=ReturnReason.RENTAL_END)
    return None


def test_approved_rma_closed_when_the_rental_ends_customer_told(
    tenant, staff, django_capture_on_commit_callbacks
):
    # EQP-4 / EQP-5: Acme's phone is found defective (RMA approved on 2026-12-01), but the
    # rental ends effective 2026-12-25 before any replacement ships: the rental's return
    # expects the phone, and the RMA is closed — no replacement will come — with its reason
    # (audited), the customer's admin and technical people told in French.
    order, phone, spare = _rented_phone(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="Écran noir")
        rma.rma_approve(rma=report, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        back = _end(order)
    report.refresh_from_db()
    assert [line.item_id for line in back.lines.all()] == [phone.pk]
    assert (report.status, report.closure_reason) == (RmaStatus.CLOSED, RmaClosure.RENTAL_ENDED)
    assert report.closed_at is not None and report.replacement is None
    log = AuditLog.objects.get(action="rma.closed", object_id=str(report.pk))
    assert (log.before["status"], log.after["note"]) == (RmaStatus.APPROVED, "rental_ended")
    told = [m for m in mail.outbox if report.number in m.subject]
    recipients = {address for message in told for address in message.to}
    roles = {m.role for m in tenant.client.memberships.all() if m.user.email in recipients}
    assert roles == {Role.ADMIN, Role.TECHNICAL}
    assert "aucun équipement de remplacement" in told[0].body
    # No replacement can ship on it any more: the spare stays in stock.
    with pytest.raises(InvalidTransition):
        rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    spare.refresh_from_db()
    assert spare.state == ItemState.IN_STOCK and spare.client is None


def test_rma_awaiting_decision_closed_at_rental_end_without_mail(
    tenant, staff, django_capture_on_commit_callbacks
):
    # EQP-4: an RMA support had not decided yet is closed as well; nothing was promised, so no
    # e-mail (the rma.updated event tells the partner).
    order, phone, _spare = _rented_phone(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="Grésille")
    with django_capture_on_commit_callbacks(execute=True):
        _end(order)
    report.refresh_from_db()
    assert (report.status, report.closure_reason) == (RmaStatus.CLOSED, RmaClosure.RENTAL_ENDED)
    assert not [m for m in mail.outbox if "RMA" in m.subject]


def test_no_replacement_ships_once_the_rental_has_ended(tenant, staff):
    # EQP-4 / EQP-5: the rental's contract is terminated (effective 2026-12-25) but this app's
    # daily job has not run yet: shipping the approved RMA's replacement is refused, named,
    # and nothing moves (the spare stays in stock, no RMA return is opened).
    order, phone, spare = _rented_phone(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="x")
        rma.rma_approve(rma=report, actor=staff)
    _end(order, daily=False)
    with pytest.raises(ValidationError) as refused:
        rma.rma_ship_replacement(rma=report, actor=staff, replacement=spare)
    assert order.contract.reference in " ".join(refused.value.messages)
    assert "a pris fin" in " ".join(refused.value.messages)
    report.refresh_from_db()
    spare.refresh_from_db()
    assert (report.status, spare.state) == (RmaStatus.APPROVED, ItemState.IN_STOCK)
    assert not EquipmentReturn.objects.filter(reason=ReturnReason.RMA).exists()


def test_no_rma_on_an_item_of_an_ended_rental(tenant):
    # EQP-4: a phone rented from 2026-06-01 (under warranty to 2027-06-02) whose rental ended
    # effective 2026-12-25: it is expected back, not replaced — no RMA.
    model = make_model()
    order = rent(tenant.client, tenant.site, model, ordered_on=date(2026, 6, 1))
    (phone,) = order.items.all()
    items.item_deliver(item=phone, delivered_on=date(2026, 6, 3))
    _end(order)
    with time_machine.travel("2026-12-26 10:00 +01:00", tick=False):
        with pytest.raises(ValidationError) as refused:
            rma.rma_request(client=tenant.client, item=phone, description="x")
    assert "item" in refused.value.message_dict
    assert not Rma.objects.exists()


def test_next_customer_reports_a_defect_on_the_refurbished_item(tenant, other_tenant, staff):
    # EQP-4: Acme's RMA was left awaiting a decision when its rental ended; the phone came back,
    # was refurbished and rented to Rival: Rival can report a defect on it.
    order, phone, _spare = _rented_phone(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        acme_rma = rma.rma_request(client=tenant.client, item=phone, description="x")
    back = _end(order)
    with time_machine.travel("2026-12-28 10:00 +01:00", tick=False):
        returns.return_receive(line=back.lines.get(), working=False, actor=staff)
    phone.refresh_from_db()
    items.item_refurbish(item=phone, actor=staff)
    (phone,) = _rented_again(phone, other_tenant).items.all()
    with time_machine.travel("2027-01-06 10:00 +01:00", tick=False):  # never in the future
        items.item_deliver(item=phone, delivered_on=date(2027, 1, 6))
    with time_machine.travel("2027-02-01 10:00 +01:00", tick=False):
        rival_rma = rma.rma_request(client=other_tenant.client, item=phone, description="x")
    assert rival_rma.status == RmaStatus.REQUESTED
    acme_rma.refresh_from_db()
    assert acme_rma.status == RmaStatus.CLOSED


def _left_open(client, item, status=RmaStatus.APPROVED):
    """An RMA left open by the product before its rental end closed them."""
    return Rma.objects.create(
        client=client, item=item, description="x", reported_at=timezone.now(), status=status,
        number=f"RMA-2026-9{item.pk:04d}" if status == RmaStatus.APPROVED else None,
    )  # fmt: skip


def test_rma_left_open_is_closed_when_its_item_is_received(tenant, staff):
    # EQP-4 / EQP-5: an RMA left approved on the phone of an ended rental: the phone received
    # through the rental's return closes it, « Clôturé : matériel restitué en fin de location ».
    order, phone, _spare = _rented_phone(tenant)
    back = _end(order)
    stale = _left_open(tenant.client, phone)
    returns.return_receive(line=back.lines.get(), working=True, actor=staff)
    stale.refresh_from_db()
    assert (stale.status, stale.closure_reason) == (RmaStatus.CLOSED, RmaClosure.ITEM_RETURNED)
    label = stale.get_closure_reason_display()
    assert label == "Clôturé\u00a0: matériel restitué en fin de location"


def test_rma_left_open_ships_nothing_to_the_items_next_holder(tenant, other_tenant, staff):
    # EQP-4: an RMA Acme left approved on a phone now rented to Rival: shipping it would send
    # a replacement to Rival on Acme's behalf — refused, and Rival can report its own defect.
    order, phone, spare = _rented_phone(tenant)
    back = _end(order)
    returns.return_receive(line=back.lines.get(), working=True, actor=staff)
    stale = _left_open(tenant.client, Item.objects.get(pk=phone.pk))
    Rma.objects.filter(pk=stale.pk).update(status=RmaStatus.APPROVED)
    phone.refresh_from_db()
    items.item_refurbish(item=phone, actor=staff)
    (phone,) = _rented_again(phone, other_tenant).items.all()
    with pytest.raises(ValidationError):
        rma.rma_ship_replacement(rma=stale, actor=staff, replacement=spare)
    spare.refresh_from_db()
    assert spare.state == ItemState.IN_STOCK
    assert rma.rma_request(client=other_tenant.client, item=phone, description="x").pk


def test_portal_shows_why_the_rma_was_closed(client, tenant, staff):
    # EQP-4: the RMA's page says it is closed and why, not "replacement shipped on".
    order, phone, _spare = _rented_phone(tenant)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=phone, description="x")
        rma.rma_approve(rma=report, actor=staff)
    _end(order)
    login(client, tenant.members[Role.ADMIN])
    page = client.get(reverse("equipment:rma", args=[report.pk])).content.decode()
    assert "Clôturé\u00a0: location terminée, matériel à restituer" in page
    assert "Remplacement expédié le" not in page
