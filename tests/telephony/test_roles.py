"""ACC-2 in the telephony pages: channel orders and decreases are the admin's (TRK-3, TRK-4),
paying an order is the admin's or billing's (TRK-3), the technical role only asks for quotes.

Every amount below is for an 8-channel trunk (2 × 4-pack at 17.00 = 34.00 a month, period
2026-11-01..2026-11-30) raised to 12 channels on 2026-11-21: one 4-pack added,
17.00 × 10/30 = 5.6667 → 5.67 HT; TVA 20 %: 5.67 × 1.20 = 6.804 → 6.80 TTC."""

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from payments import selectors as payment_selectors
from telephony import selectors, services
from telephony.choices import DecreaseStatus, OrderStatus
from telephony.models import ChannelDecrease, ChannelOrder
from tests.factories import MembershipFactory
from tests.telephony.factories import customer, make_trunk, top_up

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
PAY_DAY = date(2026, 11, 21)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def acme():
    return customer(legal_name="Acme SAS")


@pytest.fixture
def trunk(acme):
    return make_trunk(acme, channels=8, start=date(2026, 10, 1), renew_to=NOV)


def signed_in(client, acme, role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(MembershipFactory(client=acme, role=role).user)
    return client


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def change(trunk) -> str:
    return reverse("telephony:trunk_change", args=[trunk.pk])


# --- Technical: quotes only -------------------------------------------------------------------


# ACC-2, TRK-3 — the technical member sees the change form and the live quote (5.67 HT,
# 6.80 TTC) but no confirm button, on the fragment and on the no-JavaScript quote page.
def test_acc2_trk3_technical_sees_quote_without_confirm(client, acme, trunk):
    web = signed_in(client, acme, Role.TECHNICAL)
    with paris(PAY_DAY):
        page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'data-testid="change-card"' in page and 'id="channel-form"' in page
        fragment = page_of(
            web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 12})
        )
        no_js = page_of(web.post(change(trunk), {"total": "12", "action": "quote"}))
        decrease = page_of(web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 5}))
    for html in (fragment, no_js):
        assert 'data-testid="quote-prorata-net">5.67\u00a0€ excl. VAT' in html
        assert "6.80 € incl. VAT" in text_of(html)
        assert 'value="confirm"' not in html and 'data-testid="confirm-button"' not in html
        assert "Only an administrator of your company can confirm this change." in html
    # TRK-4 — the decrease quote (4 + 1 = 22.00 from 12/01/2026) without its confirm button.
    assert 'data-testid="quote-next-price">22.00\u00a0€' in decrease
    assert 'value="confirm"' not in decrease
    assert ChannelOrder.objects.count() == 0 and ChannelDecrease.objects.count() == 0


# ACC-2, TRK-3, TRK-4 — the technical member's POSTs to order, decrease, pay and cancel answer
# 403 and change nothing: no order or decrease row, the balance stays 100.00, 8 channels.
def test_acc2_trk3_technical_403_on_order_decrease_pay(client, acme, trunk):
    web = signed_in(client, acme, Role.TECHNICAL)
    with paris(PAY_DAY):
        top_up(acme, "100.00")
        assert web.post(change(trunk), {"total": "12", "action": "confirm"}).status_code == 403
        assert web.post(change(trunk), {"total": "5", "action": "confirm"}).status_code == 403
        assert ChannelOrder.objects.count() == 0 and ChannelDecrease.objects.count() == 0
        order = services.channel_order_create(trunk=trunk, add=4)  # by the admin (API, staff)
        decrease = services.channel_decrease_request(trunk=trunk, new_total=5)
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert 'data-testid="amount-gross">6.80\u00a0€' in page  # the quote is shown
        assert 'data-testid="pay-prepaid"' not in page and 'data-testid="cancel-order"' not in page
        assert "Only an administrator or a billing member of your company can pay" in page
        trunk_page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'data-testid="cancel-decrease"' not in trunk_page
        for method in ("prepaid", "direct_debit"):
            url = reverse("telephony:order_pay", args=[order.pk])
            assert web.post(url, {"method": method}).status_code == 403
        assert web.post(reverse("telephony:order_cancel", args=[order.pk])).status_code == 403
        url = reverse("telephony:decrease_cancel", args=[decrease.pk])
        assert web.post(url).status_code == 403
        assert selectors.trunk_capacity(trunk, PAY_DAY) == 8
    order.refresh_from_db()
    decrease.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.paid_at is None
    assert decrease.status == DecreaseStatus.PENDING
    assert ChannelOrder.objects.count() == 1 and ChannelDecrease.objects.count() == 1
    assert payment_selectors.prepaid_balance(acme) == Decimal("100.00")


# --- Billing: pays, does not order ------------------------------------------------------------


# ACC-2, TRK-3 — the billing member cannot create an order or a decrease (403, no row, not
# even the quote page), nor cancel one, but pays an existing order from the prepaid balance:
# 100.00 − 6.80 = 93.20 left, 12 channels at once.
def test_acc2_trk3_billing_pays_but_cannot_order(client, acme, trunk):
    web = signed_in(client, acme, Role.BILLING)
    with paris(PAY_DAY):
        top_up(acme, "100.00")
        page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'id="channel-form"' not in page
        for action in ("confirm", "quote"):
            for total in ("12", "5"):
                response = web.post(change(trunk), {"total": total, "action": action})
                assert response.status_code == 403, (action, total)
        assert ChannelOrder.objects.count() == 0 and ChannelDecrease.objects.count() == 0
        order = services.channel_order_create(trunk=trunk, add=4)
        page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert ">Pay</a>" in page  # the open order's link
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert "Pay from prepaid balance (balance 100.00 €)" in page
        assert 'data-testid="cancel-order"' not in page
        assert web.post(reverse("telephony:order_cancel", args=[order.pk])).status_code == 403
        response = web.post(
            reverse("telephony:order_pay", args=[order.pk]), {"method": "prepaid"}, follow=True
        )
        page = page_of(response)
        assert selectors.trunk_capacity(trunk, PAY_DAY) == 12
    assert "your trunk now has 12 channels" in page
    assert "6.80 € were debited from your prepaid balance" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE and order.amount_gross == Decimal("6.80")
    assert payment_selectors.prepaid_balance(acme) == Decimal("93.20")
    assert ChannelOrder.objects.count() == 1


# ACC-2, TRK-3 — boundary: the billing member's payment refused for a short balance (5.00 <
# 6.80) writes nothing; the order stays awaiting payment and the balance 5.00.
def test_acc2_trk3_billing_short_balance_writes_nothing(client, acme, trunk):
    web = signed_in(client, acme, Role.BILLING)
    with paris(PAY_DAY):
        top_up(acme, "5.00")
        order = services.channel_order_create(trunk=trunk, add=4)
        page = page_of(
            web.post(
                reverse("telephony:order_pay", args=[order.pk]), {"method": "prepaid"}, follow=True
            )
        )
    assert "does not cover 6.80 €" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert payment_selectors.prepaid_balance(acme) == Decimal("5.00")


# --- Admin: orders and pays -------------------------------------------------------------------


# ACC-2, TRK-3, TRK-4 — the admin confirms an order (+4 channels) and pays it (100.00 − 6.80 =
# 93.20), then records a decrease to 5 channels from 12/01/2026 and cancels it.
def test_acc2_trk3_admin_orders_and_pays(client, acme, trunk):
    web = signed_in(client, acme, Role.ADMIN)
    with paris(PAY_DAY):
        top_up(acme, "100.00")
        html = page_of(web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 12}))
        assert 'data-testid="confirm-button"' in html
        response = web.post(change(trunk), {"total": "12", "action": "confirm"})
        order = ChannelOrder.objects.get()
        assert response["Location"] == reverse("telephony:order", args=[order.pk])
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert 'data-testid="pay-prepaid"' in page and 'data-testid="cancel-order"' in page
        response = web.post(reverse("telephony:order_pay", args=[order.pk]), {"method": "prepaid"})
        assert response.status_code == 302
        assert selectors.trunk_capacity(trunk, PAY_DAY) == 12
        response = web.post(change(trunk), {"total": "5", "action": "confirm"})
        assert response.status_code == 302
        decrease = ChannelDecrease.objects.get()
        assert decrease.channels_after == 5 and decrease.effective_on == date(2026, 12, 1)
        page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'data-testid="cancel-decrease"' in page
        web.post(reverse("telephony:decrease_cancel", args=[decrease.pk]))
    order.refresh_from_db()
    decrease.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert decrease.status == DecreaseStatus.CANCELLED
    assert payment_selectors.prepaid_balance(acme) == Decimal("93.20")
