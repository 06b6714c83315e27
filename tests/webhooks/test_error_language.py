"""ACC-3 (SPEC §9: the partner API answers in the Accept-Language asked): why a webhook attempt
got no answer is stored in the language active where it ran (French in a worker, English for a
ping a partner asked in English); the partner reads the log in the language it asks, the French
back office in French."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from kernel.events import emit
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.transport import error_in_language

pytestmark = pytest.mark.django_db

PRIVATE_EN = (
    "127.0.0.1 resolves to a private, loopback or link-local address: webhooks go to public "
    "addresses only."
)
PRIVATE_FR = (
    "127.0.0.1 correspond à une adresse privée, locale ou de lien local\xa0: les webhooks ne "
    "partent que vers des adresses publiques."
)


def _failed_delivery(partner, receiver, worker_language: str) -> int:
    """A delivery whose endpoint's address is no longer public (loopback not allowed), tried
    by a worker in ``worker_language``."""
    services.create_endpoint(partner=partner, url=receiver.url)
    event = emit("ticket.updated", partner_id=partner.pk, data={"id": 5})
    (delivery_id,) = services.fan_out(event.pk)
    with override_settings(WEBHOOKS_ALLOW_LOOPBACK=False), translation.override(worker_language):
        services.attempt(delivery_id)
    return delivery_id


# ACC-3: the same stored failure, tried by a worker in French or in English, reads in English
# with Accept-Language: en, in French with fr or no header, on the delivery and in the list.
@pytest.mark.parametrize("worker_language", ["fr", "en"])
def test_an_attempts_error_reads_in_the_language_asked(api, partner, receiver, worker_language):
    delivery_id = _failed_delivery(partner, receiver, worker_language)
    detail = reverse("api:webhook-delivery-detail", args=[delivery_id])
    listed = reverse("api:webhook-delivery-list")
    for language, expected in [("en", PRIVATE_EN), ("fr", PRIVATE_FR), (None, PRIVATE_FR)]:
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        assert [a["error"] for a in api.get(detail, **headers).json()["log"]] == [expected]
        (row,) = api.get(listed, **headers).json()["results"]
        assert [a["error"] for a in row["log"]] == [expected], language
    assert receiver.requests == []


# ACC-3: an attempt stored in English (a ping asked by a partner in English) reads in French in
# the back office's delivery page; a network error's text (Python's) is shown as stored.
def test_back_office_reads_an_attempts_error_in_french(client, partner, receiver):
    delivery_id = _failed_delivery(partner, receiver, "en")
    assert DeliveryAttempt.objects.get().error == PRIVATE_EN
    user = User.objects.create_user(
        email="ops@reseller.example",
        password="x-Very-Long-Pass-1",
        is_staff=True,
        is_superuser=True,
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    page = client.get(
        reverse("admin:webhooks_delivery_change", args=[delivery_id]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "127.0.0.1 correspond à une adresse privée, locale ou de lien local" in page
    assert "resolves to a private" not in page
    refused = "ConnectionRefusedError: [Errno 111] Connection refused"
    for language in ("en", "fr"):
        with translation.override(language):
            assert error_in_language(refused) == refused


FAILED_EN = "Every delivery failed for 120 hours."
FAILED_FR = "Tous les envois ont échoué pendant 120 heures."


@override_settings(WEBHOOKS_DISABLE_AFTER_HOURS=120)
def _disabled_by_failures(partner, receiver, worker_language: str) -> int:
    """An endpoint whose deliveries all failed for 121 hours (5 days is 120), the last attempt
    run by a worker in ``worker_language``: disabled then, its reason stored in that language."""
    endpoint, _secret = services.create_endpoint(partner=partner, url=receiver.url)
    receiver.answer(500, 500)
    event = emit("ticket.updated", partner_id=partner.pk, data={"id": 5})
    (delivery_id,) = services.fan_out(event.pk)
    services.attempt(delivery_id)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=121)
    )
    Delivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
    with translation.override(worker_language):
        services.attempt(delivery_id)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    return endpoint.pk


# ACC-3: an endpoint disabled after 120 hours of failures (WEBHOOKS_DISABLE_AFTER_HOURS), its
# reason stored by a French worker or an English one, reads « Every delivery failed for 120
# hours. » with Accept-Language: en and « Tous les envois ont échoué pendant 120 heures. » with
# fr or no header, on the endpoint and in the list.
@pytest.mark.parametrize("worker_language", ["fr", "en"])
def test_a_disabled_reason_reads_in_the_language_asked(api, partner, receiver, worker_language):
    endpoint_id = _disabled_by_failures(partner, receiver, worker_language)
    stored = WebhookEndpoint.objects.get().disabled_reason
    assert stored == {"fr": FAILED_FR, "en": FAILED_EN}[worker_language]
    detail = reverse("api:webhook-endpoint-detail", args=[endpoint_id])
    listed = reverse("api:webhook-endpoint-list")
    for language, expected in [("en", FAILED_EN), ("fr", FAILED_FR), (None, FAILED_FR)]:
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        assert api.get(detail, **headers).json()["disabled_reason"] == expected, language
        (row,) = api.get(listed, **headers).json()["results"]
        assert row["disabled_reason"] == expected, language


# ACC-3: disabled by a partner asking in English (« Disabled by the partner. » stored), the
# endpoint reads « Désactivé par le partenaire. » on the French back office; a reason that is
# no known message (typed by hand before) is shown as stored in both languages.
def test_back_office_reads_a_disabled_reason_in_french(api, client, partner, receiver):
    endpoint, _secret = services.create_endpoint(partner=partner, url=receiver.url)
    disable = reverse("api:webhook-endpoint-disable", args=[endpoint.pk])
    off = api.post(disable, HTTP_ACCEPT_LANGUAGE="en").json()
    assert off["disabled_reason"] == "Disabled by the partner."
    assert WebhookEndpoint.objects.get().disabled_reason == "Disabled by the partner."
    user = User.objects.create_user(
        email="ops@reseller.example",
        password="x-Very-Long-Pass-1",
        is_staff=True,
        is_superuser=True,
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    change = reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk])
    page = client.get(change, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Désactivé par le partenaire." in page
    assert "Disabled by the partner." not in page
    WebhookEndpoint.objects.update(disabled_reason="maintenance")
    for language in ("en", "fr"):
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        detail = reverse("api:webhook-endpoint-detail", args=[endpoint.pk])
        assert api.get(detail, **headers).json()["disabled_reason"] == "maintenance"
