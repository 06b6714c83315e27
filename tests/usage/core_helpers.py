"""Helpers of the rating-core tests (ucore): the seeded grid, SIP accounts on each offer, CDR
files written as the carrier sends them, imports run in-process."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from itertools import count

from django.apps import apps

from tests.offers.factories import make_contract
from tests.telephony.factories import customer, seed_catalogue
from usage.choices import ImportSource
from usage.models import CallRecord, Tariff
from usage.services import imports

HEADER = "call_id,account,start_time,answered,duration,caller,called,call_type,device_id"
OCT = date(2026, 10, 1)
_ids = count(1)


def seed() -> None:
    """Tariffs and included destinations of data migration 0004 (a transactional test's flush
    wipes them), the destination groups of telephony."""
    seed_catalogue()
    if not Tariff.objects.exists():
        import_module("usage.migrations.0004_seed_tariffs").load(apps, None)
        # their English names (SPEC §9)
        import_module("usage.migrations.0033_destination_english_names").name_in_english(apps, None)


def account(offer_code="sip-unl", client=None, *, ordered=False, **client_kwargs):
    """An active contract on ``offer_code`` with one SIP account; returns the account.
    ``ordered``: signed and ordered on 01/09, not in service yet (a trial's contract, CON-7)."""
    from offers.choices import ContractStatus
    from telephony import services

    seed()
    client = client or customer(**client_kwargs)
    if ordered:
        contract = make_contract(
            client, offer_code, signature=date(2026, 9, 1), status=ContractStatus.ORDERED
        )
    else:
        contract = make_contract(client, offer_code, signature=OCT, service_start=OCT)
    sip, _secret = services.sip_account_create(contract=contract, label="Poste")
    return sip


def platform(client=None, *, start=OCT, ordered=False, **client_kwargs):
    """An active PLATFORM contract (from ``start``): its CDRs name the contract's reference.
    ``ordered``: signed and ordered on ``start``, not in service yet (a trial's, CON-7)."""
    from offers.choices import ContractStatus

    seed()
    client = client or customer(**client_kwargs)
    if ordered:
        contract = make_contract(client, "platform", signature=start, status=ContractStatus.ORDERED)
    else:
        contract = make_contract(client, "platform", signature=start, service_start=start)
    contract.username = contract.reference  # what ``row`` writes as the account
    return contract


def at(day=1, hour=9, minute=0, second=0, month=OCT) -> datetime:
    return datetime(month.year, month.month, day, hour, minute, second, tzinfo=UTC)


def row(
    account,
    called,
    *,
    start=None,
    duration=60,
    answered=True,
    call_type="outbound",
    device="",
    call_id=None,
) -> str:
    ref = account if isinstance(account, str) else account.username
    start = start or at()
    return ",".join(
        [
            call_id or f"c{next(_ids)}",
            ref,
            start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "yes" if answered else "no",
            str(duration),
            "+33100000000",
            called,
            call_type,
            device,
        ]
    )


def csv_of(rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def run_import(rows_or_bytes, *, filename="cdr.csv", chunk_lines=imports.CHUNK_LINES, partner=None):
    content = rows_or_bytes if isinstance(rows_or_bytes, bytes) else csv_of(rows_or_bytes)
    batch = imports.import_create(
        source=ImportSource.COMMAND,
        filename=filename,
        content=content,
        run=False,
        partner=partner,
    )
    return imports.import_run(batch.pk, chunk_lines=chunk_lines)


def calls(**filters):
    return list(CallRecord.objects.filter(**filters).order_by("started_at", "id"))


def seconds(n):
    return timedelta(seconds=n)


def assert_matches_reference(keys=None):
    """The SQL engine's results equal the Python reference's, field by field, for every call
    of ``keys`` (default: every call)."""
    from usage.models import FairUseBreach
    from usage.services import rating_py

    if keys is None:
        keys = set(CallRecord.objects.values_list("client_id", "billing_month"))
    rows = rating_py.context(keys)
    breached = set(
        FairUseBreach.objects.filter(status="open").values_list("sip_account_id", "month")
    )
    expected = rating_py.outcome(rows, breached)
    for r in rows:
        call = r["call"]
        for field, value in expected[call.pk].items():
            assert getattr(call, field) == value, (call.called, call.started_at, field)


def price_change(prefix: str, before: str, after: str, on: date) -> None:
    """A prefix priced ``before`` €/min until ``on`` (excluded), ``after`` from it (USE-2)."""
    seed()
    for rate, valid_from, valid_to in ((before, date(2026, 1, 1), on), (after, on, None)):
        Tariff.objects.create(
            name=f"Test {prefix} {rate}",
            prefix=prefix,
            rate_per_minute=Decimal(rate),
            valid_from=valid_from,
            valid_to=valid_to,
        )


def platform_with(client, options=(), start=date(2026, 9, 1)):
    """An active PLATFORM contract signed and started on ``start`` with its option lines."""
    from offers import services as offers
    from offers.models import Offer

    contract = offers.contract_create(
        client=client,
        offer=Offer.objects.get(code="platform"),
        site=client.sites.first(),
        signature_date=start,
        order_date=start,
        options=list(options),
    )
    offers.contract_order(contract=contract)
    offers.contract_activate(contract=contract, service_start_date=start)
    contract.refresh_from_db()
    return contract


def option(code, quantity=1, **kwargs):
    """A line request for the option product ``code`` (OPT)."""
    from offers.models import Product
    from offers.services.contracts import LineRequest

    return LineRequest(product=Product.objects.get(code=code), quantity=quantity, **kwargs)


def limit_rows(client):
    """The customer's USE-5 breaches as (kind, UTC hour, peak, limit), sorted."""
    from usage.models import LimitBreach

    return sorted(
        (b.kind, b.hour, b.peak, b.limit) for b in LimitBreach.objects.filter(client=client)
    )
