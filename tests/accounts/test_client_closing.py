"""ACC-1 / ACC-4 — staff set a customer to « closed » in the back office: refused while it still
has contracts running (active, suspended, terminating: in service until their end, CON-4) or an
amount left to pay, with a message naming them; nothing written then. Otherwise closed and
audited (before/after) as any change of the customer's page."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.choices import BillingMode
from accounts.models import AuditLog, Client
from offers.choices import ContractStatus
from payments import services as payments
from tests.factories import ClientFactory, sign_in_staff
from tests.offers.factories import make_contract
from tests.payments.conftest import issue_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return sign_in_staff(client)


@pytest.fixture
def customer(tenant):
    """The tenant's customer, invoiced directly (its partner reseller-billed, ACC-3)."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


def _form_data(page) -> dict:
    """What the customer's back-office page posts back unchanged (its inlines included)."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = (
            form[name].field.widget.format_value(value) if name == "invoice_recipients" else value
        )
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None and value is not False:
                    data[row.add_prefix(name)] = value
    return data


def _set_status(client, customer, status):
    url = reverse("admin:accounts_client_change", args=[customer.pk])
    data = _form_data(client.get(url))
    data["status"] = status
    return client.post(url, data)


def _closing_audits(customer):
    return AuditLog.objects.filter(action="client.update", object_id=str(customer.pk))


# Before: a customer with an active, a suspended and a terminating contract and September's
# invoice left to pay was set to « closed » (its users locked out of the portal) without a word.
# Now: refused, the form names the three contracts by reference (not the draft one) and the
# amount due with the invoice's number; the customer stays active, no audit row.
def test_closing_a_customer_with_contracts_running_and_an_amount_due_is_refused(
    client, staff, customer
):
    running = [
        make_contract(customer, "hosted-a", status=status)
        for status in (ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.TERMINATING)
    ]
    ended = make_contract(customer, "hosted-a", status=ContractStatus.DRAFT)
    invoice = issue_invoice(customer, "100.00")  # with the contracts' September charges
    due = f"{invoice.amount_due:,.2f}\u00a0€"
    response = _set_status(client, customer, "closed")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be closed" in html
    for contract in running:
        assert contract.reference in html
    assert ended.reference not in html
    assert due in html and invoice.number in html
    assert Client.objects.get(pk=customer.pk).status == "active"
    assert not _closing_audits(customer).exists()


# An amount due alone is enough: nothing running any more (the contract ended), the invoice of
# 120.00 € TTC part-paid 20.00 € → 100.00 € left, refused; once paid, closed and audited.
def test_closing_waits_for_the_last_invoice_to_be_paid(client, staff, customer):
    invoice = issue_invoice(customer, "100.00")
    payments.payment_record(
        client=customer, amount="20.00", method="transfer", received_on=date(2026, 10, 5)
    )
    response = _set_status(client, customer, "closed")
    html = response.content.decode()
    assert response.status_code == 200 and "100.00\u00a0€" in html and invoice.number in html
    assert Client.objects.get(pk=customer.pk).status == "active"
    payments.payment_record(
        client=customer, amount="100.00", method="transfer", received_on=date(2026, 10, 6)
    )
    response = _set_status(client, customer, "closed")
    assert response.status_code == 302
    assert Client.objects.get(pk=customer.pk).status == "closed"
    audit = _closing_audits(customer).get()
    assert audit.before["status"] == "active" and audit.after["status"] == "closed"
    assert audit.actor == staff


# The rule lives in the service (the API and the portal's company page call it too): a customer
# with nothing left closes; one with a contract running is refused with its reference.
# ACC-1 — an ordered contract is a sale under way: activated, it bills the customer (its
# subscription from the service start, its setup fee). Before: a customer whose PLATFORM
# contract was ordered (150.00 € a month, not yet in service) was closed without a word, and
# the contract then went into service on a customer whose users can no longer sign in. After:
# refused like a running contract, named with its status.
@pytest.mark.parametrize(
    ("status", "said"), [(ContractStatus.ACTIVE, "actif"), (ContractStatus.ORDERED, "commandé")]
)
def test_client_update_refuses_closing_while_a_contract_runs_or_is_ordered(customer, status, said):
    from django.core.exceptions import ValidationError

    contract = make_contract(customer, "platform", status=status)
    with pytest.raises(ValidationError) as refused:
        services.client_update(client=customer, data={"status": "closed"})
    assert contract.reference in str(refused.value.message_dict["status"])
    assert Client.objects.get(pk=customer.pk).status == "active"
    with translation.override("fr"):
        assert services.client_closing_refusals(customer) == [
            f"Contrats encore en cours\u00a0: {contract.reference} ({said})."
        ]


def test_client_update_closes_a_customer_with_nothing_left():
    empty = ClientFactory()
    services.client_update(client=empty, data={"status": "closed"})
    assert Client.objects.get(pk=empty.pk).status == "closed"
    assert AuditLog.objects.filter(action="client.update", object_id=str(empty.pk)).exists()


# ACC-1 — a closed customer has nothing left and its users cannot sign in: nothing new is sold
# to it. Before: the partner API's POST /contracts/ on a closed customer answered 201, an
# ordered PLATFORM contract (150.00 € a month) the customer could neither see nor terminate.
# After: 400 with the error on « client », nothing written; a draft left from before is not
# ordered either. Staff reopen the customer (status « active ») to sell to it again.
def test_nothing_sold_to_a_closed_customer(api, tenant, customer):
    from django.core.exceptions import ValidationError

    from offers import services as offers
    from offers.models import Contract

    draft = make_contract(customer, "platform", status=ContractStatus.DRAFT)
    Client.objects.filter(pk=customer.pk).update(status="closed")
    order = {
        "client": customer.pk,
        "site": tenant.site.pk,
        "offer": "platform",
        "quantity": 1,
        "options": [],
        "signature_date": "2026-03-02",
        "order_date": "2026-03-05",
        "purchase_order_ref": "",
    }
    response = api.post(
        reverse("api:contract-list"), order, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"]["client"] == [
        "This customer is closed: nothing new can be ordered for it."
    ]
    assert list(Contract.objects.values_list("pk", flat=True)) == [draft.pk]
    with pytest.raises(ValidationError):
        offers.contract_order(contract=draft)
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT


# ACC-1 — « closed »: its users can no longer sign in. Before: a member of a closed customer
# typed the right password and was signed in onto « Accès refusé » (403) on every page, with no
# word of why, and a session open when staff closed the customer stayed open on the same 403.
# After: the sign-in is refused with the reason and the brand's support address (the partner's
# for a partner's customer, ACC-3); closing the customer ends its members' sessions.
def test_closed_customer_members_cannot_sign_in(client, tenant, customer):
    from html import unescape

    from django.test import Client as BrowserClient

    from accounts.choices import Role
    from tests.factories import PASSWORD

    member = tenant.members[Role.BILLING].user
    credentials = {"login": member.email, "password": PASSWORD}
    open_session = BrowserClient()
    assert open_session.post(reverse("account_login"), credentials).status_code == 302
    assert open_session.get(reverse("dashboard")).status_code == 200
    services.client_update(client=customer, data={"status": "closed"})
    left = open_session.get(reverse("dashboard"))
    assert left.status_code == 302 and left["Location"].startswith(reverse("account_login"))
    refused = client.post(reverse("account_login"), credentials, follow=True)
    page = unescape(refused.content.decode())
    support = customer.partner.support_email
    assert (
        f"L'accès de Acme SAS au portail est fermé\u202f: la connexion n'est plus possible. "
        f"Pour une question ou la copie d'une facture, écrivez à {support}." in page
    )
    assert client.get(reverse("dashboard")).status_code == 302  # not signed in


# ACC-1 — staff closing the customer in the back office end its members' open sessions too.
def test_closing_in_the_back_office_ends_members_sessions(staff, client, tenant, customer):
    from django.test import Client as BrowserClient

    from accounts.choices import Role
    from tests.factories import PASSWORD

    member = tenant.members[Role.ADMIN].user
    open_session = BrowserClient()
    open_session.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert open_session.get(reverse("dashboard")).status_code == 200
    assert _set_status(client, customer, "closed").status_code == 302
    assert Client.objects.get(pk=customer.pk).status == "closed"
    assert open_session.get(reverse("dashboard")).status_code == 302
