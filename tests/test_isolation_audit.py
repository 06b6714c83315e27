"""Input robustness and isolation defects found by the audit of every surface (ACC-2, ACC-3):
each test proves one page or endpoint that answered 500 or showed another tenant's data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.choices import Role

pytestmark = pytest.mark.django_db


# SLA-1 — the "report a failure" link pre-selects its contract (?contract=<id>): a value that is
# not an id in ASCII digits ("²", which str.isdigit() takes and int() refuses) is ignored, the
# empty form is shown — it answered 500.
@pytest.mark.parametrize("value", ["²", "١٢", "abc", "-1", ""])
def test_ticket_form_ignores_a_contract_that_is_not_an_id(client, tenant, value):
    client.force_login(tenant.members[Role.TECHNICAL].user)
    response = client.get(reverse("support:ticket_create"), {"contract": value})
    assert response.status_code == 200
    assert response.context["form"].initial == {}


def _lost(field_file):
    """The file of a stored row lost on the disk (a restore without the media, a purge)."""
    field_file.storage.delete(field_file.name)


# EQP-4 — an RMA photo whose file is lost on the disk is a 404, as a ticket's file and a port
# mandate are (it answered 500: FileNotFoundError).
def test_rma_photo_lost_on_disk_is_404(client, tenant):
    from equipment.models import Rma
    from equipment.services import items
    from tests.equipment.factories import make_model, rent

    order = rent(tenant.client, tenant.site, make_model())
    item = order.items.first()
    items.item_deliver(item=item, delivered_on=order.ordered_on)
    client.force_login(tenant.members[Role.TECHNICAL].user)
    jpeg = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    client.post(
        reverse("equipment:rma_create", args=[item.pk]),
        {"description": "Le combiné ne s'allume plus.", "photos": [jpeg]},
    )
    rma = Rma.objects.get(item=item)
    photo = rma.photos.get()
    _lost(photo.file)
    url = reverse("equipment:rma_photo", args=[rma.pk, photo.pk])
    assert client.get(url).status_code == 404


# SLA-1 / ACC-3 — a ticket's file lost on the disk: the API answers 404 (as the portal does),
# not 500.
def test_api_ticket_attachment_lost_on_disk_is_404(api, tenant):
    from support import services
    from support.choices import TicketKind

    ticket = services.ticket_open(
        client=tenant.client, kind=TicketKind.QUESTION, subject="Fax", body="How?"
    )
    message = services.ticket_reply(
        ticket=ticket,
        body="The log",
        actor=tenant.members[Role.TECHNICAL].user,
        attachments=[SimpleUploadedFile("trace.txt", b"SIP/2.0 503")],
    )
    attachment = message.attachments.get()
    _lost(attachment.file)
    url = reverse("api:ticket-attachment", args=[ticket.pk, attachment.pk])
    response = api.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# ACC-3 — the back office's invoices filtered by partner (?partner=<id>): a value that is not a
# partner's id (typed, or a link cut short) lists nothing; it answered 500 (ValueError).
@pytest.mark.parametrize("value", ["abc", "²", "１２", "-1", "99999999999999999999"])
def test_back_office_invoices_partner_filter_not_an_id(client, tenant, value):
    from tests.factories import sign_in_staff

    _credit_note(tenant)
    sign_in_staff(client)
    listing = client.get(reverse("admin:billing_invoice_changelist"), {"partner": value})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == []


def test_back_office_invoices_partner_filter(client, tenant, other_tenant):
    from tests.factories import sign_in_staff

    ours, theirs = _credit_note(tenant), _credit_note(other_tenant)
    sign_in_staff(client)
    listing = client.get(
        reverse("admin:billing_invoice_changelist"), {"partner": tenant.client.partner_id}
    )
    assert list(listing.context["cl"].result_list) == [ours]
    assert theirs not in listing.context["cl"].result_list


def _credit_note(t):
    """A document of the tenant's customer (a credit note issued to it)."""
    from billing import services as billing

    return billing.credit_note_issue(
        client=t.client,
        lines=[billing.CreditLine(description="Goodwill gesture", amount="10.00")],
        reason="Audit",
    )
