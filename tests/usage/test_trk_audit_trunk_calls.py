"""TRK-6 / USE-1 on a SIP trunk: every destination group blocked mid-month, then one unblocked;
the emergency numbers stay reachable and free."""

from datetime import UTC, datetime

import pytest
import time_machine

from billing import services as billing
from telephony import services as telephony
from telephony.models import DestinationGroup
from tests.telephony.factories import customer, make_trunk
from tests.usage import core_helpers as core
from usage.models import CallRecord

pytestmark = pytest.mark.django_db
EMERGENCY = ["15", "17", "18", "112", "114", "115", "119", "191", "196", "197"]


# TRK-6 (TRUNK 5) / USE-1 — a trunk (from 1 October 2026) whose customer blocks every
# destination group on 5 October, then unblocks « France — mobiles » on 15 October at 12:00 UTC.
# Calls of 60 s from the trunk: on 10 October to the ten emergency numbers and to a French
# mobile; on 15 October at 13:00 to the same mobile. The emergency calls are carried (never
# blocked) and cost 0; the mobile call of 10 October stays refused (blocked then, never
# billed); the one of 15 October is billed at the mobile tariff, 60 s × 0.0450 €/min = 0.0450.
# October's invoice: one consumption line of 0.05 € HT (0.0450 rounded once, half-up).
def test_trk6_trunk_emergency_numbers_free_with_every_group_blocked(imported):
    core.seed()
    trunk = make_trunk(customer(), channels=4)
    mobiles = DestinationGroup.objects.get(code="fr-mobile")
    with time_machine.travel(datetime(2026, 10, 5, 9, tzinfo=UTC), tick=False):
        for group in DestinationGroup.objects.all():
            telephony.destination_block(owner=trunk, group=group)
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=UTC), tick=False):
        telephony.destination_unblock(owner=trunk, group=mobiles)
    with time_machine.travel(datetime(2026, 10, 16, 9, tzinfo=UTC), tick=False):
        imported(
            [core.row(trunk, number, start=core.at(10, 9)) for number in EMERGENCY]
            + [
                core.row(trunk, "0612340001", start=core.at(10, 10)),
                core.row(trunk, "0612340002", start=core.at(15, 13)),
            ]
        )
    calls = {c.called: c for c in CallRecord.objects.filter(trunk=trunk)}
    for number in EMERGENCY:
        assert (calls[number].blocked, calls[number].cost) == (False, 0), number
    assert calls["+33612340001"].blocked
    assert not calls["+33612340002"].blocked
    assert str(calls["+33612340002"].cost) == "0.0450"
    billing.run_month_sync(month=core.OCT)
    invoice = trunk.contract.client.invoices.get(month=core.OCT, kind="invoice")
    assert [str(line.net_amount) for line in invoice.lines.filter(kind="consumption")] == ["0.05"]
