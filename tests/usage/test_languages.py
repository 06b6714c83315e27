"""Independent check: the usage surfaces in both languages (French first, English available).

The consumption page, the tariffs, the refused threshold form, the dashboard card and the
e-mails usage sends (consumption alert, fair-use breach, inactivity), each rendered in French
and in English: no word of the other language, numbers and money written the language's way
(French "1 234,56" with a no-break space for thousands and a decimal comma, English
"1,234.56"), French typography (a no-break space before ":" ";" "!" "?" "%", docs/rules.md
"French typography"), plurals ("1 appel", "2 appels"), e-mails in the recipient's language.
"""

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.choices import PaymentMethod, Role
from kernel.clock import paris_today
from tests.factories import MembershipFactory
from tests.offers.factories import make_contract
from tests.telephony.factories import make_sip_account, top_up
from tests.usage.money_helpers import call
from usage.models import (
    ConsumptionAlert,
    ConsumptionThreshold,
    FairUseBreach,
    LimitBreach,
    QualityHour,
    UsageDay,
)
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def _page(web, name, lang, **kwargs):
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return html.unescape(web.get(reverse(name), **kwargs).content.decode())


def _section(page, testid):
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def busy_month(tenant):
    """This month of a prepaid customer: a SIP-UNL account (1 distinct number of 99), 3 mobile
    calls of 1 234.5678 € (3 703.7034 → 3 703,70 €), a trial call listed at 1 234.50 €, a
    threshold of 1 500 € with the block and its 3 alerts, a limit breach and a quality penalty
    (ASR 50 %, ACD 5 s, short calls 100 %: 0.20 + 0.10 + 0.10 = 0,40 €) an hour ago, 1 234.56 €
    topped up."""
    client = tenant.client
    month = paris_today().replace(day=1)
    account, _secret = make_sip_account(client, offer_code="sip-unl")
    start = timezone.now() - timedelta(minutes=30)
    call(client, started_at=start, month=month, sip_account=account, called="+33140000001",
         slot=1, plan="sip_unl")  # fmt: skip
    for i in range(3):
        call(client, started_at=start + timedelta(minutes=i + 1), month=month,
             sip_account=account, cost="1234.5678", line_type="mobile")  # fmt: skip
    call(client, started_at=start + timedelta(minutes=5), month=month, cost="0", trial=True,
         list_cost="1234.50")  # fmt: skip
    rollup_refresh([(client.pk, month)])
    ConsumptionThreshold.objects.create(client=client, amount=Decimal("1500"), block_outgoing=True)
    for level in (50, 80, 100):
        ConsumptionAlert.objects.create(client=client, month=month, level=level,
                                        consumption=Decimal("3703.70"), threshold=Decimal("1500"),
                                        blocked=level == 100)  # fmt: skip
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    if timezone.localtime(hour).date().replace(day=1) != month:
        hour += timedelta(hours=1)  # first hour of the month: this hour instead
    LimitBreach.objects.create(client=client, kind="simultaneous", hour=hour, month=month,
                               peak=12, limit=10, peak_at=hour)  # fmt: skip
    penalties = {"asr_penalty": Decimal("0.20"), "acd_penalty": Decimal("0.10"),
                 "short_penalty": Decimal("0.10")}  # fmt: skip
    QualityHour.objects.create(client=client, hour=hour, month=month, attempts=10, answered=5,
                               answered_seconds=25, short_calls=5, **penalties)  # fmt: skip
    client.payment_method = PaymentMethod.PREPAID
    client.save(update_fields=["payment_method"])
    top_up(client, "1234.56")
    return type("Month", (), {"hour": hour, "account": account})


# USE-3, USE-5, USE-6, USE-8 — the page in each language, numbers written its way:
# 3 × 1 234.5678 = 3 703.7034 → "3 703,70 €" / "3,703.70 €"; the balance 1 234,56 € TTC /
# 1,234.56 € incl. VAT; the fair-use counter "numéros distincts : 1 / 99" (no-break space);
# the penalty 0,40 € / 0.40 €; the chart's day "5 appels" / "5 calls".
def test_consumption_page_in_french_and_in_english(as_role, busy_month):
    web = as_role(Role.BILLING)
    fr = _page(web, "usage:consumption", "fr")
    en = _page(web, "usage:consumption", "en")
    assert f'data-testid="month-total">3{NBSP}703,70\u00a0€' in fr
    assert 'data-testid="month-total">3,703.70\u00a0€' in en
    assert f'data-testid="prepaid-balance">1{NBSP}234,56\u00a0€ TTC' in fr
    assert 'data-testid="prepaid-balance">1,234.56\u00a0€ incl. VAT' in en
    assert f"numéros distincts{NBSP}: 1 / 99" in fr and "distinct numbers: 1 / 99" in en
    assert f"3{NBSP}703,70{NBSP}€ · 5 appels</title>" in fr
    assert "3,703.70 € · 5 calls</title>" in en
    assert "Appels simultanés" in _section(fr, "limit-breaches")
    assert "Simultaneous calls" in _section(en, "limit-breaches")
    assert "0,40\u00a0€" in _section(fr, "quality-breaches")
    assert "0.40\u00a0€" in _section(en, "quality-breaches")
    assert f"100{NBSP}% atteints le" in fr and "100% reached on" in en
    assert "Mobile, France" in fr and "Fixe, France" in fr
    assert "Fixed, France" in en and "Fixe," not in en
    for word in ("Consumption", "Month to date", "Calls", "Amount", "Prepaid balance"):
        assert f">{word}<" not in fr, word
    for word in ("Consommation", "Depuis le début du mois", "Appels", "Montant", "Solde"):
        assert word not in en[en.index("<main") :], word


# The chart's plural: a day of one call reads "1 appel" / "1 call", not "1 appels".
def test_one_call_is_singular_on_the_chart_and_the_card(as_role, tenant):
    month = paris_today().replace(day=1)
    call(tenant.client, started_at=timezone.now() - timedelta(minutes=5), month=month,
         cost="0.5000")  # fmt: skip
    rollup_refresh([(tenant.client.pk, month)])
    web = as_role(Role.ADMIN)
    assert f"0,50{NBSP}€ · 1 appel</title>" in _page(web, "usage:consumption", "fr")
    assert "0.50 € · 1 call</title>" in _page(web, "usage:consumption", "en")
    assert "1 appel ce mois-ci" in _page(web, "dashboard", "fr")
    assert "1 call this month" in _page(web, "dashboard", "en")


# The card's count of calls grouped as on the consumption page: "12 345 appels ce mois-ci"
# (a no-break space in French), "12,345 calls this month" (was "12345").
def test_dashboard_card_call_count_grouped(as_role, tenant):
    today = paris_today()
    UsageDay.objects.create(
        client=tenant.client, month=today.replace(day=1), day=today, calls=12345, cost="1.0000"
    )
    web = as_role(Role.ADMIN)
    assert f"12{NBSP}345 appels ce mois-ci" in _page(web, "dashboard", "fr")
    assert "12,345 calls this month" in _page(web, "dashboard", "en")


def test_empty_states_in_english(as_role):
    web = as_role(Role.ADMIN)
    page = _page(web, "usage:consumption", "en")
    assert "No call this month." in page and "No alert threshold." in page
    assert "Aucun" not in page


# The dashboard card: 3 703,70 € HT, "5 appels ce mois-ci", the 100 % alert / in English.
def test_dashboard_card_in_both_languages(as_role, busy_month):
    web = as_role(Role.ADMIN)
    fr = _page(web, "dashboard", "fr")
    en = _page(web, "dashboard", "en")
    assert f"<strong>3{NBSP}703,70\u00a0€</strong>" in fr and "5 appels ce mois-ci" in fr
    assert f"100{NBSP}% de votre seuil d'alerte atteints" in fr
    assert "<strong>3,703.70\u00a0€</strong>" in en and "5 calls this month" in en
    assert "100% of your alert threshold reached" in en


# A threshold refused (0.50 €, under the 1 € minimum) says why in the page's language, the
# typed amount kept.
def test_refused_threshold_in_both_languages(as_role, tenant):
    web = as_role(Role.BILLING)
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    fr = web.post(reverse("usage:threshold"), {"amount": "0,50"})
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    en = web.post(reverse("usage:threshold"), {"amount": "0.50"})
    assert (fr.status_code, en.status_code) == (400, 400)
    fr, en = html.unescape(fr.content.decode()), html.unescape(en.content.decode())
    error = re.compile(r'data-testid="threshold-error">([^<]*)<')
    assert error.search(fr).group(1) == f"Le seuil est d'au moins 1{NBSP}€ par mois."
    assert error.search(en).group(1) == "The threshold is at least 1 € a month."
    assert 'value="0,50"' in fr and 'value="0.50"' in en
    assert not ConsumptionThreshold.objects.filter(client=tenant.client).exists()


# USE-3 threshold card: 1 500 € is written as every other amount of the page ("3 703,70 €",
# the blocked notice's "1 500,00 €"): "Alertes à 50, 80 et 100 % de 1 500,00 € par mois." /
# "… of 1,500.00 € a month."
def test_threshold_card_amount_grouped(as_role, busy_month):
    web = as_role(Role.BILLING)
    fr = _section(_page(web, "usage:consumption", "fr"), "threshold-card")
    en = _section(_page(web, "usage:consumption", "en"), "threshold-card")
    assert f"de 1{NBSP}500,00{NBSP}€ par mois" in fr, fr[:300]  # actual "de 1500,00 € par mois"
    assert "of 1,500.00 € a month" in en, en[:300]  # actual "of 1500.00 € a month"


# Trial traffic (not invoiced): listed at 1 234.50 € → "1 234,50 €" / "1,234.50 €".
def test_trial_traffic_amount_grouped(as_role, busy_month):
    web = as_role(Role.BILLING)
    assert f'data-testid="trial-cost">1{NBSP}234,50\u00a0€' in _page(web, "usage:consumption", "fr")
    assert 'data-testid="trial-cost">1,234.50\u00a0€' in _page(web, "usage:consumption", "en")


# USE-6, French typography: ASR 50 % and short calls 100 % take a no-break space before "%"
# ("50,0 %", as "100 % atteints" on the same page); the template writes a plain space.
def test_quality_percentages_have_a_no_break_space(as_role, busy_month):
    section = _section(_page(as_role(Role.BILLING), "usage:consumption", "fr"), "quality-breaches")
    assert f"50,0{NBSP}%" in section and f"100,0{NBSP}%" in section
    assert "50,0 %" not in section


# USE-5/USE-6 hours in English: "14h–15h" is the French way of writing an hour; the English
# page should not print it ("14:00–15:00").
def test_hour_slot_in_english(as_role, busy_month):
    section = _section(_page(as_role(Role.BILLING), "usage:consumption", "en"), "limit-breaches")
    local = timezone.localtime(busy_month.hour)
    assert f"{local.hour:02d}:00–{(local.hour + 1) % 24:02d}:00" in section
    assert not re.search(r"\d{2}h–\d{2}h", section)


def test_tariffs_page_in_both_languages(as_role):
    web = as_role(Role.READ_ONLY)
    fr = _page(web, "usage:tariffs", "fr")
    en = _page(web, "usage:tariffs", "en")
    assert "<h2>France métropolitaine</h2>" in fr and "0,0450\u00a0€" in fr and "Préfixe" in fr
    assert "<h2>Metropolitan France</h2>" in en and "0.0450\u00a0€" in en and "Prefix" in en
    assert "0,0450" not in en


def _mailing(tenant):
    """An English admin (Ann) and a French admin (Béa)."""
    admin = tenant.members[Role.ADMIN].user
    admin.language, admin.first_name = "en", "Ann"
    admin.save(update_fields=["language", "first_name"])
    french = MembershipFactory(client=tenant.client, role=Role.ADMIN).user
    french.language, french.first_name = "fr", "Béa"
    french.save(update_fields=["language", "first_name"])
    return admin.email, french.email


def _mail_to(mailoutbox, email, subject_part):
    found = [m for m in mailoutbox if m.to == [email] and subject_part in m.subject]
    assert len(found) == 1, [(m.to, m.subject) for m in mailoutbox]
    return found[0]


def _threshold_mails(tenant, mailoutbox, capture):
    from usage.services import alerts

    client = tenant.client
    en_mail, fr_mail = _mailing(tenant)
    month = paris_today().replace(day=1)
    alerts.threshold_set(client=client, amount=Decimal("1500"), block_outgoing=False)
    with capture(execute=True):
        # 1 234.5678 → 1 234,57 € of 1 500 €: 82 % → the 80 % alert (50 % recorded, not sent)
        call(client, started_at=timezone.now() - timedelta(minutes=5), month=month,
             cost="1234.5678")  # fmt: skip
        alerts.alerts_check(client_id=client.pk, month=month)
    return (
        _mail_to(mailoutbox, fr_mail, "Votre consommation"),
        _mail_to(mailoutbox, en_mail, "Your consumption"),
    )


# USE-3 consumption alert e-mail, each admin in their language.
def test_threshold_mail_in_the_recipients_language(
    tenant, mailoutbox, django_capture_on_commit_callbacks
):
    fr, en = _threshold_mails(tenant, mailoutbox, django_capture_on_commit_callbacks)
    assert fr.subject == f"Votre consommation a atteint 80{NBSP}% de votre seuil mensuel"
    assert en.subject == "Your consumption reached 80% of your monthly threshold"
    assert fr.body.startswith("Bonjour Béa,") and en.body.startswith("Hello Ann,")
    assert f"ont atteint 80{NBSP}% du seuil que vous avez fixé{NBSP}:" in fr.body
    assert "reached 80% of the threshold you set:" in en.body


# The same e-mail's amounts as the page writes them: 1 234,57 € HT sur 1 500,00 € /
# 1,234.57 € excl. VAT out of 1,500.00 €.
def test_threshold_mail_amounts_grouped(tenant, mailoutbox, django_capture_on_commit_callbacks):
    fr, en = _threshold_mails(tenant, mailoutbox, django_capture_on_commit_callbacks)
    assert f"1{NBSP}234,57{NBSP}€ HT sur 1{NBSP}500,00{NBSP}€" in fr.body, fr.body
    assert "1,234.57 € excl. VAT out of 1,500.00 €" in en.body, en.body


# USE-4 fair-use breach notice in each admin's language, the reasons translated too.
def test_breach_mail_in_the_recipients_language(
    tenant, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.notifications import notify_client

    en_mail, fr_mail = _mailing(tenant)
    account, _secret = make_sip_account(tenant.client, offer_code="sip-unl")
    with django_capture_on_commit_callbacks(execute=True):
        breach = FairUseBreach.objects.create(
            client=tenant.client, sip_account=account, month=date(2026, 11, 1), plan="sip_unl",
            reasons=[{"code": "distinct_numbers", "value": 151, "limit": 150}],
            detected_at=timezone.now(),
        )  # fmt: skip
        notify_client(tenant.client, "usage/email/breach", {"breach": breach})
    fr = _mail_to(mailoutbox, fr_mail, "Usage raisonnable")
    en = _mail_to(mailoutbox, en_mail, "Fair use")
    assert fr.subject.endswith("en novembre 2026") and en.subject.endswith("in November 2026")
    assert f"Motifs{NBSP}:" in fr.body and "Reasons:" in en.body
    assert "More than" not in fr.body and "(151 / 150)" in fr.body
    assert "- More than 150 distinct numbers (151 / 150)" in en.body


# ACC-6 inactivity notice: a contract in service since 1 March 2025 without traffic, flagged
# on 4 December 2026 (more than 6 months): "depuis le 1er mars 2025" / "since 1 March 2025".
def test_inactivity_mail_in_the_recipients_language(
    tenant, mailoutbox, django_capture_on_commit_callbacks
):
    from offers.services.inactivity import contracts_flag_inactive

    en_mail, fr_mail = _mailing(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        make_contract(tenant.client, "platform", signature=date(2025, 1, 1),
                      service_start=date(2025, 3, 1))  # fmt: skip
        assert contracts_flag_inactive(today=date(2026, 12, 4)) == 1
    fr = _mail_to(mailoutbox, fr_mail, "Aucun trafic")
    en = _mail_to(mailoutbox, en_mail, "No traffic")
    assert "aucun trafic depuis le 1er mars 2025" in fr.body
    assert f"clôturé{NBSP};" in fr.body
    assert "no traffic since 1 March 2025" in en.body


# The chart's tooltip groups a busy day's count as the tables do: 1 234 calls read
# "1 234 appels" (no-break space) / "1,234 calls", not "1234".
def _busy_first_day(client, *, plan: str, cost: str) -> None:
    """This month's 1st: 1 234 answered fixed calls (20 h 34 min) costing ``cost``."""
    from usage.models import UsageDay

    month = paris_today().replace(day=1)
    UsageDay.objects.create(client=client, month=month, day=month, plan=plan, country="FR",
                            line_type="fixed", calls=1234, answered=1234, seconds=74040,
                            cost=Decimal(cost))  # fmt: skip


def test_busy_day_count_grouped_on_the_chart(as_role, tenant):
    _busy_first_day(tenant.client, plan="none", cost="12.3400")
    web = as_role(Role.ADMIN)
    assert f"12,34{NBSP}€ · 1{NBSP}234 appels</title>" in _page(web, "usage:consumption", "fr")
    en = _page(web, "usage:consumption", "en")
    assert "12.34 € · 1,234 calls</title>" in en
    fr = _page(web, "usage:consumption", "fr")
    # and in the table of the chart's figures: 1 234 / 1,234 calls, 12,34 € / 12.34 €
    assert f'<td class="use-num">1{NBSP}234</td><td class="use-num">12,34\u00a0€</td>' in fr
    assert '<td class="use-num">1,234</td><td class="use-num">12.34\u00a0€</td>' in en
    assert "The chart's figures, day by day" in en and '<th scope="col">Day</th>' in en


# The chart's scale when the month has nothing billable (included calls only): its bars are the
# day's calls, and the top line says so — 1 234 calls → "1 234 appels" / "1,234 calls".
def test_chart_scale_in_calls_when_nothing_is_billable(as_role, tenant):
    _busy_first_day(tenant.client, plan="sip_unl", cost="0")
    web = as_role(Role.ADMIN)
    fr = _page(web, "usage:consumption", "fr")
    assert f'data-testid="chart-top">1{NBSP}234 appels</text>' in fr
    en = _page(web, "usage:consumption", "en")
    assert 'data-testid="chart-top">1,234 calls</text>' in en


# USE-3 — the calls of the month downloaded from an English page: the file is named in English,
# "calls-2026-12.csv", with English headers and decimal points (3 calls of 1 234.5678 €
# written 1234.5678); it was saved as « appels-2026-12.csv ». French keeps « appels-… ».
def test_calls_csv_named_in_the_page_language(as_role, busy_month):
    web = as_role(Role.ADMIN)
    month = f"{paris_today():%Y-%m}"
    for lang, name, header, price in (
        ("en", f"calls-{month}.csv", "Call ID;Start (Paris time);Account", ";1234.5678;"),
        (
            "fr",
            f"appels-{month}.csv",
            "Identifiant d'appel;Début (heure de Paris);Compte",
            ";1234,5678;",
        ),
    ):
        web.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
        response = web.get(reverse("usage:calls_csv"))
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        body = response.content.decode("utf-8-sig")
        assert body.startswith(header) and price in body
