"""USE-4 waivers (audited): before invoicing the re-rated amounts simply disappear from the
run; after invoicing a credit note corrects the invoice (BIL-9). Breach notices (e-mail +
webhook) are sent once."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditLog
from billing import services as billing
from billing.models import Invoice, InvoicePurpose
from kernel.errors import InvalidTransition
from tests.conftest import admin_confirmation
from tests.telephony.factories import customer
from tests.usage.money_helpers import OCT, at, breached_month, call
from usage.choices import BreachStatus
from usage.models import CallRecord, FairUseBreach
from usage.receivers import on_breach_recorded
from usage.services.billing import breach_waive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def consumption(client):
    invoice = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.REGULAR)
    return invoice, sum(
        (line.net_amount for line in invoice.lines.filter(kind="consumption")), Decimal(0)
    )


# USE-4 — waived before October is invoiced: the month is re-rated as included, the run bills
# no consumption (15.00 € never invoiced), no credit note.
def test_use4_waiver_before_invoicing(admin_user):
    client = customer()
    account, breach = breached_month(client)
    assert breach_waive(breach=breach, note="Client de bonne foi", actor=admin_user) == []
    breach.refresh_from_db()
    assert breach.status == BreachStatus.WAIVED and breach.waived_by == admin_user
    assert AuditLog.objects.filter(action="usage.breach_waive").exists()
    assert sum(c.cost for c in CallRecord.objects.filter(sip_account=account)) == 0
    billing.run_month_sync(month=OCT)
    _invoice, billed = consumption(client)
    assert billed == Decimal("0")


# USE-4 / BIL-9 — waived after October's invoice carried the 15.00 € of the breach: a credit
# note of 15.00 € HT (+ 20 % VAT = 18.00 TTC) corrects that invoice; waiving twice is refused.
def test_use4_waiver_after_invoicing_becomes_a_credit_note(admin_user):
    client = customer()
    _account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    invoice, billed = consumption(client)
    assert billed == Decimal("15.00")

    [credit] = breach_waive(breach=breach, note="Geste commercial", actor=admin_user)

    note = credit.credit_note
    assert credit.amount == Decimal("15.00")
    assert note.corrects == invoice
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("15.00"),
        Decimal("3.00"),
        Decimal("18.00"),
    )
    with pytest.raises(InvalidTransition):
        breach_waive(breach=breach, note="encore", actor=admin_user)
    assert list(breach.credits.all()) == [credit]
    with pytest.raises(ValidationError):
        breach_waive(breach=breach, note=" ", actor=admin_user)


# USE-4 / BIL-9 — before money moves, staff see what the waiver will credit: 15.00 € HT once
# October's invoice carried the breach (0.00 before it was invoiced); computing it changes
# nothing (the breach stays open, the calls keep their 15.0000 €, no credit note), and the
# waiver then credits exactly that. The back office's confirmation page says it in words.
def test_use4_waiver_preview_is_the_credit_and_changes_nothing(admin_user, staff):
    from django.urls import reverse

    from usage.services.billing import waiver_preview

    target = customer()
    account, breach = breached_month(target)
    assert waiver_preview(breach) == 0
    billing.run_month_sync(month=OCT)
    assert waiver_preview(breach) == Decimal("15.00")
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    assert sum(c.cost for c in CallRecord.objects.filter(sip_account=account)) == Decimal("15")
    assert not Invoice.objects.filter(kind="credit_note").exists()

    page = staff.post(
        reverse("admin:usage_fairusebreach_changelist"),
        {"action": "waive", "_selected_action": [breach.pk]},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert f"{breach}\u00a0: avoir de 15,00\u00a0€ HT." in page
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN

    # BIL-9: the waiver credited as soon as its reason was sent; now a confirmation states the
    # credit note first — 15.00 HT + 20 % VAT 3.00 = 18.00 € TTC, correcting October's
    # invoice —, nothing written before « Confirm »; its confirmation waives once
    url = reverse("admin:usage_fairusebreach_changelist")
    waive = {"action": "waive", "_selected_action": [breach.pk], "apply": "1", "note": "Geste"}
    page = staff.post(url, waive, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    october = Invoice.objects.get(kind="invoice", month=OCT, purpose=InvoicePurpose.REGULAR)
    assert "Confirm waiving the breach: 18.00\xa0€ incl. VAT credited?" in page
    for fact in ("15.00\xa0€", "3.00\xa0€ (S 20%)", october.number, target.legal_name):
        assert fact in page
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN and not breach.credits.exists()
    for _twice in range(2):
        staff.post(url, admin_confirmation(page), HTTP_ACCEPT_LANGUAGE="en")
    [credit] = breach.credits.all()
    assert credit.amount == Decimal("15.00") and credit.credit_note.total_gross == Decimal("18")


# USE-4 — the customer is told of a breach once (e-mail to its administrators).
def test_use4_breach_notified_once(mailoutbox, django_capture_on_commit_callbacks):
    client = customer()
    _account, breach = breached_month(client)
    with django_capture_on_commit_callbacks(execute=True):
        on_breach_recorded(sender=FairUseBreach, breach_id=breach.pk)
        on_breach_recorded(sender=FairUseBreach, breach_id=breach.pk)
    assert len(mailoutbox) == 1
    breach.refresh_from_db()
    assert breach.notified_at is not None


# USE-4 / BIL-9 — a breach billed by two invoices: October's run billed its 10 calls (15.00 €);
# two more breach calls of October arrived late (2 × 1.5000 = 3.0000) and November's run
# billed them on its own line. Waived: 18.00 € to give back, as two credit notes — 3.00 €
# correcting November's invoice (never more than it carried), 15.00 € correcting October's.
def test_use4_waiver_credits_each_invoice_that_carried_the_breach(admin_user):
    from tests.usage.money_helpers import NOV

    client = customer()
    account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    october, billed = consumption(client)
    for i in range(2):
        call(
            client, sip_account=account, started_at=at(20 + i, 10), called=f"+3314000001{i}",
            cost="1.5000", list_cost="1.5000", breach=True, late=True,
        )  # fmt: skip
    billing.run_month_sync(month=NOV)
    november = Invoice.objects.get(client=client, month=NOV, purpose=InvoicePurpose.REGULAR)
    assert billed == Decimal("15.00")
    assert november.lines.get(kind="consumption").net_amount == Decimal("3.00")

    credits = breach_waive(breach=breach, note="Geste commercial", actor=admin_user)

    assert [(c.credit_note.corrects, c.amount) for c in credits] == [
        (november, Decimal("3.00")),
        (october, Decimal("15.00")),
    ]
    assert sum(c.credit_note.total_net for c in credits) == Decimal("18.00")


# USE-4 / PLATFORM 6.7 — a breach of October 2026 (15.00 € invoiced because of it) waived on
# 5 November 2027: the purge has deleted October 2026's calls (kept: those after 5/11/2026).
# Re-rated, the month would read 0 € and its whole invoice would be credited (15.00 €, and
# every other line of the month): the waiver is refused with its reason; nothing is credited,
# the breach stays open. On 4 October 2027 (calls after 4/10/2026 kept: the month's first four
# days are gone) it is refused as well: a month partly purged is no longer waived. On
# 30 September 2027 the whole month is still kept: the waiver credits the 15.00 €.
def test_use4_waiver_refused_once_the_month_is_purged(admin_user):
    import time_machine

    client = customer()
    _account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    for day in (date(2027, 11, 5), date(2027, 10, 4)):
        with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=UTC)):
            with pytest.raises(ValidationError, match="ne sont plus tous conservés"):
                breach_waive(breach=breach, note="Geste commercial", actor=admin_user)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN and not breach.credits.exists()
    assert not Invoice.objects.filter(client=client, kind="credit_note").exists()
    with time_machine.travel(datetime(2027, 9, 30, 9, tzinfo=UTC)):
        [credit] = breach_waive(breach=breach, note="Geste commercial", actor=admin_user)
    assert credit.amount == Decimal("15.00")


# USE-4 (docs/rules.md: "the customer is notified"; ACC-2: the billing role pays the invoices) —
# the clinic's reception breaches October's fair use: its 10 calls are billed per minute, 15.00 €
# HT on the next invoice instead of 0. The e-mail announces a charge: it reaches the customer's
# administrator and its billing member (who pays it and may contest it), not its technical
# member — it reached the administrator only.
def test_use4_breach_notice_reaches_the_billing_members(
    mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.choices import Role
    from tests.factories import MembershipFactory

    client = customer()
    billing_member = MembershipFactory(client=client, role=Role.BILLING)
    MembershipFactory(client=client, role=Role.TECHNICAL)
    admin = client.memberships.get(role=Role.ADMIN)
    _account, breach = breached_month(client)
    with django_capture_on_commit_callbacks(execute=True):
        on_breach_recorded(sender=FairUseBreach, breach_id=breach.pk)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [admin.user.email, billing_member.user.email]
    )


# USE-4 / BIL-9 — a breach waived after October's invoice carried its 15.00 €: the waiver made
# credit note A… of 15.00 € HT. The breach's own page in the back office (where a billing clerk
# answering the customer lands) said « Levée », who and why, but not the credit note it made:
# only the list's column named it. The page now names it with its amount excl. VAT.
def test_use4_waived_breach_page_names_its_credit_note(admin_user, staff):
    from django.urls import reverse

    client = customer()
    _account, breach = breached_month(client)
    billing.run_month_sync(month=OCT)
    [credit] = breach_waive(breach=breach, note="Geste commercial", actor=admin_user)
    page = staff.get(
        reverse("admin:usage_fairusebreach_change", args=[breach.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert f"{credit.credit_note.number} (15,00\u00a0€ HT)" in page


# USE-4 / BIL-1 (docs/rules.md: a breach found after its month was invoiced — a late record —
# is billed by the next run, never by editing the invoice) — October's invoice is issued with
# the reception's calls as included; the breach is found afterwards: its 10 calls are billed
# per minute, 15.00 € HT. The e-mail said only « For that month, its calls are billed at the
# tariff, per minute »: the customer, holding an October invoice without them, could not tell
# where they would be billed. It now adds that October's invoice is already issued and the
# difference is on the next invoice; a breach of a month not yet invoiced says nothing of it.
def test_use4_breach_notice_of_an_invoiced_month_names_the_next_invoice(
    mailoutbox, django_capture_on_commit_callbacks
):
    client = customer()
    _account, breach = breached_month(client)
    with django_capture_on_commit_callbacks(execute=True):
        on_breach_recorded(sender=FairUseBreach, breach_id=breach.pk)
    assert "prochaine facture" not in mailoutbox[-1].body

    other = customer()
    account, late = breached_month(other)
    CallRecord.objects.filter(sip_account=account).update(cost=0, breach=False)
    late.delete()
    billing.run_month_sync(month=OCT)
    late = FairUseBreach.objects.create(
        client=other, sip_account=account, month=OCT, plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}], detected_at=breach.detected_at,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        on_breach_recorded(sender=FairUseBreach, breach_id=late.pk)
    body = mailoutbox[-1].body
    assert (
        "Votre facture de 10/2026 est déjà émise\u00a0: la différence figurera sur votre "
        "prochaine facture." in body
    )
