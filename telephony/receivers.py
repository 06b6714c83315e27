"""TRK-5: re-optimisation on the renewal signal (``offers.signals.period_started``)."""
