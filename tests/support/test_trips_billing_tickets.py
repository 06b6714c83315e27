"""Issue 17 item 7 (ACC-2 "every role may open a ticket — billing: about invoices"; SLA-1): the
billing role opens questions about its invoices and payments and follows them; a failure
notification, which starts the SLA clocks (SLA-3, SLA-4, SLA-6), stays with the admin and
technical roles; the read-only role opens nothing."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.choices import Role
from support import services
from support.choices import TicketKind
from support.models import Ticket
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, open_failure

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


# issue 17 item 7 — ACC-2: the read-only role still opens nothing (403); staff unaffected.
def test_read_only_role_opens_nothing(client, tenant):
    client.force_login(tenant.members[Role.READ_ONLY].user)
    assert client.get(reverse("support:ticket_create")).status_code == 403
    ticket = services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject="Par téléphone",
        body="Question posée au support.",
        actor=make_staff(),
    )
    assert ticket.kind == "question"
