"""What the customer and its partner hear when a contract's termination is recorded or cancelled
(CON-4), and what becomes of the quantity increases the customer asked for that we had not yet
decided (PLATFORM 28 / 7.2.1).

Contract: PLATFORM signed and started 2026-02-01 with a CAPS option of 1 lot at 150.00 € HT a
month; the customer's admin asks on 2026-10-10 for 3 lots (+2), awaiting our acceptance; the
termination is recorded on 2026-10-15 with no requested date: notice + 3 months = 15/01/2027
(before the anniversary of 01/02/2027), the first day without service.
"""

from datetime import date

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from kernel.errors import InvalidTransition
from kernel.events import CATALOGUE
from kernel.models import OutboxEvent
from offers import services
from offers.choices import TerminationReason
from offers.models import LineQuantityChange
from tests.offers.increase_helpers import PARIS, at, caps

pytestmark = pytest.mark.django_db
EFFECTIVE = date(2027, 1, 15)
AUTO_REASON = (
    "Le contrat est résilié au 15/01/2027 (premier jour sans service)\u00a0: une hausse ne "
    "peut plus être acceptée."
)


def _mails(mailoutbox, contract):
    return [m for m in mailoutbox if contract.reference in m.subject]


# PLATFORM 28 / 7.2.1, CON-4 — before, a request still awaiting our acceptance when the
# contract's termination was recorded could never be accepted (only an active contract changes
# its quantities) yet read « 3 demandés le 10/10/2026 : en attente de notre acceptation » on the
# contract page for good, and stayed in the back office's « hausse demandée » filter. Now the
# termination refuses it at once, with a reason the customer reads (the contract ends on
# 15/01/2027), audited, announced to the partner (quantity_increase.refused); the customer
# learns it in the termination's e-mail — no second e-mail.
def test_the_customers_termination_refuses_the_increase_asked(
    client,
    tenant,
    contract,
    asked,
    staff,
    partner,
    as_role,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    admin = tenant.members[Role.ADMIN].user
    with at(date(2026, 10, 15)), django_capture_on_commit_callbacks(execute=True):
        termination = services.contract_request_termination(contract=contract, actor=admin)
    assert termination.effective_date == EFFECTIVE
    change = LineQuantityChange.objects.get(pk=asked.pk)
    assert (change.status, change.refusal_reason, caps(contract).quantity) == (
        "refused",
        AUTO_REASON,
        1,
    )
    assert change.decided_at.astimezone(PARIS).date() == date(2026, 10, 15)
    audit = AuditLog.objects.get(action="contract_line.quantity_increase_refuse")
    assert audit.after["reason"] == AUTO_REASON
    assert audit.after["termination"] == termination.pk
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.refused")
    assert event.partner_id == partner.pk
    assert (event.data["id"], event.data["refusal_reason"]) == (asked.pk, AUTO_REASON)
    # one e-mail: the termination's, which tells the refusal
    (mail,) = _mails(mailoutbox, contract)
    body = mail.body.replace("\u00a0", " ")
    assert mail.subject.startswith("Résiliation du contrat")
    assert (
        "Votre demande de passer CAPS supplémentaires de 1 à 3, faite le 10 octobre 2026, est "
        "refusée : le contrat prenant fin, nous ne pouvons plus l'accepter. Rien n'est facturé "
        "pour cette demande." in body
    )
    # the contract page reads the refusal and its reason, no longer « en attente »
    with at(date(2026, 10, 16)):
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk]))
    text = page.content.decode().replace("&#x27;", "'")
    assert 'data-testid="requested-increase"' not in text
    shown = text[text.index('data-testid="refused-increase"') :]
    shown = shown[: shown.index("</small>")]
    assert "3 demandés le 10/10/2026\u00a0: demande refusée par nous le 15/10/2026." in shown
    assert f"Motif\u00a0: {AUTO_REASON}" in shown
    # the back office's « hausse demandée » filter no longer lists the contract
    client.force_login(staff)
    listed = client.get(reverse("admin:offers_contract_changelist"), {"increase_asked": "yes"})
    assert contract.reference not in listed.content.decode()


# The same when WE terminate (PLATFORM 17.4.1, the customer's breach, recorded by our staff): the
# increase asked is refused with the same reason, and our termination's e-mail tells it.
def test_our_termination_refuses_the_increase_asked_too(
    tenant, contract, asked, staff, mailoutbox, django_capture_on_commit_callbacks
):
    with at(date(2026, 10, 15)), django_capture_on_commit_callbacks(execute=True):
        termination = services.contract_request_termination(
            contract=contract, actor=staff, reason=TerminationReason.BREACH_BY_CUSTOMER
        )
    # 17.4.1: a month's notice → 15/11/2026
    assert termination.effective_date == date(2026, 11, 15)
    change = LineQuantityChange.objects.get(pk=asked.pk)
    assert change.status == "refused"
    assert change.refusal_reason == AUTO_REASON.replace("15/01/2027", "15/11/2026")
    (mail,) = _mails(mailoutbox, contract)
    body = mail.body.replace("\u00a0", " ")
    assert "article 17.4" in body
    assert "Votre demande de passer CAPS supplémentaires de 1 à 3" in body
    assert OutboxEvent.objects.filter(type="quantity_increase.refused").count() == 1


# A termination cancelled does not bring the refused request back: it stays refused (its reason
# still the termination's), and the customer may ask again — a new request, awaiting our
# acceptance as any (docs/rules.md).
def test_after_the_termination_is_cancelled_the_customer_asks_again(
    tenant, contract, asked, mailoutbox
):
    admin = tenant.members[Role.ADMIN].user
    with at(date(2026, 10, 15)):
        termination = services.contract_request_termination(contract=contract, actor=admin)
    with at(date(2026, 10, 20)):
        services.termination_cancel(termination=termination, actor=admin)
        again = services.line_quantity_change(line=caps(contract), quantity=3, actor=admin)
    assert LineQuantityChange.objects.get(pk=asked.pk).status == "refused"
    assert again.status == "requested" and again.pk != asked.pk


# ACC-6 (PLATFORM 17.3): our closing for inactivity ends the contract the same day — the
# increase asked is refused with it, and the closing's e-mail (to the administrators and the
# billing members) tells it; nothing says it may be asked again (a closing is not cancelled).
def test_a_closing_for_inactivity_refuses_the_increase_asked(
    tenant, contract, asked, staff, mailoutbox, django_capture_on_commit_callbacks
):
    from offers.models import Contract
    from usage.services import inactivity

    Contract.objects.filter(pk=contract.pk).update(inactive_flagged_on=date(2026, 10, 19))
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        inactivity.inactive_close(
            contract=Contract.objects.get(pk=contract.pk), today=date(2026, 10, 20), actor=staff
        )
    change = LineQuantityChange.objects.get(pk=asked.pk)
    assert change.status == "refused"
    assert change.refusal_reason == AUTO_REASON.replace("15/01/2027", "20/10/2026")
    mails = [m for m in mailoutbox if contract.reference in m.body]
    assert sorted(m.to[0] for m in mails) == sorted(
        tenant.members[role].user.email for role in (Role.ADMIN, Role.BILLING)
    )
    body = mails[0].body.replace("\u00a0", " ")
    assert "Votre demande de passer CAPS supplémentaires de 1 à 3" in body
    assert "refaire cette demande" not in body


# --- termination.scheduled / termination.cancelled (SPEC §9, CON-4) ---------------------------


def _platform_250(tenant):
    """PLATFORM signed and started 2026-02-01, 250.00 € HT a month, anniversary 2027-02-01."""
    from tests.offers.factories import make_contract

    return make_contract(
        tenant.client,
        "platform",
        signature=date(2026, 2, 1),
        service_start=date(2026, 2, 1),
        monthly_price="250.00",
    )


def _events(kind):
    return list(OutboxEvent.objects.filter(type=kind).order_by("pk"))


# CON-4 / SPEC §9 — before, a partner heard nothing when its customer's termination was recorded
# (only contract.terminated, on the effective day, months later): it could not stop selling,
# warn its customer or plan the fee. Now one termination.scheduled event, in the termination's
# transaction: the customer's admin gives notice on 15/06/2026 for 01/10/2026, a termination for
# convenience (17.1); September invoiced in advance, so the fee counts Oct, Nov, Dec 2026 and
# Jan 2027 to the anniversary: 4 × max(250.00, 200.00) = 1000.00 € HT.
def test_the_partner_hears_of_the_termination_when_it_is_recorded(tenant, partner):
    contract = _platform_250(tenant)
    with at(date(2026, 6, 15)):
        termination = services.contract_request_termination(
            contract=contract,
            requested_date=date(2026, 10, 1),
            actor=tenant.members[Role.ADMIN].user,
        )
    (event,) = _events("termination.scheduled")
    assert event.partner_id == partner.pk
    assert event.data == {
        "id": termination.pk,
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": tenant.client.pk,
        "status": "scheduled",
        "reason": "customer_request",
        "terminated_by": "customer",
        "recorded_by": "customer",
        "notice_date": "2026-06-15",
        "effective_date": "2026-10-01",
        "fee_rule": "commitment_max",
        "fee_amount": "1000.00",
    }
    assert not _events("contract.terminated")  # that one comes on the effective day


# Ours (PLATFORM 17.4.1, the customer's breach, typed in by our staff): terminated_by reseller,
# recorded by staff, a month's notice (15/07/2026), no fee (17.6). Refused a second time (a
# termination is already scheduled), nothing more is announced: one event per decision.
def test_our_termination_is_announced_once(tenant, partner, staff):
    contract = _platform_250(tenant)
    with at(date(2026, 6, 15)):
        services.contract_request_termination(
            contract=contract, actor=staff, reason=TerminationReason.BREACH_BY_CUSTOMER
        )
        with pytest.raises(InvalidTransition):
            services.contract_request_termination(contract=contract, actor=staff)
    (event,) = _events("termination.scheduled")
    assert (
        event.data["terminated_by"],
        event.data["recorded_by"],
        event.data["reason"],
        event.data["effective_date"],
        event.data["fee_amount"],
    ) == ("reseller", "staff", "breach_by_customer", "2026-07-15", "0.00")


# Through the partner's own API key: recorded_by partner; cancelled through it on 01/07/2026:
# one termination.cancelled event with the effective date that no longer holds and the status
# the contract returns to.
def test_the_partner_hears_of_the_cancellation(tenant, partner, api):
    contract = _platform_250(tenant)
    with at(date(2026, 6, 15)):
        created = api.post(
            reverse("api:contract-terminate", args=[contract.pk]),
            {"requested_date": "2026-10-01"},
            format="json",
        )
    assert created.status_code == 201, created.content
    (scheduled,) = _events("termination.scheduled")
    assert scheduled.data["recorded_by"] == "partner"
    with at(date(2026, 7, 1)):
        cancelled = api.post(reverse("api:contract-cancel-termination", args=[contract.pk]))
    assert cancelled.status_code == 200, cancelled.content
    (event,) = _events("termination.cancelled")
    assert event.partner_id == partner.pk
    assert event.data | {"cancelled_at": None} == {
        "id": created.json()["id"],
        "contract": contract.pk,
        "reference": contract.reference,
        "customer": tenant.client.pk,
        "status": "cancelled",
        "reason": "customer_request",
        "effective_date": "2026-10-01",
        "cancelled_by": "partner",
        "contract_status": "active",
        "cancelled_at": None,
    }
    assert event.data["cancelled_at"].startswith("2026-07-01")
    assert "termination.scheduled" in CATALOGUE and "termination.cancelled" in CATALOGUE


# SPEC §9 — before, cancelling a termination announced contract.activated (« A contract's service
# started ») — or contract.suspended for a suspended contract — although nothing started or was
# suspended: the partner's systems re-provisioned a contract that never stopped. Now only
# termination.cancelled tells it.
def test_a_cancellation_announces_no_activation(tenant, partner):
    contract = _platform_250(tenant)
    admin = tenant.members[Role.ADMIN].user
    before = set(OutboxEvent.objects.values_list("pk", flat=True))  # its service's start
    with at(date(2026, 6, 15)):
        termination = services.contract_request_termination(
            contract=contract, requested_date=date(2026, 10, 1), actor=admin
        )
    with at(date(2026, 7, 1)):
        services.termination_cancel(termination=termination, actor=admin)
    events = OutboxEvent.objects.exclude(pk__in=before).order_by("occurred_at")
    types = list(events.values_list("type", flat=True))
    assert types == ["termination.scheduled", "termination.cancelled"]


# CON-5 — a termination without fee (here the customer's non-renewal at the anniversary,
# 01/02/2027, PLATFORM 8.2: fee rule none, 0.00) was confirmed by e-mail with « Frais de
# résiliation : 0,00 € HT, portés sur votre prochaine facture. »: a charge of nothing announced
# on an invoice. Now « Sans frais de résiliation. »; a fee is still stated with its invoice.
def test_a_termination_without_fee_announces_no_fee(
    tenant, mailoutbox, django_capture_on_commit_callbacks
):
    contract = _platform_250(tenant)
    with at(date(2026, 6, 15)), django_capture_on_commit_callbacks(execute=True):
        services.contract_request_termination(
            contract=contract,
            requested_date=date(2027, 2, 1),
            actor=tenant.members[Role.ADMIN].user,
        )
    (mail,) = _mails(mailoutbox, contract)
    body = mail.body.replace("\u00a0", " ")
    assert "Le service s'arrête le 1er février 2027 (premier jour sans service)." in body
    assert "Sans frais de résiliation." in body
    assert "0,00" not in body and "prochaine facture" not in body
    other = _platform_250(tenant)
    mailoutbox.clear()
    with at(date(2026, 6, 15)), django_capture_on_commit_callbacks(execute=True):
        services.contract_request_termination(
            contract=other, requested_date=date(2026, 10, 1), actor=tenant.members[Role.ADMIN].user
        )
    (mail,) = _mails(mailoutbox, other)
    body = mail.body.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Frais de résiliation : 1 000,00 € HT, portés sur votre prochaine facture." in body


# PLATFORM 28 / 7.2.1, CON-4 — before confirming, the customer's quote page said nothing of its
# increase awaiting our acceptance (CAPS 1 → 3 asked on 10/10/2026), which the termination
# refuses: it learnt it only afterwards. Now the quote says so, next to the confirmation.
def test_the_quote_page_says_the_increase_asked_will_be_refused(contract, asked, as_role):
    url = reverse("offers:terminate", args=[contract.pk])
    with at(date(2026, 10, 15)):
        page = as_role("admin").post(url, {"action": "quote", "requested_date": ""})
    text = page.content.decode().replace("&#x27;", "'")
    shown = text[text.index('data-testid="increase-refused-by-termination"') :]
    shown = shown[: shown.index("</p>")]
    assert (
        "Votre demande en attente de notre acceptation (CAPS supplémentaires\u00a0: 3 demandés "
        "le 10/10/2026) sera refusée si vous confirmez\u00a0: un contrat résilié ne change plus "
        "de quantités." in shown
    )
    assert LineQuantityChange.objects.get(pk=asked.pk).status == "requested"  # nothing yet


# The partner API's reference said an increase asked ends accepted or refused by us, never that
# the contract's termination refuses it: now the line's changes and refusal_reason say so.
def test_the_api_reference_says_the_termination_refuses_the_increases_asked(db):
    from django.utils import translation
    from drf_spectacular.generators import SchemaGenerator

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    path = schema["paths"]["/api/v1/contracts/{id}/lines/{line_id}/quantity/"]
    assert "termination" in path["get"]["description"]
    change = schema["components"]["schemas"]["LineQuantityChange"]["properties"]
    assert "Le contrat est résilié au" in change["refusal_reason"]["description"]


# CON-4 — the customer was e-mailed that its contract ends (« Nous mettons fin à ce contrat… »),
# but when our staff cancel that termination (here 17.4.1, on 20/10/2026) — or its partner, or
# its traffic withdrawing an objection to a price change — it heard nothing: the contract went
# on silently. Now its administrators get an e-mail that the termination effective 15/11/2026 is
# cancelled and the contract goes on.
def test_the_customer_is_told_when_its_termination_is_cancelled(
    tenant, contract, staff, mailoutbox, django_capture_on_commit_callbacks
):
    with at(date(2026, 10, 15)):
        termination = services.contract_request_termination(
            contract=contract, actor=staff, reason=TerminationReason.BREACH_BY_CUSTOMER
        )
    mailoutbox.clear()
    with at(date(2026, 10, 20)), django_capture_on_commit_callbacks(execute=True):
        services.termination_cancel(termination=termination, actor=staff)
    (mail,) = _mails(mailoutbox, contract)
    assert mail.to == [tenant.members[Role.ADMIN].user.email]
    assert mail.subject.replace("\u00a0", " ") == (
        f"Résiliation du contrat {contract.reference} annulée"
    )
    body = mail.body.replace("\u00a0", " ")
    assert (
        f"La résiliation du contrat {contract.reference} (Plateforme voix API), qui devait "
        "prendre effet le 15 novembre 2026, est annulée : le contrat continue aux mêmes "
        "conditions." in body
    )


# SPEC §9 — the partner's quantity_increase.refused event told a refusal by the termination from
# one of our staff's only by the French text of refusal_reason. Now it carries `termination`: the
# id of the termination that refused it (the one of its termination.scheduled event), null for
# a decision of our staff.
def test_the_refusal_event_names_the_termination(tenant, contract, asked, staff):
    with at(date(2026, 10, 15)):
        termination = services.contract_request_termination(
            contract=contract, actor=tenant.members[Role.ADMIN].user
        )
    (event,) = _events("quantity_increase.refused")
    (scheduled,) = _events("termination.scheduled")
    assert event.data["termination"] == scheduled.data["id"] == termination.pk
