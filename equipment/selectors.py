"""Reads that depend on who asks: every one starts from the customer (portal) — another
customer's item, RMA or return does not exist (404)."""

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import Http404

from billing.models import Invoice, PendingCharge
from equipment.choices import UNSETTLED_OUTCOMES, WITH_CUSTOMER, ReturnStatus, Tenure
from equipment.models import EquipmentRequest, EquipmentReturn, Item, ItemEvent, ReturnItem, Rma
from payments.invoice_states import invoice_states


def items_for_client(client):
    """The customer's items at its sites (shipped or delivered), by site then model; an item
    to send back (EQP-5) carries its open return's ``due_back_on``, ``due_back_pk`` and
    ``due_back_reference`` (else None), in the same query."""
    expected = ReturnItem.objects.filter(
        item=OuterRef("pk"),
        outcome__in=UNSETTLED_OUTCOMES,
        equipment_return__client=client,
        equipment_return__status=ReturnStatus.OPEN,
    ).order_by("equipment_return__due_date")
    return (
        Item.objects.filter(client=client, state__in=WITH_CUSTOMER)
        .select_related("model", "site", "order__contract", "order__charge__invoice_line")
        .annotate(
            due_back_on=Subquery(expected.values("equipment_return__due_date")[:1]),
            due_back_pk=Subquery(expected.values("equipment_return_id")[:1]),
            due_back_reference=Subquery(expected.values("equipment_return__reference")[:1]),
        )
        .order_by(F("site__name").asc(nulls_last=True), "model__name", "serial_number")
    )


def supplied_macs(client_ids) -> dict[int, set[str]]:
    """The MAC addresses of the items the reseller supplied to each customer (shipped or
    delivered, sold or rented), by customer id: those with it now, and those that were with it
    and have come back since (RMA, return, swap) — ours in its hands while they were there."""
    found: dict[int, set[str]] = {}
    client_ids = list(client_ids)
    items = Item.objects.filter(
        client_id__in=client_ids, state__in=WITH_CUSTOMER, mac_address__isnull=False
    )
    for client_id, mac in items.values_list("client_id", "mac_address"):
        found.setdefault(client_id, set()).add(mac)
    moves = ItemEvent.objects.filter(
        client_id__in=client_ids, to_state__in=WITH_CUSTOMER, item__mac_address__isnull=False
    )
    for client_id, mac in moves.values_list("client_id", "item__mac_address"):
        found.setdefault(client_id, set()).add(mac)
    return found


def item_get(*, client, pk: int) -> Item:
    try:
        return items_for_client(client).get(pk=pk)
    except Item.DoesNotExist as error:
        raise Http404("No such item.") from error


def title_retained(items) -> dict[int, bool]:
    """EQP-2: for each sold item, whether the reseller still owns it — its sale not yet
    invoiced, or its invoice not fully paid (``payments.invoice_states``). Rented items: never
    the customer's (not listed)."""
    charges: dict[int, PendingCharge] = {}
    for item in items:
        if item.order_id and item.order.tenure == Tenure.SALE and item.order.charge_id:
            charges[item.pk] = item.order.charge
    invoices = {
        charge.invoice_line.invoice_id
        for charge in charges.values()
        if charge.invoice_line_id is not None
    }
    states = {}
    if invoices:
        states = invoice_states(list(Invoice.objects.filter(pk__in=invoices)))
    retained = {}
    for item_id, charge in charges.items():
        if charge.invoice_line_id is None:
            retained[item_id] = True
        else:
            state = states.get(charge.invoice_line.invoice_id)
            retained[item_id] = state is None or state.open > 0
    return retained


def rmas_for_client(client):
    return (
        Rma.objects.filter(client=client)
        .select_related("item__model", "item__site", "replacement", "equipment_return")
        .order_by("-reported_at", "-pk")
    )


def rma_get(*, client, pk: int) -> Rma:
    try:
        return rmas_for_client(client).prefetch_related("photos").get(pk=pk)
    except Rma.DoesNotExist as error:
        raise Http404("No such RMA.") from error


def returns_for_client(client):
    return (
        EquipmentReturn.objects.filter(client=client)
        .select_related("contract", "rma")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnItem.objects.select_related("item__model", "charge"))
        )
        .order_by("-created_at", "-pk")
    )


def return_get(*, client, pk: int) -> EquipmentReturn:
    try:
        return returns_for_client(client).get(pk=pk)
    except EquipmentReturn.DoesNotExist as error:
        raise Http404("No such return.") from error


def requests_for_client(client):
    return (
        EquipmentRequest.objects.filter(client=client)
        .select_related("model", "site", "order")
        .order_by("-created_at", "-pk")
    )
