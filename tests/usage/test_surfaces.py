"""The customer's consumption page, CSV export, alert threshold, tariffs, invoice annex, the
dashboard card, and the read API (rated calls with cursor pagination, monthly summary)."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.choices import BillingMode, PaymentMethod, Role
from billing.models import Invoice
from kernel.clock import paris_today
from offers.periods import add_months
from tests.telephony.factories import make_sip_account, make_trunk, top_up
from tests.usage.isolation_rows import _invoice
from tests.usage.money_helpers import call
from usage.choices import LineType, PriceClass
from usage.models import ConsumptionAlert, ConsumptionThreshold, Tariff
from usage.partitioning import month_bounds
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db


def this_month_calls(client, n=3, **kwargs):
    """``n`` calls of the tenant today (a minute apart, newest last)."""
    start = timezone.now() - timedelta(minutes=n + 5)
    month = paris_today().replace(day=1)
    made = [
        call(client, started_at=start + timedelta(minutes=i), month=month, **kwargs)
        for i in range(n)
    ]
    rollup_refresh([(client.pk, month)])  # what the rating pass does after it
    return made


# (At noon: "a few minutes ago" is today in Paris — just after midnight it was yesterday's bar.)
@time_machine.travel(datetime(2026, 12, 4, 11, tzinfo=UTC), tick=False)
def test_consumption_page_totals_chart_and_fair_use(as_role, tenant, django_assert_max_num_queries):
    # USE-3 fair-use counter: a SIP-UNL account that called 2 distinct numbers taking a slot
    # (3 calls: 2 to the first number) → "numéros distincts : 2 / 99"; mobiles 3 × 0.1250 =
    # 0.3750 → 0.38 € month to date.
    account, _secret = make_sip_account(tenant.client, offer_code="sip-unl")
    for i, number in enumerate(["+33140000001", "+33140000001", "+33140000002"]):
        this_month_calls(
            tenant.client, 1, sip_account=account, called=number, slot=i // 2 + 1, plan="sip_unl"
        )
    this_month_calls(tenant.client, 3, sip_account=account, cost="0.1250", line_type="mobile")
    trunk = make_trunk(tenant.client)
    this_month_calls(tenant.client, 1, trunk=trunk, cost="0")
    web = as_role(Role.READ_ONLY)
    with django_assert_max_num_queries(17):  # session, member, roll-up, labels, alerts, limits…
        page = web.get(reverse("usage:consumption")).content.decode()
    # the trunk is named by its contract, as the telephony pages name it
    assert f"Trunk {trunk.contract.reference} ({trunk.username})" in page
    assert "numéros distincts\u00a0: 2 / 99" in page
    assert 'data-testid="chart"' in page and 'data-testid="chart-bar"' in page
    assert 'data-testid="month-total">0,38\u00a0€' in page
    # the day's bar tells its amount to the cent and its calls: 0.3750 → 0,38 €, 6 calls
    day = paris_today().strftime("%d/%m/%Y")
    assert f"<title>{day}\u00a0: 0,38\u00a0€ · 7 appels</title>" in page
    # the same figures as a table under the chart, for whoever cannot hover a bar or see it
    # (a screen reader reads the chart as one image): the day written out, 7 calls, 0,38 €
    figures = page[page.index('data-testid="chart-figures"') :]
    figures = figures[: figures.index("</details>")]
    assert "Les chiffres du graphique, jour par jour" in figures
    assert (
        '<tr><td>vendredi 4 décembre</td><td class="use-num">7</td>'
        '<td class="use-num">0,38\u00a0€</td></tr>'
    ) in figures
    assert figures.count("<tr>") == 2  # the header and the one day with calls
    # the chart's scale: its top line names the highest bar, that day's 0.3750 → 0,38 €
    assert 'data-testid="chart-top">0,38\u00a0€</text>' in page
    assert "threshold-form" not in page  # a read-only member cannot set the threshold


# USE-8 — a prepaid customer's page does not say its calls are invoiced at the end of the
# month: they are debited from its balance, VAT included; the balance shows (100.00 € topped
# up → "100,00 € TTC"), with the way to top it up for a member who may (billing role). A
# postpaid customer reads that its amounts are invoiced, and sees no balance.
def test_prepaid_customer_reads_debits_and_balance(as_role, tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = as_role(Role.READ_ONLY)
    web.get(reverse("usage:consumption"))  # the session's first request records it
    with CaptureQueriesContext(connection) as postpaid:
        page = web.get(reverse("usage:consumption")).content.decode()
    assert "facturés en fin de mois" in page and "prepaid-balance" not in page
    tenant.client.payment_method = PaymentMethod.PREPAID
    tenant.client.save(update_fields=["payment_method"])
    top_up(tenant.client, "100.00")
    with CaptureQueriesContext(connection) as prepaid:
        page = web.get(reverse("usage:consumption")).content.decode()
    assert len(prepaid) == len(postpaid) + 1  # the balance, in one query
    assert "débités de votre solde prépayé, TVA comprise" in page
    assert "facturés en fin de mois" not in page
    assert 'data-testid="prepaid-balance">100,00\u00a0€ TTC' in page
    assert "prepaid-link" not in page  # a read-only member cannot top up
    page = as_role(Role.BILLING).get(reverse("usage:consumption")).content.decode()
    assert f'href="{reverse("payments:prepaid")}" data-testid="prepaid-link"' in page


def test_a_past_month_shows_its_whole_total_not_month_to_date(as_role, tenant):
    # last month's 2 calls of 0.4000 € → 0.80 €, "Total du mois"; this month's are "depuis le
    # début du mois"
    last = add_months(paris_today().replace(day=1), -1)
    for minute in range(2):
        call(tenant.client, started_at=month_bounds(last)[0] + timedelta(days=3, minutes=minute),
             month=last, cost="0.4000")  # fmt: skip
    rollup_refresh([(tenant.client.pk, last)])
    web = as_role(Role.READ_ONLY)
    page = web.get(reverse("usage:consumption"), {"month": f"{last:%Y-%m}"}).content.decode()
    assert "<h2>Total du mois</h2>" in page and 'data-testid="month-total">0,80\u00a0€' in page
    assert "Depuis le début du mois" not in page
    this_month = web.get(reverse("usage:consumption")).content.decode()
    assert "<h2>Depuis le début du mois</h2>" in this_month


def test_consumption_page_empty_month(as_role):
    page = as_role(Role.ADMIN).get(reverse("usage:consumption")).content.decode()
    assert "Aucun appel ce mois-ci." in page


def test_calls_csv_downloads_the_month(as_role, tenant, other_tenant):
    this_month_calls(tenant.client, 3, cost="0.5000")
    this_month_calls(other_tenant.client, 2)
    response = as_role(Role.READ_ONLY).get(reverse("usage:calls_csv"))
    assert response["Content-Disposition"].startswith("attachment;")
    rows = response.content.decode("utf-8-sig").splitlines()
    # for a French spreadsheet: the headers in French, the prices with a decimal comma
    assert rows[0].startswith("Identifiant d'appel;Début (heure de Paris);Compte;Type d'appel")
    assert len(rows) == 4 and all(";0,5000;" in row for row in rows[1:])


# The export is opened in a spreadsheet: a caller sent as a formula (CSV injection) is written
# as text (a leading '), a number "+33…" as it is.
def test_calls_csv_writes_formulas_as_text(as_role, tenant):
    this_month_calls(tenant.client, 1, caller='=HYPERLINK("http://x.fr")')
    this_month_calls(tenant.client, 1, caller="@SUM(A1)")
    this_month_calls(tenant.client, 1, caller="+33145000000")
    body = as_role(Role.READ_ONLY).get(reverse("usage:calls_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    column = rows[0].index("Appelant")
    assert sorted(row[column] for row in rows[1:]) == [
        '\'=HYPERLINK("http://x.fr")',
        "'@SUM(A1)",
        "+33145000000",
    ]


def test_threshold_set_by_billing_role(as_role, tenant):
    web = as_role(Role.BILLING)
    web.post(reverse("usage:threshold"), {"amount": "120.50", "block_outgoing": "on"})
    threshold = ConsumptionThreshold.objects.get(client=tenant.client)
    assert (threshold.amount, threshold.block_outgoing) == (Decimal("120.50"), True)
    page = web.get(reverse("usage:consumption")).content.decode()
    assert "120,50" in page
    refused = web.post(reverse("usage:threshold"), {"amount": "-3", "block_outgoing": "on"})
    assert ConsumptionThreshold.objects.get(client=tenant.client).amount == Decimal("120.50")
    # the page again, what was typed kept, the reason under the field
    assert refused.status_code == 400
    form = html.unescape(refused.content.decode())
    assert 'value="-3"' in form
    assert re.search(r'<input type="checkbox" name="block_outgoing"[^>]* checked', form)
    error = re.search(r'data-testid="threshold-error">([^<]*)<', form).group(1)
    assert error == "Le seuil est d'au moins 1\u00a0€ par mois."
    too_high = web.post(reverse("usage:threshold"), {"amount": "2000000"})
    assert too_high.status_code == 400
    assert "Le seuil est d'au plus 1\u00a0000\u00a0000\u00a0€ par mois." in html.unescape(
        too_high.content.decode()
    )
    # typed the French way, with a decimal comma
    web.post(reverse("usage:threshold"), {"amount": "80,25", "block_outgoing": "on"})
    assert ConsumptionThreshold.objects.get(client=tenant.client).amount == Decimal("80.25")
    web.post(reverse("usage:threshold"), {"amount": ""})
    assert not ConsumptionThreshold.objects.filter(client=tenant.client).exists()


# PLATFORM 24 / USE-2 — the grid shows, per destination, the tariff the rating applies today:
# London fixed (+4420) at 0.2000 €/min since 2025, 0.1200 €/min (30/6 s, 30 s minimum) since
# yesterday: only 0.1200 shows; a price from tomorrow does not show yet. Prefixes are E.164.
def test_tariffs_visible(as_role, django_assert_max_num_queries):
    today = paris_today()
    day = timedelta(days=1)
    common = {"name": "Londres Fixe", "prefix": "+4420"}
    Tariff.objects.create(**common, rate_per_minute=Decimal("0.2"), valid_from=date(2025, 1, 1))
    Tariff.objects.create(
        **common,
        rate_per_minute=Decimal("0.12"),
        first_increment=30,
        next_increment=6,
        min_duration=30,
        valid_from=today - day,
    )
    Tariff.objects.create(**common, rate_per_minute=Decimal("0.09"), valid_from=today + day)
    client = as_role(Role.READ_ONLY)
    # session and user bookkeeping (usersessions), membership, the grid in one query, the
    # announced tariffs (CON-6), the customer's announcements to answer and its contracts (the
    # destinations their plans include): one query each
    with django_assert_max_num_queries(13):
        page = client.get(reverse("usage:tariffs")).content.decode()
    assert "Nos tarifs" in page
    row = re.search(
        r'<tr data-testid="tariff-row"><td class="stack-head">Londres Fixe</td>.*?</tr>', page
    ).group(0)
    assert (
        ">+4420<" in row
        and "0,1200\u00a0€" in row
        and "30/6&nbsp;s" in row
        and ">30&nbsp;s<" in row
    )
    assert page.count("Londres Fixe") == 1  # neither 0.2000 nor 0.0900
    # no prefix written "++4420"; the page's random CSP nonce (base64) may hold "++" itself
    assert "++" not in re.sub(r'nonce="[^"]*"', "", page)


# PLATFORM 24 — the grid reads as a French customer looks for a price: metropolitan France
# first, then the overseas, the other countries by their French name (accents aside: États-Unis
# among the E, after Espagne), each with its calling code (not short numbers, dialled as they
# are), and the prefixes last.
def test_tariffs_grouped_france_first_countries_by_name(as_role):
    Tariff.objects.all().delete()  # the grid the migrations load, for a grid of our own
    since = date(2025, 1, 1)
    for name, country, line_type in [
        ("États-Unis fixe", "US", LineType.FIXED),
        ("Allemagne fixe", "DE", LineType.FIXED),
        ("Réunion mobile", "RE", LineType.MOBILE),
        ("France mobile", "FR", LineType.MOBILE),
        ("Espagne fixe", "ES", LineType.FIXED),
        ("France fixe", "FR", LineType.FIXED),
    ]:
        Tariff.objects.create(
            name=name, country=country, line_type=line_type, rate_per_minute=Decimal("0.02"),
            valid_from=since,
        )  # fmt: skip
    Tariff.objects.create(name="Reste du monde (zone 1)", prefix="+1", valid_from=since,
                          rate_per_minute=Decimal("0.3"))  # fmt: skip
    Tariff.objects.create(name="France numéro court", country="FR", line_type=LineType.SPECIAL,
                          price_class=PriceClass.SHORT, rate_per_minute=Decimal("0.15"),
                          valid_from=since)  # fmt: skip
    page = as_role(Role.READ_ONLY).get(reverse("usage:tariffs")).content.decode()
    sections = re.findall(r"<h2>(.*?)</h2>", page)
    assert sections == [
        "France métropolitaine", "Outre-mer", "International", "Autres destinations, par préfixe",
    ]  # fmt: skip
    names = re.findall(
        r'<tr data-testid="tariff-row"><td class="stack-head">(.*?)</td>'
        r'<td class="num-mono" data-label="Préfixe">(.*?)</td>',
        page,
    )
    assert names == [
        ("France fixe", "+33"), ("France mobile", "+33"),
        ("France numéro court", "—"),  # 3BPQ, 10YT: no +33
        ("Réunion mobile", "+262"),
        ("Allemagne fixe", "+49"), ("Espagne fixe", "+34"), ("États-Unis fixe", "+1"),
        ("Reste du monde (zone 1)", "+1"),
    ]  # fmt: skip


def test_tariffs_empty_grid(as_role):
    Tariff.objects.all().delete()
    page = as_role(Role.READ_ONLY).get(reverse("usage:tariffs")).content.decode()
    assert "Aucun tarif publié" in page and "<h2>" not in page


def test_invoice_annex_lists_the_billed_calls(as_role, tenant):
    # BIL-3: the customer's own invoice (its partner bills through us: reseller-billed), whose
    # run billed last month's call (1.2345 € → a line of 1.23 €).
    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    month = (paris_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    call(
        tenant.client,
        started_at=timezone.make_aware(timezone.datetime(month.year, month.month, 3, 10)),
        month=month,
        cost="1.2345",
        line_type="mobile",
    )
    invoice = _invoice(tenant)
    assert invoice.client == tenant.client and invoice.month == month
    assert invoice.lines.get(kind="consumption").net_amount == Decimal("1.23")
    detail = as_role(Role.BILLING).get(reverse("billing:detail", args=[invoice.pk]))
    assert reverse("usage:invoice_annex", args=[invoice.pk]) in detail.content.decode()
    response = as_role(Role.BILLING).get(reverse("usage:invoice_annex", args=[invoice.pk]))
    rows = response.content.decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and ";1,2345;" in rows[1] and ";Mobile;" in rows[1]
    assert (
        as_role(Role.TECHNICAL).get(reverse("usage:invoice_annex", args=[invoice.pk])).status_code
        == 403
    )


def test_dashboard_card(as_role, tenant):
    this_month_calls(tenant.client, 2, cost="1.0050")
    page = as_role(Role.ADMIN).get(reverse("dashboard")).content.decode()
    assert 'data-testid="consumption-total"><strong>2,01\u00a0€' in page
    assert "2 appels ce mois-ci" in page


# Consumption alerts, "optionally blocking outgoing calls at 100 %": threshold 2.00 € with the
# block; two calls of 1.0050 € this month = 2.01 € (100.5 %) → the 100 % alert blocks. The
# consumption page says so, with the threshold, the day and how to lift it; the dashboard card
# too. Raising the threshold to 5.00 € lifts the block: both notices go. Without the block (the
# box unticked) the 100 % alert blocks nothing.
def test_outgoing_calls_blocked_notice(as_role, tenant):
    from usage.services import alerts

    client = tenant.client
    alerts.threshold_set(client=client, amount=Decimal("2.00"), block_outgoing=True)
    this_month_calls(client, 2, cost="1.0050")
    month = paris_today().replace(day=1)
    assert [a.level for a in alerts.alerts_check(client_id=client.pk, month=month)] == [50, 80, 100]
    admin = as_role(Role.ADMIN)
    page = admin.get(reverse("usage:consumption")).content.decode().replace("&#x27;", "'")
    assert 'data-testid="outgoing-blocked"' in page
    reached = paris_today().strftime("%d/%m/%Y")
    assert f"votre seuil d'alerte de 2,00\u00a0€ a été atteint le {reached}" in page
    assert "Les numéros d'urgence restent joignables" in page
    dashboard = admin.get(reverse("dashboard")).content.decode()
    assert 'data-testid="outgoing-blocked">Appels sortants bloqués' in dashboard
    alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=True)
    assert (
        'data-testid="outgoing-blocked"'
        not in admin.get(reverse("usage:consumption")).content.decode()
    )
    assert 'data-testid="outgoing-blocked"' not in admin.get(reverse("dashboard")).content.decode()
    alerts.threshold_set(client=client, amount=Decimal("2.00"), block_outgoing=False)
    assert not alerts.outgoing_blocked(client.pk)
    assert (
        'data-testid="outgoing-blocked"'
        not in admin.get(reverse("usage:consumption")).content.decode()
    )


def test_api_calls_cursor_pagination_and_filters(api, tenant, django_assert_max_num_queries):
    made = this_month_calls(tenant.client, 5, cost="0.0100")
    url = reverse("api:call-list")
    with django_assert_max_num_queries(6):
        body = api.get(url, {"page_size": 2}).json()
    assert [row["id"] for row in body["results"]] == [made[4].pk, made[3].pk]
    second = api.get(body["next"]).json()
    assert [row["id"] for row in second["results"]] == [made[2].pk, made[1].pk]
    after = made[3].started_at.isoformat()
    body = api.get(url, {"started_after": after, "customer": tenant.client.pk}).json()
    assert {row["id"] for row in body["results"]} == {made[3].pk, made[4].pk}
    assert body["results"][0]["cost"] == "0.0100"
    assert api.get(url, {"started_after": "nope"}).status_code == 400
    # without a UTC offset, a time is Paris time, as the schema says
    paris = made[3].started_at.astimezone(timezone.get_current_timezone()).replace(tzinfo=None)
    naive = api.get(url, {"started_after": paris.isoformat(), "customer": tenant.client.pk})
    assert {row["id"] for row in naive.json()["results"]} == {made[3].pk, made[4].pk}
    # A cursor that does not decode is bad input on its field (schemathesis found a 404), and
    # so is one that is not base64 (it was read as no cursor: the first page) or whose position
    # is not a start time (a database error); a position at another offset is the same instant.
    from base64 import b64encode
    from urllib.parse import parse_qs, urlencode, urlparse

    def cursor(query: str) -> str:
        return b64encode(query.encode()).decode()

    for tampered in ("\t¬", "!!!!", cursor("p=abc"), cursor("o=-1"), cursor("p=2026-12-01")):
        bad = api.get(url, {"cursor": tampered})
        assert bad.status_code == 400, tampered
        assert list(bad.json()["error"]["fields"]) == ["cursor"], tampered
    position = made[3].started_at.astimezone(dt_timezone(timedelta(hours=23)))  # PostgreSQL: ±15:59
    moved = api.get(url, {"page_size": 2, "cursor": cursor(urlencode({"p": position.isoformat()}))})
    assert moved.status_code == 200, moved.json()
    assert [row["id"] for row in moved.json()["results"]] == [made[2].pk, made[1].pk]
    assert "cursor" in parse_qs(urlparse(second["previous"]).query)


def test_api_summary(api, tenant, django_assert_max_num_queries):
    this_month_calls(tenant.client, 3, cost="0.5000", line_type="mobile")
    url = reverse("api:call-summary")
    month = paris_today().strftime("%Y-%m")
    # key, partner, customer, roll-up, threshold, block; the month's breaches, limit breaches
    # and quality hours (USE-4/5/6): one query each, whatever their number
    with django_assert_max_num_queries(9):
        body = api.get(url, {"customer": tenant.client.pk, "month": month}).json()
    assert body["total"]["calls"] == 3 and body["total"]["amount"] == "1.50"
    assert body["by_destination"][0]["amount"] == "1.50"
    assert (body["alert_threshold"], body["outgoing_blocked_since"]) == (None, None)
    assert api.get(url, {"customer": tenant.client.pk, "month": "2026-13"}).status_code == 400


# The summary tells a partner the customer's alert threshold and, while the 100 % alert blocks
# the outgoing calls, since when (1.00 € with the block; 1.50 € consumed → 150 %). A raised
# threshold (5.00 €) lifts it: null again; last month's summary never shows a block.
def test_api_summary_outgoing_block(api, tenant, django_assert_max_num_queries):
    from usage.services import alerts

    client = tenant.client
    alerts.threshold_set(client=client, amount=Decimal("1.00"), block_outgoing=True)
    this_month_calls(client, 3, cost="0.5000")
    month = paris_today().replace(day=1)
    alerts.alerts_check(client_id=client.pk, month=month)
    url = reverse("api:call-summary")
    # + the month's breaches, limit breaches and quality hours (USE-4/5/6)
    with django_assert_max_num_queries(11):
        body = api.get(url, {"customer": client.pk}).json()
    reached = ConsumptionAlert.objects.get(client=client, level=100).blocked_at
    assert body["alert_threshold"] == "1.00"
    assert (
        body["outgoing_blocked_since"]
        == reached.astimezone(timezone.get_current_timezone()).isoformat()
    )
    previous = (month - timedelta(days=1)).strftime("%Y-%m")
    assert (
        api.get(url, {"customer": client.pk, "month": previous}).json()["outgoing_blocked_since"]
        is None
    )
    alerts.threshold_set(client=client, amount=Decimal("5.00"), block_outgoing=True)
    body = api.get(url, {"customer": client.pk}).json()
    assert (body["alert_threshold"], body["outgoing_blocked_since"]) == ("5.00", None)


def test_api_summary_other_partner_customer_refused(api, other_tenant):
    this_month_calls(other_tenant.client, 1)
    response = api.get(reverse("api:call-summary"), {"customer": other_tenant.client.pk})
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]


def test_api_calls_first_page_statement_is_kept_and_reads_fresh_rows(api, tenant, monkeypatch):
    """The first page (no cursor, no filter) is read by a statement compiled once per partner
    and page size, whose rows are the ORM's: the same JSON, a call added since shows, and the
    next page (a cursor) still follows from it."""
    from usage.api import views

    made = this_month_calls(tenant.client, 3, cost="0.0200")
    url = reverse("api:call-list")
    kept = api.get(url, {"page_size": 2}).json()
    assert any(key[0][0] is views.CallViewSet for key in views._FIRST_PAGES)
    with monkeypatch.context() as patched:  # DRF's own reading of the page
        patched.setattr(views.CallCursorPagination, "paginate_queryset", _drf_cursor_page)
        assert api.get(url, {"page_size": 2}).json() == kept
    assert [row["id"] for row in kept["results"]] == [made[2].pk, made[1].pk]
    newest = call(tenant.client, started_at=timezone.now(), month=made[0].billing_month)
    again = api.get(url, {"page_size": 2}).json()
    assert [row["id"] for row in again["results"]] == [newest.pk, made[2].pk]
    following = api.get(again["next"]).json()
    assert [row["id"] for row in following["results"]] == [made[1].pk, made[0].pk]


def _drf_cursor_page(self, queryset, request, view=None):
    from rest_framework.pagination import CursorPagination

    return CursorPagination.paginate_queryset(self, queryset, request, view)


# USE-6 as the month goes: after a rating pass the customer's consumption page lists the hours
# of this month whose quality costs a penalty — an hour of 10 attempts, 5 answered of 5 s each:
# ASR 50 % → 10 × 0.02 = 0.20, ACD 5 s → 5 × 0.02 = 0.10, short calls 100 % → 0.10: 0,40 €,
# the hour shown in Paris time ("3 novembre 2026, 14h–15h", as the penalty's invoice line).
def test_quality_penalties_shown_during_the_month(as_role, tenant):
    from tests.offers.factories import make_contract
    from usage.services.post_rating import after_rating

    contract = make_contract(tenant.client, "platform")
    month = paris_today().replace(day=1)
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    if timezone.localtime(hour).date().replace(day=1) != month:
        hour += timedelta(hours=2)  # first hour of the month: the next one instead
    for i in range(10):
        call(
            tenant.client,
            contract=contract,
            started_at=hour + timedelta(minutes=i),
            month=month,
            answered=i < 5,
            duration=5,
        )
    after_rating(keys=[(tenant.client.pk, month)])
    page = as_role(Role.READ_ONLY).get(reverse("usage:consumption")).content.decode()
    section = page[page.index('data-testid="quality-breaches"') :]
    paris = timezone.localtime(hour)
    slot = f"{paris.year}, {paris.hour:02d}h–{(paris.hour + 1) % 24:02d}h"
    assert slot in section and "0,40\u00a0€" in section


# No N+1: the CSV export and the invoice's call-detail annex cost the same queries for 3 calls
# as for 30 (they stream the rows); saving the alert threshold costs a bounded few.
def test_exports_and_threshold_query_counts(as_role, tenant, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from usage.models import ConsumptionCutoff

    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    invoice = _invoice(tenant)
    # an invoice of before consumption cut-offs were kept, its annex not stored: read from the
    # calls of its month (the calls below), the read whose queries must not grow with them
    ConsumptionCutoff.objects.all().delete()
    billing_member = as_role(Role.BILLING)
    urls = [reverse("usage:calls_csv"), reverse("usage:invoice_annex", args=[invoice.pk])]
    billing_member.get(urls[0])

    def counts(n):
        this_month_calls(tenant.client, n, cost="0.1000")
        for i in range(n):
            call(
                tenant.client,
                started_at=timezone.make_aware(
                    timezone.datetime(invoice.month.year, invoice.month.month, 3, 10, i)
                ),
                month=invoice.month,
                cost="0.2000",
            )
        measured = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = billing_member.get(url)
                body = b"".join(getattr(response, "streaming_content", [response.content]))
            measured.append((len(queries), body.count(b"\n")))
        return measured

    small, large = counts(3), counts(27)
    assert [rows for _q, rows in small] == [4, 4] and [rows for _q, rows in large] == [31, 31]
    assert [q for q, _r in small] == [q for q, _r in large]
    # session bookkeeping 8, the threshold with its audit row 11, the levels checked at once 3
    with django_assert_max_num_queries(22):
        billing_member.post(reverse("usage:threshold"), {"amount": "50", "block_outgoing": "on"})


# Bad input on the consumption pages: a month that is not one of the last 12 (or not a month)
# is never answered with another month's data — the page and the CSV export come back to the
# current month's page, which says why; a draft invoice has no annex (404, as its page).
def test_month_outside_the_twelve_and_draft_annex(as_role, tenant):
    member = as_role(Role.BILLING)
    for bad in ("2020-01", "2999-01", "2026-13", "abc"):
        for route in ("usage:consumption", "usage:calls_csv"):
            response = member.get(reverse(route), {"month": bad}, follow=True)
            assert response.redirect_chain == [(reverse("usage:consumption"), 302)], (route, bad)
            assert "Ce mois n'est pas disponible" in html.unescape(response.content.decode())
    current = paris_today().replace(day=1)
    ok = member.get(reverse("usage:calls_csv"), {"month": current.strftime("%Y-%m")})
    assert ok.status_code == 200
    draft = Invoice.objects.create(client=tenant.client, month=current, kind="invoice")
    assert member.get(reverse("usage:invoice_annex", args=[draft.pk])).status_code == 404


# The CSV export in English: English headers, the kinds of call in words, a decimal point —
# one outbound call to a French mobile, 0.5000 € excl. VAT.
def test_calls_csv_in_english(as_role, tenant):
    this_month_calls(tenant.client, 1, cost="0.5000", line_type="mobile")
    web = as_role(Role.READ_ONLY)
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = web.get(reverse("usage:calls_csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:4] == ["Call ID", "Start (Paris time)", "Account", "Call type"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Call type"], row["Line type"], row["Cost (€ excl. VAT)"]) == (
        "Outbound",
        "Mobile",
        "0.5000",
    )


# USE surfaces (docs/rules.md "Surfaces", times in Paris) — the autumn clock change: on
# Sunday 25 October 2026 Paris goes back from 03:00 CEST (UTC+2) to 02:00 CET (UTC+1) at
# 01:00 UTC, so 00:30 UTC and 01:30 UTC are both « 02:30:00 » in Paris. The export's Paris
# column cannot tell the two calls apart; its "Start (UTC)" column does: 00:30:00 and
# 01:30:00 (before: no such column, two identical start times). The invoice's call-detail
# annex has the same columns.
def test_calls_csv_tells_apart_the_two_0230_of_the_autumn_clock_change(as_role, tenant):
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    for started in (first, first + timedelta(hours=1)):
        call(tenant.client, started_at=started, cost="0.0100")
    web = as_role(Role.BILLING)
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert [r["Début (heure de Paris)"] for r in rows] == ["2026-10-25 02:30:00"] * 2
    assert [r["Début (UTC)"] for r in rows] == ["2026-10-25 00:30:00", "2026-10-25 01:30:00"]
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    english = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert [r["Start (UTC)"] for r in english] == ["2026-10-25 00:30:00", "2026-10-25 01:30:00"]


# USE-3 (AMABOO 2: « 41 destinations … sur la liste accessible sur le site »), USE-4 (HOSTED-A
# 7, HOSTED-W 6.1): the tariffs page lists what each of the customer's unlimited plans
# includes — the 41 fixed destinations (+ Guadeloupe's 0590 shared by Saint-Barthélemy and
# Saint-Martin) of SIP-UNL, France's numbers and the 40 of HOSTED-A; a terminated contract's
# plan and a PLATFORM contract (no fair use) list nothing.
def test_tariffs_list_the_destinations_each_unlimited_plan_includes(as_role, tenant):
    from tests.offers.factories import make_contract

    make_sip_account(tenant.client)  # SIP-UNL
    make_contract(tenant.client, "hosted-a")
    make_contract(tenant.client, "platform")
    client = as_role(Role.READ_ONLY)
    page = client.get(reverse("usage:tariffs")).content.decode()
    block = re.search(r'data-testid="included-destinations">(.*?)</section>', page, re.S).group(1)
    lists = re.findall(r'data-testid="included-list">(.*?)</ul>', block, re.S)
    assert len(lists) == 2  # HOSTED-A and SIP-UNL, not PLATFORM
    counts = sorted(len(re.findall(r"<li>", items)) for items in lists)
    # HOSTED-A: its 40 + Guadeloupe's 2 others; SIP-UNL: the 38 fixed of those 40 + BE, IT, CH
    assert counts == [40 + 2, 38 + 3 + 2]
    assert "Belgique Fixe" in block and "Chine Mobile" in block
    assert (
        "France\u00a0: numéros fixes (01 à 05, 09), numéros 0806 à 0809 et mobiles (06, 07), "
        "appels sortants"
    ) in block
    assert "99 numéros fixes distincts par mois, 60 minutes par appel" in block
    # the same page in English: the countries' English names, each once
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("usage:tariffs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Destinations included in your plan" in page
    assert page.count("<li>Portugal — Fixed</li>") == 2  # once a plan, OLO merged


def test_tariffs_without_unlimited_plan_list_no_included_destination(as_role, tenant):
    from tests.offers.factories import make_contract

    make_contract(tenant.client, "platform")
    page = as_role(Role.READ_ONLY).get(reverse("usage:tariffs")).content.decode()
    assert 'data-testid="included-destinations"' not in page


# USE-3 (AMABOO 2): « Tout appel émis au-delà de ces 99 numéros différents sera facturé à la
# seconde », « au-delà [des 60 minutes] chaque seconde supplémentaire est facturée », mobiles en
# France, fixes hors destinations et mobiles à l'international « facturés à la seconde » — and
# the rating does bill them per second. The tariffs page showed a SIP-UNL customer only the
# grid's increments and minimum: « Allemagne mobile » 30/6 s (a 61 s call read as 66 s =
# 0.0990 €, billed 61 s = 0.0915 €), « Maroc fixe » 60/60 (61 s read as 120 s = 0.3000 €,
# billed 61 s = 0.1525 €), with « Les appels au-delà sont facturés aux tarifs ci-dessous ». The
# SIP-UNL plan now says which calls are billed per second at the per-minute price, whatever the
# row's increments and minimum; the hosted plans (billed at the grid's increments) say nothing
# of the kind.
def test_use3_tariffs_page_tells_a_sip_unl_customer_what_is_billed_per_second(as_role, tenant):
    from tests.offers.factories import make_contract

    make_sip_account(tenant.client)  # SIP-UNL
    make_contract(tenant.client, "hosted-a")
    page = as_role(Role.READ_ONLY).get(reverse("usage:tariffs")).content.decode()
    block = re.search(r'data-testid="included-destinations">(.*?)</section>', page, re.S).group(1)
    plans = re.findall(r"<h3>(.*?)</h3>(.*?)(?=<h3>|$)", block, re.S)
    by_offer = {name: text for name, text in plans}
    sip_unl, hosted_a = by_offer["SIP illimité"], by_offer["Téléphonie hébergée Site"]
    note = (
        "Sont facturés à la seconde, au prix à la minute du tarif ci-dessous (sans ses paliers "
        "ni son minimum)\u00a0: chaque seconde au-delà des 60 premières minutes d'un appel\u00a0; "
        "les appels vers des numéros fixes au-delà des 99 premiers numéros du mois ou hors de "
        "ces destinations\u00a0; les appels vers les mobiles, en France et à l'international."
    )
    assert note in html.unescape(sip_unl)
    assert "à la seconde" not in hosted_a
    # the grid itself is unchanged: the row keeps its own increments for the other plans
    row = re.search(r"<tr[^>]*><td[^>]*>Allemagne mobile</td>.*?</tr>", page).group(0)
    assert "30/6&nbsp;s" in row
    client = as_role(Role.READ_ONLY)
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse("usage:tariffs"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert (
        "Billed per second, at the per-minute price of the tariff below (without its increments "
        "or minimum): every second beyond the first 60 minutes of a call; calls to fixed numbers "
        "beyond the month's first 99 numbers or outside these destinations; calls to mobiles, in "
        "France and abroad."
    ) in html.unescape(page)
