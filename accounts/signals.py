"""Signals of the accounts domain, answered by the layers above it (which it cannot import)."""

from django.dispatch import Signal

# ACC-1 / ACC-4: sent (``client``) before a customer is set to « closed »; each receiver returns
# a list of sentences naming what the customer still has (contracts running, an amount due).
# Any sentence refuses the closing (``accounts.services.client_closing_refusals``).
client_closing = Signal()
