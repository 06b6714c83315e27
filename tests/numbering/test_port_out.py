"""NUM-4: a number leaving for another operator ends its part of the contract at the porting date:
the last number of a HOSTED-W contract ported out terminates the contract on that date under
CON-5 (remaining months of the initial period at the monthly fees), billed on the next invoice."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine

from billing import services as billing
from billing.models import InvoiceLine
from kernel.clock import PARIS
from numbering import services
from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_apply, port_out_notice
from offers.choices import TerminationReason
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import reseller_billed

pytestmark = pytest.mark.django_db
HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


@pytest.fixture
def hosted_w(partner):
    services.import_ranges(content=(HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode())
    client = reseller_billed(ClientFactory(partner=partner))
    SiteFactory(client=client, insee_code="75056")
    with time_machine.travel(date(2026, 6, 10)):
        contract = make_contract(
            client,
            "hosted-w",
            quantity=2,
            signature=date(2026, 6, 10),
            service_start=date(2026, 6, 15),
        )
        services.assign_numbers(
            client=client, numbers=["0172700001", "0172700002"], contract=contract
        )
    return contract


@pytest.fixture
def trunk_two_numbers():
    """A trunk of 8 channels (2 × 4-pack, 34.00 € HT a month) from 1 October 2026 with
    01 72 70 00 01 and 00 02 (1.00 € HT a month each) from 2 October."""
    from tests.telephony.factories import make_trunk

    services.import_ranges(content=(HEADER + "1;0172700000;0172700009;X;;;PARIS\n").encode())
    client = ClientFactory()
    SiteFactory(client=client, insee_code="75056")
    trunk = make_trunk(client, channels=8, start=date(2026, 10, 1))
    with time_machine.travel(date(2026, 10, 2)):
        services.assign_numbers(
            client=client, numbers=["0172700001", "0172700002"], contract=trunk.contract
        )
    return trunk


def test_last_number_ported_out_terminates_with_con5_fee(hosted_w):
    # NUM-4 / CON-5: the first number leaves, the contract stays; the last one ends it.
    with time_machine.travel(date(2026, 10, 5)):
        first, termination = port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
        assert termination is None
        last, termination = port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
    assert termination.reason == TerminationReason.PORT_OUT
    assert termination.effective_date == date(2026, 10, 20)
    # HOSTED-W 8.1: every remaining month of the 12-month initial period from the order
    # (10 June 2026 → 9 June 2027), a part of a month counting whole, at 2 × 14.90 € HT.
    # Fee start 20 October 2026: 20 Oct → 19 Nov … 20 May → 9 June 2027 = 8 months.
    assert termination.fee_amount == Decimal("29.80") * 8
    assert PhoneNumber.objects.get(e164="+33172700002").state == NumberState.ASSIGNED
    assert port_out_apply(number_id=last.pk, today=date(2026, 10, 19)) is False
    assert port_out_apply(number_id=last.pk, today=date(2026, 10, 20)) is True
    assert port_out_apply(number_id=last.pk, today=date(2026, 10, 21)) is False  # once
    assert PhoneNumber.objects.get(e164="+33172700002").state == NumberState.PORTED_OUT
    # The next invoice (the October run) carries the fee once.
    with time_machine.travel(date(2026, 11, 1)):
        billing.run_month_sync(month=date(2026, 10, 1))
    fee_lines = InvoiceLine.objects.filter(invoice__client=hosted_w.client, kind="termination_fee")
    assert [line.net_amount for line in fee_lines] == [Decimal("238.40")]


def test_port_out_of_an_unknown_or_free_number_refused(hosted_w):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        port_out_notice(number="0172700009", porting_date=date(2026, 10, 20))  # in the pool
    with pytest.raises(ValidationError):
        port_out_notice(number="0612345678", porting_date=date(2026, 10, 20))  # not ours


def test_daily_job_applies_port_outs_and_ends_quarantines(hosted_w):
    # NUM-2 / NUM-4: the daily job, run twice, does each thing once.
    from numbering.tasks import daily

    with time_machine.travel(date(2026, 10, 5)):
        port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
        (released,) = services.assign_numbers(
            client=hosted_w.client, numbers=["0172700005"], contract=hosted_w
        )
        services.release_numbers(client=hosted_w.client, numbers=[released])
    with time_machine.travel(date(2027, 1, 10)):
        assert daily() == {"back_to_pool": 1, "ported_out": 1}
        assert daily() == {"back_to_pool": 0, "ported_out": 0}
    assert PhoneNumber.objects.get(e164="+33172700001").state == NumberState.PORTED_OUT
    assert PhoneNumber.objects.get(e164="+33172700005").state == NumberState.AVAILABLE


def test_porting_day_in_the_beat_order_ports_out_never_quarantines(hosted_w):
    # NUM-4 / CON-4: both numbers leave on 20 October, which ends the contract that day. On the
    # porting day beat runs the terminations at 00:10, then the numbering job at 00:20: the
    # contract's end must not release the leaving numbers to quarantine (then the pool, for
    # another customer, while they live at the other operator); they leave by the port-out.
    from numbering.tasks import daily
    from offers.tasks import apply_termination_batch

    with time_machine.travel(date(2026, 10, 5)):
        port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
        _row, termination = port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
    with time_machine.travel(datetime(2026, 10, 20, 0, 10, tzinfo=PARIS), tick=False):
        assert apply_termination_batch([termination.pk], "2026-10-20") == 1
    with time_machine.travel(datetime(2026, 10, 20, 0, 20, tzinfo=PARIS), tick=False):
        assert daily() == {"back_to_pool": 0, "ported_out": 2}
    states = dict(PhoneNumber.objects.values_list("e164", "state"))
    assert states["+33172700001"] == states["+33172700002"] == NumberState.PORTED_OUT
    # 90 days on, nothing comes back to the pool.
    with time_machine.travel(date(2027, 1, 20)):
        assert daily() == {"back_to_pool": 0, "ported_out": 0}


def test_daily_job_goes_on_after_a_failing_port_out(hosted_w, monkeypatch, caplog):
    # NUM-2 / NUM-4: a failure in the middle of the daily job (the first port-out of the day
    # cannot be applied): logged, the other port-out and the quarantines ended are still done
    # that day; the failing number is tried again the next day. Before, the error stopped the
    # job, every day, for every number behind it and for every quarantine.
    from numbering import tasks

    with time_machine.travel(date(2026, 10, 5)):
        first, _termination = port_out_notice(number="0172700001", porting_date=date(2026, 10, 20))
        port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
        (released,) = services.assign_numbers(
            client=hosted_w.client, numbers=["0172700005"], contract=hosted_w
        )
        services.release_numbers(client=hosted_w.client, numbers=[released])
    apply = tasks.port_out_apply

    def failing(*, number_id, **kwargs):
        if number_id == first.pk:
            raise RuntimeError("upstream refused")
        return apply(number_id=number_id, **kwargs)

    monkeypatch.setattr(tasks, "port_out_apply", failing)
    with time_machine.travel(date(2027, 1, 10)):
        assert tasks.daily() == {"back_to_pool": 1, "ported_out": 1}
    assert f"port-out of number {first.pk} could not be applied" in caplog.text
    states = dict(PhoneNumber.objects.values_list("e164", "state"))
    assert states["+33172700001"] == NumberState.ASSIGNED  # tried again the next day
    assert states["+33172700002"] == NumberState.PORTED_OUT
    assert states["+33172700005"] == NumberState.AVAILABLE
    monkeypatch.setattr(tasks, "port_out_apply", apply)
    with time_machine.travel(date(2027, 1, 11)):
        assert tasks.daily() == {"back_to_pool": 0, "ported_out": 1}
