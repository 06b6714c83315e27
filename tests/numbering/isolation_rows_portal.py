"""Rows of tests/test_isolation.py for the portal pages of numbers (NUM-2) and port-in requests
(NUM-3). Builders create the tenant's own objects through the services and cache them on the
tenant object (their own names: the API's rows in ``isolation_rows`` cache theirs)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from kernel.clock import paris_today
from numbering import services
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from tests.factories import siret_for

HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _service_contract(t):
    """The tenant's HOSTED-W contract (in service), cached on the tenant."""
    if getattr(t, "portal_numbering_contract", None) is None:
        from tests.offers.factories import make_contract

        t.portal_numbering_contract = make_contract(t.client, "hosted-w")
    return t.portal_numbering_contract


def _block(t) -> str:
    return f"0173{t.client.pk % 10000:04d}"


def _pool(t):
    """Ten numbers of a range of the tenant's own (no overlap with another tenant's)."""
    if not getattr(t, "portal_pool", False):
        block = _block(t)
        services.import_ranges(
            content=f"{HEADER}1;{block}00;{block}09;X;Métropole;;PARIS\n".encode(),
            source="isolation-portal.csv",
        )
        t.portal_pool = True
    return _block(t)


def _number(t):
    """A number assigned to the tenant's contract."""
    if getattr(t, "portal_number", None) is None:
        block = _pool(t)
        (t.portal_number,) = services.assign_numbers(
            client=t.client, numbers=[f"{block}00"], contract=_service_contract(t)
        )
    return t.portal_number


def _lines(t) -> list[dict]:
    national = f"06{t.client.pk % 100000000:08d}"
    return [{"number": national, "rio": "01P123456" + check_key("01P123456", national)}]


def _port_request(t):
    """A draft port-in request of the tenant, with its mandate."""
    if getattr(t, "portal_port_request", None) is None:
        t.portal_port_request = porting.port_request_create(
            client=t.client,
            lines=_lines(t),
            holder_name=t.client.legal_name,
            holder_siret=siret_for(t.client.siren),
            current_operator="Opérateur historique",
            desired_date=next_porting_day(paris_today() + timedelta(days=14)),
            contract=_service_contract(t),
            mandate=SimpleUploadedFile("mandat.pdf", PDF, content_type="application/pdf"),
        )
    return t.portal_port_request


# A wizard's body as a browser sends it (the data is refused before it is read: 403).
WIZARD = {
    "lines-TOTAL_FORMS": "1",
    "lines-INITIAL_FORMS": "0",
    "lines-0-number": "06 12 34 56 78",
    "lines-0-rio": "01P12345636Q",
    "holder_name": "Intruder",
    "holder_siret": "73282932000074",
    "current_operator": "Opérateur historique",
    "desired_date": "2100-01-01",
    "action": "submit",
}


PORTAL_PAGES = [
    ("numbering:numbers", None),
    ("numbering:search", None),
    ("numbering:ports", None),
    ("numbering:port_create", None),
]
PORTAL_OBJECT_PAGES = [
    ("numbering:release", lambda t: [_number(t).pk]),
    ("numbering:port_detail", lambda t: [_port_request(t).pk]),
    ("numbering:port_edit", lambda t: [_port_request(t).pk]),
    ("numbering:port_submit", lambda t: [_port_request(t).pk]),
    ("numbering:port_cancel", lambda t: [_port_request(t).pk]),
    ("numbering:port_mandate", lambda t: [_port_request(t).pk]),
]
# ACC-2 / NUM-2 / NUM-3: a read-only member gets 403 on every page that changes numbers or
# requests, with a valid body.
PORTAL_WRITES = [
    ("numbering:release", lambda t: [_number(t).pk], {}),
    (
        "numbering:search",
        lambda t: [],
        {"numbers": ["+33173000000"], "service": "contract:1", "step": "confirm"},
    ),
    ("numbering:port_create", lambda t: [], WIZARD),
    ("numbering:port_edit", lambda t: [_port_request(t).pk], WIZARD),
    ("numbering:port_submit", lambda t: [_port_request(t).pk], {}),
    ("numbering:port_cancel", lambda t: [_port_request(t).pk], {}),
]
