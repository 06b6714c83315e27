"""Closed lists and the item pipeline of equipment (EQP-1..6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    IP_PHONE = "ip_phone", _("IP phone")
    DECT = "dect", _("DECT base or handset")
    ROUTER = "router", _("Router")
    IAD = "iad", _("IAD")
    OTHER = "other", _("Other")


class ItemState(models.TextChoices):
    """EQP-1: where a physical item is in its life."""

    IN_STOCK = "in_stock", _("In stock")
    SHIPPED = "shipped", _("Shipped")
    AT_CUSTOMER = "at_customer", _("At the customer's")
    RETURNED = "returned", _("Returned")
    REFURBISHED = "refurbished", _("Refurbished")
    SCRAPPED = "scrapped", _("Scrapped")


# EQP-1: the only moves an item can make (``services.items.item_move``); anything else raises
# InvalidTransition. A refurbished item is stock again (shipped like a new one); a scrapped one
# is final.
ITEM_TRANSITIONS: dict[str, set[str]] = {
    ItemState.IN_STOCK: {ItemState.SHIPPED, ItemState.SCRAPPED},
    ItemState.SHIPPED: {ItemState.AT_CUSTOMER, ItemState.RETURNED},
    ItemState.AT_CUSTOMER: {ItemState.RETURNED},
    ItemState.RETURNED: {ItemState.REFURBISHED, ItemState.SCRAPPED},
    ItemState.REFURBISHED: {ItemState.SHIPPED, ItemState.SCRAPPED},
    ItemState.SCRAPPED: set(),
}
# States in which the item is the customer's to look after (listed in the portal).
WITH_CUSTOMER = {ItemState.SHIPPED, ItemState.AT_CUSTOMER}
# States of an item that can be shipped to a customer.
AVAILABLE = {ItemState.IN_STOCK, ItemState.REFURBISHED}


class Tenure(models.TextChoices):
    """EQP-2 / EQP-3: how the customer holds an item."""

    SALE = "sale", _("Sale")
    RENTAL = "rental", _("Rental")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REFUSED = "refused", _("Refused")


class RmaStatus(models.TextChoices):
    """EQP-4: requested → approved (RMA number) → replacement shipped → closed (defective item
    back), or refused with a reason."""

    REQUESTED = "requested", _("Awaiting support's decision")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Replacement shipped")
    REFUSED = "refused", _("Refused")
    CLOSED = "closed", _("Closed")


# EQP-4 / EQP-5: an RMA awaiting its replacement is closed without one when the rental of its
# item ends, or when the item comes back through a return (``RmaClosure``).
RMA_TRANSITIONS: dict[str, set[str]] = {
    RmaStatus.REQUESTED: {RmaStatus.APPROVED, RmaStatus.REFUSED, RmaStatus.CLOSED},
    RmaStatus.APPROVED: {RmaStatus.SHIPPED, RmaStatus.CLOSED},
    RmaStatus.SHIPPED: {RmaStatus.CLOSED},
    RmaStatus.REFUSED: set(),
    RmaStatus.CLOSED: set(),
}
OPEN_RMA_STATUSES = {RmaStatus.REQUESTED, RmaStatus.APPROVED, RmaStatus.SHIPPED}


class RmaRefusal(models.TextChoices):
    """EQP-4 (HOSTED-W 5.5.3): the closed list of reasons to refuse a replacement."""

    WEAR = "wear", _("Normal wear and tear")
    MAINTENANCE = "maintenance", _("Lack of maintenance")
    NEGLIGENCE = "negligence", _("Negligence")
    ABNORMAL_USE = "abnormal_use", _("Abnormal use")
    NOT_COVERED = "not_covered", _("Neither rented nor under warranty")


class RmaClosure(models.TextChoices):
    """EQP-4 / EQP-5: why an RMA was closed without a replacement (empty: closed as usual, the
    defective item back after its replacement shipped)."""

    RENTAL_ENDED = "rental_ended", _("Closed: the rental ended, the item is to be returned")
    ITEM_RETURNED = "item_returned", _("Closed: item returned at the end of the rental")


class ReturnReason(models.TextChoices):
    """EQP-5: why items are expected back."""

    RENTAL_END = "rental_end", _("End of the rental")
    CONTRACT_END = "contract_end", _("End of the contract")
    RMA = "rma", _("Defective item replaced (RMA)")


class ReturnStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the items")
    CLOSED = "closed", _("Closed")


class ReturnOutcome(models.TextChoices):
    """EQP-5 / EQP-6: what became of one item expected back."""

    EXPECTED = "expected", _("Expected")
    RETURNED = "returned", _("Returned in working order")
    AWAITING_DECISION = "awaiting_decision", _("Not returned: awaiting decision")
    BILLED = "billed", _("Not returned: billed")
    REPOSSESSION = "repossession", _("Not returned: repossession at the customer's cost")


# EQP-6: an item returned not working counts as not returned.
UNSETTLED_OUTCOMES = {ReturnOutcome.EXPECTED, ReturnOutcome.AWAITING_DECISION}
