"""English writes « 20% », French « 20 % » (a no-break space before the sign, docs/rules.md
"French typography"): the English pages wrote percentages the French way — « 99 % availability
per calendar month », « 100 % of the monthly fees », « 20 % » VAT, « 100.000 % » measured
(SPEC 9 Surfaces: French by default, English available)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice
from tests import test_vat_wording
from usage.models import ConsumptionThreshold

pytestmark = pytest.mark.django_db

customer_pages = test_vat_wording.customer_pages  # the fixture: a contract, an invoice, a call
_shown = test_vat_wording._shown

SPACED_PERCENT = re.compile(r"\d[\s\u00a0\u202f]%")


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


# SPEC 9 — the contract (its SLA and termination fees), the availability page, the consumption
# page's alert threshold and an invoice's VAT rate: « 99% » in English, « 99 % » in French.
def test_english_pages_write_percentages_without_a_space(client, tenant, customer_pages):
    ConsumptionThreshold.objects.create(client=tenant.client, amount=Decimal("80"))
    invoice = Invoice.objects.get(client=tenant.client)
    pages = {
        "contract": customer_pages["contract"],
        "availability": reverse("support:availability"),
        "consumption": reverse("usage:consumption"),
        "invoice": reverse("billing:detail", args=[invoice.pk]),
    }
    english = {name: _shown(client, url, "en") for name, url in pages.items()}
    french = {name: _shown(client, url, "fr") for name, url in pages.items()}

    for name, text in english.items():
        assert not SPACED_PERCENT.search(text), (name, SPACED_PERCENT.findall(text))
    assert "99% availability per calendar month" in english["contract"]
    assert "100% of the monthly fees" in english["contract"]
    assert re.search(r">?\s*99%", english["availability"])
    assert "Alerts at 50, 80 and 100% of 80.00" in english["consumption"]
    assert re.search(r"\b20%", english["invoice"])

    assert "Disponibilité de 99\u00a0% par mois" in french["contract"], french["contract"]
    assert re.search(r"99\u00a0%", french["availability"])
    assert re.search(r"100\u00a0%", french["consumption"])
    assert re.search(r"\b20\u00a0%", french["invoice"])
