"""Numbers' rows of the tenant-isolation matrix (tests/test_isolation.py): every numbering API
route is named here."""

from datetime import timedelta

from kernel.clock import paris_today
from numbering import services
from numbering.models import PhoneNumber, PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting
from tests.factories import siret_for

HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


def _service_contract(t):
    """The tenant's HOSTED-W contract (in service), cached on the tenant."""
    if getattr(t, "numbering_contract", None) is None:
        from tests.offers.factories import make_contract

        t.numbering_contract = make_contract(t.client, "hosted-w")
    return t.numbering_contract


def _number(t):
    """A number of the pool assigned to the tenant's contract (one range per tenant)."""
    if getattr(t, "number", None) is None:
        block = f"0172{t.client.pk % 10000:04d}"
        services.import_ranges(
            content=f"{HEADER}1;{block}00;{block}09;X;Métropole;;PARIS\n".encode(),
            source="isolation.csv",
        )
        (t.number,) = services.assign_numbers(
            client=t.client, numbers=[f"{block}00"], contract=_service_contract(t)
        )
    return t.number


def _port_request(t):
    """A draft port-in request of the tenant (no mandate: never submitted here)."""
    if getattr(t, "port_request", None) is None:
        national = f"06{t.client.pk % 100000000:08d}"
        t.port_request = porting.port_request_create(
            client=t.client,
            lines=[{"number": national, "rio": "01P123456" + check_key("01P123456", national)}],
            holder_name=t.client.legal_name,
            holder_siret=siret_for(t.client.siren),
            current_operator="Opérateur historique",
            desired_date=next_porting_day(paris_today() + timedelta(days=14)),
            contract=_service_contract(t),
        )
    return t.port_request


API_RESOURCES = [
    ("api:number-list", "api:number-detail", lambda t: _number(t).pk, PhoneNumber),
    (
        "api:port-request-list",
        "api:port-request-detail",
        lambda t: _port_request(t).pk,
        PortRequest,
    ),
]
# Commands: another partner's number or request answers 404 on each, nothing written
# (tests/numbering/test_api.py::test_other_partner_objects_404_on_every_command); the pool of
# available numbers is no one's (tests/numbering/test_api.py::test_available_numbers_search).
API_OTHER_ROUTES = {
    "api:number-assign",
    "api:number-release",
    "api:available-number-list",
    "api:port-request-submit",
    "api:port-request-relaunch",
    "api:port-request-cancel",
}
OWN_ROWS = {PhoneNumber: _number, PortRequest: _port_request}
