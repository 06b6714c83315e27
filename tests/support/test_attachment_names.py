"""The name a customer's file keeps (SLA-1 attachments, BIL-8 dispute documents): at most the
column's 255 characters, its extension kept — the name its download is saved under."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role
from payments import services as payments
from support import services
from support.choices import TicketKind
from support.models import Attachment
from tests.payments.conftest import direct_customer, issue_invoice

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
# 300 characters: 296 of a French file name (accents and all), then « .pdf »
LONG = ("Relevé détaillé des appels de la ligne 04 91 00 00 00 " * 6)[:296] + ".pdf"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


# SLA-1: a 300-character name was cut at 255 characters, « .pdf » with it: the customer's
# download was saved as « Relevé détaillé … 04 91 00 » with no extension (no program opens it).
# Now the name is shortened before its extension: 255 characters ending in « .pdf ».
def test_a_long_attachment_name_keeps_its_extension(tenant, client):
    member = tenant.members[Role.TECHNICAL].user
    services.ticket_open(
        client=tenant.client,
        kind=TicketKind.QUESTION,
        subject="Facture",
        body="Voir le relevé joint.",
        actor=member,
        attachments=[SimpleUploadedFile(LONG, PDF)],
    )
    attachment = Attachment.objects.get()
    assert len(LONG) == 300 and len(attachment.original_name) == 255
    assert attachment.original_name == LONG[:251] + ".pdf"
    client.force_login(member)
    response = client.get(reverse("support:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


# BIL-8: the same for a dispute's document (staff download it under that name, its type read
# from its extension: without it, « application/octet-stream »).
def test_a_long_dispute_document_name_keeps_its_extension():
    invoice = issue_invoice(direct_customer(legal_name="Durand SARL"), "100.00")
    with time_machine.travel("2026-10-05 10:00 +02:00", tick=False):
        dispute = payments.dispute_open(
            invoice=invoice,
            amount="10.00",
            reason="Lignes facturées deux fois",
            documents=[SimpleUploadedFile(LONG, PDF)],
        )
    assert dispute.documents.get().original_name == LONG[:251] + ".pdf"
