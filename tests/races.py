"""Two writes at once on PostgreSQL, each on its own connection (transactional tests)."""

import threading

from django.db import connection, transaction


def first_holds_its_transaction(first, second):
    """``first()`` runs in a transaction kept open a moment after it wrote; ``second()`` starts
    meanwhile, on its own connection. Returns the exceptions raised (none expected)."""
    wrote, errors = threading.Event(), []

    def run_first():
        try:
            with transaction.atomic():
                first()
                wrote.set()
                threading.Event().wait(1.5)  # the second write starts while this one is open
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
            wrote.set()
        finally:
            connection.close()

    def run_second():
        try:
            wrote.wait(30)
            second()
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors
