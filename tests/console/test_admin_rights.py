"""The back office checks the right of each action on the server (ACC-4, issue 17 "staff
roles"): a member of staff who may only view a list is offered no action and a forged POST of
one changes nothing; an action that issues a credit note (BIL-9) needs the right to issue one,
not the right to answer a ticket or end an outage."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditLog, User
from billing.models import Invoice
from kernel.queues import Team
from support import services as support
from support.models import GoodwillCredit
from telephony.models import SipAccount, Trunk
from tests.conftest import admin_confirmation
from tests.console.conftest import make_staff_member
from tests.support.factories import paris
from tests.support.test_goodwill import EVENT, failure, invoices_of, pay, platform
from tests.telephony.factories import make_sip_account, make_trunk

pytestmark = pytest.mark.django_db
JUL, AUG, SEP = (date(2026, m, 1) for m in (7, 8, 9))


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def _action(client, app_model, action, objects, **data):
    return client.post(
        reverse(f"admin:{app_model}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data},
    )


# ACC-7 / CON-8 / ACC-5 — support staff who may only view SIP accounts, trunks and users (to
# answer a customer) are offered none of their actions, and a forged POST of each leaves the
# secret (issued on 1 October), the status and the password as they were, with no audit entry.
def test_view_only_staff_cannot_run_credential_or_suspension_actions(client, customer):
    account, _secret = make_sip_account(customer)
    trunk = make_trunk(customer)
    member = customer.memberships.first().user
    viewer = _grant(
        make_staff_member("viewer@reseller.example", Team.SUPPORT),
        "view_sipaccount",
        "view_trunk",
        "view_user",
    )
    client.force_login(viewer)
    audits = AuditLog.objects.count()
    before = {
        "sip": (account.secret_encrypted, account.status),
        "trunk": (trunk.secret_encrypted, trunk.status),
    }
    password = member.password

    page = client.get(reverse("admin:telephony_sipaccount_changelist")).content.decode()
    assert 'value="reset_credentials"' not in page and 'value="suspend"' not in page
    for action in ("declare_compromised", "reset_credentials", "enable_credentials"):
        _action(client, "telephony_sipaccount", action, [account])
        _action(client, "telephony_trunk", action, [trunk])
    _action(
        client, "telephony_sipaccount", "suspend", [account], apply="1", reason="fraud", note="x"
    )
    _action(client, "telephony_sipaccount", "lift_suspension", [account])
    _action(client, "accounts_user", "declare_compromised", [member])

    account, trunk, member = (
        SipAccount.objects.get(pk=account.pk),
        Trunk.objects.get(pk=trunk.pk),
        User.objects.get(pk=member.pk),
    )
    assert (account.secret_encrypted, account.status) == before["sip"]
    assert (trunk.secret_encrypted, trunk.status) == before["trunk"]
    assert member.password == password and member.has_usable_password()
    assert AuditLog.objects.count() == audits


# SLA-12 / BIL-9 — a goodwill credit is a credit note: a support agent who answers tickets and
# ends outages (their change right) may not grant one from a ticket or an outage, even by a
# forged POST; billing staff, who may issue credit notes, grant it. Subscriptions paid in the
# 3 months before the event: 3 × 250.00 = 750.00 € cap; 600.00 € asked → nothing written for
# support, then a credit note of 600.00 € HT (720.00 € TTC at 20 %) for billing.
def test_goodwill_credit_needs_the_credit_note_right(client, tenant, customer):
    ops = User.objects.create_user(email="ops@reseller.example", is_staff=True, is_superuser=True)
    contract = platform(customer)
    for invoice in invoices_of(customer, (JUL, AUG, SEP)).values():
        pay(invoice, ops)
    ticket = failure(tenant, contract)
    with time_machine.travel(paris(2026, 10, 16, 9), tick=False):
        outage = support.outage_record(
            title="Panne", started_at=EVENT, contracts=[contract], actor=ops
        )
    agent = _grant(
        make_staff_member("support@reseller.example", Team.SUPPORT),
        "view_ticket",
        "change_ticket",
        "view_outage",
        "change_outage",
    )
    client.force_login(agent)
    page = client.get(reverse("admin:support_ticket_changelist")).content.decode()
    assert 'value="reply"' in page and 'value="goodwill"' not in page
    wish = {"apply": "1", "amount": "600.00", "reason": "Geste commercial"}
    _action(client, "support_ticket", "goodwill", [ticket], **wish)
    _action(client, "support_outage", "goodwill", [outage], contract=contract.pk, **wish)
    assert not GoodwillCredit.objects.exists()
    assert not Invoice.objects.filter(kind="credit_note").exists()

    billing_agent = _grant(
        make_staff_member("compta@reseller.example", Team.BILLING),
        "view_ticket",
        "add_invoice",
    )
    client.force_login(billing_agent)
    page = _action(client, "support_ticket", "goodwill", [ticket], **wish).content.decode()
    assert not GoodwillCredit.objects.exists()  # SLA-12 / BIL-9: confirmed first
    response = client.post(reverse("admin:support_ticket_changelist"), admin_confirmation(page))
    assert response.status_code == 302
    note = GoodwillCredit.objects.get().credit_note
    assert (note.total_net, note.total_gross) == (Decimal("600.00"), Decimal("720.00"))


# EQP-6 — billing an item not returned moves money: the back office's action shows the amount
# first (a phone sold 149.00 € HT: « AB… — 149,00 € », 149,00 € HT in all) and bills only when
# confirmed; before, choosing the action billed it at once.
def test_billing_a_non_returned_item_is_confirmed_first(client, tenant):
    from equipment.choices import ReturnOutcome
    from equipment.services import returns
    from equipment.services.return_open import open_return
    from tests.equipment.factories import make_model, rent

    order = rent(tenant.client, tenant.site, make_model(sale="149.00"))
    back = open_return(
        client=tenant.client,
        reason="rental_end",
        items=list(order.items.all()),
        last_day=date(2026, 1, 2),
        contract=order.contract,
    )
    returns.daily(date(2026, 1, 6))
    line = back.lines.select_related("item").get()
    client.force_login(make_staff_member("root@reseller.example", superuser=True))

    page = _action(client, "equipment_returnitem", "bill", [line])
    line.refresh_from_db()
    assert page.status_code == 200 and line.outcome == ReturnOutcome.AWAITING_DECISION
    assert line.charge_id is None
    text = page.content.decode()
    assert f"{line.item.serial_number} — 149,00\u00a0€" in text
    assert "149,00\u00a0€ HT au total. Confirmer\u00a0?" in text

    _action(client, "equipment_returnitem", "bill", [line], apply="1")
    line.refresh_from_db()
    assert (line.outcome, line.charge.unit_price) == (ReturnOutcome.BILLED, Decimal("149.0000"))


# ACC-4 — the scheduled jobs (the invoice run, dunning…): a member of staff who may only view
# them neither disables nor runs one by a forged POST; the task stays enabled, as it was.
def test_view_only_staff_cannot_switch_or_run_scheduled_jobs(client, db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    job = PeriodicTask.objects.create(
        name="Relances", task="payments.tasks.dunning_daily", interval=every_hour
    )
    viewer = _grant(make_staff_member("viewer@reseller.example", Team.SUPPORT), "view_periodictask")
    client.force_login(viewer)
    page = client.get(reverse("admin:django_celery_beat_periodictask_changelist")).content.decode()
    assert 'value="disable_tasks"' not in page and 'value="run_tasks"' not in page
    for action in ("disable_tasks", "toggle_tasks"):
        _action(client, "django_celery_beat_periodictask", action, [job])
    job.refresh_from_db()
    assert job.enabled


# CON-4/CON-5, ACC-7 — « Générer un nouveau secret » on a SIP account whose contract is
# terminated answered a server error (the service's refusal was not caught): the back office
# says why, and the next selected account still gets its secret.
def test_new_secret_for_a_closed_account_is_refused_with_a_message(client, customer):
    from offers import services as offers

    closed, _secret = make_sip_account(customer)
    live, _secret = make_sip_account(customer)
    with time_machine.travel(date(2026, 10, 20)):
        offers.contract_request_termination(contract=closed.contract)
    termination = closed.contract.terminations.get()
    offers.termination_apply(termination_id=termination.pk, today=termination.effective_date)
    client.force_login(make_staff_member("root@reseller.example", superuser=True))
    before = (closed.secret_encrypted, live.secret_encrypted)

    response = _action(client, "telephony_sipaccount", "reset_credentials", [closed, live])
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "contrat de ce service est résilié" in page
    closed.refresh_from_db()
    live.refresh_from_db()
    assert closed.secret_encrypted == before[0] and live.secret_encrypted != before[1]


# ACC-4 — a deletion from a list (« Supprimer les … sélectionnés ») skipped the audit log that
# a deletion from the object's page writes: a customer's site deleted so is in the log, with
# who and its values before.
def test_bulk_deletion_is_audited(client, customer):
    from accounts.models import Site
    from tests.factories import SiteFactory

    site = SiteFactory(client=customer, name="Entrepôt Nord")
    root = make_staff_member("root@reseller.example", superuser=True)
    client.force_login(root)
    response = _action(client, "accounts_site", "delete_selected", [site], post="yes")
    assert response.status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    entry = AuditLog.objects.get(action="site.delete")
    assert (entry.actor, entry.before["name"]) == (root, "Entrepôt Nord")


# ACC-2 — the customer's people on its back-office page are read-only (a role changed or a person
# removed there skipped the company's last administrator and the audit); each row links to its
# membership page. Removing the last administrator from the memberships is refused, the person
# stays active; removing a technical member deactivates the account, audited (member.remove).
def test_memberships_change_through_the_services_only(client, customer):
    from accounts.choices import Role
    from accounts.models import Membership

    root = make_staff_member("root@reseller.example", superuser=True)
    client.force_login(root)
    page = client.get(reverse("admin:accounts_client_change", args=[customer.pk])).content.decode()
    assert 'name="memberships-0-role"' not in page and "memberships-0-DELETE" not in page
    assert reverse("admin:accounts_membership_change", args=[customer.memberships.first().pk]) in (
        page
    )
    admins = list(customer.memberships.filter(role=Role.ADMIN))
    assert len(admins) == 1
    response = client.post(
        reverse("admin:accounts_membership_delete", args=[admins[0].pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(pk=admins[0].pk).exists()
    assert User.objects.get(pk=admins[0].user_id).is_active
    technical = customer.memberships.get(role=Role.TECHNICAL)
    _action(client, "accounts_membership", "delete_selected", [technical], post="yes")
    assert not Membership.objects.filter(pk=technical.pk).exists()
    assert not User.objects.get(pk=technical.user_id).is_active
    assert AuditLog.objects.filter(action="member.remove", actor=root).count() == 1


# ACC-4, issue 17 "staff roles" — who gave a member of staff a team, the superuser status or
# took away their access is in the audit log with before/after. A support agent given the
# billing team (and so the right to record payments, decide disputes, approve SLA credits) and
# made superuser on the user's page left no audit entry; now « user.update » says who, when,
# groups ["Équipe support"] → ["Équipe facturation", "Équipe support"], is_superuser False → True.
def test_staff_access_changes_are_audited(client):
    from django.contrib.auth.models import Group

    from console.teams import TEAM_GROUPS

    root = make_staff_member("root@reseller.example", superuser=True)
    agent = make_staff_member("support@reseller.example", Team.SUPPORT)
    billing = Group.objects.get_or_create(name=TEAM_GROUPS[Team.BILLING])[0]
    support_group = Group.objects.get(name=TEAM_GROUPS[Team.SUPPORT])
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_change", args=[agent.pk]),
        {
            "email": agent.email,
            "first_name": agent.first_name,
            "last_name": agent.last_name,
            "language": agent.language,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [support_group.pk, billing.pk],
            "date_joined_0": "2026-10-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert agent.is_superuser
    entry = AuditLog.objects.get(action="user.update", object_id=str(agent.pk))
    assert entry.actor == root
    assert entry.before == {"is_superuser": False, "groups": ["Équipe support"]}
    assert entry.after == {
        "is_superuser": True,
        "groups": ["Équipe facturation", "Équipe support"],
    }


# SLA-11 / ACC-4 — the abusive-ticket penalty is a charge of 100.00 € on the customer's next
# invoice: a support agent who answers tickets (their change right) is not offered it and a
# forged POST charges nothing and leaves the ticket's SLA clock as it was; staff who may post
# charges (``billing.add_pendingcharge``, the charges' own right) charge it: 1 × 100.00 €.
def test_abusive_ticket_penalty_needs_the_charge_right(client, tenant, customer):
    from billing.models import PendingCharge

    ticket = failure(tenant, platform(customer))
    deadline = ticket.intervention_deadline
    agent = _grant(
        make_staff_member("support@reseller.example", Team.SUPPORT), "view_ticket", "change_ticket"
    )
    client.force_login(agent)
    page = client.get(reverse("admin:support_ticket_changelist")).content.decode()
    assert 'value="reply"' in page and 'value="charge_penalty"' not in page
    _action(client, "support_ticket", "charge_penalty", [ticket], apply="1", note="Câble débranché")
    ticket.refresh_from_db()
    assert not PendingCharge.objects.filter(source_type="ticket", source_id=ticket.pk).exists()
    assert (ticket.customer_caused, ticket.intervention_deadline) == (False, deadline)

    billing_agent = _grant(
        make_staff_member("compta@reseller.example", Team.BILLING),
        "view_ticket",
        "add_pendingcharge",
    )
    client.force_login(billing_agent)
    response = _action(
        client, "support_ticket", "charge_penalty", [ticket], apply="1", note="Câble débranché"
    )
    assert response.status_code == 302
    charge = PendingCharge.objects.get(source_type="ticket", source_id=ticket.pk)
    assert (charge.quantity * charge.unit_price) == Decimal("100.00")
