"""PostgreSQL timestamps read by the C parser of ``datetime.fromisoformat``.

Django (``django.db.backends.postgresql.psycopg_any``) reads every ``timestamptz`` with a Python
subclass of psycopg's Python loader, which parses the text in Python and then sets the
connection's time zone: ~2.9 µs a value, where ``datetime.fromisoformat`` takes ~0.25 µs. A page
of 50 tickets or contracts of the partner API reads 500–600 of them: 1.5 ms, a sixth of the
request (issue 13, ``bench/api_load.py --profile``). ``UtcTimestamptzLoader`` gives the same
values: PostgreSQL sends them in the session's time zone, which Django sets to UTC, and
``fromisoformat`` returns them with ``datetime.timezone.utc``, the tzinfo Django sets; any other
text (another offset, ``infinity``, a year beyond 9999) goes through Django's own path.

It is installed on each new connection whose Django time zone is UTC (``USE_TZ`` and no
``TIME_ZONE`` in the database settings, the project's case); Django's ``create_cursor`` sees the
same ``timezone`` on it and keeps it.
"""

import datetime

from psycopg.types.datetime import TimestamptzLoader

UTC = datetime.UTC


class UtcTimestamptzLoader(TimestamptzLoader):
    timezone = UTC  # what Django's create_cursor compares with the connection's

    def load(self, data):
        try:
            value = datetime.datetime.fromisoformat(str(data, "ascii"))
        except (ValueError, UnicodeDecodeError):
            value = None
        if value is None or value.tzinfo is not UTC:
            return super().load(data).replace(tzinfo=UTC)  # Django's way
        return value


def install_fast_timestamps(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver."""
    if connection.vendor != "postgresql" or getattr(connection, "timezone", None) is not UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
