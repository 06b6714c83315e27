"""Portal pages of trunks and SIP accounts: the live channel quote (TRK-3, TRK-4), orders and
their payment (TRK-3), decreases (TRK-4), credentials shown once (ACC-7), destinations (TRK-6),
roles (ACC-2), another customer's objects (404) and query counts."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from payments import selectors as payment_selectors
from telephony import selectors, services
from telephony.choices import DecreaseStatus, OrderStatus, SipStatus
from telephony.credentials import decrypt
from telephony.models import ChannelDecrease, ChannelOrder, DestinationGroup
from tests.factories import MembershipFactory
from tests.telephony.factories import customer, make_sip_account, make_trunk, top_up

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
PAY_DAY = date(2026, 11, 21)


def paris(day: date, hour=10):
    return time_machine.travel(f"{day.isoformat()} {hour:02d}:00 +01:00", tick=False)


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    """Sessions that outlive the tests' travels in time."""
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


@pytest.fixture
def acme():
    return customer(legal_name="Acme SAS")


@pytest.fixture
def trunk(acme):
    """8 channels (2 × 4-pack, 34.00 a month), period 2026-11-01..2026-11-30."""
    return make_trunk(acme, channels=8, start=date(2026, 10, 1), renew_to=NOV)


def _signed_in(client, acme, role):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    member = MembershipFactory(client=acme, role=role)
    client.force_login(member.user)
    client.member = member
    return client


@pytest.fixture
def web(client, acme):
    """The Django test client in English, signed in as the customer's technical member (SIP
    accounts, credentials, destinations, quotes: ACC-2)."""
    return _signed_in(client, acme, Role.TECHNICAL)


@pytest.fixture
def admin_web(client, acme):
    """The Django test client in English, signed in as the customer's admin member (ACC-2: the
    admin orders channels and decreases, and may pay)."""
    return _signed_in(client, acme, Role.ADMIN)


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Index ------------------------------------------------------------------------------------


# TRK-1 — the list: capacity, packs held, monthly price; SIP accounts with devices.
def test_index_lists_trunks_and_accounts(web, acme, trunk):
    account, _secret = make_sip_account(acme)
    services.sip_device_register(account=account, device_id="aa:bb", user_agent="Yealink")
    with paris(PAY_DAY):
        services.channel_decrease_request(trunk=trunk, new_total=5)
        services.channel_order_create(trunk=trunk, add=2)
        page = page_of(web.get(reverse("telephony:index")))
    row = page.split('data-testid="trunk-row"')[1]
    assert '<td class="num" data-label="Channels" data-testid="trunk-capacity">8</td>' in row
    assert "2 × 4 channels" in text_of(row)
    assert "34.00\u00a0€" in row
    assert "Decrease to 5 channels on 01/12/2026" in text_of(row)
    assert "+2 channels" in text_of(row) and "Awaiting payment" in row
    sip = page.split('data-testid="sip-row"')[1]
    assert account.username in sip and "Active" in sip
    assert '<td class="num" data-label="Devices" data-testid="device-count">1</td>' in sip
    assert reverse("telephony:index") in page  # the nav link


def test_index_empty_states(web):
    page = page_of(web.get(reverse("telephony:index")))
    assert 'data-testid="no-trunk"' in page and 'data-testid="no-sip-account"' in page


# Query counts — five trunks and five SIP accounts cost the same queries as one of each.
def test_index_query_count(web, acme):
    make_trunk(acme, channels=8, start=date(2026, 10, 1))
    make_sip_account(acme)
    web.get(reverse("telephony:index"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert web.get(reverse("telephony:index")).status_code == 200
    for channels in (1, 4, 9, 12):
        trunk = make_trunk(acme, channels=channels, start=date(2026, 10, 1))
        services.channel_order_create(trunk=trunk, add=1, today=date(2026, 10, 5))
        account, _secret = make_sip_account(acme)
        services.sip_device_register(account=account, device_id=f"dev-{channels}")
    with CaptureQueriesContext(connection) as many:
        assert web.get(reverse("telephony:index")).status_code == 200
    # 17: the SIP-UNL accounts ordered vs created (one query, issue 17 item 8), the accounts'
    # count for their pages (one)
    assert len(many) == len(one) <= 17, [q["sql"] for q in many.captured_queries]


# ACC-7 — the SIP accounts a page of 25 at a time (a hosted customer may have hundreds).
def test_index_sip_accounts_paginated(web, acme):
    for _ in range(26):
        make_sip_account(acme)
    first = page_of(web.get(reverse("telephony:index")))
    second = page_of(web.get(reverse("telephony:index"), {"page": 2}))
    assert first.count('data-testid="sip-row"') == 25 and "Page 1 of 2" in first
    assert second.count('data-testid="sip-row"') == 1 and "Page 2 of 2" in second


# --- Trunk page and the live quote ------------------------------------------------------------


# TRK-1 — the trunk page: capacity, packs, monthly price, the change form wired to the quote.
def test_trunk_page(web, trunk):
    with paris(PAY_DAY):
        page = page_of(web.get(reverse("telephony:trunk", args=[trunk.pk])))
    assert '<span data-testid="capacity">8</span>' in page
    assert 'data-testid="monthly-price">34.00\u00a0€<' in page
    assert f'data-quote-url="{reverse("telephony:trunk_quote", args=[trunk.pk])}"' in page
    assert 'name="total"' in page and "js/channel_quote.js" in page
    assert trunk.username in page and 'data-testid="destinations"' in page


# TRK-3 — the quote fragment for +4 on an 8-channel trunk on 2026-11-21 (period November):
# one 4-pack, 17.00 × 10/30 = 5.6667 → 5.67 HT, 6.80 TTC; from December 12 channels at the best
# tariff (10 + 2 × 1 = 49.00).
def test_trk3_quote_fragment_increase(admin_web, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    with paris(PAY_DAY):
        response = web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 12})
    html = page_of(response)
    text = text_of(html)
    assert "<html" not in html  # a fragment
    assert "1 × 4-channel pack (17.00 €)" in text
    assert 'data-testid="quote-prorata-net">5.67\u00a0€ excl. VAT' in html
    assert "6.80 € incl. VAT" in text
    assert "10 days of 30, from 21/11/2026 to 30/11/2026" in text
    assert "12 channels, 49.00 € a month excl. VAT" in text
    assert 'name="action" value="confirm"' in html
    assert ChannelOrder.objects.count() == 0  # a quote writes nothing


# TRK-4 — a lower total: the new packs and price from the next renewal date, nothing charged.
def test_trk4_quote_fragment_decrease(web, trunk):
    with paris(PAY_DAY):
        html = page_of(web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 5}))
    text = text_of(html)
    assert 'data-testid="quote-decrease"' in html
    assert "01/12/2026" in text  # the next renewal date
    assert 'data-testid="quote-next-price">22.00\u00a0€' in html  # 4 + 1
    assert "instead of 34.00 € today" in text and "Nothing" in text


# TRK-3 / TRK-4 in French, singulars: « 1 canal au total », « 1 canal (meilleur tarif) » for a
# decrease to one channel (a 1-pack, 5.00 a month from 01/12/2026); +1 channel on the period's
# last day (30/11/2026) is « 1 jour sur 30 » (a 1-pack, 5.00 × 1/30 = 0.1667 → 0.17 HT).
def test_quote_fragments_singular_in_french(admin_web, trunk):
    admin_web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    url = reverse("telephony:trunk_quote", args=[trunk.pk])
    with paris(PAY_DAY):
        decrease = text_of(page_of(admin_web.get(url, {"total": 1})))
    assert "1 canal au total" in decrease and "1 canal (meilleur tarif)" in decrease
    assert "1 canaux" not in decrease
    with paris(date(2026, 11, 30)):
        html = page_of(admin_web.get(url, {"total": 9}))
    increase = text_of(html)
    assert "1 jour sur 30, du 30/11/2026 au 30/11/2026" in increase
    assert 'data-testid="quote-prorata-net">0,17\u00a0€ HT' in html


# TRK-3 / TRK-4 in French: an order opened on the period's last day (30/11/2026) is « 1 jour
# sur 30 » on its page (a 1-pack, 5.00 × 1/30 = 0.17 HT); a decrease to one channel pending
# on the trunk's page is « 1 canal », never « 1 canaux ».
def test_order_and_trunk_pages_singular_in_french(admin_web, trunk):
    from telephony import services

    admin_web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    with paris(date(2026, 11, 30)):
        order = services.channel_order_create(trunk=trunk, add=1, today=date(2026, 11, 30))
        page = text_of(page_of(admin_web.get(reverse("telephony:order", args=[order.pk]))))
        assert "(1 jour sur 30)" in page and "1 jours" not in page
        services.channel_order_cancel(order=order)
        services.channel_decrease_request(trunk=trunk, new_total=1, today=date(2026, 11, 30))
        page = text_of(page_of(admin_web.get(reverse("telephony:trunk", args=[trunk.pk]))))
    assert "le trunk comptera 1 canal (" in page and "1 canaux" not in page


# TRK-4 in French — a decrease to one channel pending: the next quote's error and the cancel
# page say « 1 canal », never « 1 canaux ».
def test_pending_decrease_to_one_channel_is_singular(admin_web, trunk):
    from telephony import services

    admin_web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    with paris(PAY_DAY):
        decrease = services.channel_decrease_request(trunk=trunk, new_total=1, today=PAY_DAY)
        error = text_of(
            page_of(admin_web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 5}))
        )
        confirm = text_of(
            page_of(admin_web.get(reverse("telephony:decrease_cancel", args=[decrease.pk])))
        )
    assert "Une diminution à 1 canal est déjà en attente" in error
    assert "Annuler la diminution à 1 canal prévue le" in confirm


# TRK-1 — errors inline: above 200, below 1, not a number, the same total.
@pytest.mark.parametrize(
    "total, message",
    [
        ("201", "A trunk holds at most 200 channels."),
        ("0", "A trunk keeps at least one channel."),
        ("abc", "Enter a whole number."),
        ("8", "The trunk already has 8 channels."),
    ],
)
def test_quote_fragment_errors(web, trunk, total, message):
    with paris(PAY_DAY):
        html = page_of(web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": total}))
    assert 'data-testid="quote-error"' in html and message in html
    assert "confirm" not in html


# TRK-3 without JavaScript: POST shows the quote page, confirming creates the order.
def test_trk3_no_js_quote_then_confirm(admin_web, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    url = reverse("telephony:trunk_change", args=[trunk.pk])
    with paris(PAY_DAY):
        page = page_of(web.post(url, {"total": "12", "action": "quote"}))
        assert "5.67\u00a0€" in page and 'value="confirm"' in page
        assert ChannelOrder.objects.count() == 0
        response = web.post(url, {"total": "12", "action": "confirm"})
    order = ChannelOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("telephony:order", args=[order.pk])
    assert order.status == OrderStatus.AWAITING_PAYMENT and order.channels_added == 4


def test_change_errors_on_trunk_page(web, trunk):
    with paris(PAY_DAY):
        page = page_of(
            web.post(reverse("telephony:trunk_change", args=[trunk.pk]), {"total": "500"})
        )
    assert "A trunk holds at most 200 channels." in page and 'data-testid="capacity"' in page


# --- Orders and payment (TRK-3) ---------------------------------------------------------------


# TRK-3 — order → pay from the prepaid balance → 12 channels at once, success message.
def test_trk3_order_paid_from_prepaid(admin_web, acme, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    with paris(PAY_DAY):
        top_up(acme, "100.00")
        web.post(
            reverse("telephony:trunk_change", args=[trunk.pk]),
            {"total": "12", "action": "confirm"},
        )
        order = ChannelOrder.objects.get()
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert "Pay from prepaid balance (balance 100.00 €)" in page
        assert 'data-testid="amount-gross">6.80\u00a0€' in page
        assert "Or pay by bank transfer" in page and order.reference in page  # no mandate
        assert selectors.trunk_capacity(trunk, PAY_DAY) == 8  # not before payment
        response = web.post(
            reverse("telephony:order_pay", args=[order.pk]), {"method": "prepaid"}, follow=True
        )
        page = page_of(response)
        assert selectors.trunk_capacity(trunk, PAY_DAY) == 12
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert "your trunk now has 12 channels" in page
    assert '<span data-testid="capacity">12</span>' in page
    assert payment_selectors.prepaid_balance(acme) == Decimal("93.20")


# TRK-3 — a balance too short: the button is disabled with a top-up link; a POST anyway is
# refused with the service's message and the order stays awaiting payment.
def test_trk3_insufficient_balance(admin_web, acme, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    with paris(PAY_DAY):
        top_up(acme, "5.00")
        order = services.channel_order_create(trunk=trunk, add=4)
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert 'data-testid="balance-short"' in page and "disabled" in page
        page = page_of(
            web.post(
                reverse("telephony:order_pay", args=[order.pk]),
                {"method": "prepaid"},
                follow=True,
            )
        )
    assert "does not cover 6.80 €" in page
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert selectors.trunk_capacity(trunk, PAY_DAY) == 8
    assert payment_selectors.prepaid_balance(acme) == Decimal("5.00")


# TRK-3 — money moves only for the amount shown: the order page read on 30 November at 23:59
# says 17.00 × 1/30 = 0.5667 → 0.57 HT, 0.68 TTC "if paid today"; the button clicked after
# midnight would have debited a whole December, 17.00 × 31/31 = 17.00 HT, 20.40 TTC, without the
# customer seeing it. The payment is refused (nothing debited, the order still awaiting
# payment) and the page shows the new amount; paid from that page, it debits 20.40.
def test_trk3_payment_refused_when_the_amount_shown_has_changed(admin_web, acme, trunk):
    web = admin_web
    with time_machine.travel("2026-11-30 23:59 +01:00", tick=False):
        top_up(acme, "100.00")
        order = services.channel_order_create(trunk=trunk, add=4)
        page = page_of(web.get(reverse("telephony:order", args=[order.pk])))
        assert 'data-testid="amount-gross">0.68\u00a0€' in page
        assert '<input type="hidden" name="expected_amount" value="0.68">' in page
    pay_url = reverse("telephony:order_pay", args=[order.pk])
    with time_machine.travel("2026-12-01 00:01 +01:00", tick=False):
        page = page_of(
            web.post(pay_url, {"method": "prepaid", "expected_amount": "0.68"}, follow=True)
        )
        assert "20.40" in text_of(page)
        order.refresh_from_db()
        assert order.status == OrderStatus.AWAITING_PAYMENT
        assert payment_selectors.prepaid_balance(acme) == Decimal("100.00")
        assert selectors.trunk_capacity(trunk, date(2026, 12, 1)) == 8
        assert 'data-testid="amount-gross">20.40\u00a0€' in page
        web.post(pay_url, {"method": "prepaid", "expected_amount": "20.40"})
    order.refresh_from_db()
    assert order.status == OrderStatus.ACTIVE
    assert payment_selectors.prepaid_balance(acme) == Decimal("79.60")


def test_order_cancel(admin_web, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    with paris(PAY_DAY):
        order = services.channel_order_create(trunk=trunk, add=4)
        url = reverse("telephony:order_cancel", args=[order.pk])
        assert "Cancel the order" in page_of(web.get(url))
        response = web.post(url)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


# --- Decreases (TRK-4) ------------------------------------------------------------------------


# TRK-4 — a decrease confirmed is pending (capacity unchanged), shown, then cancelled.
def test_trk4_decrease_pending_then_cancelled(admin_web, trunk):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    with paris(PAY_DAY):
        response = web.post(
            reverse("telephony:trunk_change", args=[trunk.pk]),
            {"total": "5", "action": "confirm"},
            follow=True,
        )
        page = page_of(response)
        decrease = ChannelDecrease.objects.get()
        assert decrease.status == DecreaseStatus.PENDING and decrease.channels_after == 5
        assert 'data-testid="pending-decrease"' in page
        assert "from 01/12/2026 the trunk has 5 channels" in text_of(page)
        assert '<span data-testid="capacity">8</span>' in page
        cancel = reverse("telephony:decrease_cancel", args=[decrease.pk])
        assert cancel in page
        page = page_of(web.post(cancel, follow=True))
    decrease.refresh_from_db()
    assert decrease.status == DecreaseStatus.CANCELLED
    assert "The decrease is cancelled" in page and 'data-testid="pending-decrease"' not in page


# TRK-4 (TRUNK 7) — a suspended trunk contract is still billed: its page offers fewer channels
# only (8 → 5 from 01/12/2026, 34.00 → 22.00 a month); asking for more says the contract must be
# active, and nothing is written.
def test_trk4_suspended_trunk_may_still_decrease(admin_web, trunk):
    from offers import services as offers

    offers.contract_suspend(contract=trunk.contract, reason="non_payment")
    url = reverse("telephony:trunk_change", args=[trunk.pk])
    with paris(PAY_DAY):
        page = page_of(admin_web.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'data-testid="decrease-only"' in page and 'name="total"' in page
        more = text_of(page_of(admin_web.post(url, {"total": "12", "action": "confirm"})))
        assert "Channels can only change on an active trunk contract." in more
        assert ChannelOrder.objects.count() == 0
        page = page_of(admin_web.post(url, {"total": "5", "action": "confirm"}, follow=True))
    decrease = ChannelDecrease.objects.get()
    assert (decrease.channels_after, decrease.effective_on) == (5, date(2026, 12, 1))
    assert "from 01/12/2026 the trunk has 5 channels" in text_of(page)


# --- Credentials (ACC-7) ----------------------------------------------------------------------


# ACC-7 — a reset shows the new secret once: the result is the POST's response; a GET of the
# same address only offers the action again.
def test_acc7_reset_shows_secret_once(web, acme):
    account, old = make_sip_account(acme)
    url = reverse("telephony:sip_credentials", args=[account.pk])
    confirm = page_of(web.get(url, {"action": "reset"}))
    assert "shown once" in confirm
    response = web.post(url, {"action": "reset"})
    page = page_of(response)
    account.refresh_from_db()
    secret = decrypt(account.secret_encrypted)
    assert secret != old and secret in page
    assert "it will not be shown again" in page
    assert "no-store" in response["Cache-Control"]
    assert secret not in page_of(web.get(url))
    assert secret not in page_of(web.get(reverse("telephony:sip_account", args=[account.pk])))
    assert AuditLog.objects.filter(action="sipaccount.credentials_reset").exists()


# CON-4/CON-5 — a terminated contract's SIP account reads "Closed" and its reset is refused
# with a message on the account's page (not a server error); the secret is unchanged.
def test_closed_account_reset_refused_with_a_message(web, acme):
    from offers.choices import ContractStatus
    from offers.services.transitions import transition_contract

    account, _old = make_sip_account(acme)
    for status in (ContractStatus.TERMINATING, ContractStatus.TERMINATED):
        transition_contract(account.contract, status)
    account.refresh_from_db()
    stored = account.secret_encrypted
    url = reverse("telephony:sip_credentials", args=[account.pk])
    response = web.post(url, {"action": "reset"}, follow=True)
    page = page_of(response)
    assert response.redirect_chain[-1][0] == reverse("telephony:sip_account", args=[account.pk])
    assert "contract is terminated: its credentials no longer work" in page
    assert "[" not in page.split("contract is terminated")[0][-40:]  # the message, not a list
    assert "Closed (contract terminated)" in page
    assert 'data-testid="credentials-closed"' in page
    assert 'data-testid="reset-credentials"' not in page
    account.refresh_from_db()
    assert account.secret_encrypted == stored


# ACC-7 — declared compromised: disabled at once, devices dropped, a new secret shown once.
def test_acc7_declare_compromised(web, acme):
    account, _old = make_sip_account(acme)
    services.sip_device_register(account=account, device_id="aa:bb")
    url = reverse("telephony:sip_credentials", args=[account.pk])
    assert "Declare the credentials compromised" in page_of(web.get(url, {"action": "compromised"}))
    page = page_of(web.post(url, {"action": "compromised"}))
    account.refresh_from_db()
    assert account.status == SipStatus.DISABLED and not account.devices.exists()
    assert decrypt(account.secret_encrypted) in page


def test_trunk_credentials_reset(web, trunk):
    page = page_of(
        web.post(reverse("telephony:trunk_credentials", args=[trunk.pk]), {"action": "reset"})
    )
    trunk.refresh_from_db()
    assert decrypt(trunk.secret_encrypted) in page


# --- SIP account page and destinations (TRK-6) ------------------------------------------------


def test_sip_account_page(web, acme):
    account, _secret = make_sip_account(acme)
    services.sip_account_update(account=account, mobility=True)
    services.sip_device_register(
        account=account,
        device_id="80:5e:c0:12:34:56",
        user_agent="Yealink T54W",
        supplied_by_reseller=True,
    )
    page = page_of(web.get(reverse("telephony:sip_account", args=[account.pk])))
    device = page.split('data-testid="device-row"')[1]
    assert "80:5e:c0:12:34:56" in device and "Yealink T54W" in device and "Yes" in device
    assert "Yes: may register from outside your site" in page
    premium = page.split('data-testid="destination-premium-rate"')[1].split("</tr>")[0]
    assert 'data-testid="blocked"' in premium  # TRK-6: blocked by default
    assert reverse("telephony:sip_credentials", args=[account.pk]) in page


# TRK-6 — the destination groups in the page's language (their stored names are French); the
# high-risk group, already named so, gets no "risky" badge after its name.
def test_destination_groups_translated(web, acme):
    account, _secret = make_sip_account(acme)
    url = reverse("telephony:sip_account", args=[account.pk])

    def row(page, code):
        return page.split(f'data-testid="destination-{code}"')[1].split("</tr>")[0]

    english = page_of(web.get(url))
    assert "France — landlines" in row(english, "fr-fixed")
    assert "International — rest of the world" in row(english, "international-world")
    assert "Premium-rate numbers <span" in row(english, "premium-rate")
    assert "risky" in row(english, "premium-rate")
    assert "High-risk international and satellite (fraud)</td>" in row(english, "high-risk")
    assert "France — fixes" not in english and "Numéros surtaxés" not in english
    french = page_of(web.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "International à risque et satellites (fraude)</td>" in row(french, "high-risk")
    assert "à risque (fraude) <span" not in french
    assert "Numéros surtaxés <span" in row(french, "premium-rate")
    assert "France — fixes" in row(french, "fr-fixed")


# ACC-7 — a technical member removes a device from the list after confirming; the page then
# shows the device gone, and the removal is audit-logged with who. A read-only member is not
# offered the action.
def test_sip_device_remove(web, acme):
    account, _secret = make_sip_account(acme)
    kept = services.sip_device_register(account=account, device_id="aa:aa", user_agent="Kept")
    gone = services.sip_device_register(account=account, device_id="bb:bb", user_agent="Gone")
    page_url = reverse("telephony:sip_account", args=[account.pk])
    url = reverse("telephony:sip_device_remove", args=[account.pk, gone.pk])
    assert url in page_of(web.get(page_url))
    confirm = text_of(page_of(web.get(url)))
    assert "Remove device bb:bb from SIP account" in confirm
    assert account.devices.count() == 2  # a GET only asks
    response = web.post(url)
    assert response.status_code == 302 and response["Location"] == page_url
    page = page_of(web.get(page_url))
    devices = page.split('data-testid="devices"')[1].split("</section>")[0]
    rows = devices.split('data-testid="device-row"')[1:]
    assert len(rows) == 1 and "aa:aa" in rows[0] and "bb:bb" not in devices
    assert "Device bb:bb removed." in page
    entry = AuditLog.objects.get(action="sip_device.remove")
    assert entry.actor == web.member.user
    assert entry.before == {"device": "bb:bb", "user_agent": "Gone"}
    assert list(account.devices.all()) == [kept]
    web.force_login(MembershipFactory(client=acme, role=Role.READ_ONLY).user)
    page = page_of(web.get(page_url))
    assert "aa:aa" in page and 'data-testid="device-remove"' not in page


# TRK-6 — unblocking premium-rate first warns; confirmed, it is allowed and audit-logged with
# who, before and after. Blocking back needs no warning.
def test_trk6_unblock_warns_and_is_audited(web, acme):
    account, _secret = make_sip_account(acme)
    group = DestinationGroup.objects.get(code="premium-rate")
    url = reverse("telephony:sip_destination", args=[account.pk, group.pk])
    page = page_of(web.post(url, {"action": "unblock"}))
    assert 'data-testid="risky-warning"' in page
    assert dict(selectors.destination_settings(account))[group] is True
    response = web.post(url, {"action": "unblock", "confirm": "1"})
    assert response.status_code == 302
    assert dict(selectors.destination_settings(account))[group] is False
    entry = AuditLog.objects.get(action="destination.unblock")
    assert entry.actor == web.member.user  # who
    assert entry.before == {"group": "premium-rate", "blocked": True}
    assert entry.after == {"group": "premium-rate", "blocked": False}
    web.post(url, {"action": "block"})
    assert dict(selectors.destination_settings(account))[group] is True


def test_trunk_destination_block(web, trunk):
    group = DestinationGroup.objects.get(code="fr-mobile")
    web.post(reverse("telephony:trunk_destination", args=[trunk.pk, group.pk]), {"action": "block"})
    assert dict(selectors.destination_settings(trunk))[group] is True
    assert AuditLog.objects.filter(action="destination.block").exists()


# --- Roles and other customers (ACC-2) --------------------------------------------------------


# ACC-2 — a read-only member sees the pages but every POST is a 403 and nothing changes.
def test_read_only_member_403_on_post(client, acme, trunk):
    account, _secret = make_sip_account(acme)
    client.force_login(MembershipFactory(client=acme, role=Role.READ_ONLY).user)
    with paris(PAY_DAY):
        order = services.channel_order_create(trunk=trunk, add=1)
        page = page_of(client.get(reverse("telephony:trunk", args=[trunk.pk])))
        assert 'id="channel-form"' not in page
        group = DestinationGroup.objects.get(code="premium-rate").pk
        for url, data in [
            (
                reverse("telephony:trunk_change", args=[trunk.pk]),
                {"total": 12, "action": "confirm"},
            ),
            (reverse("telephony:order_pay", args=[order.pk]), {"method": "prepaid"}),
            (reverse("telephony:order_cancel", args=[order.pk]), {}),
            (reverse("telephony:trunk_credentials", args=[trunk.pk]), {"action": "reset"}),
            (reverse("telephony:sip_credentials", args=[account.pk]), {"action": "reset"}),
            (
                reverse("telephony:sip_destination", args=[account.pk, group]),
                {"action": "unblock", "confirm": "1"},
            ),
        ]:
            assert client.post(url, data).status_code == 403, url
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert ChannelOrder.objects.count() == 1
    assert not AuditLog.objects.filter(action__startswith="destination.").exists()


# ACC-2 — another customer's trunk, order and SIP account: 404 on GET and POST.
def test_other_customer_404(admin_web, acme):
    web = admin_web  # ACC-2: ordering, paying and cancelling are the admin's
    other = customer(legal_name="Rival Corp")
    trunk = make_trunk(other, channels=8, start=date(2026, 10, 1), renew_to=NOV)
    account, _secret = make_sip_account(other)
    with paris(PAY_DAY):
        order = services.channel_order_create(trunk=trunk, add=1)
        for url in (
            reverse("telephony:trunk", args=[trunk.pk]),
            reverse("telephony:trunk_quote", args=[trunk.pk]) + "?total=12",
            reverse("telephony:trunk_change", args=[trunk.pk]),
            reverse("telephony:order", args=[order.pk]),
            reverse("telephony:order_pay", args=[order.pk]),
            reverse("telephony:sip_account", args=[account.pk]),
            reverse("telephony:sip_credentials", args=[account.pk]),
        ):
            assert web.get(url).status_code == 404, url
            assert (
                web.post(url, {"total": 12, "action": "confirm", "method": "prepaid"}).status_code
                == 404
            ), url
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert "Rival" not in page_of(web.get(reverse("telephony:index")))


# TRK-3 / TRK-5 (TRUNK 7: « l'offre du Client est automatiquement optimisée au meilleur tarif
# selon le nombre de canaux dont il dispose le premier jour de la période de facturation
# suivante »). 8 channels (2 × 4-pack, 34.00) + 2 paid on 21 November: 2 one-channel packs
# added, 2 × 5.00 × 10/30 = 3.3333 → 3.33 HT (4.00 TTC); for the rest of November the trunk
# holds 2 × 4 + 2 × 1 = 44.00 a month, where the best tariff for 10 channels is one 10-pack,
# 39.00, from 1 December. The page said « Your packs are always the cheapest combination for
# your channels » beside 44.00; it now says when they become it (the 1st of each month).
def test_trk5_trunk_page_says_packs_become_the_cheapest_on_the_first(admin_web, acme, trunk):
    with paris(PAY_DAY):
        top_up(acme, "100.00")
        order = services.channel_order_create(trunk=trunk, add=2, today=PAY_DAY)
        order = services.channel_order_pay(order=order, method="prepaid", today=PAY_DAY)
        assert order.prorata_price == Decimal("3.3333")
        page = page_of(admin_web.get(reverse("telephony:trunk", args=[trunk.pk])))
        french = page_of(
            admin_web.get(reverse("telephony:trunk", args=[trunk.pk]), HTTP_ACCEPT_LANGUAGE="fr")
        )
    assert payment_selectors.prepaid_balance(acme) == Decimal("96.00")
    assert '<span data-testid="capacity">10</span>' in page
    assert 'data-testid="monthly-price">44.00\u00a0€<' in page
    assert "always the cheapest" not in page
    assert (
        "Prices excl. VAT. On the 1st of each month your packs become the cheapest combination "
        "for your channels; channels added during the month keep the packs that covered them "
        "until then."
    ) in html.unescape(page)
    assert (
        "Prix HT. Le 1er de chaque mois, vos packs deviennent la combinaison la moins chère "
        "pour vos canaux\u00a0; les canaux ajoutés en cours de mois gardent jusque-là les packs "
        "qui les ont couverts."
    ) in html.unescape(french)


# TRK-3 (TRUNK 7) — a trunk whose termination takes effect on 1 December (asked on 21 November)
# is in service until then: on 25 November its page offers more channels (it showed « Channels
# can only change while the contract is active »), says fewer would only start on the day it
# ends, and the quote for 10 channels is 2 one-channel packs, 2 × 5.00 × 6/30 = 2.00 HT, with
# nothing from 1 December (no « next period » of 10 channels at 39.00).
def test_trk3_terminating_trunk_page_offers_more_channels_until_it_ends(admin_web, trunk):
    from datetime import datetime

    from kernel.clock import PARIS
    from offers import services as offers

    with time_machine.travel(datetime(2026, 11, 21, 10, tzinfo=PARIS), tick=False):
        offers.contract_request_termination(contract=trunk.contract)
    day = date(2026, 11, 25)
    with paris(day):
        page = text_of(page_of(admin_web.get(reverse("telephony:trunk", args=[trunk.pk]))))
        fragment = page_of(
            admin_web.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 10})
        )
    assert "Channels can only change while the contract is active" not in page
    assert (
        "The contract ends on 01/12/2026: you can add channels until then, paid pro rata to the "
        "end of the month; fewer channels would only start on that day."
    ) in page
    text = text_of(fragment)
    assert "2 × 1-channel pack (5.00 €)" in text
    assert 'data-testid="quote-prorata-net">2.00\u00a0€ excl. VAT' in fragment
    assert "6 days of 30, from 25/11/2026 to 30/11/2026" in text
    assert "From 01/12/2026 The contract ends: nothing is billed from that day." in text
    assert "next period" not in text and 'value="confirm"' in fragment
