"""SLA-1: a contract terminated within the last 12 months can still be named in a ticket — a
question about its final invoice, a credit or an item to return — in the portal's form and the
partner API; never a failure notification (its service no longer runs), never another
customer's contract, never one terminated longer ago."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from offers.choices import ContractStatus
from offers.models import Termination
from offers.services.terminations import termination_apply
from support.choices import TicketKind
from support.models import Ticket
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import paris

pytestmark = pytest.mark.django_db

# Today: Sunday 6 December 2026; 12 months back is 6 December 2025 (that day still in).
TODAY = paris(2026, 12, 6, 10)
RECENT = date(2026, 3, 1)  # terminated 9 months ago: offered, « résilié le 01/03/2026 »
OLD = date(2025, 11, 30)  # 12 months and 6 days ago: no longer offered


@pytest.fixture(autouse=True)
def _today(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with time_machine.travel(TODAY, tick=False):
        yield


def terminated(client, effective: date):
    """A HOSTED-A contract of ``client`` whose termination took effect on ``effective``."""
    contract = make_contract(client, "hosted-a", status=ContractStatus.TERMINATING)
    termination = Termination.objects.get(contract=contract)
    Termination.objects.filter(pk=termination.pk).update(effective_date=effective)
    assert termination_apply(termination_id=termination.pk, today=effective)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    return contract


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# SLA-1 — the portal's form lists the live contract, then the one terminated 9 months ago
# labelled « résilié le 01/03/2026 : questions uniquement »; not the one terminated 12 months and
# 6 days ago, nor another customer's. A question about it is taken; a failure notification is
# refused on the field with the termination's date; the old one and another customer's are
# refused as not offered. Nothing written but the question.
def test_portal_form_offers_a_recently_terminated_contract(as_role, tenant, other_tenant):
    live = make_contract(tenant.client, "hosted-a")
    recent, old = terminated(tenant.client, RECENT), terminated(tenant.client, OLD)
    theirs = terminated(other_tenant.client, RECENT)
    browser = as_role(Role.TECHNICAL)
    url = reverse("support:ticket_create")
    page = page_of(browser.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert f"{recent.reference} — " in page
    assert "(résilié le 01/03/2026\u00a0: questions uniquement)" in page
    assert page.index(f"{live.reference} — ") < page.index(f"{recent.reference} — ")
    assert old.reference not in page and theirs.reference not in page

    data = {"kind": TicketKind.FAILURE, "contract": recent.pk, "subject": "Panne", "body": "x"}
    page = page_of(browser.post(url, data, HTTP_ACCEPT_LANGUAGE="fr"))
    assert 'data-testid="error-contract">' in page
    assert f"{recent.reference} a été résilié le 01/03/2026" in page
    for contract in (old, theirs):
        question = {**data, "kind": TicketKind.QUESTION, "contract": contract.pk}
        page = page_of(browser.post(url, question, HTTP_ACCEPT_LANGUAGE="en"))
        assert 'data-testid="error-contract">Select a valid choice.' in page
    assert not Ticket.objects.exists()

    response = browser.post(url, {**data, "kind": TicketKind.QUESTION, "subject": "Avoir"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.contract, ticket.client) == (
        TicketKind.QUESTION,
        recent,
        tenant.client,
    )


# SLA-1 — the partner API, as the portal: a question naming the contract terminated 9 months ago
# is taken (201); a failure notification about it is refused, 400 naming ``contract`` with its
# termination date; the one terminated 12 months and 6 days ago is refused (it was taken); a
# contract of another customer of the same partner, or of another partner, never.
def test_api_question_about_a_recently_terminated_contract(api, tenant, other_tenant):
    recent, old = terminated(tenant.client, RECENT), terminated(tenant.client, OLD)
    neighbour = ClientFactory(partner=tenant.client.partner, legal_name="Voisin SARL")
    SiteFactory(client=neighbour, name="Voisin")
    theirs = terminated(neighbour, RECENT)
    stranger = terminated(other_tenant.client, RECENT)
    url = reverse("api:ticket-list")
    base = {"customer": tenant.client.pk, "subject": "Final invoice", "body": "Why 12 €?"}

    data = {**base, "kind": "failure_notification", "contract": recent.pk}
    response = api.post(url, data, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400, response.content
    message = str(response.json()["error"]["fields"]["contract"])
    assert f"{recent.reference} a été résilié le 01/03/2026" in message
    for contract in (old, theirs, stranger):
        response = api.post(
            url, {**base, "kind": "question", "contract": contract.pk}, format="json"
        )
        assert response.status_code == 400, (contract.reference, response.content)
        assert "contract" in response.json()["error"]["fields"]
    assert not Ticket.objects.exists()

    response = api.post(url, {**base, "kind": "question", "contract": recent.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contract"], body["contract_reference"]) == (recent.pk, recent.reference)
    assert Ticket.objects.get().client == tenant.client


# SLA-1 — a draft contract (not yet ordered, nothing signed) is no service of the customer: the
# portal's form never offers it, yet the partner API took a question naming it (201), the
# ticket tied to a contract the customer may still delete. Now a 400 on ``contract``, in the
# language asked, for a question and for a failure notification alike; nothing written.
def test_api_refuses_a_ticket_naming_a_draft_contract(api, as_role, tenant):
    draft = make_contract(tenant.client, "hosted-a", status=ContractStatus.DRAFT)
    page = page_of(as_role(Role.TECHNICAL).get(reverse("support:ticket_create")))
    assert draft.reference not in page
    url = reverse("api:ticket-list")
    base = {"customer": tenant.client.pk, "subject": "Devis", "body": "Quand ?"}
    for kind in ("question", "failure_notification"):
        data = {**base, "kind": kind, "contract": draft.pk}
        response = api.post(url, data, format="json", HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 400, (kind, response.content)
        (message,) = response.json()["error"]["fields"]["contract"]
        assert message == (
            f"{draft.reference} est un brouillon, pas encore commandé\u00a0: il ne peut pas "
            "être choisi dans un ticket. Citez plutôt sa référence dans votre message."
        )
    assert not Ticket.objects.exists()
