"""Who among the customer's contacts is told of a change (``accounts.notifications``)."""

from accounts.choices import Role

MONEY_ROLES = (Role.ADMIN, Role.BILLING)  # channels added, packs re-optimised: what is billed
TECHNICAL_ROLES = (Role.ADMIN, Role.TECHNICAL)  # SIP credentials and suspensions
