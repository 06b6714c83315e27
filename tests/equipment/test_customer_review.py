"""The equipment app as a demanding business customer uses it (EQP-1..6): amounts worked out by
hand from the contracts (HOSTED-W 5.5.2 / 5.5.4, HOSTED-A 3), what each page says before money
moves, and what it says after."""

import html
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from equipment.services import items
from tests.conftest import login
from tests.equipment.factories import make_model, rent

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _delivered(order):
    for item in order.items.all():
        items.item_deliver(item=item, delivered_on=order.ordered_on)
    return order.items.order_by("serial_number").first()


# EQP-3 (HOSTED-W 5.5.2) — two phones rented together at 6,00 € HT each, ordered 01/10/2025 for
# 24 months, ended effective 15/11/2026: November was invoiced in advance, the fees run from
# 01/12/2026 to 01/10/2027: 10 instalments × (2 × 6,00) = 120,00 € HT. The page said
# « Mensualité 6,00 € HT » above « 10 mensualités restantes de 12,00 € » (no HT): the customer
# could not tell what an instalment is, nor that both phones go. Now the instalment is the
# rental's, 12,00 € HT (2 × 6,00 €), the lines say HT, and both serial numbers are named.
def test_rental_end_quote_of_two_items_states_one_instalment(client, tenant):
    order = rent(tenant.client, tenant.site, make_model(rental="6.00"), quantity=2,
                 ordered_on=date(2025, 10, 1))  # fmt: skip
    item = _delivered(order)
    serials = sorted(i.serial_number for i in order.items.all())
    login(client, tenant.members[Role.ADMIN])
    url = reverse("equipment:rental_end", args=[item.pk])
    with time_machine.travel("2026-11-15 10:00 +01:00", tick=False):
        french = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
        english = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "12,00\u00a0€ HT (2 × 6,00\u00a0€)" in french
    assert "10 mensualités restantes de 12,00\u00a0€ HT" in french
    assert "120,00\u00a0€" in french and "6,00\u00a0€ HT</dd>" not in french
    assert all(serial in french for serial in serials)
    assert "12.00 € excl. VAT (2 × 6.00 €)" in english.replace("\u00a0", " ")
    assert "10 remaining instalments of 12.00 € excl. VAT" in english.replace("\u00a0", " ")
    # the item's page: the rental's monthly price, not one item's
    page = _text(client.get(reverse("equipment:item", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="fr"))
    assert "12,00\u00a0€ HT par mois (2 × 6,00\u00a0€)" in page


# EQP-3 — one phone: the instalment is its price, no breakdown.
def test_rental_end_quote_of_one_item(client, tenant):
    item = _delivered(rent(tenant.client, tenant.site, make_model(rental="6.00"),
                           ordered_on=date(2025, 10, 1)))  # fmt: skip
    login(client, tenant.members[Role.ADMIN])
    with time_machine.travel("2026-11-15 10:00 +01:00", tick=False):
        french = _text(client.get(reverse("equipment:rental_end", args=[item.pk])))
    assert "6,00\u00a0€ HT" in french and "×" not in french.split("Mensualité")[1][:40]
    assert "10 mensualités restantes de 6,00\u00a0€ HT" in french and "60,00\u00a0€" in french

