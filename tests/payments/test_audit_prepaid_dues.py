"""BIL-10, BIL-4 (PLATFORM 12.7.1: the prepaid account pays the « Consommations »): demo
customer Boulangeries Durand (prepaid) owes its invoices' subscriptions, minimum-commitment
top-up and penalties — the balance paid only its calls. The dashboard said « Factures à régler
3, Montant dû 401,81 € » while its prepaid page showed only the 226,10 € balance, saying the
invoice shows consumption as paid by the balance, and the payments page's prepaid tile beside
the balance due said nothing either: the three pages now name the same amount owed.

By hand (load_demo, today in December 2026): October's invoice 150.00 € HT (November's
subscription) + 20 % = 180.00 €, due 30/11 — overdue; November's 150.00 (December's
subscription) + 33.94 (top-up: 200.00 − 150.00 − 16.06 of calls) + 16.06 of calls = 200.00 € HT
+ 40.00 VAT = 240.00 €, 19.27 € of it (the calls, 16.06 × 1.2) paid by the balance: 220.73 € due;
the late-charges invoice of 1.08 € of penalties: 180.00 + 220.73 + 1.08 = 401.81 €. The amounts
of calls depend on the day the demo is loaded, so the test sums the invoices' amounts due."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Client
from billing.models import Invoice

pytestmark = pytest.mark.django_db


def number(text: str) -> Decimal:
    """« 401,81 € » or « 1 234,50 € » → Decimal."""
    return Decimal(re.sub(r"[\s\u00a0\u202f€]", "", text).replace(",", "."))


def test_bil10_prepaid_page_names_the_amount_the_dashboard_and_payments_page_say_is_due(client):
    call_command("load_demo", stdout=io.StringIO())
    durand = Client.objects.get(legal_name="Boulangeries Durand SARL")
    owed = sum(
        (i.amount_due for i in Invoice.objects.filter(client=durand, kind="invoice")), Decimal(0)
    )
    assert owed > 0 and Invoice.objects.filter(client=durand, amount_due=Decimal("180.00"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.force_login(durand.memberships.get(role="admin").user)

    dashboard = client.get(reverse("dashboard")).content.decode()
    shown = re.search(r'data-testid="due-invoice-total">([^<]+)<', dashboard).group(1)
    assert number(shown) == owed
    payments = client.get(reverse("payments:overview")).content.decode()
    shown = re.search(r'data-testid="amount-due">([^<]+)<', payments).group(1)
    assert number(shown) == owed
    assert 'data-testid="prepaid-consumption-only"' in payments
    assert "Ne paie que vos consommations, pas le montant dû ci-contre." in payments

    prepaid = client.get(reverse("payments:prepaid")).content.decode()
    assert "Ce solde ne paie que vos consommations\u00a0: les abonnements" in prepaid
    due = re.search(r'data-testid="prepaid-invoices-due">(.+?)<a ', prepaid, re.S).group(1)
    count = Invoice.objects.filter(client=durand, kind="invoice", amount_due__gt=0).count()
    assert f"Reste à régler sur {count} factures\u00a0:" in due
    amounts = re.findall(r"(\d[\d\u00a0\u202f ]*,\d\d\u00a0€)", due)
    assert number(amounts[0]) == owed
    assert "en retard" in due  # October's 180.00 € is past its due date


# BIL-10 — a prepaid customer with nothing due: the page says what the balance pays, no amount.
def test_bil10_prepaid_page_with_nothing_due(client, django_assert_max_num_queries):
    from tests.payments.conftest import direct_customer

    customer = direct_customer(payment_method="prepaid")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(customer.memberships.get(role="billing").user)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("payments:prepaid")).content.decode()
    assert "This balance pays your consumption only" in page
    assert 'data-testid="prepaid-invoices-due"' not in page
