"""The console's rows of the tenant-isolation matrix (tests/test_isolation.py): every console
route answers a customer's member as if it did not exist (404), whatever the object; staff
permissions per team are tested in ``tests/console/test_access.py``."""

PORTAL_PAGES = [
    ("console:home", None),
    ("console:customers", None),
]
PORTAL_OBJECT_PAGES = [
    ("console:queue", lambda t: ["support.tickets"]),
    ("console:assign", lambda t: ["support.tickets", 1]),
    ("console:ticket", lambda t: [1]),
    ("console:dispute", lambda t: [1]),
    ("console:credit", lambda t: [1]),
    ("console:outage", lambda t: [1]),
    ("console:customer", lambda t: [t.client.pk]),
    ("console:record_payment", lambda t: [t.client.pk]),
    ("console:suspend", lambda t: [t.client.pk]),
    ("console:terminate", lambda t: [t.client.pk]),
    ("console:close_inactive", lambda t: [t.client.pk]),
    ("console:reset_credentials", lambda t: [t.client.pk, "sip", 1]),
]
