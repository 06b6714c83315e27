"""Staff pages say dates and times in Europe/Paris, as the back office writes them."""

from datetime import date

import pytest
from django.urls import reverse

from tests.console.conftest import at, make_staff_member
from webhooks import services

pytestmark = pytest.mark.django_db


# ACC-4 / §9 webhooks — an endpoint's signing secrets read « 2026-12-05 09:00:00+00:00 → — »
# (a datetime's text, in UTC): created at 10:00 in Paris on 5 December 2026 (09:00 UTC), the
# back office says « 5 décembre 2026 10:00 ».
def test_webhook_secrets_dates_in_paris_time(client, tenant):
    with at(date(2026, 12, 5), 10):
        endpoint, _secret = services.create_endpoint(
            partner=tenant.client.partner, url="http://127.0.0.1:9/hooks/portal"
        )
        client.force_login(make_staff_member("root@reseller.example", superuser=True))
        page = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    text = page.content.decode()
    assert "+00:00" not in text
    assert "5 décembre 2026 10:00 → —" in text


# BIL-3 — an invoice's VAT breakdown in the back office read « 100.00 », « 20.00 » (the stored
# texts) on a French page where every other amount reads « 100,00 »: 100.00 € HT at 20 % →
# taxable « 100,00 », VAT « 20,00 », rate « 20 ».
def test_invoice_vat_breakdown_in_french(client, customer):
    from lxml import html

    from tests.payments.conftest import issue_invoice

    invoice = issue_invoice(customer, "100.00")
    client.force_login(make_staff_member("root@reseller.example", superuser=True))
    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    cells = [
        cell.text_content()
        for cell in html.fromstring(page.content).xpath("//div[contains(@class,'vat_table')]//td")
    ]
    assert cells[1:] == ["20", "100,00", "20,00"], cells
