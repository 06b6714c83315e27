"""Amounts typed in the back office are read in the page's language, by the server: « 12,50 »
and « 1 200,50 » on a French page (SPEC 9 Surfaces, BIL-4, ACC-4).

The admin's money inputs were ``<input type="number">``: an en-US browser refuses « 12,50 » in
one (or sends nothing), and the server read only « 12.50 ». They are now text inputs read like
the portal's (``kernel.inputs.TypedAmountField``): in the model forms of every admin
(``kernel.admin.TypedAmountsMixin``) and in the forms of the back office's own pages."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin import ReadOnlyInline
from accounts.choices import BillingMode
from billing.models import PendingCharge
from kernel.admin import ReadOnlyInline as KernelReadOnlyInline
from kernel.inputs import TypedAmountField
from payments.models import Payment
from payments.services import invoice_state
from tests.conftest import admin_confirmation
from tests.factories import sign_in_staff
from tests.payments.conftest import issue_invoice

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


@pytest.fixture
def staff(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    client.staff = sign_in_staff(client)
    return client


@pytest.fixture
def customer(tenant):
    """A customer invoiced directly by the reseller (ACC-3)."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


def _input(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


# ACC-4 — a manual charge added on the French back office at « 1 200,50 » (a no-break space
# between thousands, as the portal writes amounts) is stored at 1200.50; the input is a text
# input (an en-US browser's number input refuses « 1 200,50 »).
def test_manual_charge_typed_the_french_way_is_stored(staff, customer):
    url = reverse("admin:billing_pendingcharge_add")
    field = _input(staff.get(url).content.decode(), "unit_price")
    assert 'type="text"' in field and 'inputmode="decimal"' in field, field
    page = staff.post(
        url,
        {
            "client": customer.pk,
            "contract": "",
            "kind": "setup",
            "description": "Installation sur site",
            "period_start": "2026-10-15",
            "period_end": "",
            "quantity": "1,5",
            "unit_price": f"1{NBSP}200,50",
            "vat_category": "",
        },
    ).content.decode()  # 1.5 × 1 200.50 = 1 800.75 HT, confirmed first
    assert f"1{NBSP}800,75{NBSP}€" in page, page[-3000:]
    response = staff.post(url, admin_confirmation(page))
    assert response.status_code == 302, response.content.decode()[-3000:]
    charge = PendingCharge.objects.get()
    assert (charge.quantity, charge.unit_price) == (Decimal("1.5"), Decimal("1200.50"))


# BIL-4 — a transfer of « 1 200,50 » recorded on the French back office settles the customer's
# invoice of 1 000.42 HT + 20 % VAT = 1 200.50 TTC in full (it was refused: « Saisissez un
# nombre. »); « 12,50 » on the English page is refused, never read as 1250.
def test_payment_typed_the_french_way_settles_the_invoice(staff, customer):
    invoice = issue_invoice(customer, "1000.42", month=date(2026, 9, 1))  # 1 200.50 TTC
    url = reverse("admin:payments_payment_add")
    field = _input(staff.get(url).content.decode(), "amount")
    assert 'type="text"' in field and 'inputmode="decimal"' in field, field
    data = {
        "client": customer.pk,
        "method": "transfer",
        "received_on": "2026-10-20",
        "reference": "VIR-42",
    }
    with time_machine.travel(datetime(2026, 10, 20, 10, tzinfo=PARIS), tick=False):
        english = staff.post(url, {**data, "amount": "12,50"}, HTTP_ACCEPT_LANGUAGE="en")
        assert (
            english.status_code == 200
            and "Enter a number, such as 12.50." in english.content.decode()
        )
        page = staff.post(url, {**data, "amount": "1 200,50"}).content.decode()
        assert f"1{NBSP}200,50{NBSP}€" in page, page[-3000:]  # confirmed first
        response = staff.post(url, admin_confirmation(page))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Payment.objects.get().amount == Decimal("1200.50")
    assert invoice_state(invoice).open == Decimal("0.00")


def _our_form_classes():
    """Every form class of the back office pages of our apps (admin modules); their model
    forms are checked as their admins build them (``get_form``)."""
    seen, todo = [], list(forms.Form.__subclasses__())
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        app = form.__module__.split(".")[0]
        if ".admin" in form.__module__ and app not in {"django", "allauth", "django_celery_beat"}:
            seen.append(form)
    return seen


# SPEC 9 — no amount input of the back office is left to the browser: each visible decimal
# field of an admin's model form (add and change) and of a back office page's form reads what
# is typed in the page's language.
def test_every_back_office_amount_input_reads_the_page_language(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    number_inputs = []

    def check(where, fields):
        for name, field in fields.items():
            if isinstance(field, forms.DecimalField) and not field.widget.is_hidden:
                if not isinstance(field, TypedAmountField):
                    number_inputs.append(f"{where}.{name}")

    ours = [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label not in {"django_celery_beat", "auth", "mfa", "account"}
    ]
    for model, model_admin in ours:
        check(model._meta.label, model_admin.get_form(request, None).base_fields)
        for inline in model_admin.get_inline_instances(request, None):
            if isinstance(inline, ReadOnlyInline | KernelReadOnlyInline):
                continue  # rows shown, never edited
            formset = inline.get_formset(request, None)
            check(f"{model._meta.label}/{inline.model._meta.label}", formset.form.base_fields)
    forms_checked = _our_form_classes()
    assert len(forms_checked) > 20
    for form in forms_checked:
        try:
            fields = form().fields  # fields added in __init__ too
        except TypeError:  # a form that needs its objects: its declared fields
            fields = form.base_fields
        check(f"{form.__module__}.{form.__name__}", fields)
    assert number_inputs == [], "\n".join(number_inputs)
