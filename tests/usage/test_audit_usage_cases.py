"""Audit of usage money (helper "usage"): cases computed by hand from the contracts that the
other test modules do not show."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from offers import services as offers
from offers.models import Contract
from tests.telephony.factories import customer
from tests.usage import core_helpers as core
from tests.usage.money_helpers import call
from usage.models import CallRecord
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


def _cost(sip, called) -> Decimal:
    return CallRecord.objects.get(sip_account=sip, called=called).cost


# USE-4 (HOSTED-W 6.1 « Illimité Nationale fixe », HOSTED-A 7 « nationaux fixe en illimité »)
# and the law where the contracts are silent on 08: ARCEP 2012-0856 makes 0806–0809 numbers
# « tarification banalisée » — the call is a normal call to a fixed number, « inclus dans votre
# forfait si votre offre le prévoit » (service-public.fr, « numéro gris »). Seeded grid: that
# class is priced as France fixed, 0.0120 €/min 1/1. Calls of 61 s:
#   HOSTED-W outbound 0806 12 34 56 and forwarded 0809 12 34 56 (fair use): included, 0 (it
#   was billed 61 × 0.0120 / 60 = 0.0122 each);
#   HOSTED-A outbound 0807 12 34 56: included, 0; forwarded 0806 12 34 57: billed as forwarded
#   calls are (HOSTED-A 7 « Les renvois d'appels ne sont pas inclus »): 0.0122;
#   HOSTED-A user with « mobility » credentials (breach): a national fixed call is billed per
#   minute (HOSTED-A 7): 120 × 0.0120 / 60 = 0.0240 (it was 0.0122 at the class's 1/1);
#   SIP-UNL (AMABOO 2 includes 99 *fixed numbers*, not special ones): per second as before,
#   0.0122.
def test_use4_hosted_plans_include_0806_to_0809_as_normal_calls():
    from telephony.models import SipAccount

    hosted_w = core.account("hosted-w")
    hosted_a = core.account("hosted-a")
    mobile_user = core.account("hosted-a")
    SipAccount.objects.filter(pk=mobile_user.pk).update(mobility=True)
    sip_unl = core.account("sip-unl")
    core.run_import(
        [
            core.row(hosted_w, "0806123456", start=core.at(5, 9), duration=61),
            core.row(hosted_w, "0809123456", start=core.at(5, 10), duration=61,
                     call_type="forwarded"),
            core.row(hosted_a, "0807123456", start=core.at(5, 9), duration=61),
            core.row(hosted_a, "0806123457", start=core.at(5, 10), duration=61,
                     call_type="forwarded"),
            core.row(mobile_user, "0806123456", start=core.at(5, 9), duration=61),
            core.row(sip_unl, "0806123456", start=core.at(5, 9), duration=61),
        ]
    )  # fmt: skip
    assert _cost(hosted_w, "+33806123456") == 0
    assert _cost(hosted_w, "+33809123456") == 0
    assert _cost(hosted_a, "+33807123456") == 0
    assert _cost(hosted_a, "+33806123457") == Decimal("0.0122")
    assert _cost(mobile_user, "+33806123456") == Decimal("0.0240")
    assert _cost(sip_unl, "+33806123456") == Decimal("0.0122")
    core.assert_matches_reference()
