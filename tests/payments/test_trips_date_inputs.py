"""Issue 17 item 9: every ``<input type="date">`` of the back office carries its value in ISO
``YYYY-MM-DD`` (the only format a browser's date picker reads), so a form saved unchanged
keeps its date instead of failing on an empty field."""

import re
from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from django import forms
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditLog, User
from offers.admin.forms import PriceChangeForm
from offers.admin.price_changes import RefusalForm
from payments import services
from payments.admin.allocation import PaymentForm
from payments.admin.direct_debits import BatchForm, DebitRejectForm
from payments.admin.disputes import DisputeRejectForm
from payments.admin.ecb_rates import EcbRateForm
from payments.admin.mandates import MandateForm
from payments.admin.prepaid import TopUpForm
from payments.models import EcbRate
from telephony.admin import PackPriceChangeForm
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

DATE_FORMS = [
    EcbRateForm,
    BatchForm,
    DebitRejectForm,
    DisputeRejectForm,
    MandateForm,
    TopUpForm,
    PaymentForm,
    PriceChangeForm,
    RefusalForm,
    PackPriceChangeForm,
]


@pytest.fixture
def staff(client):
    user = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    return user


def _inputs(html: str) -> dict[str, str]:
    """name → value of the form's inputs (the values a browser would send back)."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = value.group(1) if value else ""
    return found


# issue 17 item 9 — BIL-6: the ECB rate's change form shows its date in the date picker
# (value="2026-07-01", not "01/07/2026" which the browser drops) and saving it unchanged works.
def test_ecb_rate_change_form_resubmitted_unchanged(client, staff):
    services.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")
    row = EcbRate.objects.get()
    url = reverse("admin:payments_ecbrate_change", args=[row.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'<input type="date" name="effective_on" value="2026-07-01"', html)
    assert "01/07/2026" not in _inputs(html).values()

    data = {k: v for k, v in _inputs(html).items() if k in ("effective_on", "rate")}
    # the back office's decimals are text inputs read in the page's language (French: a comma)
    assert data["rate"] == "2,150"
    answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 302
    row = EcbRate.objects.get()
    assert (row.effective_on, str(row.rate)) == (date(2026, 7, 1), "2.150")
    assert AuditLog.objects.filter(action__startswith="ecb_rate").exists()


# issue 17 item 9 — every date input of the back office renders ISO whatever the language.
@pytest.mark.parametrize("form_class", DATE_FORMS, ids=lambda f: f.__name__)
def test_every_date_input_renders_iso(form_class):
    date_fields = [
        name
        for name, field in form_class.base_fields.items()
        if isinstance(field.widget, forms.DateInput) and field.widget.input_type == "date"
    ]
    assert date_fields, f"{form_class.__name__} has no date input"
    for name in date_fields:
        widget = form_class.base_fields[name].widget
        with translation.override("fr"):
            html = widget.render(name, date(2026, 7, 1))
        assert 'type="date"' in html and 'value="2026-07-01"' in html, html
