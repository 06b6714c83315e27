"""The call-detail annex of an invoice lists exactly the calls its consumption lines billed, even
when the month's last CDR file arrives during the run (BIL-1, BIL-3, "late records")."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.choices import BillingMode, Role
from billing import services as billing
from billing.models import Invoice, InvoiceLine
from billing.services.runs import started_token
from kernel.money import round_money
from tests.usage import core_helpers as core
from tests.usage.money_helpers import NOV, OCT

pytestmark = pytest.mark.django_db


def utc(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _csv(web, url, params=None):
    body = web.get(url, params or {}).content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body), delimiter=";"))


def _cost(rows):
    return sum((Decimal(r["Coût (€ HT)"].replace(",", ".")) for r in rows), Decimal(0))


def _consumption(invoice):
    return list(InvoiceLine.objects.filter(invoice=invoice, kind="consumption"))


# BIL-1 / BIL-3 (the reviewer's case, issue 15 "late records") — a PLATFORM contract's two
# mobile calls of October, France mobile 0.0450 €/min per second: 61 s × 0.045 / 60 = 0.04575 →
# 0.0458 € each. The first (20 October) is in when October's run posts the consumption in its
# preparing step; the second (31 October, 22:00 Paris: the month's last daily file) is imported
# after that posting but before the buyer's invoice is issued (the run's batches come later).
#   October's invoice bills what was posted: one line round(0.0458) = 0.05 € — "1 appel".
#   Its annex must list that one call (0.0458 €, which rounds to the line's 0.05 €); before the
#   fix it listed both (2 × 0.0458 €), the second not billed by it.
#   The second call was rated after October's consumption was posted: it is a late record
#   (« Reçu après facturation » = 1), billed by November's run on its own line:
#   round(0.0458 + 0.0458) − 0.05 = 0.09 − 0.05 = 0.04 € « …, reçues après facturation ».
#   November's annex must list it (before the fix: nothing), under the heading of the line that
#   billed it (« Communications de 10/2026, reçues après facturation »), beside November's own
#   call (fixed France 0.0120 €/min, 100 s = 0.0200 € → line 0.02 €, « Communications de
#   11/2026 »).
#   Each annex adds up to its invoice's consumption lines: October 0.0458 → 0.05 €; the key's
#   lines are rounded once over both invoices (USE-2): 0.0458 + 0.0458 = 0.0916 → 0.09 € =
#   0.05 + 0.04; November's own 0.0200 → 0.02 €.
def test_call_imported_during_the_run_is_on_the_annex_of_the_invoice_that_bills_it(
    as_role, tenant, imported
):
    client = tenant.client
    client.partner.billing_mode = BillingMode.RESELLER_BILLED
    client.partner.save(update_fields=["billing_mode"])
    plat = core.platform(client)
    imported([core.row(plat, "+33611111111", start=utc(10, 20, 9), duration=61)])

    run, parties = billing.run_start(month=OCT)  # the preparing step posts the consumption
    imported([core.row(plat, "+33622222222", start=utc(10, 31, 21), duration=61)])
    for batch in billing.batches(parties):
        billing.run_batch(run_id=run.pk, parties=batch, started=started_token(run))
    billing.run_finish(run_id=run.pk)

    web = as_role(Role.BILLING)
    october = Invoice.objects.get(client=client, month=OCT, kind="invoice", purpose="regular")
    [line] = _consumption(october)
    assert line.net_amount == Decimal("0.05") and "1 appel" in line.description
    annex = _csv(web, reverse("usage:invoice_annex", args=[october.pk]))
    assert [r["Numéro appelé"] for r in annex] == ["+33611111111"]
    assert _cost(annex) == Decimal("0.0458")
    assert round_money(_cost(annex)) == line.net_amount
    calls = _csv(web, reverse("usage:calls_csv"), {"month": "2026-10"})
    late = {r["Numéro appelé"]: r["Reçu après facturation (1/0)"] for r in calls}
    assert late == {"+33611111111": "0", "+33622222222": "1"}

    imported([core.row(plat, "+33140000004", start=utc(11, 4, 9), duration=100)])
    billing.run_month_sync(month=NOV)
    november = Invoice.objects.get(client=client, month=NOV, kind="invoice", purpose="regular")
    lines = {line.period_start: line for line in _consumption(november)}
    assert lines[OCT].net_amount == Decimal("0.04")
    assert "reçues après facturation" in lines[OCT].description
    assert lines[NOV].net_amount == Decimal("0.02")
    annexed = _csv(web, reverse("usage:invoice_annex", args=[november.pk]))
    assert [(r["Numéro appelé"], r["Facturé sous la rubrique"]) for r in annexed] == [
        ("+33140000004", "Communications de 11/2026"),
        ("+33622222222", "Communications de 10/2026, reçues après facturation"),
    ]
    assert _cost(annexed) == Decimal("0.0658")
    # the October key, over both invoices: its calls rounded once = its lines
    assert round_money(_cost(annex) + Decimal("0.0458")) == line.net_amount + lines[OCT].net_amount
    own = [r for r in annexed if r["Facturé sous la rubrique"] == "Communications de 11/2026"]
    assert round_money(_cost(own)) == lines[NOV].net_amount


# BIL-3 / USE-4 (HOSTED-W 6.1 « plus de trois appels simultanés »: the month billed per minute)
# — a breach found while the run is issuing: a HOSTED-W user's three calls of 5 October (French
# fixed, 61 s, included: 0 €) are in when October's run posts the consumption (nothing to bill);
# the month's last file, imported after that posting but before the invoice is issued, holds
# four calls at once on 20 October (61 s each): a breach, so the whole month is billed per
# minute, 7 × 120 s × 0.0120 / 60 = 7 × 0.0240 = 0.1680 €.
#   October's invoice bills no call (posted at 0 €): its annex lists none — it listed the three
#   calls of 5 October at 0.0240 € each, billed by no line of it.
#   November's run bills October's 0.1680 → 0.17 € « …, reçues après facturation »: its annex
#   lists the seven calls (0.1680 €) — it listed the four late ones only (0.0960 €).
def test_breach_found_during_the_run_is_on_the_annex_of_the_invoice_that_bills_it(
    as_role, tenant, imported
):
    client = tenant.client
    client.partner.billing_mode = BillingMode.RESELLER_BILLED
    client.partner.save(update_fields=["billing_mode"])
    sip = core.account("hosted-w", client=client)
    imported(
        [core.row(sip, f"+3314000000{i}", start=utc(10, 5, 9 + i), duration=61) for i in range(3)]
    )

    run, parties = billing.run_start(month=OCT)  # posts October's consumption: 0 €
    imported(
        [core.row(sip, f"+3315000000{i}", start=utc(10, 20, 9), duration=61) for i in range(4)]
    )
    for batch in billing.batches(parties):
        billing.run_batch(run_id=run.pk, parties=batch, started=started_token(run))
    billing.run_finish(run_id=run.pk)

    web = as_role(Role.BILLING)
    october = Invoice.objects.get(client=client, month=OCT, kind="invoice", purpose="regular")
    assert _consumption(october) == []
    assert _csv(web, reverse("usage:invoice_annex", args=[october.pk])) == []

    billing.run_month_sync(month=NOV)
    november = Invoice.objects.get(client=client, month=NOV, kind="invoice", purpose="regular")
    [line] = _consumption(november)
    assert (line.period_start, line.net_amount) == (OCT, Decimal("0.17"))
    annexed = _csv(web, reverse("usage:invoice_annex", args=[november.pk]))
    assert len(annexed) == 7
    assert _cost(annexed) == Decimal("0.1680")
    assert round_money(_cost(annexed)) == line.net_amount
