"""OPT / CON-2 (PLATFORM 28, 7.2.1) — « Le Client pourra souscrire aux Options suivantes, après
acceptation du Prestataire et en fonction des capacités techniques disponibles » (28), and a
request for more volume or a new option is carried out only on the provider's express
acceptance (7.2.1: « A défaut d'acceptation expresse … le Prestataire n'effectue aucune
évolution des Services »). So on a PLATFORM contract more units asked by the customer (portal)
or its partner (API) wait for our acceptance: the line keeps its quantity and nothing is billed
until staff accept (audited); the added units are then billed pro rata from the day accepted.
Staff may refuse instead (audited). An increase staff make themselves is ours: at once.

Contract: PLATFORM signed and started 2026-02-01 with a CAPS option of 1 lot at 150.00 € HT a
month; the customer asks on 2026-10-10 for 3 lots. Before, the line went to 3 lots that day and
October's invoice carried 2 × 150.00 × 22/31 (10–31 October) = 212.90 € HT, without anyone of
ours having accepted.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import AuditLog
from billing import services as billing
from billing.models import PendingCharge
from kernel.clock import paris_today
from offers import services
from offers.models import LineQuantityChange
from tests.offers.increase_helpers import at, caps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def increase_charges():
    return list(
        PendingCharge.objects.filter(source_type="line_quantity_change").values_list(
            "unit_price", flat=True
        )
    )


def ask_in_the_portal(as_role, contract):
    url = reverse("offers:line_quantity", args=[contract.pk, caps(contract).pk])
    client = as_role("admin")
    quote = client.post(url, {"quantity": "3", "action": "quote"}).content.decode()
    assert "take effect once we accept" in quote  # the quote says it waits for us
    # what it would cost accepted today: 2 × 150.00 × 22/31 = 212.90
    assert "2 × 150.00 € × 22/31 days = 212.90 € excl. VAT" in quote
    return client.post(
        url,
        {
            "quantity": "3",
            "shown_prorata": "212.90",
            "shown_effective_on": "2026-10-10",
            "action": "confirm",
        },
    )


def accept(client, staff, contract, action="accept_quantity_increases"):
    """The back-office action: its confirmation page first (an acceptance bills; a refusal
    asks for its reason), confirmed."""
    client.force_login(staff)
    url = reverse("admin:offers_contract_changelist")
    data = {"action": action, ACTION_CHECKBOX_NAME: [contract.pk]}
    page = client.post(url, data)
    assert page.status_code == 200
    if action == "accept_quantity_increases":
        assert 'data-testid="increase-to-accept"' in page.content.decode()
        data |= {"apply": "1", "shown_on": paris_today().isoformat()}
    else:  # a refusal: its page too (PLATFORM 28, with the reason the customer reads)
        assert 'data-testid="increase-to-refuse"' in page.content.decode()
        data |= {"apply": "1", "reason": ""}
    return client.post(url, data)


# PLATFORM 28 / 7.2.1 — asked on 10 October: nothing changes, nothing is billed; accepted on 20
# October: 3 lots from then, 2 × 150.00 × 12/31 (20–31 October) = 116.13 € HT on October's
# invoice, and November in advance at 3 × 150.00 = 450.00. The request and the acceptance are
# audited.
def test_asked_in_the_portal_waits_for_our_acceptance(as_role, english, tenant, contract, staff):
    with at(date(2026, 10, 10)):
        response = ask_in_the_portal(as_role, contract)
    assert response.status_code == 302
    change = LineQuantityChange.objects.get()
    assert (change.status, caps(contract).quantity) == ("requested", 1)
    assert change.requested_by == tenant.members["admin"].user
    with at(date(2026, 10, 15)):
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk]))
        assert 'data-testid="requested-increase"' in page.content.decode()
    with at(date(2026, 10, 20)):
        assert accept(as_role("admin"), staff, contract).status_code == 302
    change.refresh_from_db()
    assert (change.status, change.effective_on) == ("applied", date(2026, 10, 20))
    assert (change.prorata_days, change.prorata_amount) == (12, Decimal("116.13"))
    assert caps(contract).quantity == 3
    audit = AuditLog.objects.get(action="contract_line.quantity_increase_accept")
    assert audit.actor == staff and audit.after["quantity"] == 3
    assert AuditLog.objects.filter(action="contract_line.quantity_increase_request").exists()
    with at(date(2026, 11, 1), hour=0):
        billing.run_month_sync(month=date(2026, 10, 1))
    assert increase_charges() == [Decimal("116.13")]


# Not accepted: the month's run bills no pro rata and November at 1 lot; staff refuse it
# (audited): the line keeps 1 lot, nothing is ever billed for the 2 lots asked.
def test_refused_or_not_yet_accepted_is_never_billed(api, tenant, contract, staff, client):
    url = reverse("api:contract-line-quantity", args=[contract.pk, caps(contract).pk])
    with at(date(2026, 10, 10)):
        quote = api.post(
            reverse("api:contract-line-quantity-quote", args=[contract.pk, caps(contract).pk]),
            {"quantity": 3},
            format="json",
        )
        assert quote.json()["awaits_acceptance"] is True
        asked = api.post(url, {"quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="caps-3")
    assert asked.status_code == 201
    assert asked.json()["status"] == "requested" and caps(contract).quantity == 1
    with at(date(2026, 11, 1), hour=0):
        billing.run_month_sync(month=date(2026, 10, 1))
    assert increase_charges() == []
    with at(date(2026, 11, 3)):
        assert accept(client, staff, contract, "refuse_quantity_increases").status_code == 302
    change = LineQuantityChange.objects.get()
    assert (change.status, caps(contract).quantity) == ("refused", 1)
    audit = AuditLog.objects.get(action="contract_line.quantity_increase_refuse")
    assert audit.actor == staff


# An increase our staff make themselves is our acceptance: at once, pro rata from that day
# (2 × 150.00 × 22/31 = 212.90 on 10 October).
def test_our_own_increase_applies_at_once(contract, staff):
    with at(date(2026, 10, 10)):
        change = services.line_quantity_change(line=caps(contract), quantity=3, actor=staff)
    assert (change.status, change.prorata_amount) == ("applied", Decimal("212.90"))
    assert caps(contract).quantity == 3


# PLATFORM 28 / CON-2 — accepting bills the customer (the added units' pro rata, their setup):
# the back office shows what each acceptance costs before anything is applied. Asked on 10
# October, accepted on 20 October: 2 × 150,00 € × 12/31 (20–31 October) = 116,13 € HT, then
# 3 × 150,00 = 450,00 € HT a month from 1 November. Before, the action applied at once, with no
# amount shown. A page confirmed on another day than it was shown is shown again, unapplied.
def test_the_acceptance_shows_what_it_bills_before_applying(as_role, english, contract, staff):
    client = english
    with at(date(2026, 10, 10)):
        ask_in_the_portal(as_role, contract)
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]  # the back office in French
    client.force_login(staff)
    url = reverse("admin:offers_contract_changelist")
    data = {"action": "accept_quantity_increases", ACTION_CHECKBOX_NAME: [contract.pk]}
    with at(date(2026, 10, 20)):
        page = client.post(url, data)
    assert page.status_code == 200
    text = page.content.decode()
    row = text[text.index('data-testid="increase-to-accept"') :]
    row = row[: row.index("</tr>")]
    assert contract.reference in row and "1 → 3" in row
    assert "2 × 150,00\u00a0€ × 12/31 jours = 116,13\u00a0€" in row
    assert "450,00\u00a0€" in row
    assert "1er novembre 2026" in row
    assert (LineQuantityChange.objects.get().status, caps(contract).quantity) == ("requested", 1)
    with at(date(2026, 10, 21)):  # shown on the 20th, confirmed on the 21st: shown again
        again = client.post(url, {**data, "apply": "1", "shown_on": "2026-10-20"})
    assert again.status_code == 200 and 'data-testid="quote-changed"' in again.content.decode()
    assert LineQuantityChange.objects.get().status == "requested"
    with at(date(2026, 10, 20)):
        done = client.post(url, {**data, "apply": "1", "shown_on": "2026-10-20"})
    assert done.status_code == 302
    change = LineQuantityChange.objects.get()
    assert (change.status, change.prorata_amount, caps(contract).quantity) == (
        "applied",
        Decimal("116.13"),
        3,
    )


# CON-2 — the contract's page in the back office lists its quantity changes with French amounts
# and nothing billed for an increase still asked: before, « 0.00 » and « 0.00 » of pro rata and
# setup for the request (nothing is computed until accepted), « 116.13 » once accepted.
def test_the_back_office_lists_the_changes_in_french(as_role, english, contract, staff):
    client = english
    with at(date(2026, 10, 10)):
        ask_in_the_portal(as_role, contract)
    del client.defaults["HTTP_ACCEPT_LANGUAGE"]
    client.force_login(staff)
    url = reverse("admin:offers_contract_change", args=[contract.pk])

    def row():
        page = client.get(url).content.decode()
        table = page[page.index('class="quantity-changes"') :]
        return table[table.index("<tr><td>") : table.index("</table>")]

    with at(date(2026, 10, 15)):
        asked = row()
    assert "En attente de notre acceptation" in asked
    assert "0.00" not in asked and asked.count("<td>—</td>") == 2
    with at(date(2026, 10, 20)):
        accept(client, staff, contract)
        accepted = row()
    assert "<td>116,13</td>" in accepted and "<td>0,00</td>" in accepted  # 2 × 150 × 12/31


# PLATFORM 28 — in French, the customer sends a request, not a change: the quote's button says
# « Envoyer la demande » (before: « Confirmer le changement ») and the message reads as French
# (before: « Demande enregistrée : CAPS supplémentaires de 1 à 3 une fois acceptée par nous »).
def test_the_request_reads_as_a_request_in_french(as_role, contract):
    url = reverse("offers:line_quantity", args=[contract.pk, caps(contract).pk])
    client = as_role("admin")
    with at(date(2026, 10, 10)):
        quote = client.post(url, {"quantity": "3", "action": "quote"}).content.decode()
        form = quote[quote.index('data-testid="confirm-form"') :]
        assert ">Envoyer la demande</button>" in form and "Confirmer le changement" not in form
        done = client.post(
            url,
            {
                "quantity": "3",
                "shown_prorata": "212.90",
                "shown_effective_on": "2026-10-10",
                "action": "confirm",
            },
            follow=True,
        )
    (message,) = [str(m) for m in done.context["messages"]]
    assert message == (
        "Demande enregistrée\u00a0: CAPS supplémentaires passera de 1 à 3 une fois la demande "
        "acceptée par nous (PLATFORM 28). Rien n'est facturé avant\u00a0; ensuite, au prorata "
        "jusqu'à la fin du mois."
    )
