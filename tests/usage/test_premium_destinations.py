"""Premium-rate and high-risk destinations (USE-1, USE-2, TRK-6): how their calls are named, blocked
and priced.

Seeded grid (usage 0004): France premium 0.8000 €/min 60/60 min 60; the world zones +3 / +4
0.3000 €/min 1/1; the satellite and international networks +870, +881, +882, +883
4.0000 €/min 1/1. Destination groups (telephony 0002): premium-rate and high-risk blocked by
default."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from billing import services as billing
from billing.models import InvoiceLine
from tests.offers.factories import make_contract
from tests.usage.money_helpers import OCT, at, call
from usage import selectors
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# USE-1 — the price class « premium » is every premium-rate number the numbering plan marks so:
# France's 0836 and 085x–089x, the directory enquiries 118 XYZ, the UK's 09, Belgium's 090x…
# The consumption page, its CSV and the invoice line named it « Surtaxé (089) »: a customer who
# called 0836 12 34 56 or the UK's +44 909 read "089". October, a PLATFORM customer: 0836,
# 120 s billed at 0.80 €/min = 1.6000 €; 118 712, 60 s = 0.8000 €; the UK's +44 909 879 0000,
# 60 s = 0.8000 € (the amounts as rated, kept as they are: only the words change).
def test_use1_premium_rate_class_is_not_named_089(as_role, tenant):
    client = tenant.client
    contract = make_contract(client, "platform", signature=OCT, service_start=OCT)
    premium = {"line_type": "special", "price_class": "premium", "contract": contract}
    call(client, started_at=at(5, 9), called="+33836123456", cost="1.6000", duration=120,
         **premium)  # fmt: skip
    call(client, started_at=at(5, 10), called="118712", cost="0.8000", **premium)
    call(client, started_at=at(5, 11), called="+449098790000", country="GB", cost="0.8000",
         **premium)  # fmt: skip
    rollup_refresh([(client.pk, OCT)])

    with translation.override("fr"):
        summary = selectors.consumption_summary(client=client, month=OCT)
        assert {line.label: line.cost for line in summary.by_class} == {
            "Numéro spécial — Surtaxé, France": Decimal("2.4000"),
            "Numéro spécial — Surtaxé, international": Decimal("0.8000"),
        }
    with translation.override("en"):
        summary = selectors.consumption_summary(client=client, month=OCT)
        assert {line.label for line in summary.by_class} == {
            "Special rate — Premium rate, France",
            "Special rate — Premium rate, international",
        }

    web = as_role(Role.BILLING)
    web.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    body = web.get(reverse("usage:calls_csv"), {"month": "2026-10"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert [r["Classe de prix"] for r in rows] == ["Surtaxé"] * 3

    with translation.override("fr"):
        billing.run_month_sync(month=OCT)
    descriptions = sorted(
        InvoiceLine.objects.filter(kind="consumption", period_start=OCT).values_list(
            "description", flat=True
        )
    )
    assert descriptions == [
        "Communications de 10/2026 — Numéro spécial — Surtaxé, France (2 appels, 3\u00a0min)",
        "Communications de 10/2026 — Numéro spécial — Surtaxé, international (1 appel, 1\u00a0min)",
    ]
    assert not [d for d in descriptions if "089" in d]
