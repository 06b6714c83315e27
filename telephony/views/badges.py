"""The badge (CSS classes) shown next to an order's or a trunk's / SIP account's status."""

from telephony.choices import OrderStatus, SipStatus

ORDER_BADGES = {
    OrderStatus.QUOTED: "badge",
    OrderStatus.AWAITING_PAYMENT: "badge",
    OrderStatus.PAID: "badge ok",
    OrderStatus.ACTIVE: "badge ok",
    OrderStatus.CANCELLED: "badge off",
    OrderStatus.EXPIRED: "badge off",
}
SIP_BADGES = {
    SipStatus.ACTIVE: "badge ok",
    SipStatus.DISABLED: "badge alert",
    SipStatus.SUSPENDED: "badge alert",
    SipStatus.CLOSED: "badge off",
}
