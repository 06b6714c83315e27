"""PLATFORM 28 / 7.2.1 — our staff's decision on an increase the customer (or its partner) asked
for, as the customer lives it: « Le Prestataire peut … confirmer par écrit l'acceptation de la
demande d'évolution » (7.2.1). Refusing goes through a confirmation page with an optional reason
shown to the customer; the customer sees a refused request as refused, with its date and reason,
on its contract page and in the API.

Contract: PLATFORM signed and started 2026-02-01 with a CAPS option of 1 lot at 150.00 € HT a
month; the customer's admin asks on 2026-10-10 for 3 lots (+2); staff decide on 2026-10-20.
"""

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from kernel.errors import InvalidTransition
from kernel.events import CATALOGUE
from kernel.models import OutboxEvent
from offers import services
from offers.models import LineQuantityChange
from tests.offers.increase_helpers import PARIS, at, caps
from tests.usage.core_helpers import option, platform_with

pytestmark = pytest.mark.django_db
REASON = "Capacité technique insuffisante sur votre interconnexion jusqu'en janvier."


def changelist():
    return reverse("admin:offers_contract_changelist")


def refuse(client, staff, contract, reason=REASON):
    """The back-office refusal: its page first, then confirmed with ``reason``."""
    client.force_login(staff)
    data = {"action": "refuse_quantity_increases", ACTION_CHECKBOX_NAME: [contract.pk]}
    page = client.post(changelist(), data)
    assert page.status_code == 200
    once = page.context["once"]
    return client.post(changelist(), {**data, "apply": "1", "once": once, "reason": reason})


# PLATFORM 28 / 7.2.1 — before, « Refuser les hausses de quantité demandées » refused every
# selected request at once, with no page and no reason. Now a page lists what is refused (the
# contract, the line, 1 → 3, the day asked) and asks for an optional reason; nothing is refused
# until it is confirmed; the refusal keeps its reason and day, audited with them.
def test_refusing_goes_through_a_page_with_a_reason(client, staff, contract, asked):
    client.force_login(staff)
    data = {"action": "refuse_quantity_increases", ACTION_CHECKBOX_NAME: [contract.pk]}
    with at(date(2026, 10, 20)):
        page = client.post(changelist(), data)
    assert page.status_code == 200
    text = page.content.decode()
    row = text[text.index('data-testid="increase-to-refuse"') :]
    row = row[: row.index("</tr>")]
    assert contract.reference in row and "1 → 3" in row and "10/10/2026" in row
    assert 'name="reason"' in text
    assert LineQuantityChange.objects.get().status == "requested"  # the page refused nothing
    with at(date(2026, 10, 20)):
        done = client.post(
            changelist(),
            {**data, "apply": "1", "once": page.context["once"], "reason": REASON},
        )
    assert done.status_code == 302
    change = LineQuantityChange.objects.get()
    assert (change.status, change.refusal_reason, caps(contract).quantity) == (
        "refused",
        REASON,
        1,
    )
    assert change.decided_at.astimezone(PARIS).date() == date(2026, 10, 20)
    audit = AuditLog.objects.get(action="contract_line.quantity_increase_refuse")
    assert audit.actor == staff and audit.after["reason"] == REASON
    # the same page sent twice refuses nothing a second time (and says why)
    with at(date(2026, 10, 20)):
        again = client.post(
            changelist(),
            {**data, "apply": "1", "once": page.context["once"], "reason": REASON},
            follow=True,
        )
    shown = [str(m) for m in again.context["messages"]]
    assert "Aucune hausse de quantité n'attend notre acceptation sur ces contrats." in shown
    assert AuditLog.objects.filter(action="contract_line.quantity_increase_refuse").count() == 1


# The reason is optional: refused without one, the request is refused all the same.
def test_the_reason_is_optional(client, staff, contract, asked):
    with at(date(2026, 10, 20)):
        assert refuse(client, staff, contract, reason="").status_code == 302
    change = LineQuantityChange.objects.get()
    assert (change.status, change.refusal_reason) == ("refused", "")


# PLATFORM 28 / 7.2.1 — before, a refused request simply vanished from the customer's contract
# page (« 3 demandés le 10/10/2026 : en attente de notre acceptation », then nothing) and the
# API said « refused » with no day nor reason but cancelled_at. Now the page says it was refused,
# on which day and why; the API gives decided_at and refusal_reason (cancelled_at kept).
def test_the_customer_sees_the_refusal_with_its_day_and_reason(
    client, staff, contract, asked, as_role, api
):
    with at(date(2026, 10, 20)):
        refuse(client, staff, contract)
    with at(date(2026, 10, 21)):
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk]))
    text = page.content.decode().replace("&#x27;", "'")
    shown = text[text.index('data-testid="refused-increase"') :]
    shown = shown[: shown.index("</small>")]
    assert "3 demandés le 10/10/2026\u00a0: demande refusée par nous le 20/10/2026." in shown
    assert f"Motif\u00a0: {REASON}" in shown
    assert 'data-testid="requested-increase"' not in text
    url = reverse("api:contract-line-quantity", args=[contract.pk, caps(contract).pk])
    (row,) = api.get(url).json()
    assert row["status"] == "refused" and row["refusal_reason"] == REASON
    assert row["decided_at"].startswith("2026-10-20") and row["cancelled_at"] == row["decided_at"]


# A later change of the line (here our own increase to 2 lots) replaces the refusal on the page.
def test_a_later_change_replaces_the_refusal(client, staff, contract, asked, as_role):
    with at(date(2026, 10, 20)):
        refuse(client, staff, contract)
    with at(date(2026, 10, 25)):
        services.line_quantity_change(line=caps(contract), quantity=2, actor=staff)
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk]))
    assert 'data-testid="refused-increase"' not in page.content.decode()


def _decision_mails(mailoutbox, contract):
    return [m for m in mailoutbox if contract.reference in m.subject]


# PLATFORM 28 / 7.2.1 (« confirmer par écrit l'acceptation ») — before, the customer heard
# nothing when we accepted: the units were simply there. Now its administrators get an e-mail in
# their own language: accepted on 20 October, CAPS 1 → 3 from that day, 2 × 150.00 × 12/31
# (20–31 October) = 116.13 € HT on the next invoice, then 3 × 150.00 = 450.00 € HT a month from
# 1 November; the partner gets one quantity_increase.accepted event.
def test_the_acceptance_is_told_by_email_and_webhook(
    contract, asked, staff, tenant, partner, mailoutbox, django_capture_on_commit_callbacks
):
    english = tenant.members[Role.ADMIN].user
    english.language = "en"
    english.save(update_fields=["language"])
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        services.line_quantity_increase_accept(change=asked, actor=staff)
    (mail,) = [m for m in _decision_mails(mailoutbox, contract) if m.to == [english.email]]
    # PLATFORM 24, SPEC §9: the English names to an English reader (before: « CAPS
    # supplémentaires », « Plateforme voix API »)
    assert (
        mail.subject == f"Contract {contract.reference}: your increase of Additional CAPS accepted"
    )
    assert (
        "(Voice API platform): Additional CAPS goes from 1 to 3 from 20 October 2026" in mail.body
    )
    assert "116.13 € excl. VAT" in mail.body and "450.00 € excl. VAT a month" in mail.body
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.accepted")
    assert event.partner_id == partner.pk
    assert event.data | {"decided_at": None} == {
        "id": asked.pk,
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": tenant.client.pk,
        "line": caps(contract).pk,
        "status": "applied",
        "quantity_before": 1,
        "quantity_after": 3,
        "effective_on": "2026-10-20",
        "prorata_amount": "116.13",
        "setup_amount": "0.00",
        "refusal_reason": "",
        "decided_at": None,
        "termination": None,  # a decision of our staff, not a termination's
    }
    assert event.data["decided_at"].startswith("2026-10-20")
    assert not OutboxEvent.objects.filter(type="quantity_increase.refused").exists()


# Refused (with its reason): the e-mail says so in French, with the reason, and that nothing is
# billed; one quantity_increase.refused event carries the reason. Refusing it again is refused
# and announces nothing more: one event per decision.
def test_the_refusal_is_told_by_email_and_webhook(
    client, staff, contract, asked, partner, mailoutbox, django_capture_on_commit_callbacks
):
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        refuse(client, staff, contract)
    (mail,) = _decision_mails(mailoutbox, contract)
    body = mail.body.replace("\u00a0", " ")
    assert mail.subject.replace("\u00a0", " ") == (
        f"Contrat {contract.reference} : votre demande de hausse de CAPS supplémentaires refusée"
    )
    assert "passer CAPS supplémentaires de 1 à 3, demandée le 10 octobre 2026" in body
    assert f"Motif : {REASON}" in body
    assert "CAPS supplémentaires reste à 1 ; rien n'est facturé pour cette demande." in body
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.refused")
    assert event.partner_id == partner.pk
    assert (event.data["status"], event.data["refusal_reason"]) == ("refused", REASON)
    with pytest.raises(InvalidTransition), at(date(2026, 10, 21)):
        services.line_quantity_increase_refuse(change=asked, actor=staff, reason="encore")
    decisions = ["quantity_increase.accepted", "quantity_increase.refused"]
    assert OutboxEvent.objects.filter(type__in=decisions).count() == 1  # + the request's own
    assert "quantity_increase.refused" in CATALOGUE and "quantity_increase.accepted" in CATALOGUE


# PLATFORM 28 / 7.2.1, SPEC §9 — before, a partner heard of an increase asked by its customer's
# admin in the portal (CAPS 1 → 3 on 10/10/2026) only when we decided on it: its own systems did
# not know the request was waiting for us. Now one quantity_increase.requested event, in the
# request's transaction: the change (status requested, 1 → 3), when and by whom it was asked.
def test_the_partner_hears_of_the_increase_asked_in_the_portal(contract, asked, tenant, partner):
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.requested")
    assert event.partner_id == partner.pk
    assert event.data | {"requested_at": None} == {
        "id": asked.pk,
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": tenant.client.pk,
        "line": caps(contract).pk,
        "status": "requested",
        "quantity_before": 1,
        "quantity_after": 3,
        "requested_at": None,
        "requested_by": "customer",
    }
    assert event.data["requested_at"].startswith("2026-10-10")
    assert "quantity_increase.requested" in CATALOGUE


# The same asked by the partner through the API (requested_by partner); an increase our staff
# make is applied at once (no request, no such event), and a request refused because one already
# waits records nothing and announces nothing.
def test_the_partner_hears_of_its_own_increase_asked_through_the_api(contract, api, staff):
    url = f"/api/v1/contracts/{contract.pk}/lines/{caps(contract).pk}/quantity/"
    with at(date(2026, 10, 10)):
        answer = api.post(url, {"quantity": 3}, format="json")
        assert answer.status_code == 201, answer.content
        assert api.post(url, {"quantity": 4}, format="json").status_code == 409
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.requested")
    assert (event.data["id"], event.data["requested_by"]) == (answer.data["id"], "partner")
    with at(date(2026, 10, 20)):
        services.line_quantity_increase_accept(
            change=LineQuantityChange.objects.get(pk=answer.data["id"]), actor=staff
        )
        services.line_quantity_change(line=caps(contract), quantity=5, actor=staff)
    assert OutboxEvent.objects.filter(type="quantity_increase.requested").count() == 1


# The customer's dashboard shows the decisions of the last 30 days on its contracts card: before,
# nothing there either.
def test_the_dashboard_shows_the_recent_decisions(
    client, staff, contract, asked, as_role, other_tenant
):
    with at(date(2026, 10, 20)):
        refuse(client, staff, contract)
    with at(date(2026, 10, 21)):
        client.force_login(other_tenant.members[Role.ADMIN].user)  # another customer: not its
        assert (
            'data-testid="quantity-decision"'
            not in client.get(reverse("dashboard")).content.decode()
        )
        page = as_role("admin").get(reverse("dashboard")).content.decode()
    shown = page[page.index('data-testid="quantity-decision"') :]
    shown = shown[: shown.index("</li>")]
    assert contract.reference in shown
    assert "CAPS supplémentaires 1 → 3\u00a0: demande refusée le 20/10/2026" in shown
    with at(date(2026, 11, 20)):  # 31 days later: no longer news
        page = as_role("admin").get(reverse("dashboard")).content.decode()
    assert 'data-testid="quantity-decision"' not in page


# The dashboard's decisions cost one query whatever their number (two refused here, then one).
def test_the_dashboard_decisions_cost_one_query(
    client, staff, tenant, as_role, django_assert_max_num_queries
):
    contract = platform_with(
        tenant.client,
        [option("opt-caps", 1), option("opt-capacity-reservation", 1)],
        start=date(2026, 2, 1),
    )
    admin = tenant.members[Role.ADMIN].user
    with at(date(2026, 10, 10)):
        for line in contract.lines.filter(product__code__startswith="opt-"):
            services.line_quantity_change(line=line, quantity=2, actor=admin)
    first, second = LineQuantityChange.objects.order_by("pk")
    with at(date(2026, 10, 20)):
        services.line_quantity_increase_refuse(change=first, actor=staff)
        browser = as_role("admin")
        with django_assert_max_num_queries(100) as one:
            browser.get(reverse("dashboard"))
        services.line_quantity_increase_refuse(change=second, actor=staff)
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = browser.get(reverse("dashboard")).content.decode()
    assert page.count('data-testid="quantity-decision"') == 2


# PLATFORM 28 / 7.2.1 — the partner API's reference told partners that more units are
# « effective today » and charged pro rata, and listed a line's changes as « increases (applied
# at once) and decreases »: on a PLATFORM contract more units are only asked until we accept or
# refuse them. Now the operation, its quantity and the change's kind and effective_on say so.
def test_the_api_reference_says_a_platform_increase_waits_for_us(db):
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    path = schema["paths"]["/api/v1/contracts/{id}/lines/{line_id}/quantity/"]
    for method in ("get", "post"):
        assert "PLATFORM" in path[method]["description"], method
        assert "refused" in path[method]["description"], method
    # SPEC §9: the request's own webhook event, beside the decisions'
    assert "quantity_increase.requested" in path["post"]["description"]
    components = schema["components"]["schemas"]
    asked = components["LineQuantityRequestRequest"]["properties"]["quantity"]["description"]
    assert "PLATFORM" in asked and "accept" in asked
    change = components["LineQuantityChange"]["properties"]
    assert "PLATFORM" in change["kind"]["description"]
    assert "accepted" in change["effective_on"]["description"]


# PLATFORM 28 / 7.2.1, ACC-2 — the acceptance announces a charge (116.13 € HT on the next
# invoice, then 450.00 € HT a month): before, only the administrators read it, never the billing
# members who pay the invoices. Now each administrator and each billing member gets it once, in
# their own language (the admin English, the billing member French); not the technical nor the
# read-only members. CAPS has no setup fee: before, the e-mail read « avec leurs frais de mise en
# service de 0,00 € HT »; now the sentence leaves the setup out.
def test_the_acceptance_reaches_the_billing_members_each_once_in_their_language(
    contract, asked, staff, tenant, mailoutbox, django_capture_on_commit_callbacks
):
    english = tenant.members[Role.ADMIN].user
    english.language = "en"
    english.save(update_fields=["language"])
    billing = tenant.members[Role.BILLING].user
    billing.language = "fr"
    billing.save(update_fields=["language"])
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        services.line_quantity_increase_accept(change=asked, actor=staff)
    mails = {m.to[0]: m for m in _decision_mails(mailoutbox, contract)}
    assert len(_decision_mails(mailoutbox, contract)) == len(mails) == 2  # never twice
    assert set(mails) == {english.email, billing.email}
    assert "116.13 € excl. VAT" in mails[english.email].body
    assert "setup" not in mails[english.email].body
    french = mails[billing.email].body.replace("\u00a0", " ")
    assert mails[billing.email].subject.startswith("Contrat ")
    assert (
        "Les unités ajoutées sont facturées au prorata jusqu'à la fin du mois, 116,13 € HT, sur "
        "votre prochaine facture ; puis 450,00 € HT par mois à partir du 1 novembre 2026."
        in french
        or "puis 450,00 € HT par mois à partir du 1er novembre 2026." in french
    )
    assert "mise en service" not in french


# With a setup fee the sentence keeps it: number range hosting (1 500.00 setup, 400.00 a month)
# 1 → 2 asked on 10/10, accepted on 20/10: 1 × 400.00 × 12/31 = 154.84 € HT pro rata and
# 1 × 1 500.00 = 1 500.00 € HT setup.
def test_the_acceptance_states_a_setup_fee_when_there_is_one(
    tenant, staff, mailoutbox, django_capture_on_commit_callbacks
):
    hosting = platform_with(
        tenant.client, [option("opt-number-range-hosting", 1)], start=date(2026, 2, 1)
    )
    line = hosting.lines.get(product__code="opt-number-range-hosting")
    with at(date(2026, 10, 10)):
        change = services.line_quantity_change(
            line=line, quantity=2, actor=tenant.members[Role.ADMIN].user
        )
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        services.line_quantity_increase_accept(change=change, actor=staff)
    mail = _decision_mails(mailoutbox, hosting)[0]
    body = mail.body.replace("\u00a0", " ").replace("\u202f", " ")
    assert "154,84 € HT" in body
    assert "avec leurs frais de mise en service de 1 500,00 € HT" in body


# PLATFORM 24, SPEC §9 — before, an English reader read our decision on its increase with the
# French names: « Contract …: your increase of CAPS supplémentaires refused » by e-mail and
# « CAPS supplémentaires 1 → 3: request refused on … » on its dashboard. Now the English names
# (« Additional CAPS », « Voice API platform »), the French ones to a French reader.
def test_an_english_reader_reads_the_decision_with_the_english_names(
    client, staff, contract, asked, tenant, mailoutbox, django_capture_on_commit_callbacks
):
    english = tenant.members[Role.ADMIN].user
    english.language = "en"
    english.save(update_fields=["language"])
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        services.line_quantity_increase_refuse(change=asked, actor=staff, reason=REASON)
    (mail,) = _decision_mails(mailoutbox, contract)
    assert (
        mail.subject == f"Contract {contract.reference}: your increase of Additional CAPS refused"
    )
    assert "(Voice API platform) to take Additional CAPS from 1 to 3" in mail.body
    assert "Additional CAPS stays at 1" in mail.body and "supplémentaires" not in mail.body
    client.force_login(english)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with at(date(2026, 10, 21)):
        page = client.get(reverse("dashboard")).content.decode()
    shown = page[page.index('data-testid="quantity-decision"') :]
    shown = shown[: shown.index("</li>")]
    assert "Additional CAPS 1 → 3: request refused on" in shown
