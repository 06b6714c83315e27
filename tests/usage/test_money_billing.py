"""Rated calls become invoice lines (USE-2..4, BIL-1, CON-7, USE-8): one line per (contract,
month, destination class), rounded once, half-up; late records on the next run; trial traffic
never invoiced; a prepaid customer's lines already paid."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.choices import PaymentMethod
from billing import services as billing
from billing.models import Invoice, InvoicePurpose, PendingCharge
from telephony.models import SipAccount
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_sip_account
from tests.usage.money_helpers import NOV, OCT, at, call
from usage import selectors
from usage.services.billing import post_consumption
from usage.services.rollup import rollup_refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def platform(client):
    return make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )


def consumption_lines(client, month):
    invoice = Invoice.objects.get(client=client, month=month, purpose=InvoicePurpose.REGULAR)
    return invoice, sorted(
        (line.description, line.net_amount)
        for line in invoice.lines.filter(kind="consumption").order_by("position")
    )


# USE-2 / BIL-1 — October's calls of one contract:
#   mobiles France 0.1234 + 0.2345 + 0.0016 = 0.3595 → one line 0.36 (rounded once; rounding
#   each call would give 0.12 + 0.23 + 0.00 = 0.35);
#   fixed United Kingdom 1.0050 → 1.01 (half-up);
#   fixed France included (cost 0) → no line; a trial call (CON-7, 5.0000) and a blocked call
#   (TRK-6, 3.0000) → nothing; a November call → not on October's run.
def test_use2_one_line_per_contract_month_and_class_rounded_once():
    client = customer()
    contract = platform(client)
    for cost in ("0.1234", "0.2345", "0.0016"):
        call(client, contract=contract, cost=cost, line_type="mobile", called="+33612345678")
    call(client, contract=contract, cost="1.0050", country="GB", called="+442079460000")
    call(client, contract=contract, cost="0", list_cost="0.0200", included=True)
    call(client, contract=contract, cost="5.0000", line_type="mobile", trial=True)
    call(client, contract=contract, cost="3.0000", line_type="mobile", blocked=True)
    call(client, contract=contract, cost="9.0000", started_at=at(3, month=NOV))

    billing.run_month_sync(month=OCT)

    invoice, lines = consumption_lines(client, OCT)
    assert sorted(amount for _d, amount in lines) == [Decimal("0.36"), Decimal("1.01")]
    assert all("10/2026" in description for description, _a in lines)
    charges = PendingCharge.objects.filter(source_type="usage", client=client)
    assert sorted(c.unit_price for c in charges) == [Decimal("0.3595"), Decimal("1.0050")]
    assert all(c.contract_id == contract.pk for c in charges)
    # Running again posts nothing more.
    assert post_consumption(month=OCT) == []


# BIL-1 (records arriving later go on the next run) — a call of October recorded after
# October's invoice (mobile, 2.5000) is billed by November's run on its own line naming
# October, 2.50; October's issued invoice is not touched; November's own call (0.4000) has its
# line 0.40. BIL-3: each invoice's call-detail annex lists the calls it billed — October's the
# 1.0000 call only, November's its own call and the late one.
def test_late_record_billed_by_the_next_run_never_editing_the_issued_invoice():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="1.0000", line_type="mobile")
    billing.run_month_sync(month=OCT)
    october, before = consumption_lines(client, OCT)
    assert [a for _d, a in before] == [Decimal("1.00")]

    call(client, contract=contract, cost="2.5000", line_type="mobile", late=True)  # late record
    call(client, contract=contract, cost="0.4000", started_at=at(4, month=NOV))
    billing.run_month_sync(month=NOV)

    october.refresh_from_db()
    assert consumption_lines(client, OCT)[1] == before
    _nov, lines = consumption_lines(client, NOV)
    amounts = sorted(a for _d, a in lines)
    assert amounts == [Decimal("0.40"), Decimal("2.50")]
    late = PendingCharge.objects.get(source_type="usage", unit_price=Decimal("2.5000"))
    assert late.period_start == OCT and late.source_id.endswith("#2")
    november = _nov

    def annex(invoice):
        return sorted(c.cost for c in selectors.annex_calls(invoice=invoice))

    assert annex(october) == [Decimal("1.0000")]
    assert annex(november) == [Decimal("0.4000"), Decimal("2.5000")]
    # December's run finds nothing left to bill for October.
    assert post_consumption(month=date(2026, 12, 1)) == []


# CON-7 — trial traffic is rated and shown (list cost 5.00 on the page), never invoiced.
def test_con7_trial_traffic_rated_shown_never_invoiced():
    client = customer()
    contract = platform(client)
    call(client, contract=contract, cost="5.0000", trial=True, line_type="mobile")
    assert post_consumption(month=OCT) == []
    rollup_refresh([(client.pk, OCT)])
    summary = selectors.consumption_summary(client=client, month=OCT)
    assert summary.total.calls == 1
    assert summary.total.trial_cost == Decimal("5.0000")
    assert summary.total.amount == Decimal("0.00")
    # the PLATFORM contract's calls (no SIP account, no trunk) have a name on the page
    with translation.override("fr"):
        summary = selectors.consumption_summary(client=client, month=OCT)
    assert [a.label for a in summary.accounts] == ["Trafic du contrat (sans compte SIP)"]
    # a SIP account is named by its label and username
    account, _secret = make_sip_account(client, offer_code="hosted-w")
    SipAccount.objects.filter(pk=account.pk).update(label="Accueil")
    call(client, contract=account.contract, sip_account=account, cost="1.0000")
    rollup_refresh([(client.pk, OCT)])
    labels = [a.label for a in selectors.consumption_summary(client=client, month=OCT).accounts]
    assert f"Accueil ({account.username})" in labels


# USE-8 / BIL-10 — a prepaid customer's consumption lines are invoiced as already paid.
def test_use8_prepaid_lines_already_paid():
    client = customer(payment_method=PaymentMethod.PREPAID)
    contract = platform(client)
    call(client, contract=contract, cost="10.0000", line_type="mobile")
    (charge,) = post_consumption(month=OCT)
    assert charge.is_paid
    assert charge.unit_price == Decimal("10.0000")
