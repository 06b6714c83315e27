"""PLATFORM 28 / 7.2.1, CON-4 — increases asked that still await our acceptance on a contract
whose termination was recorded BEFORE a termination refused them (the rule came later): the
daily terminations job refuses them as the termination would have.

Contract: PLATFORM signed and started 2026-02-01 with a CAPS option of 1 lot at 150.00 € HT a
month; the customer's admin asks on 2026-10-10 for 3 lots (+2); its termination is recorded on
2026-10-15 with no requested date: notice + 3 months = 15/01/2027, the first day without service.
"""

from datetime import date

import pytest
from django.urls import reverse

from accounts.choices import Role
from accounts.models import AuditLog
from kernel.models import OutboxEvent
from offers import services, tasks
from offers.models import LineQuantityChange
from offers.services import terminations
from tests.offers.increase_helpers import PARIS, at, caps

pytestmark = pytest.mark.django_db
EFFECTIVE = date(2027, 1, 15)
REASON = (
    "Le contrat est résilié au 15/01/2027 (premier jour sans service)\u00a0: une hausse ne "
    "peut plus être acceptée."
)


@pytest.fixture
def terminated_before_the_rule(tenant, contract, asked, monkeypatch):
    """The termination recorded on 15/10/2026 as it was before it refused the increases asked."""
    with monkeypatch.context() as patch:
        patch.setattr(terminations, "increases_refuse_on_termination", lambda **kwargs: [])
        with at(date(2026, 10, 15)):
            termination = services.contract_request_termination(
                contract=contract, actor=tenant.members[Role.ADMIN].user
            )
    assert LineQuantityChange.objects.get(pk=asked.pk).status == "requested"
    return termination


def _run_the_daily_job(day, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.apply_termination_batch, "delay", lambda *args: sent.append(args))
    with at(day, hour=1):
        tasks.apply_terminations()
    return sent


# PLATFORM 28 / 7.2.1, CON-4 — before, CAPS 1 → 3 asked on 10/10/2026 on a contract whose
# termination was recorded on 15/10/2026 (before that rule) read « 3 demandés le 10/10/2026 : en
# attente de notre acceptation » on the contract page for good, though a terminating contract
# never changes its quantities. Now the daily terminations job of 06/12/2026 refuses it with the
# termination's reason (« … résilié au 15/01/2027 … »), audited with the termination's id, one
# quantity_increase.refused event for the partner; run again, it refuses nothing more.
def test_an_increase_asked_before_the_termination_rule_reads_refused(
    tenant, contract, asked, terminated_before_the_rule, partner, as_role, monkeypatch
):
    termination = terminated_before_the_rule
    _run_the_daily_job(date(2026, 12, 6), monkeypatch)
    change = LineQuantityChange.objects.get(pk=asked.pk)
    assert (change.status, change.refusal_reason, caps(contract).quantity) == (
        "refused",
        REASON,
        1,
    )
    assert change.decided_at.astimezone(PARIS).date() == date(2026, 12, 6)
    (audit,) = AuditLog.objects.filter(action="contract_line.quantity_increase_refuse")
    assert (audit.after["termination"], audit.after["reason"]) == (termination.pk, REASON)
    (event,) = OutboxEvent.objects.filter(type="quantity_increase.refused")
    assert event.partner_id == partner.pk
    assert (event.data["id"], event.data["termination"]) == (asked.pk, termination.pk)
    assert event.data["refusal_reason"] == REASON
    with at(date(2026, 12, 6), hour=12):
        page = as_role("admin").get(reverse("offers:detail", args=[contract.pk]))
    text = page.content.decode()
    assert 'data-testid="requested-increase"' not in text
    assert "demande refusée par nous le 06/12/2026" in text.replace("\u00a0", " ")
    # idempotent: the next day's job refuses nothing more, announces nothing more
    _run_the_daily_job(date(2026, 12, 7), monkeypatch)
    assert OutboxEvent.objects.filter(type="quantity_increase.refused").count() == 1
    assert AuditLog.objects.filter(action="contract_line.quantity_increase_refuse").count() == 1


# The same on a contract already terminated (its termination effective on 15/01/2027): the job
# of 20/01/2027 refuses the increase still asked, with the same reason.
def test_an_increase_asked_on_a_terminated_contract_reads_refused(
    contract, asked, terminated_before_the_rule, monkeypatch
):
    assert terminations.termination_apply(
        termination_id=terminated_before_the_rule.pk, today=EFFECTIVE
    )
    contract.refresh_from_db()
    assert contract.status == "terminated"
    assert LineQuantityChange.objects.get(pk=asked.pk).status == "requested"
    _run_the_daily_job(date(2027, 1, 20), monkeypatch)
    change = LineQuantityChange.objects.get(pk=asked.pk)
    assert (change.status, change.refusal_reason) == ("refused", REASON)


# A termination cancelled: the contract is active again and the increase asked awaits our
# acceptance as any — the job leaves it alone.
def test_an_increase_asked_after_a_cancelled_termination_still_awaits_us(
    tenant, contract, asked, terminated_before_the_rule, monkeypatch
):
    with at(date(2026, 10, 20)):
        services.termination_cancel(
            termination=terminated_before_the_rule, actor=tenant.members[Role.ADMIN].user
        )
    _run_the_daily_job(date(2026, 12, 6), monkeypatch)
    assert LineQuantityChange.objects.get(pk=asked.pk).status == "requested"
    assert not OutboxEvent.objects.filter(type="quantity_increase.refused").exists()
