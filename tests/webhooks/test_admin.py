"""SPEC §9 webhooks in the back office: staff see every partner's endpoints and deliveries with
their log, ping an endpoint, rotate its secret, redeliver."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import User
from kernel.events import emit
from webhooks import services
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        email="ops@reseller.example",
        password="x-Very-Long-Pass-1",
        is_staff=True,
        is_superuser=True,
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return client


@pytest.fixture
def delivery(partner, receiver):
    endpoint, _secret = services.create_endpoint(partner=partner, url=receiver.url)
    receiver.answer(500)
    event = emit("ticket.updated", partner_id=partner.pk, data={"id": 5})
    (delivery_id,) = services.fan_out(event.pk)
    services.attempt(delivery_id)
    return Delivery.objects.get(pk=delivery_id)


def test_lists_and_log(staff, delivery, django_assert_max_num_queries):
    for name in ("webhooks_webhookendpoint", "webhooks_delivery", "kernel_outboxevent"):
        with django_assert_max_num_queries(20):
            assert staff.get(reverse(f"admin:{name}_changelist")).status_code == 200
    page = staff.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert "upstream exploded" in page.content.decode()  # the response excerpt of the attempt


def test_redeliver_ping_rotate(staff, delivery, receiver):
    url = reverse("admin:webhooks_delivery_changelist")
    staff.post(url, {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.log.last().manual
    endpoints = reverse("admin:webhooks_webhookendpoint_changelist")
    staff.post(endpoints, {"action": "ping", "_selected_action": [delivery.endpoint_id]})
    assert b"webhook.ping" in receiver.requests[-1]["body"]
    staff.post(endpoints, {"action": "rotate_secret", "_selected_action": [delivery.endpoint_id]})
    assert delivery.endpoint.secrets.count() == 2
    staff.post(endpoints, {"action": "disable", "_selected_action": [delivery.endpoint_id]})
    delivery.endpoint.refresh_from_db()
    assert not delivery.endpoint.is_active


# SPEC §9 — a ping's result names the endpoint first, so its address keeps its case (the back
# office capitalises a message's first letter: "Http://127.0.0.1…").
def test_ping_message_keeps_the_address(staff, delivery, receiver):
    endpoints = reverse("admin:webhooks_webhookendpoint_changelist")
    url = delivery.endpoint.url

    def ping(status: int) -> str:
        receiver.answer(status)
        action = {"action": "ping", "_selected_action": [delivery.endpoint_id]}
        return staff.post(
            endpoints, action, follow=True, HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()

    assert f"Le point de réception {url} a répondu 200 en " in ping(200)
    html = ping(500)
    assert f"Le point de réception {url} n&#x27;a pas accepté le message\u00a0: " in html
    assert "Http://" not in html


# SPEC §9 — a delivery's attempts, on its back-office page, were each headed with the time in
# UTC (« 2026-12-05 08:00:00 500 ») above the same time in Paris in the row (09:00): now the
# Paris time, as the row and every other page of the back office (UTC+1 in December).
def test_attempt_heading_in_paris_time(staff, delivery):
    from datetime import UTC, datetime

    delivery.log.update(attempted_at=datetime(2026, 12, 5, 8, 0, 0, tzinfo=UTC))
    page = staff.get(
        reverse("admin:webhooks_delivery_change", args=[delivery.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "2026-12-05 08:00:00" not in page
    assert "05/12/2026 09:00:00 — 500" in page
