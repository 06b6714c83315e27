"""The equipment app as a demanding business customer uses it (EQP-1..6): amounts worked out by
hand from the contracts (HOSTED-W 5.5.2 / 5.5.4, HOSTED-A 3), what each page says before money
moves, and what it says after."""

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import BillingMode, Role
from equipment.models import ReturnItem
from equipment.services import items, returns
from equipment.services.return_open import open_return
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


def _late_rental_item(tenant):
    """A phone rented 01/10/2025 (sale price 149,00 € HT: its price if not returned, EQP-6),
    its rental's last day 24/12/2026, due back Monday 28/12/2026, still not back on the 29th."""
    order = rent(tenant.client, tenant.site, make_model(sale="149.00", rental="6.00"),
                 ordered_on=date(2025, 10, 1))  # fmt: skip
    _delivered(order)
    back = open_return(
        client=tenant.client, reason="rental_end", items=list(order.items.all()),
        last_day=date(2026, 12, 24), contract=order.contract,
    )  # fmt: skip
    [line] = back.lines.all()
    returns.non_return_record(line_id=line.pk, today=date(2026, 12, 29))
    return ReturnItem.objects.get(pk=line.pk)


# EQP-6 (HOSTED-W 5.5.4, HOSTED-A 3) — an item not back by its due date: the returns page said
# « Non restitué : en attente de décision », then « Non restitué : facturé », never how much nor
# until when. Now: 149,00 € HT if billed, decided by 05/01/2027 at the latest (29/12 + 7 days),
# then « facturé 149,00 € HT ».
def test_returns_page_states_the_non_return_price(client, tenant):
    tenant.client.partner.billing_mode = BillingMode.RESELLER_BILLED  # we invoice it
    tenant.client.partner.save(update_fields=["billing_mode"])
    line = _late_rental_item(tenant)
    assert (line.amount, line.decide_by) == (Decimal("149.0000"), date(2027, 1, 5))
    login(client, tenant.members[Role.READ_ONLY])
    page = _text(client.get(reverse("equipment:returns")))
    assert "149,00\u00a0€ HT en cas de facturation (décision au plus tard le 05/01/2027)" in page
    english = _text(client.get(reverse("equipment:returns"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "149.00 € excl. VAT if billed (decided by 05/01/2027 at the latest)" in english.replace(
        "\u00a0", " "
    )
    returns.non_return_bill(line=line)
    page = _text(client.get(reverse("equipment:returns")))
    billed = 'Non restitué\u00a0: facturé · <span data-testid="non-return-price">149,00\u00a0€'
    assert billed in page


# ACC-3 — a partner-billed customer pays its partner's prices: ours are never shown to it.
def test_returns_page_hides_our_price_from_a_partner_billed_customer(client, tenant):
    tenant.client.partner.billing_mode = BillingMode.PARTNER_BILLED
    tenant.client.partner.save(update_fields=["billing_mode"])
    _late_rental_item(tenant)
    login(client, tenant.members[Role.READ_ONLY])
    page = _text(client.get(reverse("equipment:returns")))
    assert "décision en attente" in page and "149" not in page


# EQP-4, EQP-5 — an item already replaced (its replacement shipped, the item expected back): its
# page offered « Signaler un défaut », the form took the description and photos, then refused
# them. Now the page says why no RMA, and the form's address sends back to the page, saying it.
def test_item_page_offers_no_rma_the_service_refuses(client, tenant, django_user_model):
    from equipment.services import rma as rmas
    from tests.equipment.factories import stock

    staff = django_user_model.objects.create_user(email="s@x.example", password="x", is_staff=True)
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 10, 1))
    item = _delivered(order)
    stock(item.model, 1)
    defect = rmas.rma_request(client=tenant.client, item=item, description="Écran noir")
    rmas.rma_approve(rma=defect, actor=staff)
    rmas.rma_ship_replacement(rma=defect, actor=staff)
    login(client, tenant.members[Role.TECHNICAL])
    page = _text(client.get(reverse("equipment:item", args=[item.pk])))
    assert 'data-testid="report-defect"' not in page
    assert "déjà été remplacé" in page
    response = client.get(reverse("equipment:rma_create", args=[item.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:item", args=[item.pk])
    # the replacement, at the customer's, is the one to report on
    replacement = defect.item.order.items.exclude(pk=item.pk).get()
    assert client.get(reverse("equipment:rma_create", args=[replacement.pk])).status_code == 200


# EQP-4, EQP-5 — a phone whose rental ended on 25/12/2026 (delivered 03/10/2026, still under
# warranty) is to be returned, not replaced: no « Signaler un défaut », the reason instead.
def test_item_of_an_ended_rental_offers_no_rma(client, tenant):
    from equipment.services import rentals
    from offers import services as offers

    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 10, 3))
    item = _delivered(order)
    with time_machine.travel("2026-12-05 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    with time_machine.travel("2026-12-26 10:00 +01:00", tick=False):
        login(client, tenant.members[Role.ADMIN])
        page = _text(client.get(reverse("equipment:item", args=[item.pk])))
        response = client.get(reverse("equipment:rma_create", args=[item.pk]))
    assert 'data-testid="report-defect"' not in page
    assert "La location de cet équipement a pris fin" in page, page[-3000:]
    assert response.status_code == 302


# ACC-2, EQP-2, EQP-3 — staff confirming customers' requests for equipment: one click ordered
# them (a sale charged, a rental contract made, the items shipped) without showing what it
# would cost. Now a page shows each at the catalogue's price in force today — a sale of 3
# phones at 149,00: 447,00 € HT; a 24-month rental of 2 at 6,00: 12,00 € HT a month — and
# nothing is ordered until staff confirm it.
def test_back_office_shows_the_amounts_before_confirming_requests(client, tenant):
    from allauth.mfa.models import Authenticator
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from accounts.models import User
    from equipment.models import EquipmentOrder, EquipmentRequest
    from equipment.services import orders
    from tests.equipment.factories import stock

    staff = User.objects.create_user(
        email="ops@reseller.example", password="x-Long-Pass-123", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    model = make_model(sale="149.00", rental="6.00")
    stock(model, 5)
    sale = orders.request_create(
        client=tenant.client, site=tenant.site, model=model, tenure="sale", quantity=3
    )
    rental = orders.request_create(
        client=tenant.client, site=tenant.site, model=model, tenure="rental", quantity=2,
        commitment_months=24,
    )  # fmt: skip
    changelist = reverse("admin:equipment_equipmentrequest_changelist")
    selected = {"action": "confirm", ACTION_CHECKBOX_NAME: [sale.pk, rental.pk]}
    page = _text(client.post(changelist, selected))
    assert "3 × 149,00\u00a0€ = 447,00\u00a0€ HT" in page
    assert "2 × 6,00\u00a0€ = 12,00\u00a0€ HT par mois, 24\u00a0mois" in page
    assert not EquipmentOrder.objects.exists()
    assert set(EquipmentRequest.objects.values_list("status", flat=True)) == {"pending"}
    done = client.post(changelist, {**selected, "apply": "1"})
    assert done.status_code == 302
    assert EquipmentOrder.objects.count() == 2
    assert set(EquipmentRequest.objects.values_list("status", flat=True)) == {"confirmed"}


# EQP-3, EQP-5 — two phones rented 15/01/2026 at 6,00 €; SN-A replaced under an RMA (its
# replacement SN-C shipped, SN-A expected back by that RMA's return). Ending the rental sends
# back SN-B and SN-C only: the quote named SN-A too (three serial numbers under « 2 × »). Once
# ended, the item's page read « 0,00 € HT par mois »: the rental's price stays 12,00 € HT.
def test_rental_end_names_what_its_return_expects_and_keeps_its_price(client, tenant):
    from django.contrib.auth import get_user_model

    from equipment.services import rentals
    from equipment.services import rma as rmas
    from equipment.services.returns import rental_end_items, return_open_for_termination
    from offers import services as offers
    from tests.equipment.factories import stock

    staff = get_user_model().objects.create_user(email="s@x.example", password="x", is_staff=True)
    order = rent(tenant.client, tenant.site, make_model(rental="6.00"), quantity=2,
                 ordered_on=date(2026, 1, 15))  # fmt: skip
    first = _delivered(order)
    second = order.items.exclude(pk=first.pk).get()
    (spare,) = stock(first.model, 1)
    defect = rmas.rma_request(client=tenant.client, item=first, description="Écran noir")
    rmas.rma_approve(rma=defect, actor=staff)
    rmas.rma_ship_replacement(rma=defect, actor=staff, replacement=spare)
    sent_back = sorted([second.serial_number, spare.serial_number])
    with time_machine.travel("2026-11-16 10:00 +01:00", tick=False):
        login(client, tenant.members[Role.ADMIN])
        quote = _text(client.get(reverse("equipment:rental_end", args=[second.pk])))
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
    assert f'data-testid="rental-serials">{", ".join(sent_back)}<' in quote
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    ended = return_open_for_termination(termination_id=termination.pk)
    assert sorted(line.item.serial_number for line in ended.lines.all()) == sent_back
    assert rental_end_items(order.contract) == []  # each expected once
    with time_machine.travel("2026-12-26 10:00 +01:00", tick=False):
        login(client, tenant.members[Role.ADMIN])
        page = _text(client.get(reverse("equipment:item", args=[second.pk])))
    assert "12,00\u00a0€ HT par mois (2 × 6,00\u00a0€)" in page and "0,00\u00a0€ HT par" not in page


# EQP-5 — a rented phone whose rental ended 25/12/2026 is due back Monday 28/12/2026 (24/12 the
# last day, 25/12 a holiday, then the weekend): its page and the equipment list said only
# « Chez le client ». Now both say « À restituer au plus tard le 28/12/2026 », the page with
# the label; the list costs the same queries for one item or five.
def test_items_due_back_say_so(client, tenant, django_assert_max_num_queries):
    from equipment.services import rentals
    from equipment.services.returns import return_open_for_termination
    from offers import services as offers

    def ended_rental(quantity):
        order = rent(tenant.client, tenant.site, make_model(), quantity=quantity,
                     ordered_on=date(2026, 1, 15))  # fmt: skip
        item = _delivered(order)
        with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
            termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
        assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
        return item, return_open_for_termination(termination_id=termination.pk)

    item, back = ended_rental(1)
    assert back.due_date == date(2026, 12, 28)
    with time_machine.travel("2026-12-26 10:00 +01:00", tick=False):
        login(client, tenant.members[Role.READ_ONLY])
        page = _text(client.get(reverse("equipment:item", args=[item.pk])))
        assert "À restituer au plus tard le 28/12/2026" in page
        assert reverse("equipment:return_label", args=[back.pk]) in page
        with django_assert_max_num_queries(20) as few:
            listed = _text(client.get(reverse("equipment:items")))
        assert listed.count("À restituer au plus tard le 28/12/2026") == 1
        ended_rental(4)
        with django_assert_max_num_queries(len(few.captured_queries)):
            listed = _text(client.get(reverse("equipment:items")))
        assert listed.count("À restituer au plus tard le 28/12/2026") == 5


# EQP-3 — once the rental ended (effective 25/12/2026, ordered 15/01/2026 for 24 months), its
# item's page still read « Période en cours 15/01/2026 – 14/01/2028 », as if committed to 2028.
# Now: « Location terminée le 24/12/2026 » (its last day), no current period.
def test_ended_rental_shows_no_current_period(client, tenant):
    from equipment.services import rentals
    from offers import services as offers

    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2026, 1, 15))
    item = _delivered(order)
    with time_machine.travel("2026-12-01 10:00 +01:00", tick=False):
        termination = rentals.rental_end(order=order, requested_date=date(2026, 12, 25))
        login(client, tenant.members[Role.ADMIN])
        running = _text(client.get(reverse("equipment:item", args=[item.pk])))
    assert "Période en cours" in running and "15/01/2026 – 14/01/2028" in running
    assert offers.termination_apply(termination_id=termination.pk, today=date(2026, 12, 25))
    with time_machine.travel("2026-12-26 10:00 +01:00", tick=False):
        login(client, tenant.members[Role.ADMIN])
        page = _text(client.get(reverse("equipment:item", args=[item.pk])))
    assert "Période en cours" not in page and "14/01/2028" not in page
    assert "Location terminée le 24/12/2026" in page


# SPEC §9 — the English rental end page labelled its date « Last day + 1 (first day without the
# equipment) »; the French « Date de fin (premier jour sans l'équipement) » -> "End date (first
# day without the equipment)".
def test_rental_end_date_label_in_english(client, tenant):
    item = _delivered(rent(tenant.client, tenant.site, make_model()))
    login(client, tenant.members[Role.ADMIN])
    url = reverse("equipment:rental_end", args=[item.pk])
    english = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "End date (first day without the equipment)" in english and "Last day + 1" not in english
    assert "Date de fin (premier jour sans l'équipement)" in _text(client.get(url))


# EQP-1, EQP-4 — an item's page and an RMA's page cost the same queries with one RMA or photo
# as with many (the item's RMAs, the RMA's photos).
def test_detail_pages_constant_queries(client, tenant, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from equipment.services import rma as rmas
    from tests.equipment.factories import stock

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    staff = get_user_model().objects.create_user(email="s@x.example", password="x", is_staff=True)
    order = rent(tenant.client, tenant.site, make_model(), quantity=2)
    item = _delivered(order)
    defect = rmas.rma_request(
        client=tenant.client, item=item, description="x",
        photos=[SimpleUploadedFile("a.png", png, content_type="image/png")],
    )  # fmt: skip
    login(client, tenant.members[Role.ADMIN])
    pages = [reverse("equipment:item", args=[item.pk]), reverse("equipment:rma", args=[defect.pk])]
    counts = []
    for url in pages:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    rmas.rma_refuse(rma=defect, reason="wear", actor=staff)
    for _ in range(3):  # more RMAs: refused, then reported again
        again = rmas.rma_request(client=tenant.client, item=item, description="y")
        rmas.rma_refuse(rma=again, reason="wear", actor=staff)
    defect = rmas.rma_request(
        client=tenant.client, item=item, description="z",
        photos=[SimpleUploadedFile(f"{n}.png", png, content_type="image/png") for n in range(5)],
    )  # fmt: skip
    stock(item.model, 1)
    pages[1] = reverse("equipment:rma", args=[defect.pk])
    for url, count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200
