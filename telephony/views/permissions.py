"""ACC-2: the membership permissions the telephony pages that change something need."""

# ACC-2: SIP accounts, credentials and destination blocking (admin and technical roles).
WRITE = "technical"
# ACC-2 / TRK-3 / TRK-4: orders that cost money, i.e. channel orders and decreases and their
# cancellation (admin role only). The technical role may still ask for a quote.
ORDER = "order"
# ACC-2 / TRK-3: paying an order (admin and billing roles).
PAY = "billing"


def can_quote(membership) -> bool:
    """ACC-2: who sees the channel change form and its live quote (admin and technical)."""
    return membership.can(ORDER) or membership.can(WRITE)
