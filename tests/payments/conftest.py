from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from billing import services as billing
from billing.models import Invoice
from payments import services
from tests.factories import ClientFactory, MembershipFactory, SiteFactory


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.BILLING_RENDER_PDF = False


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in English here (the pages, in French, are tested by the
    view and browser tests; e-mails follow each member's language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def ecb(db):
    services.ecb_rate_set(effective_on=date(2026, 1, 1), rate="2.40")
    services.ecb_rate_set(effective_on=date(2026, 7, 1), rate="2.15")


def direct_customer(**kwargs):
    """A customer billed by the reseller itself (no partner), with a site and a billing user."""
    client = ClientFactory(**kwargs)
    SiteFactory(client=client)
    MembershipFactory(client=client, role="admin")
    MembershipFactory(client=client, role="billing")
    return client


def issue_invoice(client, net, *, month=date(2026, 9, 1), source="setup") -> Invoice:
    """An invoice of ``net`` € HT (20 % VAT) issued by the run of ``month`` (dated its last
    day, due 30 days later)."""
    billing.charge_post(
        client=client,
        kind="setup",
        source_type="test",
        source_id=f"{client.pk}-{source}",
        period_start=month,
        description="Installation",
        unit_price=Decimal(net),
    )
    billing.run_month_sync(month=month)
    return Invoice.objects.get(client=client, month=month, kind="invoice")
