"""Contract services: presets (CON-1), pipeline (CON-2), renewal (CON-3), termination (CON-4,
CON-5), terms snapshot (CON-6), trial (CON-7), suspension (CON-8), inactivity (ACC-6)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import AuditLog
from offers import services
from offers.choices import (
    ContractStatus,
    FeeRule,
    Preset,
    SuspensionReason,
    TerminationStatus,
)
from offers.models import Contract, ContractEvent, Offer, Product, Renewal, Terms
from offers.termination_fees import FeeRule as PureFeeRule

pytestmark = pytest.mark.django_db


def contract_for(client, code, *, signed, start=None, quantity=1, price=None, site=None):
    """An active contract built through the services (start=None leaves it ordered)."""
    offer = Offer.objects.get(code=code)
    if price is not None:
        product = offer.main_product
        product.monthly_price = Decimal(price)
        product.save()
    contract = services.contract_create(
        client=client,
        offer=offer,
        site=site,
        signature_date=signed,
        order_date=signed,
        quantity=quantity,
    )
    services.contract_order(contract=contract)
    if start is not None:
        services.contract_activate(contract=contract, service_start_date=start)
    contract.refresh_from_db()
    return contract


# CON-1 — the five presets exist with the numbers of §2, and one offer per preset.
def test_presets_from_data_migration():
    presets = {t.preset: t for t in Terms.objects.filter(is_preset=True)}
    assert set(presets) == set(Preset.values)
    assert (
        presets["HOSTED-A"].anchor,
        presets["HOSTED-A"].renewal_months,
        presets["HOSTED-A"].fee_rule,
    ) == ("service_start", 12, "allset_sliding")
    assert (
        presets["PLATFORM"].notice_months,
        presets["PLATFORM"].minimum_monthly_commitment,
        str(presets["PLATFORM"].support_end),
    ) == (3, Decimal("200.00"), "17:00:00")
    assert presets["HOSTED-W"].first_month == "free_order_month"
    assert presets["TRUNK"].fee_rule == presets["SIP-UNL"].fee_rule == "none"
    assert {o.preset for o in Offer.objects.all()} == set(Preset.values)
    platform = Offer.objects.get(code="platform")
    assert platform.options.get(code="opt-caps").monthly_price == Decimal("150.0000")
    assert platform.options.get(code="opt-direct-interconnection").setup_price == Decimal("1000")
    assert platform.options.get(code="opt-short-number").price_on_quote


# CON-1 — the model's fee rules are exactly those the fee calculator knows.
def test_fee_rule_values_match_calculator():
    assert set(FeeRule.values) == {r.value for r in PureFeeRule}


# CON-1 — staff create an offer from a preset: its terms are a copy they can change.
def test_offer_from_preset():
    product = Product.objects.create(code="hosted-a-xl", name="XL site", monthly_price=400)
    offer = services.offer_create_from_preset(
        preset="HOSTED-A", code="hosted-a-xl", name="Site XL", main_product=product
    )
    reference = Terms.objects.get(preset="HOSTED-A", is_preset=True)
    assert offer.terms.pk != reference.pk
    assert offer.terms.snapshot() == reference.snapshot()
    offer.terms.initial_months = 24
    offer.terms.save()
    reference.refresh_from_db()
    assert reference.initial_months == 36


# CON-2 — a contract copies the terms it is signed with, prices its lines, and gets a reference.
def test_contract_create(tenant):
    offer = Offer.objects.get(code="hosted-w")
    ivr = offer.options.get(code="hosted-w-ivr")
    contract = services.contract_create(
        client=tenant.client,
        offer=offer,
        site=tenant.site,
        signature_date=date(2026, 1, 5),
        order_date=date(2026, 1, 6),
        quantity=10,
        options=[services.LineRequest(ivr, 1)],
        purchase_order_ref="PO-77",
    )
    assert contract.status == "draft" and contract.reference == f"CT-2026-{contract.pk:06d}"
    assert contract.terms_snapshot["fee_rule"] == "remaining_months"
    assert contract.monthly_fees == Decimal("10") * Decimal("14.9") + Decimal("15")
    assert AuditLog.objects.filter(action="contract.create", client=tenant.client).exists()


# CON-2 — bad input is refused field by field and nothing is written.
def test_contract_create_validation(tenant, other_tenant):
    offer = Offer.objects.get(code="platform")
    foreign = Offer.objects.get(code="hosted-w").options.first()
    quote_only = offer.options.get(code="opt-short-number")
    for kwargs, field in [
        ({"site": other_tenant.site}, "site"),
        ({"options": [services.LineRequest(foreign, 1)]}, "options"),
        ({"options": [services.LineRequest(quote_only, 1)]}, "options"),
        ({"order_date": date(2025, 12, 1)}, "order_date"),
        ({"quantity": 0}, "quantity"),
    ]:
        args = {
            "client": tenant.client,
            "offer": offer,
            "site": tenant.site,
            "signature_date": date(2026, 1, 5),
            "order_date": date(2026, 1, 5),
            **kwargs,
        }
        with pytest.raises(ValidationError) as error:
            services.contract_create(**args)
        assert field in error.value.message_dict
    assert not Contract.objects.exists()


# CON-2 — the pipeline is explicit: a draft cannot be suspended, a terminated contract is final.
def test_transition_map(tenant):
    contract = services.contract_create(
        client=tenant.client,
        offer=Offer.objects.get(code="trunk"),
        site=tenant.site,
        signature_date=date(2026, 3, 1),
        order_date=date(2026, 3, 1),
    )
    with pytest.raises(services.InvalidTransition):
        services.contract_suspend(contract=contract, reason=SuspensionReason.FRAUD)
    with pytest.raises(services.InvalidTransition):
        services.contract_activate(contract=contract, service_start_date=date(2026, 3, 2))
    services.contract_order(contract=contract)
    services.contract_activate(contract=contract, service_start_date=date(2026, 3, 10))
    contract.refresh_from_db()
    assert list(contract.events.values_list("to_status", flat=True)) == [
        "draft",
        "ordered",
        "active",
    ]
    # TRUNK: a first partial month, renewed on the 1st (calendar months).
    assert (contract.current_period_start, contract.current_period_end) == (
        date(2026, 3, 10),
        date(2026, 4, 1),
    )


# CON-2 — periods from each preset's anchor: PLATFORM signature, HOSTED-A service start,
# HOSTED-W order date; month ends and leap years handled by the calendar helper.
def test_periods_follow_the_anchor(tenant):
    platform = contract_for(
        tenant.client, "platform", signed=date(2024, 2, 29), start=date(2024, 3, 20)
    )
    assert (platform.current_period_start, platform.current_period_end) == (
        date(2024, 2, 29),
        date(2025, 2, 28),
    )
    hosted_a = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 1, 10), start=date(2025, 1, 31)
    )
    assert (hosted_a.current_period_start, hosted_a.current_period_end) == (
        date(2025, 1, 31),
        date(2028, 1, 31),
    )
    hosted_w = contract_for(
        tenant.client, "hosted-w", signed=date(2025, 8, 31), start=date(2025, 9, 15)
    )
    assert hosted_w.current_period_end == date(2026, 8, 31)


# CON-3 — the renewal starts the next period from the anchor; twice on the same day changes
# nothing; a catch-up after downtime renews each missed period exactly once.
def test_renewal_idempotent_and_catches_up(tenant):
    contract = contract_for(
        tenant.client, "platform", signed=date(2024, 1, 31), start=date(2024, 2, 1)
    )
    assert contract.current_period_end == date(2025, 1, 31)
    assert services.contract_renew(contract_id=contract.pk, today=date(2025, 1, 30)) == 0
    assert services.contract_renew(contract_id=contract.pk, today=date(2026, 2, 2)) == 2
    assert services.contract_renew(contract_id=contract.pk, today=date(2026, 2, 2)) == 0
    contract.refresh_from_db()
    assert (contract.current_period_start, contract.current_period_end) == (
        date(2026, 1, 31),
        date(2027, 1, 31),
    )
    assert list(Renewal.objects.values_list("period_start", flat=True)) == [
        date(2025, 1, 31),
        date(2026, 1, 31),
    ]


# CON-3 — the database refuses a second renewal of the same period, whatever the code does.
def test_renewal_unique_constraint(tenant):
    contract = contract_for(tenant.client, "trunk", signed=date(2026, 1, 1), start=date(2026, 1, 1))
    Renewal.objects.create(
        contract=contract, period_start=date(2026, 2, 1), period_end=date(2026, 3, 1)
    )
    with pytest.raises(IntegrityError):
        Renewal.objects.create(
            contract=contract, period_start=date(2026, 2, 1), period_end=date(2026, 3, 1)
        )


# CON-3 — a contract whose termination is effective at the period end is not renewed.
def test_no_renewal_when_termination_effective(tenant):
    contract = contract_for(
        tenant.client, "sip-unl", signed=date(2026, 10, 1), start=date(2026, 10, 1)
    )
    with time_machine.travel(date(2026, 10, 20)):
        services.contract_request_termination(contract=contract)
    assert services.contract_renew(contract_id=contract.pk, today=date(2026, 11, 1)) == 0
    assert services.termination_apply(
        termination_id=contract.terminations.get().pk, today=date(2026, 11, 1)
    )
    contract.refresh_from_db()
    assert contract.status == "terminated"
    assert contract.lines.get().ended_on == date(2026, 11, 1)


# CON-4 + CON-5 — the case: HOSTED-A, 36 months from 2025-03-01, 250.00 a month,
# effective 2026-11-15 with November invoiced in advance → fees from 2026-12-01: 15 months
# beyond the first year at 50 % = 15 × 125.00 = 1 875.00.
def test_hosted_a_quote_and_request(tenant, django_capture_on_commit_callbacks):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 2, 20), start=date(2025, 3, 1), price="250.00"
    )
    with time_machine.travel(date(2026, 10, 15)):
        quote = services.termination_quote(contract=contract, requested_date=date(2026, 11, 15))
        assert (quote.effective_date, quote.fee.fee_start, quote.fee_amount) == (
            date(2026, 11, 15),
            date(2026, 12, 1),
            Decimal("1875.00"),
        )
        assert [(line.months, line.rate_percent) for line in quote.fee.lines] == [
            (15, Decimal("50"))
        ]
        with django_capture_on_commit_callbacks(execute=True):
            termination = services.contract_request_termination(
                contract=contract,
                requested_date=date(2026, 11, 15),
                actor=tenant.members["admin"].user,
            )
    contract.refresh_from_db()
    assert contract.status == "terminating"
    assert (termination.fee_amount, termination.notice_date) == (
        Decimal("1875.00"),
        date(2026, 10, 15),
    )
    assert termination.fee_breakdown[0]["amount"] == "1875.00"
    assert "Acme SAS" not in mail.outbox[0].subject and contract.reference in mail.outbox[0].subject


# CON-4 — the notice rule: HOSTED-A 1 month; a requested date earlier than that is pushed back.
# Notice on 2026-01-31 + 1 month = 2026-02-28 (month end); fee: first year ends 2026-03-01.
# HOSTED-A first year, 250/month from 2025-03-01: from 2026-03-01 (Feb invoiced) to 2028-03-01
# = 24 months × 50 % = 3 000.00; nothing left at 100 %.
def test_hosted_a_notice_month_end(tenant):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 3, 1), start=date(2025, 3, 1), price="250.00"
    )
    with time_machine.travel(date(2026, 1, 31)):
        quote = services.termination_quote(contract=contract, requested_date=date(2026, 2, 1))
    assert quote.effective_date == date(2026, 2, 28)
    assert quote.fee.fee_start == date(2026, 3, 1) and quote.fee_amount == Decimal("3000.00")


# CON-5 — HOSTED-A in its first year: effective 2025-07-10 (service from 2025-03-01, 250/month)
# → fees from 2025-08-01: 7 months to 2026-03-01 at 100 % (1 750.00) + 24 months at 50 %
# (3 000.00) = 4 750.00.
def test_hosted_a_first_year(tenant):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 3, 1), start=date(2025, 3, 1), price="250.00"
    )
    with time_machine.travel(date(2025, 6, 2)):
        quote = services.termination_quote(contract=contract, requested_date=date(2025, 7, 10))
    assert quote.fee.fee_start == date(2025, 8, 1)
    assert quote.fee_amount == Decimal("4750.00")


# CON-5 — HOSTED-A in a renewal period (2028-03-01 → 2029-03-01): always 3 months at 100 %
# (750.00) + the months beyond them to the period end at 50 %: effective 2028-06-20, fees from
# 2028-07-01; 3 months → 2028-10-01; 5 months left → 5 × 125.00 = 625.00; total 1 375.00.
def test_hosted_a_renewal_period(tenant):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 3, 1), start=date(2025, 3, 1), price="250.00"
    )
    services.contract_renew(contract_id=contract.pk, today=date(2028, 3, 1))
    with time_machine.travel(date(2028, 5, 2)):
        quote = services.termination_quote(contract=contract, requested_date=date(2028, 6, 20))
    assert quote.fee.fee_start == date(2028, 7, 1)
    assert quote.fee_amount == Decimal("1375.00")


# CON-5 — HOSTED-W (order anchor, 12 months, order month free): ordered 2026-01-31, 3 users at
# 14.90 + voicemail... here 3 × 14.90 = 44.70 a month; notice 2026-05-10 → effective 2026-06-10,
# fees from 2026-07-01 to 2027-01-31: 6 whole months + a part = 7 × 44.70 = 312.90.
def test_hosted_w_initial_period(tenant):
    contract = contract_for(
        tenant.client, "hosted-w", signed=date(2026, 1, 31), start=date(2026, 2, 3), quantity=3
    )
    with time_machine.travel(date(2026, 5, 10)):
        quote = services.termination_quote(contract=contract)
    assert quote.effective_date == date(2026, 6, 10)
    assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 7, 1), Decimal("312.90"))


# CON-5 — HOSTED-W 8.1 « la totalité des mois restants dus » counts calendar months (HOSTED-W 2:
# « mois » means « mois calendaire »; 8.1: « tout mois entamé est dû »). Ordered 2026-03-10 for
# 12 months (to 2027-03-10), one user at 14.90, notice 2026-03-12 → effective 2026-04-12.
# - In service since the order: April is invoiced in advance (14.90), the fee counts May 2026 →
#   March 2027 = 11 × 14.90 = 163.90; 12 months paid in all.
# - Never activated: nothing was invoiced, the fee counts from 2026-04-12: April 2026 → March
#   2027 = 12 calendar months × 14.90 = 178.80 — the same 12 months. Before, it counted months
#   from the 12th (10 whole months to 2027-02-12 and a part = 11) → 163.90, a month less than
#   the activated contract pays.
def test_hosted_w_never_activated_counts_calendar_months(tenant):
    active = contract_for(
        tenant.client, "hosted-w", signed=date(2026, 3, 10), start=date(2026, 3, 10), price="14.90"
    )
    ordered = contract_for(tenant.client, "hosted-w", signed=date(2026, 3, 10), price="14.90")
    assert ordered.status == "ordered"
    with time_machine.travel(date(2026, 3, 12)):
        paid = services.termination_quote(contract=active)
        never = services.termination_quote(contract=ordered)
    assert paid.effective_date == never.effective_date == date(2026, 4, 12)
    assert (paid.fee.fee_start, paid.fee_amount) == (date(2026, 5, 1), Decimal("163.90"))
    assert (never.fee.fee_start, never.fee_amount) == (date(2026, 4, 12), Decimal("178.80"))
    assert [(line.months, line.monthly_base) for line in never.fee.lines] == [
        (12, Decimal("14.90"))
    ]


# CON-5 — PLATFORM: notice less than 3 months before the anniversary → convenience termination 3
# months after the notice, fees to the end of the (renewed) period at max(subscriptions, 200):
# signed 2025-04-30, anniversary 2026-04-30; notice 2026-03-15 → effective 2026-06-15 in the
# period 2026-04-30 → 2027-04-30; fees from 2026-07-01: 9 whole months to 2027-04-01 + a part
# = 10 months × max(150.00, 200.00) = 2 000.00.
def test_platform_late_notice(tenant):
    contract = contract_for(
        tenant.client, "platform", signed=date(2025, 4, 30), start=date(2025, 5, 5)
    )
    services.contract_renew(contract_id=contract.pk, today=date(2026, 4, 30))
    with time_machine.travel(date(2026, 3, 15)):
        quote = services.termination_quote(contract=contract)
    assert quote.effective_date == date(2026, 6, 15)
    assert (quote.fee.fee_start, quote.fee_amount) == (date(2026, 7, 1), Decimal("2000.00"))


# CON-4 — PLATFORM: notice ≥ 3 months before the anniversary ends the contract there, no fee.
def test_platform_non_renewal_in_time(tenant):
    contract = contract_for(
        tenant.client, "platform", signed=date(2025, 4, 30), start=date(2025, 5, 5)
    )
    with time_machine.travel(date(2026, 1, 30)):
        quote = services.termination_quote(contract=contract)
    assert (quote.effective_date, quote.fee_amount) == (date(2026, 4, 30), Decimal("0.00"))


# CON-4 — SIP-UNL: any time, effective at the end of the month, no fee (CON-5 `none`).
def test_sip_unl_end_of_month(tenant):
    contract = contract_for(
        tenant.client, "sip-unl", signed=date(2026, 2, 1), start=date(2026, 2, 1), quantity=4
    )
    with time_machine.travel(date(2026, 2, 27)):
        quote = services.termination_quote(contract=contract)
    assert (quote.effective_date, quote.fee_amount) == (date(2026, 3, 1), Decimal("0.00"))


# CON-4 — cancellation before the effective date restores the previous status; after, refused.
def test_cancel_termination(tenant):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 3, 1), start=date(2025, 3, 1)
    )
    with time_machine.travel(date(2026, 10, 1)):
        termination = services.contract_request_termination(contract=contract)
        with pytest.raises(services.InvalidTransition):
            services.contract_request_termination(contract=contract)
    services.termination_cancel(termination=termination, today=date(2026, 10, 31))
    contract.refresh_from_db()
    termination.refresh_from_db()
    assert (contract.status, termination.status) == ("active", TerminationStatus.CANCELLED)
    with time_machine.travel(date(2026, 10, 2)):
        second = services.contract_request_termination(contract=contract)
    with pytest.raises(services.InvalidTransition):
        services.termination_cancel(termination=second, today=second.effective_date)


# CON-2, CON-4 — a terminating contract is neither ordered nor activated: the way back from
# terminating is the cancellation of its termination, to the status stored on it (an ordered
# contract returns to ordered, then starts as any other).
def test_terminating_contract_not_ordered_nor_activated(tenant):
    contract = contract_for(tenant.client, "hosted-a", signed=date(2026, 9, 1))
    assert contract.status == ContractStatus.ORDERED
    with time_machine.travel(date(2026, 10, 1)):
        termination = services.contract_request_termination(contract=contract)
        for move in (
            lambda: services.contract_order(contract=contract),
            lambda: services.contract_activate(
                contract=contract, service_start_date=date(2026, 10, 1)
            ),
        ):
            with pytest.raises(services.InvalidTransition) as refused:
                move()
            assert refused.value.code == "invalid_transition"
        contract.refresh_from_db()
        assert contract.status == ContractStatus.TERMINATING
        services.termination_cancel(termination=termination)
        contract.refresh_from_db()
        assert contract.status == ContractStatus.ORDERED
        services.contract_activate(contract=contract, service_start_date=date(2026, 10, 1))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert list(contract.events.order_by("pk").values_list("to_status", flat=True)) == [
        "draft",
        "ordered",
        "terminating",
        "ordered",
        "active",
    ]


# CON-4 — a requested date in the past is refused with a clear field error.
def test_requested_date_in_past(tenant):
    contract = contract_for(tenant.client, "trunk", signed=date(2026, 1, 1), start=date(2026, 1, 1))
    with time_machine.travel(date(2026, 5, 5)), pytest.raises(ValidationError) as error:
        services.termination_quote(contract=contract, requested_date=date(2026, 5, 4))
    assert "requested_date" in error.value.message_dict


# CON-6 — the terms snapshot: changing the offer's terms later does not touch signed contracts.
def test_terms_snapshot_survives_offer_change(tenant):
    contract = contract_for(
        tenant.client, "hosted-a", signed=date(2025, 3, 1), start=date(2025, 3, 1), price="250.00"
    )
    terms = contract.offer.terms
    terms.initial_months = 12
    terms.fee_rule = "none"
    terms.save()
    contract.refresh_from_db()
    assert contract.term("initial_months") == 36 and contract.term("fee_rule") == "allset_sliding"
    assert contract.current_period_end == date(2028, 3, 1)


# CON-7 — trial access: a flag with an end date; traffic before it is trial traffic.
def test_trial(tenant):
    contract = contract_for(tenant.client, "platform", signed=date(2026, 1, 1))
    services.contract_set_trial(contract=contract, ends_on=date(2026, 2, 1))
    contract.refresh_from_db()
    assert services.is_in_trial(contract, date(2026, 1, 31))
    assert not services.is_in_trial(contract, date(2026, 2, 1))
    services.contract_set_trial(contract=contract, ends_on=None)
    contract.refresh_from_db()
    assert not contract.is_trial and AuditLog.objects.filter(action="contract.trial").count() == 2


# CON-7 (PLATFORM 6.2: free access "aux seules fins de test" before the service contract is
# signed) — a trial is granted only before the service starts. Before: a PLATFORM contract in
# service since 01/09/2026 (150.00 a month, minimum 200.00) was given a trial for October and
# October was invoiced all the same (150.00 + a 50.00 top-up). Now granting it, or moving its
# date, on a contract in service (active, suspended) is refused with a message and nothing is
# written; a draft or an ordered contract gets it, and ending a trial stays possible.
def test_con7_trial_granted_only_before_the_service_starts(tenant):
    active = contract_for(
        tenant.client, "platform", signed=date(2026, 9, 1), start=date(2026, 9, 1)
    )
    with pytest.raises(ValidationError, match="avant la mise en service") as refused:
        services.contract_set_trial(contract=active, ends_on=date(2026, 11, 1))
    assert refused.value.code == "invalid_transition"
    services.contract_suspend(contract=active, reason=SuspensionReason.FRAUD)
    with pytest.raises(ValidationError, match="déjà en service"):
        services.contract_set_trial(contract=active, ends_on=date(2026, 11, 1))
    active.refresh_from_db()
    assert (active.is_trial, active.trial_ends_on) == (False, None)
    assert not AuditLog.objects.filter(action="contract.trial").exists()
    draft = services.contract_create(
        client=tenant.client,
        offer=Offer.objects.get(code="platform"),
        site=None,
        signature_date=date(2026, 9, 1),
        order_date=date(2026, 9, 1),
    )
    services.contract_set_trial(contract=draft, ends_on=date(2026, 10, 1))
    ordered = contract_for(tenant.client, "platform", signed=date(2026, 9, 1))
    services.contract_set_trial(contract=ordered, ends_on=date(2026, 11, 1))
    services.contract_set_trial(contract=ordered, ends_on=date(2026, 11, 15))  # moved
    assert Contract.objects.get(pk=ordered.pk).trial_ends_on == date(2026, 11, 15)
    assert AuditLog.objects.filter(action="contract.trial").count() == 3


# CON-7 — the activation of a contract on trial ends the trial at the service start (PLATFORM
# 6.2: signing the service contract "vaut reconnaissance que le Service correspond à ses
# besoins"): on trial until 01/11, activated on 20/10 with the service started on 20/10 → off
# trial, its end date 20/10 (excluded: calls from the 20th on are invoiced, the trial's
# remaining 12 days are not carried over). Started on 25/10 while activated on the 20th: the
# contract stays on trial until the 25th. Before: the trial ran on to 01/11 on a contract
# billed from the 20th.
def test_con7_activation_ends_the_trial_at_the_service_start(tenant):
    contract = contract_for(tenant.client, "platform", signed=date(2026, 9, 1))
    later = contract_for(tenant.client, "platform", signed=date(2026, 9, 1))
    for each in (contract, later):
        services.contract_set_trial(contract=each, ends_on=date(2026, 11, 1))
    with time_machine.travel(date(2026, 10, 20), tick=False):
        services.contract_activate(contract=contract, service_start_date=date(2026, 10, 20))
        services.contract_activate(contract=later, service_start_date=date(2026, 10, 25))
        contract.refresh_from_db()
        later.refresh_from_db()
        assert (contract.is_trial, contract.trial_ends_on) == (False, date(2026, 10, 20))
        assert not services.is_in_trial(contract, date(2026, 10, 20))
        assert (later.is_trial, later.trial_ends_on) == (True, date(2026, 10, 25))
        assert services.is_in_trial(later, date(2026, 10, 24))
    assert AuditLog.objects.filter(action="contract.trial").count() == 4


# CON-8 — suspension with a reason of the closed list, customer told, lifting in one action;
# a suspended contract stays in service for billing and renewal.
def test_suspension(tenant, django_capture_on_commit_callbacks):
    contract = contract_for(tenant.client, "trunk", signed=date(2026, 1, 1), start=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        services.contract_suspend(contract=contract, reason="because")
    with django_capture_on_commit_callbacks(execute=True):
        suspension = services.contract_suspend(
            contract=contract, reason=SuspensionReason.ABNORMAL_TRAFFIC
        )
    contract.refresh_from_db()
    assert contract.status == "suspended" and suspension.lifted_at is None
    assert mail.outbox and contract.reference in mail.outbox[0].subject
    assert services.contract_renew(contract_id=contract.pk, today=date(2026, 2, 1)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_lift_suspension(contract=contract)
    contract.refresh_from_db()
    assert contract.status == "active" and len(mail.outbox) == 2
    with pytest.raises(services.InvalidTransition):
        services.contract_lift_suspension(contract=contract)
    assert list(
        ContractEvent.objects.filter(contract=contract).values_list("to_status", flat=True)
    )[-2:] == ["suspended", "active"]


# ACC-6 — no traffic for 6 months since the last call: flagged once, customer told; traffic
# clears the flag. 31/03 + 6 calendar months = 30/09 (clamped to September's end).
def test_inactivity(tenant, django_capture_on_commit_callbacks):
    contract = contract_for(
        tenant.client, "platform", signed=date(2025, 1, 1), start=date(2025, 1, 1)
    )
    services.contract_record_traffic(contract=contract, day=date(2026, 3, 31))
    assert services.contracts_flag_inactive(today=date(2026, 9, 29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.contracts_flag_inactive(today=date(2026, 9, 30)) == 1
    assert services.contracts_flag_inactive(today=date(2026, 10, 1)) == 0
    contract.refresh_from_db()
    assert contract.inactive_flagged_on == date(2026, 9, 30) and len(mail.outbox) == 1
    services.contract_record_traffic(contract=contract, day=date(2026, 10, 5))
    contract.refresh_from_db()
    assert contract.inactive_flagged_on is None


def test_status_choices_complete():
    assert ContractStatus.values == [
        "draft",
        "ordered",
        "active",
        "suspended",
        "terminating",
        "terminated",
    ]
