"""Audit (helper, "the same month, the same figures everywhere"): the consumption page, its CSV,
the dashboard card, the partner API (rated calls with cursor pagination, monthly summary), the
invoice's consumption lines and its call-detail annex agree on one customer's month — counts
and amounts to the cent, in French and in English — and no filter or page loses, repeats or
leaks a call."""

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import BillingMode, Role
from billing import services as billing
from billing.models import Invoice, InvoiceLine
from tests.telephony.factories import make_trunk
from tests.usage import core_helpers as core
from tests.usage.money_helpers import NOV, OCT, at, call

pytestmark = pytest.mark.django_db


def _ids(body):
    return [row["id"] for row in body["results"]]


def _walk(api, url, params):
    """Every page of a list, following the ``next`` links; returns the ids in order."""
    body = api.get(url, params).json()
    seen = _ids(body)
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += _ids(body)
    return seen


# USE surfaces (SPEC §9, partner API pagination) — API cursor pagination (docs/rules.md
# "cursor pagination", "stable under inserts"): a
# platform of 10 CAPS starts several calls in the same second. Four calls at 10:00:00 and one
# at 10:00:01 on 5 October; pages of 2, newest first. After page 1 (10:00:01, then the newest
# of the four at 10:00:00), a late record of the same second arrives (its CDR file came late).
# Walking on must show each of the first five calls exactly once. DRF's cursor keeps only the
# start time and an offset among the calls of that second: the new call takes a place in that
# offset, so one call already shown comes back and the new one is skipped.
def test_cursor_never_repeats_a_call_when_one_of_the_same_second_arrives_between_pages(
    api, tenant, django_assert_max_num_queries
):
    client = tenant.client
    second = at(5, 10)
    four = [call(client, started_at=second, cost="0.0100") for _ in range(4)]
    newest = call(client, started_at=second + timedelta(seconds=1), cost="0.0100")
    url = reverse("api:call-list")
    params = {"customer": client.pk, "month": "2026-10", "page_size": 2}
    first = api.get(url, params).json()
    assert _ids(first) == [newest.pk, four[3].pk]
    late = call(client, started_at=second, cost="0.0100", late=True)
    seen = _ids(first)
    body = first
    while body["next"]:
        body = api.get(body["next"]).json()
        seen += _ids(body)
    assert len(seen) == len(set(seen)), seen  # no call twice
    assert set(seen) >= {c.pk for c in [*four, newest]}
    # the late record has a higher id than the calls of its second: newest first, it sorts
    # before them, that is, on the page already read; a new walk shows it
    assert late.pk in _walk(api, url, params)
    # and back, page by page, from the last page: each call once, in the same order
    walked = _walk(api, url, params)
    body = api.get(url, params).json()
    while body["next"]:
        body = api.get(body["next"]).json()
    back = _ids(body)
    while body["previous"]:
        with django_assert_max_num_queries(6):  # key, partner, customer, page: no N+1
            body = api.get(body["previous"]).json()
        back = _ids(body) + back
    assert back == walked


# --- one customer's October on every surface ------------------------------------------------
#
# USE-1..4, USE-2 rounding, BIL-1, BIL-3 (docs/rules.md "Surfaces").
# Seeded grid (usage migration 0004): France fixed 0.0120 €/min, France mobile 0.0450 €/min,
# both per second (1/1). October 2026 of Acme (its partner Nova bills through us: the invoices
# are Acme's), every call imported as the carrier sends it:
#   SIP-UNL "sip": 112 (emergency, free); 30 Sep 22:30 UTC = 1 Oct 00:30 Paris, fixed, 120 s
#     (slot 1, included); 5 Oct fixed 120 s (slot 2, included); mobile 100 s per second
#     100 × 0.045 / 60 = 0.0750.                                     account: 0.0750 → 0.08 €
#   HOSTED-W "hw", calls from a third-party device (USE-4 breach: per minute): fixed 61 s →
#     120 s × 0.012 / 60 = 0.0240; mobile 30 s → 60 s × 0.045 / 60 = 0.0450. account → 0.07 €
#   PLATFORM: mobile 7 s = 0.00525 → 0.0053 (4 decimals half-up per call), mobile 13 s =
#     0.00975 → 0.0098, fixed 100 s = 0.0200.                        account: 0.0351 → 0.04 €
#   TRUNK: 4 fixed calls of 75 s = 0.0150 each; 1 call to our own assigned number (on-net,
#     free).                                                          account: 0.0600 → 0.06 €
#   and one trunk call on 31 Oct 23:30 UTC = 1 Nov 00:30 Paris: November's, on no October
#   surface.
# Page / API summary / dashboard (each total its own sum rounded once): 14 calls; mobile
#   0.0750 + 0.0450 + 0.0053 + 0.0098 = 0.1351 → 0.14 €; fixed 0.0240 + 0.0200 + 0.0600 =
#   0.1040 → 0.10 €; month 0.2391 → 0.24 €.
# Invoice of October (one line per contract and class, rounded once, half-up): SIP-UNL mobile
#   0.0750 → 0.08; HOSTED-W fixed 0.0240 → 0.02, mobile 0.0450 → 0.05; PLATFORM mobile
#   0.0151 → 0.02, fixed 0.0200 → 0.02; TRUNK fixed 0.0600 → 0.06: 0.25 € (the legal figure).
#   Its annex: the 10 calls that cost something, summing per line to the same cents.


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def october(tenant, imported):
    from numbering.models import PhoneNumber

    client = tenant.client
    client.partner.billing_mode = BillingMode.RESELLER_BILLED
    client.partner.save(update_fields=["billing_mode"])
    sip = core.account("sip-unl", client=client)
    hw = core.account("hosted-w", client=client)
    plat = core.platform(client)
    trunk = make_trunk(client)
    PhoneNumber.objects.create(
        e164="+33199990001", number_type="geographic", state="assigned", client=client,
        assigned_at=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    row = core.row
    rows = [
        row(sip, "112", start=utc(10, 3, 8), duration=30),
        row(sip, "+33140000001", start=utc(9, 30, 22, 30), duration=120),
        row(sip, "+33140000002", start=utc(10, 5, 9), duration=120),
        row(sip, "+33612345678", start=utc(10, 5, 10), duration=100),
        row(hw, "+33140000003", start=utc(10, 6, 9), duration=61, device="AA:BB:CC:DD:EE:01"),
        row(hw, "+33698765432", start=utc(10, 6, 10), duration=30, device="AA:BB:CC:DD:EE:01"),
        row(plat, "+33611111111", start=utc(10, 7, 9), duration=7),
        row(plat, "+33611111112", start=utc(10, 7, 10), duration=13),
        row(plat, "+33140000004", start=utc(10, 7, 11), duration=100),
        *[row(trunk, f"+3314000001{i}", start=utc(10, 8, 9, i), duration=75) for i in range(4)],
        row(trunk, "+33199990001", start=utc(10, 8, 12), duration=600),
        row(trunk, "+33140000020", start=utc(10, 31, 23, 30), duration=60),
    ]
    imported(rows)
    return type("Month", (), {"sip": sip, "hw": hw, "plat": plat, "trunk": trunk})


def _page(web, month="2026-10"):
    return html.unescape(web.get(reverse("usage:consumption"), {"month": month}).content.decode())


def _table(page, testid):
    table = page[page.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        ]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        if "<td" in tr
    ]


def test_october_agrees_on_page_csv_api_and_invoice(as_role, api, tenant, imported):
    month = october(tenant, imported)
    client = tenant.client
    # the rating as computed by hand
    from usage.models import CallRecord

    costs = dict(CallRecord.objects.filter(client=client).values_list("called", "cost"))
    assert costs["+33612345678"] == Decimal("0.0750")
    assert (costs["+33140000003"], costs["+33698765432"]) == (Decimal("0.0240"), Decimal("0.0450"))
    assert (costs["+33611111111"], costs["+33611111112"]) == (Decimal("0.0053"), Decimal("0.0098"))
    assert costs["+33199990001"] == 0 and costs["112"] == 0 and costs["+33140000001"] == 0

    # the consumption page, in French
    web = as_role(Role.BILLING)
    page = _page(web)
    assert 'data-testid="month-total">0,24\u00a0€' in page
    assert 'data-testid="call-count">14<' in page
    by_class = {label: (n, amount) for label, n, _minutes, amount in _table(page, "by-class")}
    assert by_class["Mobile, France"] == ("4", "0,14\u00a0€")
    assert by_class["Fixe, France"][1] == "0,10\u00a0€"
    accounts = {label: rest for label, *rest in _table(page, "by-account")}
    assert accounts[f"Poste ({month.sip.username})"] == [
        "numéros distincts\u00a0: 2 / 99",
        "4",
        "0,08\u00a0€",
    ]
    # the HOSTED-W account is in breach (a device we did not supply): its row says so (USE-4)
    fair_use, *rest = accounts[f"Poste ({month.hw.username})"]
    assert rest == ["2", "0,07\u00a0€"]
    assert fair_use.startswith("numéros distincts\u00a0: 2 / 150")
    assert "Usage raisonnable dépassé\u00a0: pour ce mois" in fair_use
    assert "Un équipement non fourni par nos soins" in fair_use
    assert accounts["Trafic du contrat (sans compte SIP)"][1:] == ["3", "0,04\u00a0€"]
    trunk_row = accounts[f"Trunk {month.trunk.contract.reference} ({month.trunk.username})"]
    assert trunk_row[1:] == ["5", "0,06\u00a0€"]

    # the same page in English
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = _page(web)
    assert 'data-testid="month-total">0.24\u00a0€' in english
    assert "distinct numbers: 2 / 99" in english
    del web.defaults["HTTP_ACCEPT_LANGUAGE"]

    # the CSV export: the same 14 calls, their costs adding up to 0.2391 → 0.24 €
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 14
    total = sum(Decimal(r["Coût (€ HT)"].replace(",", ".")) for r in rows)
    assert total == Decimal("0.2391")

    # the API: the summary, and the calls of the month by month filter, by Paris dates and page
    # by page
    summary = api.get(
        reverse("api:call-summary"), {"customer": client.pk, "month": "2026-10"}
    ).json()
    assert (summary["total"]["calls"], summary["total"]["amount"]) == (14, "0.24")
    amounts = {line["label"]: line["amount"] for line in summary["by_destination"]}
    assert (amounts["Mobile, France"], amounts["Fixe, France"]) == ("0.14", "0.10")
    assert sorted(a["amount"] for a in summary["by_account"]) == ["0.04", "0.06", "0.07", "0.08"]
    assert sum(d["calls"] for d in summary["by_day"]) == 14
    assert summary["by_day"][0]["day"] == "2026-10-01"  # 30 Sep 22:30 UTC is 1 Oct in Paris
    url = reverse("api:call-list")
    by_month = _walk(api, url, {"customer": client.pk, "month": "2026-10", "page_size": 4})
    paris_days = {
        "customer": client.pk,
        "started_after": "2026-10-01T00:00:00",
        "started_before": "2026-11-01T00:00:00",
        "page_size": 4,
    }
    by_dates = _walk(api, url, paris_days)
    assert len(by_month) == 14 == len(set(by_month))
    assert by_dates == by_month

    # the invoice of October and its annex
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=client, month=OCT, kind="invoice", purpose="regular")
    lines = InvoiceLine.objects.filter(invoice=invoice, kind="consumption")
    assert sorted(line.net_amount for line in lines) == sorted(
        Decimal(a) for a in ["0.08", "0.02", "0.05", "0.02", "0.02", "0.06"]
    )
    annex = web.get(reverse("usage:invoice_annex", args=[invoice.pk])).content.decode("utf-8-sig")
    annexed = list(csv.DictReader(io.StringIO(annex), delimiter=";"))
    assert len(annexed) == 10
    assert sum(Decimal(r["Coût (€ HT)"].replace(",", ".")) for r in annexed) == Decimal("0.2391")


def _annex(web, invoice):
    body = web.get(reverse("usage:invoice_annex", args=[invoice.pk])).content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body), delimiter=";"))


def _cost(rows):
    return sum((Decimal(r["Coût (€ HT)"].replace(",", ".")) for r in rows), Decimal(0))


# BIL-1 / USE-4 / BIL-9 — October (above) invoiced 0.25 € of calls on 1 November. Then a late
# record of October arrives (trunk, fixed 50 s = 0.0100 €) and staff waive the HOSTED-W user's
# breach (its 0.0240 + 0.0450 € become included: 0 €; credit note 0.02 + 0.05 = 0.07 €).
# October on the page and in the API: 15 calls, 0.2391 + 0.0100 − 0.0690 = 0.1801 → 0.18 €.
# November's run bills the trunk line's late record: round(0.0700) − 0.06 = 0.01 €, "reçues
# après facturation"; November's annex lists that call and the trunk's call of 1 November
# 00:30 Paris (60 s = 0.0120 €).
def test_late_record_and_waiver_after_invoicing_agree(as_role, api, tenant, imported):
    from usage.models import FairUseBreach
    from usage.services.billing import breach_waive

    month = october(tenant, imported)
    client = tenant.client
    billing.run_month_sync(month=OCT)
    imported([core.row(month.trunk, "+33140000030", start=utc(10, 20, 9), duration=50)])
    [breach] = FairUseBreach.objects.filter(sip_account=month.hw)
    credits = breach_waive(breach=breach, note="Geste commercial", actor=None)
    [note] = {credit.credit_note for credit in credits}  # one credit note, two lines credited
    assert note.total_net == Decimal("0.07")

    web = as_role(Role.BILLING)
    page = _page(web)
    assert 'data-testid="month-total">0,18\u00a0€' in page
    assert 'data-testid="call-count">15<' in page
    summary = api.get(
        reverse("api:call-summary"), {"customer": client.pk, "month": "2026-10"}
    ).json()
    assert (summary["total"]["calls"], summary["total"]["amount"]) == (15, "0.18")
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 15 and _cost(rows) == Decimal("0.1801")
    assert [r["Reçu après facturation (1/0)"] for r in rows].count("1") == 1

    billing.run_month_sync(month=NOV)
    november = Invoice.objects.get(client=client, month=NOV, kind="invoice", purpose="regular")
    late_lines = InvoiceLine.objects.filter(invoice=november, kind="consumption", period_start=OCT)
    assert [line.net_amount for line in late_lines] == [Decimal("0.01")]
    assert "reçues après facturation" in late_lines[0].description
    annexed = _annex(web, november)
    assert sorted(r["Numéro appelé"] for r in annexed) == ["+33140000020", "+33140000030"]
    assert _cost(annexed) == Decimal("0.0220")


# USE surfaces (SPEC §9 dashboard) — the dashboard card "Consommation du mois" says what the
# page's month to date says: on 31
# October at 13:00 Paris, October's 14 calls and 0.24 € (in English "14 calls this month",
# 0.24 €); on 31 October at 23:45 UTC it is 1 November 00:45 in Paris — November's one call
# (trunk, 60 s × 0.012 / 60 = 0.0120 → 0.01 €).
def test_dashboard_card_is_the_pages_month_to_date(as_role, tenant, imported):
    october(tenant, imported)
    web = as_role(Role.BILLING)
    with time_machine.travel(utc(10, 31, 12), tick=False):
        card = web.get(reverse("dashboard")).content.decode()
        page = _page(web, "2026-10")
        web.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        english = web.get(reverse("dashboard")).content.decode()
        del web.defaults["HTTP_ACCEPT_LANGUAGE"]
    assert 'data-testid="consumption-total"><strong>0,24\u00a0€' in card
    assert "14 appels ce mois-ci" in card
    assert 'data-testid="month-total">0,24\u00a0€' in page and "Depuis le début du mois" in page
    assert 'data-testid="consumption-total"><strong>0.24\u00a0€' in english
    assert "14 calls this month" in english
    with time_machine.travel(utc(10, 31, 23, 45), tick=False):
        card = web.get(reverse("dashboard")).content.decode()
    assert 'data-testid="consumption-total"><strong>0,01\u00a0€' in card
    assert "1 appel ce mois-ci" in card


# BIL-2 / BIL-3 — an issued invoice never changes, and its call-detail annex is the list of the
# calls it billed: October's invoice carried the HOSTED-W user's two calls (0.0240 + 0.0450 €,
# lines 0.02 € and 0.05 €) and its annex listed 10 calls for 0.2391 €. The breach is waived
# after issue: a credit note of 0.07 € corrects the invoice. The invoice still shows its
# 0.02 € and 0.05 € lines; its annex must still list the 10 calls it billed, at the cost it
# billed (0.2391 €). Before the fix it was read from the calls as they are now: the two calls,
# re-rated to 0 €, were gone from it (8 calls, 0.1701 €), and the annex no longer added up to
# its invoice's lines (likewise a late record that moves SIP-UNL's slots after issue). The
# stored annex goes with its oldest call (PLATFORM 6.7: 12 months); the invoice stays.
def test_annex_of_an_issued_invoice_does_not_change_after_a_waiver(as_role, tenant, imported):
    from usage.models import FairUseBreach
    from usage.services.billing import breach_waive

    month = october(tenant, imported)
    billing.run_month_sync(month=OCT)
    web = as_role(Role.BILLING)
    invoice = Invoice.objects.get(
        client=tenant.client, month=OCT, kind="invoice", purpose="regular"
    )
    before = _annex(web, invoice)
    assert (len(before), _cost(before)) == (10, Decimal("0.2391"))
    [breach] = FairUseBreach.objects.filter(sip_account=month.hw)
    breach_waive(breach=breach, note="Geste commercial", actor=None)
    after = _annex(web, invoice)
    assert (len(after), _cost(after)) == (10, Decimal("0.2391"))
    assert after == before

    from usage.models import InvoiceAnnex
    from usage.services.retention import retention_purge

    # on 30/09/2027 the calls kept start on 1/10/2026 (Paris): every October call still is
    assert retention_purge(today=date(2027, 9, 30))["invoice_annexes"] == 0
    assert retention_purge(today=date(2027, 11, 1))["invoice_annexes"] == 1
    assert not InvoiceAnnex.objects.exists() and Invoice.objects.filter(pk=invoice.pk).exists()


# USE-4, USE-5, USE-6 — the partner API's monthly summary says what the consumption page says:
# the HOSTED-W account of October lost its unlimited (a device we did not supply: its 2 calls
# billed per minute, 0.07 €), the platform went over its limits one hour and paid quality
# penalties another. Before, the summary gave the 0.07 € and nothing of why, and neither hour.
# Hours with no call of the scenario (the API writes times in Paris time with their offset):
# 15 Oct 03:00 UTC (05:00 Paris) over the simultaneous calls; 15 Oct 04:00 UTC (06:00 Paris),
# quality penalty 0.02 € × 3 calls (ASR) = 0.06 € plus 0.02 € × 3
# (short calls) = 0.06 €: 0.12 € for the hour.
def test_api_summary_names_breaches_limits_and_penalties_as_the_page(
    api, as_role, tenant, imported
):
    from usage.models import LimitBreach, QualityHour

    month = october(tenant, imported)
    client = tenant.client
    LimitBreach.objects.create(
        client=client, kind="simultaneous", hour=utc(10, 15, 3), month=date(2026, 10, 1),
        peak=12, limit=10, peak_at=utc(10, 15, 3, 17),
    )  # fmt: skip
    QualityHour.objects.create(
        client=client, hour=utc(10, 15, 4), month=date(2026, 10, 1), attempts=3, answered=3,
        answered_seconds=9, short_calls=3, asr_penalty=Decimal("0.06"),
        short_penalty=Decimal("0.06"),
    )  # fmt: skip
    summary = api.get(
        reverse("api:call-summary"), {"customer": client.pk, "month": "2026-10"}
    ).json()
    accounts = {a["account"]: a for a in summary["by_account"]}
    breach = accounts[f"Poste ({month.hw.username})"]["fair_use_breach"]
    assert breach["reasons"] == [{"code": "third_party_device", "value": 1, "limit": None}]
    assert datetime.fromisoformat(breach["detected_at"]).utcoffset() is not None
    assert accounts[f"Poste ({month.sip.username})"]["fair_use_breach"] is None
    assert summary["limit_breaches"] == [
        {"kind": "simultaneous", "hour": "2026-10-15T05:00:00+02:00", "peak": 12, "limit": 10}
    ]
    hours = {q["hour"]: q for q in summary["quality_penalties"]}
    quality = hours["2026-10-15T06:00:00+02:00"]
    assert quality["penalty"] == "0.12"
    assert (quality["asr"], quality["acd"], quality["short_call_rate"]) == ("100.0", "3.0", "100.0")
    # the month's total, as the page's « Pénalités du mois » (the other hours: the platform's
    # short calls of 7 October)
    page = _page(as_role(Role.BILLING))
    total = Decimal(summary["quality_penalties_total"])
    assert total == sum(Decimal(q["penalty"]) for q in hours.values())
    assert f'data-testid="quality-total">{total:.2f}'.replace(".", ",") in page
    # a waived breach is no longer one
    from usage.models import FairUseBreach
    from usage.services.billing import breach_waive

    breach_waive(breach=FairUseBreach.objects.get(sip_account=month.hw), note="Geste", actor=None)
    summary = api.get(
        reverse("api:call-summary"), {"customer": client.pk, "month": "2026-10"}
    ).json()
    assert all(a["fair_use_breach"] is None for a in summary["by_account"])
