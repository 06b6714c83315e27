"""Back office of offers and contracts (CON-1, CON-6, CON-7, CON-8, ACC-4, ACC-6)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms.models import model_to_dict
from django.urls import reverse

from accounts.models import AuditLog, User
from offers.admin import ContractAdmin
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract, Offer, Product, Suspension, Termination, Terms
from tests.conftest import admin_confirmation
from tests.factories import PASSWORD
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _staff_with_mfa(client):
    staff = User.objects.create_user(
        email="ops@reseller.example", password=PASSWORD, is_staff=True, is_superuser=True
    )
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    return staff


def _action(client, model, action, objects, **data):
    return client.post(
        reverse(f"admin:offers_{model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


@pytest.fixture
def staff(client):
    return _staff_with_mfa(client)


# CON-1 — the French list of products wrote their prices as raw Decimals (« 1500,0000 » for the
# number range hosting's set-up): now as the portal writes amounts, « 1 500,00 » (a no-break
# space between thousands, two decimals unless the price has more: « 0,8628 » stays).
def test_product_list_writes_prices_the_french_way(client, staff):
    Product.objects.filter(code="opt-number-range-hosting").update(
        setup_price="1500.0000", monthly_price="0.8628"
    )
    page = client.get(
        reverse("admin:offers_product_changelist"),
        {"q": "opt-number-range-hosting"},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert ">1\u00a0500,00</td>" in page and ">0,8628</td>" in page
    assert "1500,0000" not in page and "1500,00" not in page


@pytest.fixture
def contract(tenant):
    return make_contract(tenant.client, "hosted-a", monthly_price="250.00")


# ACC-4 — every back-office list renders with a search, and the change pages render.
@pytest.mark.parametrize(
    "model", ["terms", "product", "offer", "contract", "termination", "suspension"]
)
def test_back_office_lists(client, staff, tenant, model):
    suspended = make_contract(tenant.client, "trunk", status=ContractStatus.SUSPENDED)
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=PARIS), tick=False):
        make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
    for query in ({"q": "acme"}, {"q": suspended.reference}, {}):
        response = client.get(reverse(f"admin:offers_{model}_changelist"), query)
        assert response.status_code == 200


def test_back_office_change_pages(client, staff, tenant):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=PARIS), tick=False):
        contract = make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
    termination = Termination.objects.get(contract=contract)
    offer = Offer.objects.get(code="hosted-a")
    page = client.get(reverse("admin:offers_contract_change", args=[contract.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert contract.reference in html and 'name="status"' not in html
    assert "terms-snapshot" in html  # the terms signed, as a table
    for url in (
        reverse("admin:offers_termination_change", args=[termination.pk]),
        reverse("admin:offers_offer_change", args=[offer.pk]),
        reverse("admin:offers_terms_change", args=[offer.terms_id]),
        reverse("admin:offers_product_change", args=[offer.main_product_id]),
        reverse("admin:offers_offer_from_preset"),
    ):
        assert client.get(url).status_code == 200, url
    offer_page = client.get(
        reverse("admin:offers_offer_change", args=[offer.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content
    assert b"never changes signed contracts" in offer_page


# CON-2 — the history rows under a contract were headed with the stored codes on the French
# back office (« CT-2026-000008: ordered → active »): now the statuses' names.
def test_contract_history_rows_name_the_statuses(client, staff, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    url = reverse("admin:offers_contract_change", args=[contract.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"{contract.reference}: ordered → active" not in html
    assert f"{contract.reference} — Commandé → Actif" in html


# CON-2 — a contract's status is never a plain field: it moves through services only.
def test_status_read_only(client, staff, contract):
    from django.contrib.admin import site

    model_admin = ContractAdmin(Contract, site)
    assert "status" in model_admin.get_readonly_fields(None, contract)
    assert client.get(reverse("admin:offers_contract_add")).status_code == 403


# CON-8 — suspend with a reason of the closed list: an intermediate page asks for it, then the
# contract is suspended, a Suspension row holds the reason, the change is audited with the
# staff member; lifting is one action.
def test_suspend_and_lift(client, staff, contract):
    page = _action(client, "contract", "suspend", [contract])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="reason"' in html and contract.reference in html
    # the contract was suspended as soon as the reason was sent; now a confirmation says what
    # stops, for whom (the customer, the contract) and why, before anything is suspended; its
    # confirmation suspends once (a replay nothing)
    page = _action(
        client,
        "contract",
        "suspend",
        [contract],
        apply="1",
        reason=SuspensionReason.FRAUD,
        note="Calls to premium numbers at night",
    ).content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and not Suspension.objects.exists()
    assert "Suspendre le service de 1 contrat\xa0?" in page  # the staff member's French
    assert contract.reference in page and contract.client.legal_name in page
    assert "Fraude" in page and "Calls to premium numbers at night" in page
    url = reverse("admin:offers_contract_changelist")
    response = client.post(url, admin_confirmation(page))
    replay = client.post(url, admin_confirmation(page))
    assert response.status_code == 302 and replay.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED
    suspension = Suspension.objects.get(contract=contract)
    assert (suspension.reason, suspension.note, suspension.started_by) == (
        SuspensionReason.FRAUD,
        "Calls to premium numbers at night",
        staff,
    )
    entry = AuditLog.objects.get(action="contract.suspended")
    assert entry.actor == staff and entry.before == {"status": "active"}

    response = _action(client, "contract", "lift_suspension", [contract])
    assert response.status_code == 302
    contract.refresh_from_db()
    suspension.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert suspension.lifted_at is not None and suspension.lifted_by == staff


# CON-8 — a reason outside the list is refused by the form: nothing changes.
def test_suspend_needs_a_listed_reason(client, staff, contract):
    response = _action(client, "contract", "suspend", [contract], apply="1", reason="boredom")
    assert response.status_code == 200  # the page again, with the error
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE and not Suspension.objects.exists()


# CON-8 — the suspension list lifts too.
def test_lift_from_suspension_list(client, staff, tenant):
    suspended = make_contract(tenant.client, "trunk", status=ContractStatus.SUSPENDED)
    suspension = Suspension.objects.get(contract=suspended)
    response = client.get(reverse("admin:offers_suspension_changelist"), {"open": "yes"})
    assert suspended.reference in response.content.decode()
    assert _action(client, "suspension", "lift", [suspension]).status_code == 302
    suspended.refresh_from_db()
    assert suspended.status == ContractStatus.ACTIVE


# CON-2 — order and activate through actions (service start = today in Paris).
def test_order_and_activate(client, staff, tenant):
    draft = make_contract(tenant.client, "hosted-w", status=ContractStatus.DRAFT)
    assert _action(client, "contract", "order", [draft]).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ContractStatus.ORDERED
    # 23:30 UTC on 2026-06-30 is already 1 July in Paris.
    with time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert _action(client, "contract", "activate", [draft]).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ContractStatus.ACTIVE
    assert draft.service_start_date == date(2026, 7, 1)
    # An action the pipeline refuses is reported, not a crash.
    response = _action(client, "contract", "order", [draft])
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ContractStatus.ACTIVE


# CON-2, CON-4 — a terminating contract is neither ordered nor activated by an action: only
# cancelling its termination takes it back (the audit saw "1 contrat(s) commandé(s)", then an
# active contract whose termination stayed scheduled and could no longer be cancelled).
def test_order_and_activate_refused_on_a_terminating_contract(client, staff, tenant):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=PARIS), tick=False):
        terminating = make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
        events = terminating.events.count()
        for action, refusal in (
            ("order", "Seul un contrat en brouillon peut être commandé."),
            ("activate", "Seul un contrat commandé peut être activé."),
        ):
            page = client.post(
                reverse("admin:offers_contract_changelist"),
                {"action": action, ACTION_CHECKBOX_NAME: [terminating.pk]},
                follow=True,
                HTTP_ACCEPT_LANGUAGE="fr",
            )
            html = page.content.decode()
            assert f"Refusé pour {terminating}\u00a0: {refusal}" in html
            assert "contrat(s) commandé(s)" not in html and "contrat(s) activé(s)" not in html
            terminating.refresh_from_db()
            assert terminating.status == ContractStatus.TERMINATING
        assert terminating.events.count() == events
        termination = Termination.objects.get(contract=terminating)
        assert termination.status == TerminationStatus.SCHEDULED
        assert _action(client, "termination", "cancel", [termination]).status_code == 302
    termination.refresh_from_db()
    terminating.refresh_from_db()
    assert termination.status == TerminationStatus.CANCELLED
    assert terminating.status == ContractStatus.ACTIVE


# CON-7 — staff grant a trial until a date (intermediate page), then end it.
def test_trial(client, staff, tenant):
    ordered = make_contract(tenant.client, "platform", status=ContractStatus.ORDERED)
    assert _action(client, "contract", "grant_trial", [ordered]).status_code == 200
    response = _action(
        client, "contract", "grant_trial", [ordered], apply="1", ends_on="2026-07-15"
    )
    assert response.status_code == 302
    ordered.refresh_from_db()
    assert (ordered.is_trial, ordered.trial_ends_on) == (True, date(2026, 7, 15))
    assert AuditLog.objects.get(action="contract.trial").actor == staff
    assert _action(client, "contract", "end_trial", [ordered]).status_code == 302
    ordered.refresh_from_db()
    # off trial; the trial keeps its days (its end date, already past: calls before it stay
    # trial traffic, never invoiced)
    assert (ordered.is_trial, ordered.trial_ends_on) == (False, date(2026, 7, 15))
    # CON-7 (PLATFORM 6.2): a contract in service gets no trial, and staff are told why
    active = make_contract(tenant.client, "platform")
    response = client.post(
        reverse("admin:offers_contract_changelist"),
        {
            "action": "grant_trial",
            ACTION_CHECKBOX_NAME: [active.pk],
            "apply": "1",
            "ends_on": "2026-07-15",
        },
        follow=True,
    )
    assert "avant la mise en service (CON-7)\u00a0: ce contrat est déjà en service" in (
        response.content.decode()
    )
    active.refresh_from_db()
    assert not active.is_trial


# ACC-6 — staff record the last traffic date (intermediate page); it clears the inactive flag.
def test_record_last_traffic(client, staff, contract):
    Contract.objects.filter(pk=contract.pk).update(inactive_flagged_on=date(2026, 9, 1))
    listed = client.get(reverse("admin:offers_contract_changelist"), {"inactive": "yes"})
    assert contract.reference in listed.content.decode()
    assert _action(client, "contract", "record_traffic", [contract]).status_code == 200
    response = _action(
        client, "contract", "record_traffic", [contract], apply="1", day="2026-09-20"
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.last_traffic_on, contract.inactive_flagged_on) == (date(2026, 9, 20), None)


# CON-1 — "Create an offer from a preset" copies the preset's reference terms into the new
# offer's own terms, audited.
def test_create_offer_from_preset(client, staff):
    product = Product.objects.create(code="hosted-a-xl", name="Site XL", monthly_price=400)
    response = client.post(
        reverse("admin:offers_offer_from_preset"),
        {
            "preset": "HOSTED-A",
            "code": "hosted-a-xl",
            "name": "Site XL",
            "main_product": product.pk,
        },
    )
    offer = Offer.objects.get(code="hosted-a-xl")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:offers_offer_change", args=[offer.pk])
    reference = Terms.objects.get(preset="HOSTED-A", is_preset=True)
    assert offer.terms.pk != reference.pk and not offer.terms.is_preset
    assert offer.terms.snapshot() == reference.snapshot()
    assert AuditLog.objects.get(action="offer.create").actor == staff
    # The code is unique: a second one is refused by the form.
    again = client.post(
        reverse("admin:offers_offer_from_preset"),
        {"preset": "TRUNK", "code": "hosted-a-xl", "name": "Other", "main_product": product.pk},
    )
    assert again.status_code == 200 and Offer.objects.filter(code="hosted-a-xl").count() == 1


def _terms_form(terms, **changes):
    data = model_to_dict(terms, exclude=["id", "is_preset"])
    data.update(changes)
    form = {}
    for name, value in data.items():
        if value is None:
            form[name] = ""
        elif isinstance(value, bool):
            if value:
                form[name] = "on"
        else:
            form[name] = str(value)
    return form


# CON-6 terms snapshot — editing an offer's terms in the back office is audited and leaves an
# existing contract's terms_snapshot unchanged.
def test_editing_terms_keeps_contract_snapshot(client, staff, contract):
    signed = dict(contract.terms_snapshot)
    terms = contract.offer.terms
    response = client.post(
        reverse("admin:offers_terms_change", args=[terms.pk]),
        _terms_form(terms, initial_months=24, notice_months=2),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    terms.refresh_from_db()
    assert (terms.initial_months, terms.notice_months) == (24, 2)
    entry = AuditLog.objects.get(action="terms.update")
    assert entry.actor == staff and entry.before["initial_months"] == 36
    contract.refresh_from_db()
    assert contract.terms_snapshot == signed and contract.term("initial_months") == 36
    assert contract.current_period_end == date(2028, 3, 15)


def _change_form(contract, **changes):
    """The contract change form as the browser posts it: the order fields, and every inline's
    management form (lines with their values while they are editable)."""
    data = {"purchase_order_ref": contract.purchase_order_ref, "sla_applicable": "on"}
    lines = list(contract.lines.all())
    data.update({"lines-TOTAL_FORMS": len(lines), "lines-INITIAL_FORMS": len(lines)})
    for i, line in enumerate(lines):
        data.update(
            {
                f"lines-{i}-id": line.pk,
                f"lines-{i}-contract": contract.pk,
                f"lines-{i}-product": line.product_id,
                f"lines-{i}-quantity": line.quantity,
                f"lines-{i}-unit_setup_price": line.unit_setup_price,
                f"lines-{i}-unit_monthly_price": line.unit_monthly_price,
            }
        )
    for prefix, rows in (
        ("renewals", contract.renewals.count()),
        ("terminations", contract.terminations.count()),
        ("suspensions", contract.suspensions.count()),
        ("events", contract.events.count()),
    ):
        data.update({f"{prefix}-TOTAL_FORMS": rows, f"{prefix}-INITIAL_FORMS": rows})
    data.update(changes)
    return data


# ACC-4 — lines of an ordered contract can be corrected, each change audited with before/after;
# a posted status is ignored (transitions only through services).
def test_line_correction_audited(client, staff, tenant):
    ordered = make_contract(tenant.client, "hosted-w", status=ContractStatus.ORDERED)
    line = ordered.lines.get()
    response = client.post(
        reverse("admin:offers_contract_change", args=[ordered.pk]),
        _change_form(
            ordered, **{"lines-0-quantity": 5, "status": "terminated", "purchase_order_ref": "PO-9"}
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    line.refresh_from_db()
    ordered.refresh_from_db()
    assert line.quantity == 5
    assert (ordered.status, ordered.purchase_order_ref) == (ContractStatus.ORDERED, "PO-9")
    entry = AuditLog.objects.get(action="contractline.update")
    assert entry.actor == staff
    assert (entry.before["quantity"], entry.after["quantity"]) == (1, 5)
    assert AuditLog.objects.get(action="contract.update").after["purchase_order_ref"] == "PO-9"


# CON-2 — once active, lines are read-only.
def test_lines_read_only_once_active(client, staff, contract):
    html = client.get(reverse("admin:offers_contract_change", args=[contract.pk])).content
    assert b'name="lines-0-quantity"' not in html


# CON-4 — staff cancel a scheduled termination from the termination list.
def test_cancel_termination(client, staff, tenant):
    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=PARIS), tick=False):
        terminating = make_contract(tenant.client, "hosted-a", status=ContractStatus.TERMINATING)
        termination = Termination.objects.get(contract=terminating)
        listed = client.get(
            reverse("admin:offers_termination_changelist"), {"status__exact": "scheduled"}
        )
        assert terminating.reference in listed.content.decode()
        assert _action(client, "termination", "cancel", [termination]).status_code == 302
    termination.refresh_from_db()
    terminating.refresh_from_db()
    assert termination.status == TerminationStatus.CANCELLED
    assert (termination.cancelled_by, terminating.status) == (staff, ContractStatus.ACTIVE)


# ACC-4 — history rows are read-only in the back office.
def test_service_rows_not_editable(client, staff, tenant):
    suspended = make_contract(tenant.client, "trunk", status=ContractStatus.SUSPENDED)
    suspension = Suspension.objects.get(contract=suspended)
    url = reverse("admin:offers_suspension_change", args=[suspension.pk])
    client.post(url, {"reason": "fraud", "note": "edited"})
    suspension.refresh_from_db()
    assert (suspension.reason, suspension.note) == (SuspensionReason.NON_PAYMENT, "")


# The back office's own forms (an add page calling a service, an action's page) label their
# fields with a capital, as Django's admin does: they read "date d'effet :" among "Offre :".
def test_service_form_labels_start_with_a_capital(client, staff):
    page = client.get(reverse("admin:offers_pricechange_add"), HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "Date d&#x27;effet\u00a0:</label>" in html
    assert "Offre\u00a0:</label>" in html and "Motif\u00a0:</label>" in html
    assert "date d&#x27;effet\u00a0:" not in html
    preset = client.get(reverse("admin:offers_offer_from_preset"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Produit principal\u00a0:</label>" in preset.content.decode()


# NUM-2 / EQP-3 — staff see and set whether an offer is a telephone service: the rentals are not
# (their change page shows the box unticked; the list filters them).
def test_offer_telephone_service_shown_and_filtered(client, staff):
    def box(code):
        pk = Offer.objects.get(code=code).pk
        page = client.get(reverse("admin:offers_offer_change", args=[pk])).content.decode()
        return re.search(r'<input[^>]*name="telephone_service"[^>]*>', page).group(0)

    assert "checked" not in box("equipment-rental-24") and "checked" in box("hosted-w")
    listed = client.get(reverse("admin:offers_offer_changelist"), {"telephone_service__exact": "0"})
    codes = {o.code for o in listed.context["cl"].result_list}
    assert codes == {"equipment-rental-12", "equipment-rental-24", "equipment-rental-36"}


# CON-1 — the terms a contract signed, on its back-office page in French, write their amount
# as the rest of the page: a PLATFORM-like minimum of 1 234,50 € HT a month read « 1234.50 »
# (the snapshot's stored text) beside the lines' « 250,0000 ».
def test_signed_terms_amount_reads_the_french_way(client, staff, contract):
    contract.terms_snapshot = {**contract.terms_snapshot, "minimum_monthly_commitment": "1234.50"}
    contract.save(update_fields=["terms_snapshot"])
    page = client.get(
        reverse("admin:offers_contract_change", args=[contract.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    table = re.search(r'<table class="terms-snapshot">.*?</table>', page, re.S).group(0)
    assert "minimum de facturation mensuel (€\u00a0HT)</th><td>1\u00a0234,50</td>" in table
    assert "1234.50" not in table
