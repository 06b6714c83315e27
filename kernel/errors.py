"""The one error a service raises when an object's state does not allow a command.

Raised for any move outside a transition map (a contract, an order, a ticket, a dispute…) and
for any other refusal that depends on the current state rather than on the input (capacity
reached, already decided). The API's error handler (``portal.api.errors``) maps it, once, to
HTTP 409 with its ``code``; forms show it like any validation error (``kernel.forms``).
"""

from django.core.exceptions import ValidationError


class InvalidTransition(ValidationError):
    """The object's current state does not allow this command (API: 409, with ``code``)."""

    default_code = "invalid_transition"

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code=code or self.default_code, params=params)
        self.code = code or self.default_code  # kept for field errors (a dict) too
