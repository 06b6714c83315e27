"""Signals of the rating engine, for the money side of usage (prepaid debits, alerts, limits,
late records, breach notices). Sent after the rating transaction commits."""

from django.dispatch import Signal

# kwargs: batch_id (int | None), keys (list of (client_id, month)): the months re-rated.
calls_rated = Signal()
# kwargs: breach_id (int): a FairUseBreach was just recorded (USE-4).
breach_recorded = Signal()
