"""Audit cases of usage against the contracts and docs/rules.md §4 (USE-1..8, BIL-3), amounts
computed by hand.

Seeded grid (usage migration 0004), € HT per minute: France fixed 0.0120 1/1."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import Invoice
from tests.usage.core_helpers import account, at, row, run_import, seconds
from usage.models import CallRecord
from usage.services import annexes

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# BIL-3 / USE-3 (docs/rules.md: "The issued invoice itself never changes, nor does its annex …
# a late record that moves the month's slots changes the calls … but not the annex of an
# issued invoice"). A SIP-UNL user calls 99 distinct French fixed numbers on 2 October, 60 s
# each: all included, 0 €. October's invoice (1 November) bills no call: its annex lists none.
# A late record then arrives: a call of 1 October to a new fixed number (60 s) takes slot 1 and
# pushes +33 1 40 00 00 98 to the 100th place: billed per second, 60 × 0.0120 / 60 = 0.0120 €,
# by November's run (not by October's invoice). October's annex must still list no call; it
# listed that 0.0120 € call (an annex found empty at issue was not kept, and was read again
# from the calls as they are now).
def test_bil3_annex_of_an_invoice_that_billed_no_call_stays_empty_after_a_late_record():
    sip = account("sip-unl")
    client = sip.contract.client
    run_import([row(sip, f"+3314{n:07d}", start=at(2, 8) + seconds(60 * n)) for n in range(99)])
    billing.run_month_sync(month=OCT)
    october = Invoice.objects.get(client=client, month=OCT, kind="invoice", purpose="regular")
    assert list(annexes.annex_rows(october)) == []

    run_import([row(sip, "+33150000500", start=at(1, 9), duration=60)])

    shifted = CallRecord.objects.get(called="+33140000098")
    assert (shifted.slot, shifted.cost) == (100, Decimal("0.0120"))
    assert list(annexes.annex_rows(october)) == []
