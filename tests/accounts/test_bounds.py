"""The portal's company and invitation forms have the API's bounds (issue 13, defect 4): at
most 20 invoice recipients, e-mail addresses of at most 254 characters."""

import pytest

from accounts.forms import CompanyForm, InviteForm
from kernel.inputs import MAX_EMAIL, MAX_RECIPIENTS

pytestmark = pytest.mark.django_db


def _address(length: int) -> str:
    return "x" * (length - len("@example.com")) + "@example.com"


@pytest.mark.parametrize(("count", "valid"), [(MAX_RECIPIENTS, True), (MAX_RECIPIENTS + 1, False)])
def test_invoice_recipients_count(tenant, count, valid):
    recipients = "\n".join(f"a{i}@example.com" for i in range(count))
    form = CompanyForm(
        instance=tenant.client,
        data={
            "address_line1": "1 rue de la Paix",
            "postal_code": "13001",
            "city": "Marseille",
            "invoice_recipients": recipients,
        },
    )
    form.is_valid()
    assert ("invoice_recipients" not in form.errors) is valid


def test_invoice_recipient_length(tenant):
    form = CompanyForm(instance=tenant.client, data={"invoice_recipients": _address(MAX_EMAIL + 1)})
    form.is_valid()
    assert "invoice_recipients" in form.errors


@pytest.mark.parametrize(("length", "valid"), [(MAX_EMAIL, True), (MAX_EMAIL + 1, False)])
def test_invite_email_length(length, valid):
    form = InviteForm(data={"email": _address(length), "role": "read_only", "language": "fr"})
    form.is_valid()
    assert ("email" not in form.errors) is valid
