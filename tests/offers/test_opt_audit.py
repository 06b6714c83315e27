"""Independent audit of the PLATFORM options (OPT, PLATFORM 28): NRC and MRC on the first
invoice, CAPS lots, an on-quote price entered for the contract."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services as billing
from billing.models import Invoice
from offers import services as offers
from offers.models import Offer, Product
from offers.services.contracts import LineRequest
from tests.telephony.factories import customer

pytestmark = pytest.mark.django_db


def _platform(client, **kw):
    offer = Offer.objects.get(code="platform")
    p = {x.code: x for x in Product.objects.filter(code__startswith="opt-")}
    contract = offers.contract_create(
        client=client,
        offer=offer,
        site=client.sites.first(),
        signature_date=date(2026, 10, 1),
        order_date=date(2026, 10, 1),
        options=[
            LineRequest(p["opt-direct-interconnection"], 1),
            LineRequest(p["opt-caps"], 2),
            LineRequest(
                p["opt-short-number"], 1, unit_monthly_price="80.00", unit_setup_price="200.00"
            ),
            LineRequest(p["opt-number-range-hosting"], 3),
        ],
    )
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=date(2026, 10, 12))
    return contract


# OPT — service from 2026-10-12 (20 days of 31 in October), the run of October bills:
#  subscription 150 × 20/31 = 96.7742 -> 96.77, November 150.00;
#  direct interconnection NRC 1 000.00, 250 × 20/31 = 161.2903 -> 161.29, November 250.00;
#  CAPS 2 lots: no NRC line (0 €), 2 × 150 × 20/31 = 193.5484 -> 193.55, November 300.00;
#  short number on quote: NRC 200.00, 80 × 20/31 = 51.6129 -> 51.61, November 80.00;
#  number range hosting 3 ranges: NRC 3 × 1 500 = 4 500.00, 3 × 400 × 20/31 = 774.1935 ->
#  774.19, November 1 200.00 (no degressive scale in the contract: owner decision).
def test_opt_first_invoice_nrc_and_mrc():
    client = customer()
    _platform(client)
    billing.run_month_sync(month=date(2026, 10, 1))
    invoice = Invoice.objects.get(client=client, month=date(2026, 10, 1))
    nets = sorted(line.net_amount for line in invoice.lines.all())
    expected = sorted(
        Decimal(x)
        for x in [
            "96.77", "150.00", "1000.00", "161.29", "250.00", "193.55", "300.00",
            "200.00", "51.61", "80.00", "4500.00", "774.19", "1200.00",
        ]
    )  # fmt: skip
    assert nets == expected
