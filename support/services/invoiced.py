"""What was invoiced for a contract (issued invoices only): the base of an SLA credit (SLA-7,
SLA-10) and of the liability cap (SLA-12)."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from billing.choices import ChargeKind, DocumentKind, DocumentStatus
from billing.models import InvoiceLine
from offers.models import Contract


def _invoiced_lines(contract: Contract):
    return InvoiceLine.objects.filter(
        invoice__status=DocumentStatus.ISSUED,
        invoice__kind=DocumentKind.INVOICE,
        contract_reference=contract.reference,
    )


def invoiced_subscriptions(contract: Contract, start: date, end: date) -> Decimal | None:
    """Subscriptions (full months and pro rata) invoiced for the contract for periods starting
    in [start, end); None when nothing was invoiced."""
    return (
        _invoiced_lines(contract)
        .filter(
            kind__in=[ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA],
            period_start__gte=start,
            period_start__lt=end,
        )
        .aggregate(total=Sum("net_amount"))["total"]
    )


def invoiced_consumption(contract: Contract, month: date) -> Decimal:
    """SLA-10: the consumption invoiced for the contract on the invoices of ``month``."""
    total = (
        _invoiced_lines(contract)
        .filter(kind=ChargeKind.CONSUMPTION, invoice__month=month)
        .aggregate(total=Sum("net_amount"))["total"]
    )
    return total or Decimal("0")
