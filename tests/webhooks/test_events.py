"""SPEC §9 webhooks: each app announces its changes in the outbox, in the same transaction, for
the partner of the customer concerned — and only that partner."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from kernel.models import OutboxEvent
from offers import services as offers
from offers.choices import SuspensionReason
from payments import services as payments
from support import services as support
from support.choices import TicketKind
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, reseller_billed

pytestmark = pytest.mark.django_db


def _events(event_type):
    return list(OutboxEvent.objects.filter(type=event_type).order_by("occurred_at", "id"))


def test_contract_life_announced(tenant, partner):
    contract = make_contract(tenant.client, "hosted-a")
    offers.contract_suspend(contract=contract, reason=SuspensionReason.NON_PAYMENT)
    offers.contract_lift_suspension(contract=contract)
    for event_type, status in [
        ("contract.activated", "active"),
        ("contract.suspended", "suspended"),
        ("contract.resumed", "active"),
    ]:
        (event,) = _events(event_type)
        assert event.partner_id == partner.pk
        assert event.data["id"] == contract.pk and event.data["status"] == status
        assert event.data["reference"] == contract.reference
        assert event.data["customer"] == tenant.client.pk


def test_ticket_updates_announced_but_not_internal_notes(tenant, partner):
    ticket = support.ticket_open(
        client=tenant.client, kind=TicketKind.QUESTION, subject="Fax", body="Does it work?"
    )
    staff = make_staff()
    support.ticket_reply(ticket=ticket, body="Internal: check", actor=staff, internal=True)
    message = support.ticket_reply(ticket=ticket, body="Yes it does.", actor=staff)
    (event,) = _events("ticket.updated")
    assert event.data == {
        "id": ticket.pk,
        "number": ticket.number,
        "customer": tenant.client.pk,
        "status": "acknowledged",
        "change": "message",
        "message": message.pk,
    }
    support.ticket_set_status(ticket=ticket, status="resolved", actor=staff)
    assert [e.data["change"] for e in _events("ticket.updated")] == ["message", "status"]


def test_invoice_and_payment_announced(tenant, partner, other_tenant):
    # The tenant's partner has its customers invoiced directly; the other partner is billed
    # itself (partner-billed, the default): each gets the event of its own invoice only.
    reseller_billed(tenant.client)
    make_contract(tenant.client, "hosted-a", service_start=date(2026, 9, 1))
    make_contract(other_tenant.client, "hosted-a", service_start=date(2026, 9, 1))
    billing.run_month_sync(month=date(2026, 10, 1))
    invoices = {e.partner_id: e for e in _events("invoice.issued")}
    assert set(invoices) == {partner.pk, other_tenant.client.partner_id}
    mine = invoices[partner.pk]
    assert mine.data["customer"] == tenant.client.pk
    assert invoices[other_tenant.client.partner_id].data["customer"] is None
    assert Decimal(mine.data["total_incl_tax"]) > 0 and mine.data["number"].startswith("F2026-")
    payment = payments.payment_record(
        client=tenant.client,
        amount=mine.data["total_incl_tax"],
        method="transfer",
        received_on=date(2026, 11, 2),
        reference="VIR-1",
    )
    (event,) = _events("payment.received")
    assert event.partner_id == partner.pk
    assert event.data["id"] == payment.pk and event.data["amount"] == mine.data["total_incl_tax"]


def test_rolled_back_change_announces_nothing(tenant):
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        payments.payment_record(
            client=tenant.client, amount="-5", method="transfer", received_on=date(2026, 11, 2)
        )
    assert not OutboxEvent.objects.filter(type="payment.received").exists()
