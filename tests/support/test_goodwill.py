"""SLA-12 (PLATFORM 15.3) — goodwill credits that staff grant beyond SLA credits, for one event
(a ticket or an outage) and one service (a contract), are capped in total at the subscriptions
**paid** for that service in the 3 months before the event: the subscription lines of the
contract on the issued invoices dated in that window that are paid. Above what is left the
credit is refused with the cap in the message and nothing is written; within it a credit note
is issued (BIL-9), locked and audited."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts.choices import Role
from accounts.models import AuditLog, User
from billing import services as billing
from billing.models import Invoice
from payments import services as payments
from support import selectors, services
from support.choices import TicketKind
from support.models import GoodwillCredit
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD
from tests.offers.factories import make_contract
from tests.support.factories import open_failure, paris, reseller_billed

pytestmark = pytest.mark.django_db
JUN, JUL, AUG, SEP, OCT = (date(2026, m, 1) for m in (6, 7, 8, 9, 10))
EVENT = paris(2026, 10, 15, 10)  # window [15 July, 15 October): invoices of 31/07, 31/08, 30/09


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def staff():
    return User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def customer(tenant):
    return reseller_billed(tenant.client)


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def invoices_of(customer, months) -> dict:
    """The month-end runs of ``months``: each invoice dated the month's last day carries the
    next month's subscriptions in advance (BIL-1)."""
    for month in months:
        billing.run_month_sync(month=month)
    return {m: Invoice.objects.get(kind="invoice", client=customer, month=m) for m in months}


def pay(invoice, staff, amount=None):
    with time_machine.travel(paris(2026, 11, 20, 10), tick=False):
        payments.payment_record(
            amount=invoice.amount_due if amount is None else amount,
            method="transfer",
            received_on=invoice.issue_date + timedelta(days=5),
            client=invoice.client,
            invoices=[invoice],
            actor=staff,
        )


def platform(customer, price="250.00"):
    return make_contract(customer, "platform", monthly_price=price)


def failure(tenant, contract, when=EVENT):
    with time_machine.travel(when, tick=False):
        return open_failure(tenant, contract)


def grant(amount, staff, **event):
    return services.goodwill_credit_issue(
        amount=Decimal(amount), reason="Sorry for the outage", actor=staff, **event
    )


# SLA-12 — the brief's case: 3 paid monthly invoices of 250.00 € HT subscriptions in the 3
# months before the event → cap 3 × 250.00 = 750.00 (June's invoice, paid too, is dated 30 June:
# more than 3 months before 15 October, not counted). 600.00 accepted (credit note 600.00 HT,
# 720.00 TTC at 20 %); 200.00 refused: 600.00 + 200.00 = 800.00 > 750.00, and nothing written;
# 150.00 accepted (600.00 + 150.00 = 750.00, exactly the cap); then not a cent more.
def test_cap_and_successive_credits(tenant, customer, staff, english):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUN, JUL, AUG, SEP)).values():
        pay(invoice, staff)
    ticket = failure(tenant, contract)
    room = services.liability_room(contract, ticket=ticket)
    assert (room.cap, room.granted, room.left) == (Decimal("750.00"), 0, Decimal("750.00"))

    first = grant("600.00", staff, ticket=ticket)
    assert first.contract == contract and first.cap == Decimal("750.00")
    note = first.credit_note
    assert note.kind == "credit_note" and note.client == customer
    assert (note.total_net, note.total_gross) == (Decimal("600.00"), Decimal("720.00"))
    # BIL-3: granted by a staff member reading the back office in English, the credit note's
    # line is French all the same.
    assert note.lines.get().description == (
        f"Geste commercial — ticket {ticket.number} — contrat {contract.reference}"
    )
    assert AuditLog.objects.filter(action="goodwill_credit.issue").count() == 1

    with pytest.raises(ValidationError) as error:
        grant("200.00", staff, ticket=ticket)
    assert error.value.message_dict["amount"] == [
        "The liability cap for this event is 750.00 €; 600.00 € already granted, so at most "
        "150.00 € more."
    ]
    assert error.value.error_dict["amount"][0].code == "liability_cap"
    assert GoodwillCredit.objects.count() == 1
    assert Invoice.objects.filter(kind="credit_note").count() == 1

    grant("150.00", staff, ticket=ticket)
    assert services.liability_room(contract, ticket=ticket).left == 0
    with pytest.raises(ValidationError) as error:
        grant("0.01", staff, ticket=ticket)
    assert "so at most 0.00 € more." in error.value.message_dict["amount"][0]
    assert Invoice.objects.filter(kind="credit_note").count() == 2

    # Another event of the same service has its own cap.
    later = failure(tenant, contract, paris(2026, 10, 20, 10))
    assert services.liability_room(contract, ticket=later).left == Decimal("750.00")


# SLA-12 — "abonnements payés": an unpaid invoice in the window does not count, nor a partly
# paid one (100.00 of September's 300.00 TTC): 250.00 + 250.00 = 500.00. Once September's is
# settled in full: 750.00.
def test_unpaid_invoices_do_not_count(tenant, customer, staff):
    contract = platform(customer)
    invoices = invoices_of(customer, (JUL, AUG, SEP))
    pay(invoices[JUL], staff)
    pay(invoices[AUG], staff)
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("500.00")
    pay(invoices[SEP], staff, amount=Decimal("100.00"))
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("500.00")
    pay(invoices[SEP], staff)
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("750.00")


def correct(invoice, amount, staff):
    """A correction by staff of ``invoice``'s subscription line (BIL-9: the credit note's line
    names it), set against the invoice it corrects once committed."""
    line = invoice.lines.get(kind="subscription")
    return billing.credit_note_issue(
        corrects=invoice,
        lines=[billing.CreditLine("Correction", Decimal(amount), invoice_line=line)],
        reason="Month not owed",
        actor=staff,
    )


# SLA-12 / BIL-9 — "abonnements payés" are what the customer paid for the service, not what was
# billed and then credited back. 3 month-end invoices of one 300.00 € HT subscription line each
# (360.00 TTC), all settled; August's line fully credited by a correction naming it (300.00 HT,
# 360.00 TTC, set against August's invoice: the customer paid nothing for August). Cap:
# 300.00 + (300.00 − 300.00) + 300.00 = 600.00 — it counted 3 × 300.00 = 900.00.
# A goodwill credit is compensation (it names September's line but corrects nothing): it counts
# against the cap as granted, never by lowering the cap (600.00 stays 600.00, 250.00 left).
# Partial payment (our choice, docs/rules.md SLA-12): a payment pays the invoice, not its lines —
# an invoice with anything left to pay counts nothing. July's line corrected by 100.00 HT
# (120.00 TTC) before July was paid, then 100.00 TTC paid of the 240.00 TTC left: July counts
# nothing (cap 300.00, September's); July settled (140.00 more): 200.00 + 0.00 + 300.00 = 500.00.
def test_credited_subscriptions_are_not_paid(
    tenant, customer, staff, django_capture_on_commit_callbacks
):
    contract = platform(customer, price="300.00")
    invoices = invoices_of(customer, (JUL, AUG, SEP))
    for month in (AUG, SEP):
        pay(invoices[month], staff)
    with django_capture_on_commit_callbacks(execute=True):
        correct(invoices[JUL], "100.00", staff)
    assert payments.invoice_state(invoices[JUL]).open == Decimal("240.00")
    pay(invoices[JUL], staff, amount=Decimal("100.00"))
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("600.00")
    with django_capture_on_commit_callbacks(execute=True):
        correct(invoices[AUG], "300.00", staff)
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("300.00")
    pay(invoices[JUL], staff, amount=Decimal("140.00"))
    assert payments.invoice_state(invoices[JUL]).open == 0
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("500.00")

    ticket = failure(tenant, contract)
    grant("250.00", staff, ticket=ticket)
    room = services.liability_room(contract, ticket=ticket)
    assert (room.cap, room.granted, room.left) == (
        Decimal("500.00"),
        Decimal("250.00"),
        Decimal("250.00"),
    )


# SLA-12 / BIL-9 — a credit note issued before credit notes named the lines they credit (no
# link) keeps the earlier reading: the invoice settled, its subscription line counts whole.
# August's 300.00 HT credited by such a note: 3 × 300.00 = 900.00, as before the link existed.
def test_unlinked_credit_notes_keep_counting_the_line(customer, staff):
    contract = platform(customer, price="300.00")
    invoices = invoices_of(customer, (JUL, AUG, SEP))
    for invoice in invoices.values():
        pay(invoice, staff)
    note = correct(invoices[AUG], "300.00", staff)
    # As the documents issued before BIL-9's link: the issued-document guard (a trigger) off
    # for this one write.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        note.lines.update(credited_line=None)
        cursor.execute("SET LOCAL session_replication_role = origin")
    assert selectors.liability_cap(contract=contract, day=EVENT.date()) == Decimal("900.00")


# SLA-12 — the window is [the same day 3 months before, the event's day): with the invoices of
# 30 June, 31 July, 31 August, 30 September and 31 October all paid (250.00 each) —
#   event 31 October → 31/07, 31/08, 30/09 = 750.00 (31 October's own invoice is not before);
#   event 1 November → 31/08, 30/09, 31/10 = 750.00;
#   event 1 August → 30/06, 31/07 = 500.00 (nothing was invoiced before June);
#   event 31 July → [30 April, 31 July): 30/06 = 250.00.
# Another contract's subscriptions on the same invoices never count; nor the minimum
# commitment top-up (not a subscription).
def test_window_boundaries(customer, staff):
    contract = platform(customer)
    platform(customer, price="400.00")  # the same invoices carry it
    for invoice in invoices_of(customer, (JUN, JUL, AUG, SEP, OCT)).values():
        pay(invoice, staff)
    cases = {
        date(2026, 10, 31): "750.00",
        date(2026, 11, 1): "750.00",
        date(2026, 8, 1): "500.00",
        date(2026, 7, 31): "250.00",
        date(2026, 6, 30): "0.00",
    }
    for day, cap in cases.items():
        assert selectors.liability_cap(contract=contract, day=day) == Decimal(cap), day


# SLA-12 — an outage is an event too, with one cap per affected service: A (250.00 a month)
# 750.00, B (100.00 a month) 300.00 — granted separately from A's ticket credits. A contract
# the outage did not affect is refused.
def test_outage_event_per_service(tenant, customer, staff, english):
    a, b = platform(customer), platform(customer, price="100.00")
    unaffected = platform(customer, price="100.00")
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, staff)
    with time_machine.travel(paris(2026, 10, 16, 9), tick=False):
        outage = services.outage_record(
            title="Core down",
            started_at=EVENT,
            ended_at=EVENT + timedelta(hours=3),
            contracts=[a, b],
            actor=staff,
        )
    grant("700.00", staff, ticket=failure(tenant, a))
    grant("700.00", staff, outage=outage, contract=a)  # its own cap: 750.00
    grant("300.00", staff, outage=outage, contract=b)
    with pytest.raises(ValidationError) as error:
        grant("0.01", staff, outage=outage, contract=b)
    assert "is 300.00 €; 300.00 € already granted" in error.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as error:
        grant("10.00", staff, outage=outage, contract=unaffected)
    assert "contract" in error.value.message_dict
    with pytest.raises(ValidationError):
        grant("10.00", staff, outage=outage)  # which service?
    assert services.liability_room(a, outage=outage).granted == Decimal("700.00")
    assert GoodwillCredit.objects.count() == 3


# SLA-12 — bad input is refused before anything is written: a customer's member (only staff
# grant), a zero, negative, 3-decimal or non-numeric amount, a blank reason, a question without
# a service, both a ticket and an outage.
def test_refusals_write_nothing(tenant, customer, staff, english):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, staff)
    ticket = failure(tenant, contract)
    with pytest.raises(PermissionDenied):
        services.goodwill_credit_issue(
            amount=Decimal("10"), reason="x", actor=tenant.members[Role.ADMIN].user, ticket=ticket
        )
    for amount in ("0", "-5", "10.001", "abc", "NaN"):
        with pytest.raises(ValidationError) as error:
            services.goodwill_credit_issue(amount=amount, reason="x", actor=staff, ticket=ticket)
        assert "amount" in error.value.message_dict, amount
    with pytest.raises(ValidationError) as error:
        services.goodwill_credit_issue(amount="10.00", reason="  ", actor=staff, ticket=ticket)
    assert "reason" in error.value.message_dict
    question = services.ticket_open(
        client=customer, kind=TicketKind.QUESTION, subject="Q", body="?"
    )
    with pytest.raises(ValidationError):
        grant("10.00", staff, ticket=question)
    with time_machine.travel(paris(2026, 10, 16, 9), tick=False):
        outage = services.outage_record(
            title="Down", started_at=EVENT, contracts=[contract], actor=staff
        )
    with pytest.raises(ValidationError):
        grant("10.00", staff, ticket=ticket, outage=outage)
    assert not GoodwillCredit.objects.exists()
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert not AuditLog.objects.filter(action="goodwill_credit.issue").exists()


# --- Back office ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    return client


def _action(client, model, objects, **data):
    return client.post(
        reverse(f"admin:support_{model}_changelist"),
        {"action": "goodwill", ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


# SLA-12 — the ticket's action: the confirmation page shows the cap (750.00), what was granted
# and what is left; 600.00 is granted; 200.00 more is refused on the page with the cap in the
# message; the ticket's page shows 600.00 granted and 150.00 left. One event at a time.
def test_back_office_ticket_action(admin_client, tenant, customer, staff):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, staff)
    ticket = failure(tenant, contract)
    page = _action(admin_client, "ticket", [ticket]).content.decode()
    assert 'data-testid="liability-caps"' in page
    assert 'data-testid="cap">750.00<' in page and 'data-testid="left">750.00<' in page
    page = _action(admin_client, "ticket", [ticket], apply="1", amount="600.00", reason="Goodwill")
    url = reverse("admin:support_ticket_changelist")
    response = admin_client.post(url, admin_confirmation(page.content.decode()))
    assert response.status_code == 302
    assert GoodwillCredit.objects.get().amount == Decimal("600.00")
    page = _action(admin_client, "ticket", [ticket], apply="1", amount="200.00", reason="More")
    refused = admin_client.post(url, admin_confirmation(page.content.decode()))  # the service's
    assert refused.status_code == 200
    page = refused.content.decode()
    assert (
        "The liability cap for this event is 750.00 €; 600.00 € already granted, so at most "
        "150.00 € more." in page
    )
    assert 'data-testid="granted">600.00<' in page and 'data-testid="left">150.00<' in page
    assert GoodwillCredit.objects.count() == 1
    change = admin_client.get(reverse("admin:support_ticket_change", args=[ticket.pk]))
    assert "600.00 € granted, 150.00 € left" in change.content.decode()
    other = failure(tenant, contract, paris(2026, 10, 16, 10))
    response = _action(admin_client, "ticket", [ticket, other], apply="1", amount="1", reason="x")
    assert response.status_code == 302 and GoodwillCredit.objects.count() == 1
    listing = admin_client.get(reverse("admin:support_goodwillcredit_changelist"))
    assert listing.status_code == 200 and contract.reference in listing.content.decode()


# SLA-12 — the outage's action: choose the affected service; its cap is on the page.
def test_back_office_outage_action(admin_client, customer, staff):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, staff)
    with time_machine.travel(paris(2026, 10, 16, 9), tick=False):
        outage = services.outage_record(
            title="Down", started_at=EVENT, contracts=[contract], actor=staff
        )
    page = _action(admin_client, "outage", [outage]).content.decode()
    assert contract.reference in page and 'data-testid="cap">750.00<' in page
    page = _action(
        admin_client,
        "outage",
        [outage],
        apply="1",
        contract=contract.pk,
        amount="750.00",
        reason="Goodwill",
    )
    assert "Confirm the goodwill credit note of 900.00\xa0€ incl. VAT?" in page.content.decode()
    response = admin_client.post(
        reverse("admin:support_outage_changelist"), admin_confirmation(page.content.decode())
    )
    assert response.status_code == 302
    credit = GoodwillCredit.objects.get()
    assert (credit.outage, credit.contract, credit.amount) == (outage, contract, Decimal("750"))
    assert credit.credit_note.total_net == Decimal("750.00")
    change = admin_client.get(reverse("admin:support_outage_change", args=[outage.pk]))
    assert change.status_code == 200 and credit.credit_note.number in change.content.decode()


# SLA-12 / BIL-9 — a goodwill credit is at the VAT rate charged for the service at the event,
# never today's regime: June–September invoiced at 20 % and paid (cap 3 × 250.00 = 750.00 for
# an event on 15 October, whose service was invoiced on 30 September at 20 %); the customer
# then moved to Réunion and October's run invoiced November at 8.5 %. 100.00 granted →
# 100.00 + 20.00 VAT = 120.00, not 100.00 + 8.50 = 108.50.
def test_goodwill_credit_at_the_rate_charged_for_the_event(tenant, customer, staff):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUN, JUL, AUG, SEP)).values():
        pay(invoice, staff)
    ticket = failure(tenant, contract)
    customer.vat_regime = "overseas"
    customer.save(update_fields=["vat_regime"])
    billing.run_month_sync(month=OCT)

    note = grant("100.00", staff, ticket=ticket).credit_note

    line = note.lines.get()
    assert (line.vat_category, line.vat_rate) == ("S", Decimal("20.00"))
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )


# SLA-12, BIL-9 — the goodwill page granted the credit as soon as it was sent: 100.00 € HT
# typed, a credit note issued at once. Now a confirmation page states it first — 100.00 HT +
# 20.00 VAT (20 %, the rate charged for the service) = 120.00 € TTC, for the customer and the
# service, a credit note set against its next invoice — and nothing is written before
# « Confirm ». Its token is given for what it showed: a confirmation changed to 700.00 grants
# nothing (the new amount is shown to confirm); one sent twice (a double click, the back
# button) grants once, and says so.
def test_back_office_goodwill_is_confirmed_with_its_amounts_once(
    admin_client, tenant, customer, staff
):
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, staff)
    ticket = failure(tenant, contract)
    data = {"apply": "1", "amount": "100.00", "reason": "Goodwill"}
    page = _action(admin_client, "ticket", [ticket], **data).content.decode()
    assert not GoodwillCredit.objects.exists() and not Invoice.objects.filter(kind="credit_note")
    assert "Confirm the goodwill credit note of 120.00\xa0€ incl. VAT?" in page
    for fact in ("100.00\xa0€", "20.00\xa0€ (S 20%)", customer.legal_name, contract.reference):
        assert fact in page
    confirmation = admin_confirmation(page)
    url = reverse("admin:support_ticket_changelist")
    changed = admin_client.post(url, {**confirmation, "amount": "700.00"}).content.decode()
    assert "Confirm the goodwill credit note of 840.00\xa0€ incl. VAT?" in changed
    assert not GoodwillCredit.objects.exists()
    first = admin_client.post(url, confirmation)
    second = admin_client.post(url, confirmation)
    assert first.status_code == 302 and second.status_code == 302
    assert GoodwillCredit.objects.get().credit_note.total_gross == Decimal("120.00")
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    followed = admin_client.get(second["Location"]).content.decode()
    assert "This form had already been sent: nothing was done a second time." in followed
