"""CON-4 / CON-5 — the PLATFORM terminations that are not the customer's convenience or
non-renewal, recorded by staff from the console:

- for a breach (17.4.1), by us (the customer's breach, 17.4.2 — misuse, non-payment after
  12.5.2's 8 days) or by the customer (ours): « moyennant le respect d'un préavis d'un (1)
  mois »;
- by us after a change of the services the customer did not sign (17.2, 7.1.2): a month's
  notice;
- by us on an authority's order or a licence lost (13.1.6, 13.1.8): « sans préavis ».

None of them carries a termination fee: 17.6 makes the remaining subscriptions due only « En
cas de résiliation pour convenance visée à l'article 17.1 ou pour inactivité », and 24.4.5 bills
the commitment « conformément à l'article 17.6 ». Services already provided stay due (the
month holding the last day of service was invoiced in advance: CON-5).

Contract: PLATFORM signed and started 2026-02-01, 250.00 € HT a month; anniversary 2027-02-01.
Before, the console recorded only the customer's notice: on 2026-06-15 it quoted 2026-09-15
with 4 × 250.00 = 1 000.00 € HT of fee (a convenience termination, 17.1), whatever happened.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from kernel.errors import InvalidTransition
from offers import services
from offers.choices import ContractStatus
from offers.models import Termination
from tests.console.conftest import at, confirmation_fields
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db


# PLATFORM 17.4.1 — notice 2026-06-15 + 1 month = effective 2026-07-15, fee 0,00 € (17.6). The
# confirmation page shows the reason, the date and the fee, and records nothing; confirmed, the
# termination is recorded with its reason and audited, the contract is terminating.
def test_termination_for_the_customers_breach(customer, contract, as_staff, support_agent):
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    data = {"contract": contract.pk, "reason": "breach_by_customer"}
    with at(date(2026, 6, 15)):
        page = browser.post(url, data).content.decode()
        assert 'data-testid="quote-date">15 juillet 2026<' in page
        assert 'data-testid="quote-fee">0,00' in page
        assert 'data-testid="quote-reason"' in page and "17.4" in page
        assert not Termination.objects.exists()
        assert not AuditLog.objects.filter(action="termination.request").exists()
        browser.post(url, {**confirmation_fields(page), "confirm": "1"})
    termination = Termination.objects.get(contract=contract)
    assert (termination.reason, termination.effective_date) == (
        "breach_by_customer",
        date(2026, 7, 15),
    )
    assert (termination.fee_rule, termination.fee_amount) == ("none", Decimal("0.00"))
    assert termination.requested_by == support_agent
    audit = AuditLog.objects.get(action="termination.request")
    assert audit.actor == support_agent and audit.after["reason"] == "breach_by_customer"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATING


# PLATFORM 17.4.1 — the customer's letter ending the contract for our breach: a month's notice,
# no fee, and the customer may still cancel it (its own termination).
def test_termination_for_our_breach_at_the_customers_letter(contract, tenant):
    with at(date(2026, 6, 15)):
        termination = services.contract_request_termination(
            contract=contract, reason="breach_by_us", notice_date=date(2026, 6, 12)
        )
        assert (termination.effective_date, termination.fee_amount) == (
            date(2026, 7, 12),
            Decimal("0.00"),
        )
        services.termination_cancel(termination=termination, actor=tenant.members[Role.ADMIN].user)


# PLATFORM 17.2 — after a change of the services not signed (7.1.2): a month's notice, a later
# date kept (asked for 2026-08-01), no fee; 13.1.6 / 13.1.8 — without notice: effective the
# day of the letter (its month was invoiced in advance and stays due), no fee.
def test_termination_after_a_service_change_and_on_an_authority_order(contract):
    with at(date(2026, 6, 15)):
        change = services.termination_quote(
            contract=contract, requested_date=date(2026, 8, 1), reason="service_change"
        )
        authority = services.termination_quote(contract=contract, reason="authority")
    assert (change.effective_date, change.fee_amount) == (date(2026, 8, 1), Decimal("0.00"))
    assert (authority.effective_date, authority.fee_amount) == (date(2026, 6, 15), Decimal("0.00"))


# Our own terminations are ours to cancel: the customer's portal offers no cancellation and
# the service refuses it from the customer or a partner; staff may cancel it.
def test_our_termination_is_not_cancelled_by_the_customer(contract, tenant, support_agent, as_role):
    admin = tenant.members[Role.ADMIN].user
    with at(date(2026, 6, 15)):
        termination = services.contract_request_termination(
            contract=contract, reason="breach_by_customer", actor=support_agent
        )
    with at(date(2026, 6, 20)):
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk])).content.decode()
        assert 'data-testid="termination"' in page
        assert 'data-testid="cancel-termination"' not in page
        with pytest.raises(InvalidTransition) as refused:
            services.termination_cancel(termination=termination, actor=admin)
        assert refused.value.code == "provider_termination"
        services.termination_cancel(termination=termination, actor=support_agent)
    termination.refresh_from_db()
    assert termination.status == "cancelled"


# These clauses are PLATFORM's: another contract's termination for a breach is refused on the
# reason field, nothing written.
def test_other_terms_refuse_these_reasons(customer, as_staff, support_agent):
    hosted = make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    response = browser.post(url, {"contract": hosted.pk, "reason": "breach_by_customer"})
    assert response.status_code == 400
    assert not Termination.objects.exists()


# CON-4: the confirmation page names the contract it ends — a customer with several contracts
# (a PLATFORM and a HOSTED-W here): before, the page showed the reason, the dates and the fee,
# never which contract « Confirmer » would terminate.
def test_the_confirmation_names_the_contract_it_ends(customer, contract, as_staff, support_agent):
    make_contract(customer, "hosted-w", quantity=2)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 6, 15)):
        page = browser.post(url, {"contract": contract.pk, "reason": "breach_by_customer"})
    page = page.content.decode()
    preview = page[page.index('data-testid="action-preview"') : page.index("</section>")]
    assert f'data-testid="quote-contract">{contract.reference} — {contract.offer.name}<' in preview
    assert not Termination.objects.exists()


# PLATFORM 17.4 / 13.1 — the customer's contract page says why we end its contract and that
# only we can cancel it. Before, it showed « Résiliation programmée » with its dates and fee
# only: no reason, and no cancel button with no word why.
def test_the_customer_reads_why_we_end_its_contract(contract, support_agent, as_role):
    with at(date(2026, 6, 15)):
        services.contract_request_termination(
            contract=contract, reason="breach_by_customer", actor=support_agent
        )
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk])).content.decode()
    reason = page[page.index('data-testid="termination-reason"') :]
    reason = reason[: reason.index("</p>")]
    assert (
        "Nous mettons fin à ce contrat pour manquement à vos obligations "
        "(article 17.4 des conditions générales)." in reason
    )
    assert "Cette résiliation ne peut être annulée que par nous" in reason


# PLATFORM 17.4 — the e-mail of a termination we decide tells the customer why in words written
# to it. Before: « Nous résilions le contrat … : Résilié par nous pour manquement du client
# (17.4). » — the back office's label, speaking of « le client » to the customer.
def test_the_email_of_our_termination_speaks_to_the_customer(
    contract, support_agent, mailoutbox, django_capture_on_commit_callbacks
):
    with at(date(2026, 6, 15)), django_capture_on_commit_callbacks(execute=True):
        services.contract_request_termination(
            contract=contract, reason="breach_by_customer", actor=support_agent
        )
    (mail,) = [m for m in mailoutbox if contract.reference in m.subject]
    assert (
        f"Contrat : {contract.reference} ({contract.offer.name})\nNous mettons fin à ce contrat "
        "pour manquement à vos obligations (article 17.4 des conditions générales)."
        in mail.body.replace("\u00a0", " ")
    )
    assert "manquement du client" not in mail.body
    assert "Le service s'arrête le 15 juillet 2026" in mail.body


def _termination_facts(page: str) -> str:
    box = page[page.index('data-testid="termination"') :]
    return box[: box.index("</dl>")]


# PLATFORM 17.4.1 / 17.2 / 13.1 — the customer's contract page labelled the date of the notice
# « Préavis reçu le » whoever gave it: for a termination we notified (our letter for its breach,
# 15 June 2026) it read as if the customer had given notice. Now « Résiliation notifiée le » for
# ours, « Préavis reçu le » still for the customer's own notice (here its letter for our breach,
# and its convenience termination).
@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("breach_by_customer", "Résiliation notifiée le"),
        ("service_change", "Résiliation notifiée le"),
        ("authority", "Résiliation notifiée le"),
        ("breach_by_us", "Préavis reçu le"),
        ("customer_request", "Préavis reçu le"),
    ],
)
def test_the_notice_date_is_labelled_by_who_terminated(
    contract, support_agent, as_role, reason, label
):
    with at(date(2026, 6, 15)):
        services.contract_request_termination(contract=contract, reason=reason, actor=support_agent)
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk])).content.decode()
    facts = _termination_facts(page)
    assert f'<dt data-testid="notice-label">{label}</dt><dd>15 juin 2026</dd>' in facts
    other = {"Résiliation notifiée le", "Préavis reçu le"} - {label}
    assert other.pop() not in page


# The console's confirmation names the date the same way: « Résiliation notifiée le » for ours.
def test_the_console_confirmation_labels_our_notice(customer, contract, as_staff, support_agent):
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 6, 15)):
        ours = browser.post(url, {"contract": contract.pk, "reason": "breach_by_customer"})
        theirs = browser.post(url, {"contract": contract.pk, "reason": "breach_by_us"})
    assert "<dt>Résiliation notifiée le</dt>" in ours.content.decode()
    assert "<dt>Préavis reçu le</dt>" in theirs.content.decode()


# The back office's termination page labelled notice_at « Préavis reçu le », for our own letter
# too — and notice_at is when the termination was typed in (a letter received on 12 June and
# typed in on 15 June read « Préavis reçu le 15 juin »). Now « Enregistrée le », beside « Date du
# préavis » (the day that counts).
def test_the_back_office_says_when_the_termination_was_recorded(client, contract, support_agent):
    from allauth.mfa.models import Authenticator

    from accounts.models import User

    with at(date(2026, 6, 15)):
        termination = services.contract_request_termination(
            contract=contract,
            reason="breach_by_customer",
            actor=support_agent,
            notice_date=date(2026, 6, 12),
        )
    boss = User.objects.create_user(
        email="boss@reseller.example", password="x-Pass-1234", is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=boss, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(boss)
    page = client.get(reverse("admin:offers_termination_change", args=[termination.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Préavis reçu le" not in text and "Enregistrée le" in text


# PLATFORM 28 / 7.2.1, CON-4 — the termination refuses the increases still awaiting our
# acceptance: the staff member confirming it was not told (CAPS 1 → 3 asked on 10/06/2026). Now
# the confirmation lists them as refused by it, before anything is recorded.
def test_the_confirmation_lists_the_increases_it_refuses(customer, as_staff, support_agent):
    from offers.models import LineQuantityChange
    from tests.usage.core_helpers import option, platform_with

    platform = platform_with(customer, [option("opt-caps", 1)], start=date(2026, 2, 1))
    caps = platform.lines.get(product__code="opt-caps")
    admin = customer.memberships.get(role=Role.ADMIN).user
    with at(date(2026, 6, 10)):
        services.line_quantity_change(line=caps, quantity=3, actor=admin)
    browser = as_staff(support_agent)
    url = reverse("console:terminate", args=[customer.pk])
    with at(date(2026, 6, 15)):
        page = browser.post(url, {"contract": platform.pk, "reason": "breach_by_customer"})
    page = page.content.decode()
    shown = page[page.index('data-testid="quote-increases-refused"') :]
    shown = shown[: shown.index("</dd>")]
    assert "CAPS supplémentaires\u00a0: 3 demandés le 10/06/2026" in shown
    assert LineQuantityChange.objects.get().status == "requested"  # nothing recorded yet
