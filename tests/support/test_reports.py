"""Monthly availability reports and SLA credits (SLA-6..10), with the database: the
unavailability from outages (HOSTED-W) or failure notifications (HOSTED-A), the base from
invoices, the credit requested, capped and turned into a credit note."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.choices import Role
from billing import services as billing
from billing.choices import ChargeKind
from billing.models import Invoice
from offers import services as offers
from offers.choices import ContractStatus
from support import selectors, services
from support.choices import ExcuseReason, OutageScope, ReportStatus
from support.models import Ticket
from tests.offers.factories import make_contract
from tests.support.factories import (
    incident,
    invoice_in_advance,
    make_staff,
    paris,
    reseller_billed,
)

pytestmark = pytest.mark.django_db
JUL, AUG, SEP, OCT, NOV, DEC = (date(2026, m, 1) for m in (7, 8, 9, 10, 11, 12))


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def customer(tenant):
    return reseller_billed(tenant.client)


def down(contract, start, minutes, staff, *, excusable=False):
    return services.outage_record(
        title="Outage",
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        excusable=excusable,
        excuse_reason=ExcuseReason.FORCE_MAJEURE if excusable else "",
        contracts=[contract],
        actor=staff,
    )


def compute(contract, month, when):
    with time_machine.travel(when, tick=False):
        return services.availability_report_compute(contract=contract, month=month)


def consumption(contract, month, amount):
    billing.charge_post(
        client=contract.client,
        contract=contract,
        kind=ChargeKind.CONSUMPTION,
        source_type="usage",
        source_id=f"{contract.pk}-{month:%Y%m}",
        period_start=month + timedelta(days=14),
        description="Calls",
        unit_price=Decimal(amount),
    )


# SLA-6 / SLA-7 — HOSTED-W, November 2026 (43 200 minutes), 10 users at 14.90 invoiced for
# November by October's run (149.00): 40 + 30 minutes overlapping by 20 + 15 → 65 minutes
# → 5 % → 7.45; an excusable outage and another contract's outage never count. 152 minutes
# more → 217 → 10 % → 14.90 on the rerun.
def test_hosted_w_november(customer, other_tenant, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    other = make_contract(other_tenant.client, "hosted-w", quantity=10)
    billing.run_month_sync(month=OCT)
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        down(contract, paris(2026, 11, 3, 10, 0), 40, staff)
        down(contract, paris(2026, 11, 3, 10, 20), 30, staff)
        down(contract, paris(2026, 11, 12, 15, 0), 15, staff)
        down(contract, paris(2026, 11, 20, 8, 0), 300, staff, excusable=True)
        down(other, paris(2026, 11, 21, 8, 0), 500, staff)
    report = compute(contract, NOV, paris(2026, 12, 1, 1))
    assert report.minutes_in_month == 43_200
    assert report.unavailable_minutes == Decimal("65.00")
    assert report.availability == Decimal("99.849537")
    assert report.base == Decimal("149.00")
    assert report.base_detail == {"source": "invoiced", "invoiced": "149.00"}
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("7.45"))
    assert report.applicable and report.status == ReportStatus.COMPUTED

    with time_machine.travel(paris(2026, 12, 1, 2), tick=False):
        down(contract, paris(2026, 11, 25, 9, 0), 152, staff)
    again = compute(contract, NOV, paris(2026, 12, 1, 3))
    assert again.pk == report.pk
    assert again.unavailable_minutes == Decimal("217.00")
    assert (again.credit_percent, again.credit_amount) == (Decimal("10"), Decimal("14.90"))


# SLA-6 — 64 minutes: 99.8518…% ≥ 99.85 → no credit, and nothing to request.
def test_hosted_w_within_target(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        down(contract, paris(2026, 11, 3, 10), 64, staff)
    invoice_in_advance(NOV)
    report = compute(contract, NOV, paris(2026, 12, 1, 1))
    assert report.credit_amount == 0 and not report.can_request
    assert report.base_detail == {"source": "invoiced", "invoiced": "149.00"}
    with pytest.raises(services.InvalidTransition):
        services.credit_request(report=report, actor=customer.memberships.get(role="admin").user)


# SLA-6 / SLA-7 / SLA-10 — HOSTED-A October 2026: 600 minutes of failure notifications (opened
# → restored) of 44 640; fixed fees 300.00 invoiced for October (September's run, in advance);
# consumption invoiced for the contract in July,
# August and September 90.00, 120.00, 150.00 → base 420.00; 98.655…% → 5 % → 21.00.
def test_hosted_a_october(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    for month, amount in ((JUL, "90.00"), (AUG, "120.00"), (SEP, "150.00")):
        consumption(contract, month, amount)
        billing.run_month_sync(month=month)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 6, 9), paris(2026, 10, 6, 13), staff=staff)
        incident(contract, paris(2026, 10, 20, 14), paris(2026, 10, 20, 20), staff=staff)
        # A failure caused by the customer (SLA-11) does not count — one charged before the
        # penalty became PLATFORM's only (PLATFORM 27): its flag stays on the ticket.
        abusive = incident(contract, paris(2026, 10, 22, 9), paris(2026, 10, 22, 19), staff=staff)
        Ticket.objects.filter(pk=abusive.pk).update(customer_caused=True)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.minutes_in_month == 44_640
    assert report.unavailable_minutes == Decimal("600.00")
    assert report.availability_display == Decimal("98.655")  # 98.6559…, truncated
    assert report.base == Decimal("420.0000")
    assert report.base_detail == {
        "fixed_fees": "300.00",
        "usage_fees": {"2026-07": "90.00", "2026-08": "120.00", "2026-09": "150.00"},
    }
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("21.00"))


# SLA-6 — HOSTED-A: a failure notification still open at the month's end counts to the end of
# the month, and one across two months is split at midnight Paris time; a month without usage
# invoices counts 0 in the average (SLA-10).
def test_hosted_a_open_ticket_and_split(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    invoice_in_advance(OCT)  # 300.00 for October, no consumption on it
    with time_machine.travel(paris(2026, 10, 31, 22), tick=False):
        incident(contract, paris(2026, 10, 31, 20), None, staff=staff)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.unavailable_minutes == Decimal("240.00")  # 20:00 → midnight
    assert report.base == Decimal("300.0000")  # + (0 + 0 + 0) / 3
    assert report.credit_amount == 0  # 99.46 % ≥ 99 %


# SLA-6 / SLA-5 — HOSTED-A 4: "aucun avoir ne sera émis, pour la période au cours de laquelle le
# Service fait l'objet d'une Défaillance en raison de l'une des causes suivantes" (Evénement
# Excusable). A failure notification of 6 October 9:00 → 19:00 (600 minutes) whose cause staff
# recorded as an excusable outage of the contract (another operator's acts, 8:00 → 17:00), and
# one of 20 October 10:00 → 14:00 during an excusable outage of the whole offer (force majeure,
# 9:00 → 13:00): only 17:00 → 19:00 and 13:00 → 14:00 count, 180 minutes → 99.596 % ≥ 99 %,
# no credit (before: 840 minutes → 98.118 % → 10 % of 300.00 = 30.00).
def test_hosted_a_excusable_outage_does_not_count(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 6, 9), paris(2026, 10, 6, 19), staff=staff)
        services.outage_record(
            title="Carrier cut",
            started_at=paris(2026, 10, 6, 8),
            ended_at=paris(2026, 10, 6, 17),
            excusable=True,
            excuse_reason=ExcuseReason.OTHER_OPERATOR,
            contracts=[contract],
            actor=staff,
        )
        incident(contract, paris(2026, 10, 20, 10), paris(2026, 10, 20, 14), staff=staff)
        services.outage_record(
            title="Storm",
            started_at=paris(2026, 10, 20, 9),
            ended_at=paris(2026, 10, 20, 13),
            excusable=True,
            excuse_reason=ExcuseReason.FORCE_MAJEURE,
            scope=OutageScope.OFFER,
            offer=contract.offer,
            actor=staff,
        )
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.unavailable_minutes == Decimal("180.00")
    assert report.availability_display == Decimal("99.596")
    assert (report.credit_percent, report.credit_amount) == (Decimal("0"), Decimal("0.00"))


# SLA-6 / SLA-5 — HOSTED-A 4: a « Notification de Défaillance » is an incident "(i) détecté par
# ALLSET SAS ou (ii) le cas échéant signalé par le Client (... désignés indistinctement)": a
# non-excusable outage staff recorded for the contract counts as its unavailability too, merged
# with the customer's notifications (never twice). October 2026, 300.00 invoiced: outage 6
# October 9:00 → 19:00 (600 minutes), a notification 18:00 → 20:00 over its end → 9:00 → 20:00,
# 660 minutes of 44 640 → 98.521 % → 5 % = 15.00 (before: the notification's 120 minutes alone,
# 99.731 %, no credit, next to the outage the page listed).
def test_hosted_a_outage_detected_by_us_counts(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        down(contract, paris(2026, 10, 6, 9), 600, staff)
        incident(contract, paris(2026, 10, 6, 18), paris(2026, 10, 6, 20), staff=staff)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.unavailable_minutes == Decimal("660.00")
    assert report.availability_display == Decimal("98.521")
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("15.00"))


# SLA-9 — equipment not ordered from the reseller: the report says why, no credit, no request.
def test_sla_not_applicable(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10, sla_applicable=False)
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        down(contract, paris(2026, 11, 3, 10), 2000, staff)
    report = compute(contract, NOV, paris(2026, 12, 1, 1))
    assert report.credit_percent == 20  # what it would have been
    assert report.credit_amount == 0 and not report.applicable
    assert "ne s'applique pas" in report.not_applicable_reason  # written in French
    with pytest.raises(services.InvalidTransition) as error:
        services.credit_request(report=report, actor=customer.memberships.get(role="admin").user)
    assert error.value.code == "not_applicable"


# SLA-9 — only HOSTED-W 7 voids the SLA when the access link, terminals or router were not
# ordered from us. HOSTED-A has no such clause (its 8 is about hacking; a failure of equipment
# not ours is an excusable event of 4, outage by outage): a HOSTED-A site flagged so keeps its
# credit. October 2026, 300.00 invoiced, failure notified 6 October 9:00 → 19:00 (600 minutes
# of 44 640) → 98.655 % → 5 % of 300.00 = 15.00, and it can be requested (before: 0.00, "the
# SLA does not apply").
def test_sla_not_applicable_is_hosted_w_only(customer, staff):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00", sla_applicable=False)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 31, 12), tick=False):
        incident(contract, paris(2026, 10, 6, 9), paris(2026, 10, 6, 19), staff=staff)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    assert report.applicable and report.not_applicable_reason == ""
    assert (report.credit_percent, report.credit_amount) == (Decimal("5"), Decimal("15.00"))
    billing_member = customer.memberships.get(role=Role.BILLING).user
    assert services.credit_request(report=report, actor=billing_member).status == "requested"


def _credit_report(contract, month, minutes, staff):
    """A report of ``month`` with ``minutes`` of non-excusable outage, requested by the
    customer's billing member. The month's subscriptions are invoiced first (the base, SLA-7)."""
    invoice_in_advance(month)
    start = paris(month.year, month.month, 10, 9)
    with time_machine.travel(start + timedelta(days=10), tick=False):
        down(contract, start, minutes, staff)
    report = compute(contract, month, paris(month.year, month.month, 28, 23))
    billing_member = contract.client.memberships.get(role=Role.BILLING).user
    return services.credit_request(report=report, actor=billing_member)


# SLA-8 — credits over 30 consecutive days are capped at 20 % of this report's base (149.00 →
# 29.80). September (10 %: 14.90) approved on 25 October; October (20 %: 29.80) approved on 3
# November, 9 days later: 29.80 − 14.90 = 14.90 approved, the excess dropped. November (20 %)
# approved on 2 December at 23:00: 3 November – 2 December are 30 consecutive calendar days,
# October's approval is in them (14.90 left); on 3 December it would not be.
def test_cap_over_thirty_days(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    september = _credit_report(contract, SEP, 1000, staff)  # 97.68 % → 10 %
    october = _credit_report(contract, OCT, 2000, staff)  # 95.5 % → 20 %
    november = _credit_report(contract, NOV, 2000, staff)
    assert [r.credit_amount for r in (september, october, november)] == [
        Decimal("14.90"),
        Decimal("29.80"),
        Decimal("29.80"),
    ]
    with time_machine.travel(paris(2026, 10, 25, 10), tick=False):
        september = services.credit_approve(report=september, actor=staff)
    with time_machine.travel(paris(2026, 11, 3, 10), tick=False):
        october = services.credit_approve(report=october, actor=staff)
    with time_machine.travel(paris(2026, 12, 2, 23), tick=False):
        november = services.credit_approve(report=november, actor=staff)
    assert september.approved_amount == Decimal("14.90")
    assert october.approved_amount == Decimal("14.90")
    assert november.approved_amount == Decimal("14.90")
    assert [r.credit_note.total_net for r in (september, october, november)] == [
        Decimal("14.90"),
        Decimal("14.90"),
        Decimal("14.90"),
    ]


# SLA-8 (HOSTED-W 7: « toute période de trente (30) jours calendaires consécutifs ») — the
# window is calendar days, Paris time: October (20 %: 29.80) approved on 3 November at 10:00
# uses the whole cap (20 % of 149.00 = 29.80) until 2 December; November (20 %) approved on 3
# December at 09:00 is 31 calendar days later: 29.80 approved. Before, 23 hours short of 30 × 24
# hours, it was approved at 0.00 (at 10:00 it would have been 29.80).
def test_cap_window_is_thirty_calendar_days(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    october = _credit_report(contract, OCT, 2000, staff)
    november = _credit_report(contract, NOV, 2000, staff)
    with time_machine.travel(paris(2026, 11, 3, 10), tick=False):
        october = services.credit_approve(report=october, actor=staff)
    with time_machine.travel(paris(2026, 12, 3, 9), tick=False):
        november = services.credit_approve(report=november, actor=staff)
    assert (october.approved_amount, november.approved_amount) == (
        Decimal("29.80"),
        Decimal("29.80"),
    )


# SLA-8 — when the window's credits already reach the cap, the report is approved at 0.00 and
# no credit note is issued.
def test_cap_reached(customer, staff):
    contract = make_contract(customer, "hosted-w", quantity=10)
    october = _credit_report(contract, OCT, 2000, staff)
    november = _credit_report(contract, NOV, 2000, staff)
    with time_machine.travel(paris(2026, 11, 2, 10), tick=False):
        services.credit_approve(report=october, actor=staff)
    with time_machine.travel(paris(2026, 12, 1, 10), tick=False):
        november = services.credit_approve(report=november, actor=staff)
    assert november.approved_amount == 0 and november.credit_note is None
    assert Invoice.objects.filter(kind="credit_note").count() == 1


# SLA-10 — October has 44 640 minutes: 70 minutes → 99.843 % → 5 % of 149.00 = 7.45. Request
# (billing role, one click) → approve → credit note whose reason names the
# month and availability, set against the next invoice by the run; approving twice issues one
# note; a requested report never changes on a rerun of the job.
def test_request_approve_credit_note(customer, staff, tenant):
    contract = make_contract(customer, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 30, 12), tick=False):
        down(contract, paris(2026, 10, 12, 9), 70, staff)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    with pytest.raises(PermissionDenied):
        services.credit_request(report=report, actor=tenant.members[Role.READ_ONLY].user)
    with pytest.raises(PermissionDenied):
        services.credit_request(report=report, actor=tenant.members[Role.TECHNICAL].user)
    report = services.credit_request(report=report, actor=tenant.members[Role.BILLING].user)
    assert report.status == ReportStatus.REQUESTED and report.requested_at is not None
    with pytest.raises(services.InvalidTransition):
        services.credit_request(report=report, actor=tenant.members[Role.ADMIN].user)
    with time_machine.travel(paris(2026, 11, 2, 1), tick=False):
        down(contract, paris(2026, 10, 20, 9), 600, staff)
    assert compute(contract, OCT, paris(2026, 11, 2, 2)).credit_amount == Decimal("7.45")
    with pytest.raises(PermissionDenied):
        services.credit_approve(report=report, actor=tenant.members[Role.ADMIN].user)
    with time_machine.travel(paris(2026, 11, 5, 10), tick=False):
        report = services.credit_approve(report=report, actor=staff)
        services.credit_approve(report=report, actor=staff)
    note = report.credit_note
    assert Invoice.objects.filter(kind="credit_note").count() == 1
    assert note.client == customer and note.total_net == Decimal("7.45")
    assert note.total_gross == Decimal("8.94")
    assert "2026" in note.reason and "99,843" in note.reason and contract.reference in note.reason
    billing.run_month_sync(month=NOV)
    invoice = Invoice.objects.get(kind="invoice", client=customer, month=NOV)
    assert invoice.credit_applied == Decimal("8.94")
    assert invoice.amount_due == invoice.total_gross - Decimal("8.94")


# SLA-10 / BIL-9 — an SLA credit is at the VAT rate charged for the month it credits, never
# today's regime: October (10 users × 14.90 = 149.00) invoiced at 20 % by September's run; the
# customer then moved to Réunion and October's run invoiced November at 8.5 %. 70 minutes of
# October → 99.843 % → 5 % of 149.00 = 7.45 → 7.45 + 1.49 VAT = 8.94, not 7.45 + 0.63 = 8.08.
def test_sla_credit_at_the_rate_charged_for_its_month(customer, staff, tenant):
    contract = make_contract(customer, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    customer.vat_regime = "overseas"
    customer.save(update_fields=["vat_regime"])
    with time_machine.travel(paris(2026, 10, 30, 12), tick=False):
        down(contract, paris(2026, 10, 12, 9), 70, staff)
    billing.run_month_sync(month=OCT)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    report = services.credit_request(report=report, actor=tenant.members[Role.BILLING].user)
    with time_machine.travel(paris(2026, 11, 5, 10), tick=False):
        report = services.credit_approve(report=report, actor=staff)

    note = report.credit_note
    line = note.lines.get()
    assert (line.vat_category, line.vat_rate) == ("S", Decimal("20.00"))
    assert (note.total_net, note.total_vat, note.total_gross) == (
        Decimal("7.45"),
        Decimal("1.49"),
        Decimal("8.94"),
    )


# SLA-10 — staff refuse with a reason (required); a refused credit is final.
def test_refuse(customer, staff, tenant):
    contract = make_contract(customer, "hosted-w", quantity=10)
    report = _credit_report(contract, OCT, 100, staff)
    with pytest.raises(ValidationError):
        services.credit_refuse(report=report, reason=" ", actor=staff)
    report = services.credit_refuse(report=report, reason="Customer's own router", actor=staff)
    assert report.status == ReportStatus.REFUSED and report.credit_note is None
    with pytest.raises(services.InvalidTransition):
        services.credit_approve(report=report, actor=staff)


# SLA-10 — the job's contracts: every contract with an SLA policy in service during the month.
def test_contracts_for_sla_month(customer):
    hosted_w = make_contract(customer, "hosted-w")
    hosted_a = make_contract(customer, "hosted-a")
    make_contract(customer, "platform")  # no SLA policy
    make_contract(customer, "hosted-w", status=ContractStatus.ORDERED)  # not in service
    later = make_contract(customer, "hosted-a", signature=date(2026, 11, 2), service_start=DEC)
    assert set(services.contracts_for_sla_month(NOV)) == {hosted_w, hosted_a}
    assert later in set(services.contracts_for_sla_month(DEC))


# SLA-10 — a contract whose earlier termination (for 1 November) was cancelled, then terminated
# effective 1 December, was in service all November: the job of 1 December computes its
# November report. Before: the job left it out (an effective termination, and a termination
# dated on or before 1 November — two different ones — read as "ended before the month"), so
# the customer had no November report and no credit to request.
def test_contracts_for_sla_month_after_a_cancelled_termination(customer):
    contract = make_contract(customer, "hosted-a", monthly_price="300.00")
    with time_machine.travel(paris(2026, 9, 15, 10), tick=False):
        first = offers.contract_request_termination(contract=contract, requested_date=NOV)
    with time_machine.travel(paris(2026, 10, 1, 10), tick=False):
        offers.termination_cancel(termination=first)
    with time_machine.travel(paris(2026, 10, 15, 10), tick=False):
        second = offers.contract_request_termination(contract=contract, requested_date=DEC)
    with time_machine.travel(paris(2026, 12, 1, 0, 5), tick=False):
        assert offers.termination_apply(termination_id=second.pk, today=DEC)
    assert contract in set(services.contracts_for_sla_month(NOV))
    assert contract not in set(services.contracts_for_sla_month(DEC))


# SLA-10 — the customer's chart: the last 12 months, oldest first, empty months included.
def test_availability_history(customer, staff, other_tenant):
    contract = make_contract(customer, "hosted-w", quantity=10)
    compute(contract, OCT, paris(2026, 11, 1, 1))
    with time_machine.travel(paris(2026, 11, 20, 9), tick=False):
        history = selectors.availability_history(client=customer, contract_pk=contract.pk)
    assert [p.month for p in history][0] == date(2025, 11, 1)
    assert history[-1].month == OCT and history[-1].availability == Decimal("100")
    assert history[-2].report is None
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.availability_history(client=other_tenant.client, contract_pk=contract.pk)


# BIL-3 / SLA-10 — a staff member reading the console in English approves October's credit
# (HOSTED-W, 10 users × 14.90 = 149.00 invoiced for October; 70 minutes down of 44 640 →
# 99.843 % → 5 % → 7.45 HT): the credit note, a French legal document, is written in French.
# SLA-11 — the same staff member's abusive-report penalty (100.00, outside VAT) too.
def test_credit_note_and_penalty_decided_in_english_are_french(customer, staff, tenant):
    from django.utils import translation

    contract = make_contract(customer, "hosted-w", quantity=10)
    invoice_in_advance(OCT)
    with time_machine.travel(paris(2026, 10, 30, 12), tick=False):
        down(contract, paris(2026, 10, 12, 9), 70, staff)
    report = compute(contract, OCT, paris(2026, 11, 1, 1))
    report = services.credit_request(report=report, actor=tenant.members[Role.BILLING].user)
    with translation.override("en"), time_machine.travel(paris(2026, 11, 5, 10), tick=False):
        report = services.credit_approve(report=report, actor=staff)
    line = report.credit_note.lines.get()
    assert (line.description, line.net_amount) == (
        f"Crédit de service SLA octobre 2026 — contrat {contract.reference}",
        Decimal("7.45"),
    )
    # A French figure on a French document: « 99,843 % », not « 99.843 % ».
    assert report.credit_note.reason == (
        "Crédit de service pour octobre 2026\u00a0: disponibilité de 99,843\u00a0% "
        f"(contrat {contract.reference})."
    )

    platform = make_contract(customer, "platform")  # PLATFORM 27: its contract's penalty
    with time_machine.travel(paris(2026, 11, 30, 12), tick=False):
        ticket = incident(platform, paris(2026, 11, 22, 9), paris(2026, 11, 22, 19), staff=staff)
        with translation.override("en"):
            charge = services.ticket_charge_abusive_penalty(ticket=ticket, actor=staff)
    assert (charge.description, charge.unit_price) == (
        f"Pénalité pour signalement abusif d'incident — ticket {ticket.number}",
        Decimal("100.0000"),
    )
