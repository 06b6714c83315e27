"""Reads of the offers domain that depend on who asks: every one starts from the customer."""

from datetime import timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Client
from offers.choices import LIVE_STATUSES, QuantityChangeStatus, TerminationStatus
from offers.models import Contract, ContractLine, LineQuantityChange, Suspension, Termination

# PLATFORM 28: how long the dashboard shows our decision on an increase asked
DECISION_NEWS_DAYS = 30
DECISIONS_SHOWN = 3


def contract_list(*, client: Client) -> QuerySet[Contract]:
    """The customer's contracts, newest signature first, with what a list row shows (offer,
    site, lines and their products, the scheduled termination as ``scheduled_terminations``,
    CON-4) fetched in a fixed number of queries."""
    return (
        Contract.objects.filter(client=client)
        .select_related("offer", "site")
        .prefetch_related(
            Prefetch("lines", queryset=ContractLine.objects.select_related("product")),
            Prefetch(
                "terminations",
                queryset=Termination.objects.filter(status=TerminationStatus.SCHEDULED),
                to_attr="scheduled_terminations",
            ),
        )
        .order_by("-signature_date", "-pk")
    )


def contract_live_count(*, client: Client) -> int:
    """How many of the customer's contracts are in service (CON-8: suspended ones included)."""
    return Contract.objects.filter(client=client, status__in=LIVE_STATUSES).count()


def quantity_decisions(*, client: Client) -> list[LineQuantityChange]:
    """The dashboard's news (PLATFORM 28 / 7.2.1): our latest decisions on the customer's
    increases asked — accepted or refused — of the last 30 days, newest first. One query."""
    since = timezone.now() - timedelta(days=DECISION_NEWS_DAYS)
    return list(
        LineQuantityChange.objects.filter(contract__client=client, decided_at__gte=since)
        .select_related("contract", "line__product")
        .order_by("-decided_at", "-pk")[:DECISIONS_SHOWN]
    )


def increases_awaiting(*, contract: Contract) -> list[LineQuantityChange]:
    """PLATFORM 28 / 7.2.1: the contract's increases awaiting our acceptance, with their
    products (a termination confirmed refuses them, CON-4: its quote page says so). One
    query."""
    return list(
        contract.quantity_changes.filter(status=QuantityChangeStatus.REQUESTED)
        .select_related("line__product")
        .order_by("pk")
    )


def contract_get(*, client: Client, pk: int) -> Contract:
    """One contract of the customer, as ``contract_list`` gives it plus its open suspension
    (``open_suspensions``, CON-8). Another customer's contract does not exist for this customer:
    Http404."""
    queryset = contract_list(client=client).prefetch_related(
        Prefetch(
            "suspensions",
            queryset=Suspension.objects.filter(lifted_at__isnull=True),
            to_attr="open_suspensions",
        ),
    )
    try:
        return queryset.get(pk=pk)
    except Contract.DoesNotExist as error:
        raise Http404("No such contract.") from error


def termination_scheduled_get(*, client: Client, contract_pk: int) -> Termination:
    """The scheduled termination of one of the customer's contracts (CON-4), or Http404."""
    termination = (
        Termination.objects.filter(
            contract__client=client,
            contract__pk=contract_pk,
            status=TerminationStatus.SCHEDULED,
        )
        .select_related("contract")
        .first()
    )
    if termination is None:
        raise Http404("No scheduled termination.")
    return termination
