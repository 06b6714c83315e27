"""Issue 17 item 7 (ACC-2 "every role may open a ticket — billing: about invoices"; SLA-1): the
billing role opens questions about its invoices and payments and follows them; a failure
notification, which starts the SLA clocks (SLA-3, SLA-4, SLA-6), stays with the admin and
technical roles — and the read-only role, which writes on nothing else, opens tickets of both
kinds and follows its own."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.choices import TicketKind
from support.models import Ticket
from tests.offers.factories import make_contract
from tests.support.factories import open_failure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def billing(client, tenant):
    client.force_login(tenant.members[Role.BILLING].user)
    return client


# issue 17 item 7 — ACC-2: /support/new/ answers the billing role (no more 403) and offers the
# question kind only, worded for invoices and payments.
def test_billing_role_gets_the_question_form(billing):
    response = billing.get(reverse("support:ticket_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="question"' in html and 'value="failure_notification"' not in html
    assert "Question sur une facture ou un paiement" in html
    assert 'data-testid="failure-by-technical"' in html
    listing = billing.get(reverse("support:tickets")).content.decode()
    assert 'data-testid="new-ticket"' in listing


# issue 17 item 7 — SLA-1: the billing member's question is a ticket with its number; the
# billing people are e-mailed about it (the admin and technical ones too).
def test_billing_role_opens_a_question(billing, tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = billing.post(
            reverse("support:ticket_create"),
            {"kind": "question", "subject": "Facture F2026-000001", "body": "Ligne en double ?"},
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("support:ticket_detail", args=[ticket.pk])
    assert (ticket.kind, ticket.opened_by) == ("question", tenant.members[Role.BILLING].user)
    assert ticket.intervention_deadline is None and ticket.restoration_target is None
    told = {address for message in mail.outbox for address in message.to}
    assert tenant.members[Role.BILLING].user.email in told


# issue 17 item 7 — SLA-3: a failure notification posted by the billing role is refused by the
# form and by the service; no ticket, no SLA clock.
def test_billing_role_cannot_report_a_failure(billing, tenant):
    contract = make_contract(tenant.client, "hosted-w")
    response = billing.post(
        reverse("support:ticket_create"),
        {"kind": "failure_notification", "contract": contract.pk, "subject": "x", "body": "y"},
    )
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        services.ticket_open(
            client=tenant.client,
            kind=TicketKind.FAILURE,
            subject="x",
            body="y",
            contract=contract,
            actor=tenant.members[Role.BILLING].user,
        )
    assert not Ticket.objects.exists()


# issue 17 item 7 — ACC-2: the billing member answers its question; it reads a failure
# notification but may not write on it (no form, POST 403).
def test_billing_role_answers_questions_only(billing, tenant):
    question = services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject="Avoir",
        body="Quand ?",
        actor=tenant.members[Role.BILLING].user,
    )
    url = reverse("support:ticket_detail", args=[question.pk])
    answer = billing.post(url, {"body": "Merci, précision : facture d'octobre."})
    assert answer.status_code == 302
    assert question.messages.count() == 2
    failure = open_failure(tenant, make_contract(tenant.client, "hosted-w"))
    page = billing.get(reverse("support:ticket_detail", args=[failure.pk])).content.decode()
    assert 'name="body"' not in page
    refused = billing.post(reverse("support:ticket_detail", args=[failure.pk]), {"body": "Et ?"})
    assert refused.status_code == 403
    status = billing.post(reverse("support:ticket_status", args=[failure.pk]), {"status": "closed"})
    assert status.status_code == 403


# ACC-2 "every role may open a ticket": the read-only member (who sees the phones down) opens
# a failure notification and a question from the portal, is e-mailed about them with the admin
# and technical people, answers and withdraws its own; it reads a colleague's ticket but writes
# nothing on it (no form, POST 403), and still writes nothing else (credits: ACC-2 billing).
def test_read_only_role_opens_and_follows_its_own_tickets(
    client, tenant, django_capture_on_commit_callbacks
):
    reader = tenant.members[Role.READ_ONLY].user
    client.force_login(reader)
    form = client.get(reverse("support:ticket_create")).content.decode()
    assert 'value="question"' in form and 'value="failure_notification"' in form
    assert 'data-testid="new-ticket"' in client.get(reverse("support:tickets")).content.decode()
    contract = make_contract(tenant.client, "hosted-w")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("support:ticket_create"),
            {
                "kind": "failure_notification",
                "contract": contract.pk,
                "subject": "Plus de tonalité",
                "body": "Aucun poste ne sonne à l'accueil.",
            },
        )
    failure = Ticket.objects.get()
    assert response.status_code == 302
    assert (failure.kind, failure.opened_by) == ("failure_notification", reader)
    assert failure.restoration_target is not None  # SLA-4: the clock starts as for anyone
    told = {address for message in mail.outbox for address in message.to}
    assert reader.email in told and tenant.members[Role.ADMIN].user.email in told
    url = reverse("support:ticket_detail", args=[failure.pk])
    assert 'name="body"' in client.get(url).content.decode()
    assert client.post(url, {"body": "Toujours en panne."}).status_code == 302
    assert failure.messages.count() == 2

    colleague = open_failure(tenant, contract)  # opened by the technical member
    other_url = reverse("support:ticket_detail", args=[colleague.pk])
    assert 'name="body"' not in client.get(other_url).content.decode()
    assert client.post(other_url, {"body": "Et ?"}).status_code == 403
    closing = client.post(
        reverse("support:ticket_status", args=[colleague.pk]), {"status": "closed"}
    )
    assert closing.status_code == 403
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=colleague, body="Et ?", actor=reader)
    colleague.refresh_from_db()
    assert colleague.status == "new" and colleague.messages.count() == 1

    withdrawn = client.post(
        reverse("support:ticket_status", args=[failure.pk]), {"status": "closed"}
    )
    assert withdrawn.status_code == 302
    failure.refresh_from_db()
    assert failure.status == "closed"
