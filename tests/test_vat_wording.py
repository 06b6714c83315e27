"""« HT » and « TTC » are French: the English pages say « excl. VAT » and « incl. VAT », the
French ones keep « HT » / « TTC » (SPEC 9 Surfaces: French by default, English available).

The key pages of the portal (tariffs, a contract with a pending price change, the invoice list,
the dashboard) and of the back office (a tariff, a price change), each rendered in English and
in French; and the catalogue of French translations itself, where an English text with « HT »
would have its French translation applied only as long as the source kept the French word."""

import html
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.choices import BillingMode, Role
from billing import services as billing
from billing.models import Invoice
from offers.models import Product
from offers.services import price_change_notify, price_change_schedule
from tests.factories import sign_in_staff
from tests.offers.factories import make_contract
from tests.usage.money_helpers import call
from usage.models import Tariff
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db

FRENCH_TAX_WORDS = re.compile(r"\bHT\b|\bTTC\b")


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


def _text(response) -> str:
    """What the page shows, without its markup (attributes and scripts left out)."""
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def customer_pages(client, tenant, time_machine):
    """A customer invoiced by the reseller, on 20 December 2026: a HOSTED-A contract since
    November, its main product going from 250.00 to 265.00 € excl. VAT on 1 January 2027
    (notified), November's invoice issued, a call in December. Returns the portal pages to check."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    time_machine.move_to("2026-11-02 10:00 +01:00", tick=False)
    contract = make_contract(
        tenant.client, "hosted-a", signature=date(2026, 11, 2), service_start=date(2026, 11, 2)
    )
    offer = contract.offer
    time_machine.move_to("2026-12-01 06:00 +01:00", tick=False)
    billing.run_month_sync(month=date(2026, 11, 1))
    assert Invoice.objects.filter(client=tenant.client).exists()
    call(tenant.client, started_at=datetime(2026, 12, 5, 9, tzinfo=UTC), cost="1.2345")
    rollup_refresh([(tenant.client.pk, date(2026, 12, 1))])
    time_machine.move_to("2026-12-10 10:00 +01:00", tick=False)
    change = price_change_schedule(
        offer=offer,
        product=Product.objects.get(pk=offer.main_product_id),
        new_monthly_price="265.00",
        effective_date=date(2027, 1, 1),
        actor=None,
        reason="Indexation",
    )
    price_change_notify(price_change=change, actor=None)
    time_machine.move_to("2026-12-20 10:00 +01:00", tick=False)
    client.force_login(tenant.members[Role.ADMIN].user)
    return {
        "dashboard": reverse("dashboard"),
        "tariffs": reverse("usage:tariffs"),
        "contract": reverse("offers:detail", args=[contract.pk]),
        "invoices": reverse("billing:list"),
    }


def _shown(client, url, language) -> str:
    return _text(client.get(url, HTTP_ACCEPT_LANGUAGE=language))


# SPEC 9 — the English portal writes « excl. VAT »: the contract's pending change read
# « 250.00 → 265.00 € HT/month » in English; the French pages keep « € HT ».
def test_english_portal_pages_say_excl_vat_and_french_ones_ht(client, customer_pages):
    english = {name: _shown(client, url, "en") for name, url in customer_pages.items()}
    french = {name: _shown(client, url, "fr") for name, url in customer_pages.items()}

    for name, text in english.items():
        assert not FRENCH_TAX_WORDS.search(text), (name, FRENCH_TAX_WORDS.findall(text))
    assert "250.00 → 265.00 € excl. VAT a month" in english["contract"], english["contract"]
    assert "excl. VAT" in english["dashboard"] and "incl. VAT" in english["invoices"]
    assert "excluding VAT" in english["tariffs"]

    assert re.search(r"250,00\s€ → 265,00\s€\sHT/mois", french["contract"]), french["contract"]
    assert re.search(r"\sHT\b", french["dashboard"]) and "TTC" in french["invoices"]
    assert "hors TVA" in french["tariffs"]


# SPEC 9 — the back office labels amounts « (€ excl. VAT) » in English: a tariff's rate read
# « Rate per minute (€ HT) » and a price change's « New monthly price (€ HT) ».
def test_english_back_office_labels_say_excl_vat(client):
    sign_in_staff(client)
    tariff = Tariff.objects.order_by("pk").first()
    pages = [
        reverse("admin:usage_tariff_change", args=[tariff.pk]),
        reverse("admin:offers_pricechange_add"),
        reverse("admin:offers_product_changelist"),
    ]
    english = [_shown(client, url, "en") for url in pages]
    french = [_shown(client, url, "fr") for url in pages]

    for url, text in zip(pages, english, strict=True):
        assert not FRENCH_TAX_WORDS.search(text), (url, FRENCH_TAX_WORDS.findall(text))
    assert "Rate per minute (€ excl. VAT)" in english[0]
    assert "New monthly price (€ excl. VAT)" in english[1]
    assert re.search(r"\(€\sHT\)", french[0]) and re.search(r"\(€\sHT\)", french[1])


def _po_entries():
    """(msgid, msgstr) of every entry of the French catalogue."""
    po = Path(settings.BASE_DIR, "locale/fr/LC_MESSAGES/django.po").read_text(encoding="utf-8")

    def joined(part):
        return "".join(re.findall(r'"(.*)"', part))

    for block in po.split("\n\n"):
        parts = re.split(r"^(msgid|msgid_plural|msgstr(?:\[\d\])?) ", block, flags=re.M)
        fields = dict(zip(parts[1::2], map(joined, parts[2::2]), strict=True))
        if fields.get("msgid"):
            yield fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", ""))


# SPEC 9 — no English source text uses the French « HT » / « TTC »; each text that speaks of
# « excl. VAT » still has its French translation (none left untranslated, none fuzzy).
def test_french_catalogue_english_sources_say_vat_and_keep_their_translation():
    entries = list(_po_entries())
    assert len(entries) > 4000
    french_words = [msgid for msgid, _msgstr in entries if FRENCH_TAX_WORDS.search(msgid)]
    assert french_words == []
    vat = [(msgid, msgstr) for msgid, msgstr in entries if re.search(r"€ (excl|incl)\.", msgid)]
    assert len(vat) >= 40
    assert [msgid for msgid, msgstr in vat if not msgstr] == []
    po = Path(settings.BASE_DIR, "locale/fr/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
