"""Audit of usage money (helper "usage"): cases computed by hand from the contracts that the
other test modules do not show."""

from datetime import UTC, date, datetime

import pytest

from offers import services as offers
from offers.models import Contract
from tests.telephony.factories import customer
from tests.usage import core_helpers as core
from tests.usage.money_helpers import call
from usage.services import inactivity

pytestmark = pytest.mark.django_db


# ACC-6 (PLATFORM 17.3 « une absence totale d'utilisation du Service pendant 6 mois à compter
# de la dernière communication acheminée »; CON-7, PLATFORM 6.2: the free test access comes
# before the service). A PLATFORM contract tested on trial in January 2027 (last test call on
# 15/01/2027), in service from 01/03/2027, no call since. Its six months count from its service
# start, the later of the two: flagged on 01/09/2027, not on 15/07/2027 — it was flagged (and
# its customer told it may be closed) four and a half months after its service began.
def test_acc6_trial_calls_before_the_service_start_do_not_shorten_the_six_months():
    client = customer()
    contract = core.platform(client, start=date(2027, 3, 1))
    call(
        client,
        contract=contract,
        started_at=datetime(2027, 1, 15, 10, tzinfo=UTC),
        cost="0.0450",
        trial=True,
    )
    inactivity.last_traffic_record(client_ids=[client.pk])
    assert Contract.objects.get(pk=contract.pk).last_traffic_on == date(2027, 1, 15)

    assert offers.contracts_flag_inactive(today=date(2027, 7, 15)) == 0
    assert offers.contracts_flag_inactive(today=date(2027, 8, 31)) == 0
    assert Contract.objects.get(pk=contract.pk).inactive_flagged_on is None
    assert offers.contracts_flag_inactive(today=date(2027, 9, 1)) == 1
    assert Contract.objects.get(pk=contract.pk).inactive_flagged_on == date(2027, 9, 1)
