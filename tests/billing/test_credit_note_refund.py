"""BIL-9: a credit note's amount is set against the buyer's next invoices "or refunded" — staff
record the transfer that pays back what is left of it, which is then never set against an
invoice again."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.choices import BillingMode
from accounts.models import AuditLog, User
from billing import services
from billing.models import CreditRefund, Invoice
from kernel.money import money
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SEP, OCT, NOV = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
TODAY = datetime(2026, 11, 20, 10, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def customer(tenant):
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


@pytest.fixture
def note(customer):
    """SIP-UNL at 19.90 HT a month from 2026-09-01 (20 % VAT); a credit note of 50.00 HT +
    10.00 VAT = 60.00 issued on 5 October; October's run invoices November 19.90 + 3.98 =
    23.88, all of it paid by the credit note: 60.00 − 23.88 = 36.12 left."""
    make_contract(customer, "sip-unl", signature=date(2026, 8, 20), service_start=SEP)
    services.run_month_sync(month=SEP)
    note = services.credit_note_issue(
        client=customer,
        lines=[services.CreditLine("SLA credit", Decimal("50.00"))],
        reason="Outage",
        issue_date=date(2026, 10, 5),
    )
    services.run_month_sync(month=OCT)
    assert Invoice.objects.get(client=customer, month=OCT).credit_applied == Decimal("23.88")
    assert services.credit_remaining(note) == Decimal("36.12")
    return note


# BIL-9 — the 36.12 left is refunded on 20 November (transfer VIR-118): nothing is left, and
# November's run (December 23.88 TTC) sets nothing against it: 23.88 due. Refusals write
# nothing: 0.01 more than is left, a date in the future or before the credit note, no reference.
@time_machine.travel(TODAY, tick=False)
def test_bil9_credit_note_refunded_is_not_set_against_the_next_invoice(customer, note):
    with translation.override("en"):
        for amount, day, reference, field in (
            ("36.13", date(2026, 11, 20), "VIR-118", "amount"),
            ("36.12", date(2026, 11, 21), "VIR-118", "refunded_on"),
            ("36.12", date(2026, 10, 4), "VIR-118", "refunded_on"),
            ("36.12", date(2026, 11, 20), "  ", "reference"),
        ):
            with pytest.raises(ValidationError) as error:
                services.credit_note_refund(
                    credit_note=note, amount=amount, refunded_on=day, reference=reference
                )
            assert field in error.value.message_dict
        assert error.value.message_dict == {"reference": ["Give the reference of the transfer."]}
    assert not CreditRefund.objects.exists()

    refund = services.credit_note_refund(
        credit_note=note, amount="36.12", refunded_on=date(2026, 11, 20), reference="VIR-118"
    )

    assert refund.amount == Decimal("36.12")
    assert services.credit_remaining(note) == Decimal("0.00")
    assert AuditLog.objects.filter(action="credit_note.refund").count() == 1
    services.run_month_sync(month=NOV)
    december = Invoice.objects.get(client=customer, month=NOV)
    assert (december.total_gross, december.credit_applied, december.amount_due) == (
        Decimal("23.88"),
        Decimal("0.00"),
        Decimal("23.88"),
    )


# BIL-9 — the back-office action refunds what is left (36.12, offered by default); the
# customer's credit note page shows the refund and 0.00 left.
@time_machine.travel(TODAY, tick=False)
def test_bil9_refund_action_and_customer_page(client, as_role, note):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    staff = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    changelist = reverse("admin:billing_invoice_changelist")
    data = {"action": "refund_credit_note", ACTION_CHECKBOX_NAME: [note.pk]}
    page = client.post(changelist, data).content.decode()
    assert note.number in page and 'value="36.12"' in page and "36.12 €" in page

    # the transfer was recorded as soon as the page was sent; now a confirmation states it
    # first (36.12 € TTC refunded, the credit note's amounts excl. and incl. VAT, 0.00 € left),
    # nothing written before « Confirm »; its confirmation records it once, a replay nothing
    page = client.post(
        changelist, {**data, "apply": "1", "amount": "36.12", "refunded_on": "2026-11-20",
                     "reference": "VIR-118"}
    ).content.decode()  # fmt: skip
    assert not CreditRefund.objects.exists()
    assert "Confirm the refund of 36.12\xa0€ incl. VAT?" in page and note.number in page
    assert f"{money(note.total_net)} excl. VAT" in page and "VIR-118" in page
    response = client.post(changelist, admin_confirmation(page))
    replay = client.post(changelist, admin_confirmation(page))

    assert response.status_code == 302 and replay.status_code == 302
    assert CreditRefund.objects.get().created_by == staff
    assert services.credit_remaining(note) == Decimal("0.00")
    detail = as_role("billing").get(reverse("billing:detail", args=[note.pk]))
    html = detail.content.decode()
    assert "VIR-118" in html and 'data-testid="refund-row"' in html
    assert 'data-testid="credit-remaining">0' in html


# BIL-9 / BIL-4 — the same refund transfer recorded twice (two members of staff, two tabs of the
# back office): 10.00 € of the 36.12 € left, transfer « RB-2026-11 » of 19/11, recorded again:
# refused on its reference, 26.12 € still left (before: 16.12 €, 20.00 € paid back for one
# transfer of 10.00 €). A second transfer of 10.00 € with its own reference is a second refund.
def test_bil9_same_refund_recorded_twice_is_refused(note):
    with time_machine.travel(TODAY, tick=False):
        services.credit_note_refund(
            credit_note=note, amount="10.00", refunded_on=date(2026, 11, 19), reference="RB-2026-11"
        )
        with pytest.raises(ValidationError) as error:
            services.credit_note_refund(
                credit_note=note,
                amount="10.00",
                refunded_on=date(2026, 11, 19),
                reference=" RB-2026-11 ",
            )
        assert "reference" in error.value.message_dict
        assert services.credit_remaining(note) == Decimal("26.12")
        services.credit_note_refund(
            credit_note=note, amount="10.00", refunded_on=date(2026, 11, 19), reference="RB-2026-12"
        )
    assert services.credit_remaining(note) == Decimal("16.12")
