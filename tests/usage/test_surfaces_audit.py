"""Audit of the usage surfaces: what a customer or a partner's developer reads on the
consumption page, in the CSV export, the invoice's call annex and the usage API."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tests.usage.money_helpers import call
from usage.models import ConsumptionAlert
from usage.services import alerts
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 4, 11, tzinfo=UTC)


# Consumption alerts (docs/rules.md §4): "The block asked when the month is already past its
# threshold (the box ticked at 120 %) starts then (`blocked_at`), not when the level was
# reached: the calls placed before stay billed". 3 calls × 0.50 € = 1.50 € against a 1.00 €
# threshold without the block: the 100 % alert is reached at 11:00 UTC; the box is ticked at
# 15:00 UTC. The API's `outgoing_blocked_since` is 15:00 (it said 11:00: a platform reconciling
# the calls it refused with what is billed took the calls of 11:00–15:00 as blocked).
def test_api_summary_blocked_since_is_when_the_block_started(api, tenant):
    client = tenant.client
    month = NOON.date().replace(day=1)
    with time_machine.travel(NOON, tick=False):
        alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=False)
        for i in range(3):
            call(
                client, started_at=NOON - timedelta(hours=1, minutes=i), month=month, cost="0.5000"
            )
        rollup_refresh([(client.pk, month)])
        alerts.alerts_check(client_id=client.pk, month=month)
    ticked = NOON + timedelta(hours=4)
    with time_machine.travel(ticked, tick=False):
        alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
        alerts.alerts_check(client_id=client.pk, month=month)
        alert = ConsumptionAlert.objects.get(client=client, level=100)
        assert (alert.created_at, alert.blocked_at) == (NOON, ticked)
        body = api.get(reverse("api:call-summary"), {"customer": client.pk}).json()
    assert datetime.fromisoformat(body["outgoing_blocked_since"]) == ticked


def past_a_one_euro_threshold(client):
    """3 calls × 0.50 € this month against a 1.00 € threshold: its 50, 80 and 100 % reached.
    Returns the month."""
    month = NOON.date().replace(day=1)
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=False)
    for i in range(3):
        call(client, started_at=NOON - timedelta(hours=1, minutes=i), month=month, cost="0.5000")
    rollup_refresh([(client.pk, month)])
    alerts.alerts_check(client_id=client.pk, month=month)
    return month


# Consumption alerts (docs/rules.md §4: "Each threshold amount has its own three levels in a
# month"; the dashboard card shows "the last alert" as "N % of your alert threshold reached").
# 3 calls × 0.50 € = 1.50 € against 1.00 € → 50, 80 and 100 % of 1.00 €. Raised to 5.00 €:
# 1.50 / 5.00 = 30 %, no level of 5.00 € reached — the card must not say "100 % of your alert
# threshold reached" (it did: the 100 % of the old 1.00 €); the threshold removed, neither.
def test_dashboard_card_alert_is_one_of_the_threshold_in_force(as_role, tenant):
    from accounts.choices import Role

    client = tenant.client
    web = as_role(Role.ADMIN)
    with time_machine.travel(NOON, tick=False):
        month = past_a_one_euro_threshold(client)
        card = web.get(reverse("dashboard")).content.decode()
        assert "100\u00a0% de votre seuil d'alerte atteint" in card.replace("&#x27;", "'")
        alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=False)
        assert alerts.alerts_check(client_id=client.pk, month=month) == []
        card = web.get(reverse("dashboard")).content.decode()
        assert 'data-testid="consumption-alert"' not in card
        alerts.threshold_set(client=client, amount=None, block_outgoing=False)
        card = web.get(reverse("dashboard")).content.decode()
        assert 'data-testid="consumption-alert"' not in card


# The same month on the consumption page (docs/rules.md §4: "Each threshold amount has its own
# three levels in a month"): 1.50 € against 1.00 € → 100 % of 1.00 €; raised to 5.00 € the card
# reads "Alertes à 50, 80 et 100 % de 5,00 € par mois", "30 % atteints" — and under it the badge
# said "100 % atteints le 04/12/2026", as if of 5.00 €. Now a level of another amount names it:
# "100 % de 1,00 € atteints le 04/12/2026"; those of the threshold in force read as before.
def test_consumption_page_alert_of_an_older_threshold_names_its_amount(as_role, tenant):
    from accounts.choices import Role

    client = tenant.client
    web = as_role(Role.ADMIN)
    nbsp = "\u00a0"
    with time_machine.travel(NOON, tick=False):
        past_a_one_euro_threshold(client)
        alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=False)
        page = web.get(reverse("usage:consumption")).content.decode()
        assert f"30{nbsp}% atteints" in page
        assert f"100{nbsp}% de 1,00{nbsp}€ atteints le 04/12/2026" in page
        assert f"100{nbsp}% atteints le" not in page
        alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=False)
        page = web.get(reverse("usage:consumption")).content.decode()
        assert f"100{nbsp}% atteints le 04/12/2026" in page
        alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=False)
        web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        english = web.get(reverse("usage:consumption")).content.decode()
        assert "100% of 1.00 € reached on " in english


# USE-4 (docs/rules.md: on a breach the user's calls of the month are billed per minute, the
# unlimited is lost for its month, the customer is notified) — December 2026, the HOSTED-W
# user « Accueil » had 4 calls at once: its month is in breach, its 4 calls to French fixed
# numbers billed per minute (4 × 0.0120 € = 0.05 € on an unlimited plan). The consumption page
# showed the account as any other (« numéros distincts : 4 / 150 », 0,05 €): nothing said why
# an unlimited account pays. Its row now says « Usage raisonnable dépassé » with the billing
# it brings and the reason measured (« Plus de 3 appels simultanés (4 / 3) »), in English
# too; a waived breach (the month rated as included again) says nothing.
def test_consumption_page_names_the_fair_use_breach_of_an_account(as_role, tenant):
    from django.utils import timezone

    from accounts.choices import Role
    from tests.telephony.factories import make_sip_account
    from usage.choices import BreachStatus
    from usage.models import FairUseBreach

    client = tenant.client
    web = as_role(Role.ADMIN)
    nbsp = "\u00a0"
    with time_machine.travel(NOON, tick=False):
        month = NOON.date().replace(day=1)
        account, _secret = make_sip_account(client, offer_code="hosted-w")
        for i in range(4):
            call(
                client, sip_account=account, started_at=NOON - timedelta(minutes=10 - i),
                month=month, called=f"+3314000000{i}", cost="0.0120", plan="hosted_w",
                breach=True, duration=600,
            )  # fmt: skip
        rollup_refresh([(client.pk, month)])
        breach = FairUseBreach.objects.create(
            client=client, sip_account=account, month=month, plan="hosted_w",
            reasons=[{"code": "simultaneous", "value": 4, "limit": 3}], detected_at=NOON,
        )  # fmt: skip
        page = web.get(reverse("usage:consumption")).content.decode().replace("&#x27;", "'")
        assert 'data-testid="fair-use-breach"' in page
        assert (
            f"Usage raisonnable dépassé{nbsp}: pour ce mois, ses appels sont facturés au tarif, "
            "à la minute." in page
        )
        assert "Plus de 3 appels simultanés (4 / 3)" in page
        web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        english = web.get(reverse("usage:consumption")).content.decode()
        assert (
            "Fair use exceeded: for this month, its calls are billed at the tariff, per minute."
            in (english)
        )
        assert "More than 3 simultaneous calls (4 / 3)" in english
        FairUseBreach.objects.filter(pk=breach.pk).update(
            status=BreachStatus.WAIVED, waived_at=timezone.now()
        )
        english = web.get(reverse("usage:consumption")).content.decode()
        assert 'data-testid="fair-use-breach"' not in english
