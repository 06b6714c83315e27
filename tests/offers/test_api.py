"""Partner API of offers and contracts (CON-1, CON-2, CON-4, CON-5, ACC-3)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog
from offers import services
from offers.choices import ContractStatus, SuspensionReason, TerminationStatus
from offers.models import Contract, ContractEvent, Offer, Termination, Terms
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
COMMANDS = [
    "api:contract-termination-quote",
    "api:contract-terminate",
    "api:contract-cancel-termination",
]


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def _order(tenant, **overrides):
    return {
        "client": tenant.client.pk,
        "site": tenant.site.pk,
        "offer": "platform",
        "quantity": 1,
        "options": [
            {"product": "opt-caps", "quantity": 2},
            {"product": "opt-short-number", "unit_monthly_price": "45.5000"},
        ],
        "signature_date": "2026-03-02",
        "order_date": "2026-03-05",
        "purchase_order_ref": "BC-2026-042",
        **overrides,
    }


# --- Catalogue (CON-1) ----------------------------------------------------------------------


# CON-1 — the catalogue: offers on sale with their main product, options and terms; money is
# a string, the terms are numbers.
def test_offers_catalogue(api):
    Offer.objects.filter(code="trunk").update(is_active=False)
    body = api.get(reverse("api:offer-list")).json()
    # The equipment rentals' offers (EQP-3, one per commitment) are on sale too.
    rentals = {f"equipment-rental-{months}" for months in (12, 24, 36)}
    assert {o["code"] for o in body["results"]} == {
        "sip-unl",
        "hosted-w",
        "platform",
        "hosted-a",
    } | rentals
    # ... and say they are no telephone service (ordered with their equipment, no number)
    assert {o["code"] for o in body["results"] if not o["telephone_service"]} == rentals
    platform = api.get(reverse("api:offer-detail", args=["platform"])).json()
    assert platform["main_product"]["monthly_price"] == "150.0000"
    caps = next(o for o in platform["options"] if o["code"] == "opt-caps")
    assert (caps["unit"], caps["setup_price"], caps["monthly_price"]) == (
        "lot de 10 CAPS",
        "0.0000",
        "150.0000",
    )
    assert platform["terms"]["initial_months"] == 12
    assert platform["terms"]["minimum_monthly_commitment"] == "200.00"
    assert platform["terms"]["support_end"] == "17:00:00"
    assert api.get(reverse("api:offer-detail", args=["trunk"])).status_code == 404
    body = api.get(reverse("api:offer-list"), {"preset": "HOSTED-A"}).json()
    assert [o["code"] for o in body["results"]] == ["hosted-a"]


# ACC-3 — the catalogue is the reseller's, not tenant data, but it still needs a partner key.
def test_offers_need_a_key(client):
    assert client.get(reverse("api:offer-list")).status_code == 401


# --- CON-2 contract creation ----------------------------------------------------------------


# CON-2 — a partner orders a contract: 201, status "ordered" (an order, not a draft), the offer's
# terms copied, lines priced from the catalogue (and the on-quote option at the given price).
def test_create_contract(api, tenant):
    response = api.post(reverse("api:contract-list"), _order(tenant), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    contract = Contract.objects.get(pk=body["id"])
    assert body["status"] == contract.status == ContractStatus.ORDERED
    assert body["reference"] == contract.reference and contract.reference.startswith("CT-2026-")
    assert contract.terms_snapshot == Offer.objects.get(code="platform").terms.snapshot()
    assert body["terms_snapshot"]["fee_rule"] == "commitment_max"
    assert body["terms_snapshot"]["minimum_monthly_commitment"] == "200.00"
    lines = {line["product"]: line for line in body["lines"]}
    assert (
        lines["platform-subscription"]["unit_monthly_price"],
        lines["opt-caps"]["quantity"],
    ) == (
        "150.0000",
        2,
    )
    assert lines["opt-caps"]["monthly_total"] == "300.0000"
    assert lines["opt-short-number"]["unit_monthly_price"] == "45.5000"
    assert body["monthly_fees"] == "495.5000"
    assert (body["client"], body["site"], body["offer"], body["purchase_order_ref"]) == (
        tenant.client.pk,
        tenant.site.pk,
        "platform",
        "BC-2026-042",
    )
    assert body["current_period"] is None and body["next_renewal"] is None
    assert body["scheduled_termination"] is None and body["active_suspension"] is None
    events = ContractEvent.objects.filter(contract=contract)
    assert [e.to_status for e in events] == ["draft", "ordered"]
    assert all(e.api_key == api.key for e in events)
    assert AuditLog.objects.get(action="contract.create").actor_api_key == api.key


def _other_customer_site(tenant):
    return SiteFactory(client=ClientFactory(partner=tenant.client.partner)).pk


# CON-2, ACC-3 — refused orders answer 400 with the field named, and nothing is written.
@pytest.mark.parametrize(
    "overrides, field",
    [
        (lambda t, o: {"client": o.client.pk, "site": None}, "client"),
        (lambda t, o: {"site": o.site.pk}, "site"),
        (lambda t, o: {"site": _other_customer_site(t)}, "site"),
        (lambda t, o: {"options": [{"product": "hosted-w-voicemail"}]}, "options"),
        (lambda t, o: {"options": [{"product": "opt-short-number"}]}, "options"),
        (
            lambda t, o: {"options": [{"product": "opt-caps", "unit_monthly_price": "1.0000"}]},
            "options",
        ),
        (lambda t, o: {"offer": "no-such-offer"}, "offer"),
        # EQP-3: a rental contract comes with its items (equipment orders), never bare
        (lambda t, o: {"offer": "equipment-rental-24", "options": []}, "offer"),
        (lambda t, o: {"order_date": "2026-03-01"}, "order_date"),
        (lambda t, o: {"quantity": 0}, "quantity"),
    ],
    ids=[
        "other-partner-client",
        "other-partner-site",
        "site-of-another-customer",
        "option-not-in-offer",
        "on-quote-without-price",
        "price-on-catalogue-option",
        "unknown-offer",
        "equipment-rental",
        "order-before-signature",
        "quantity-zero",
    ],
)
def test_create_contract_refused(api, tenant, other_tenant, overrides, field):
    response = api.post(
        reverse("api:contract-list"),
        _order(tenant, **overrides(tenant, other_tenant)),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert not Contract.objects.exists()


# CON-2 — a contract cannot be signed tomorrow: at 00:30 on Friday 6 March 2026 in Paris
# (23:30 UTC on the 5th) a signature of the 6th is today's and accepted; one of the 7th is
# refused on signature_date, with the order, and nothing is written.
@time_machine.travel(paris(2026, 3, 6, 0, 30), tick=False)
def test_create_contract_signed_in_the_future(api, tenant):
    url = reverse("api:contract-list")
    tomorrow = _order(tenant, signature_date="2026-03-07", order_date="2026-03-07")
    response = api.post(url, tomorrow, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"] == {
        "signature_date": ["A contract cannot be signed after today (06/03/2026)."]
    }
    assert not Contract.objects.exists()
    today = _order(tenant, signature_date="2026-03-06", order_date="2026-03-06")
    assert api.post(url, today, format="json").status_code == 201


# --- CON-4 / CON-5 commands -----------------------------------------------------------------


@pytest.fixture
def hosted_a(tenant):
    """HOSTED-A, 250.00 a month, signed 2025-02-20, service from 2025-03-01 (36 months)."""
    return make_contract(
        tenant.client,
        "hosted-a",
        signature=date(2025, 2, 20),
        service_start=date(2025, 3, 1),
        monthly_price="250.00",
    )


def _url(route, contract):
    return reverse(route, args=[contract.pk])


def _written():
    return (
        Termination.objects.count(),
        ContractEvent.objects.count(),
        AuditLog.objects.count(),
        list(Contract.objects.values_list("status", flat=True)),
    )


# CON-4 + CON-5 — quote, terminate, cancel through the API (HOSTED-A, HOSTED-A 5): notice on
# 2026-10-15 for 2026-11-15; November is invoiced in advance, so fees run from 2026-12-01 to the
# end of the initial period (2028-03-01), all beyond the first year: 15 × 50 % × 250.00
# = 1 875.00. The quote writes nothing; the stored fee equals the quoted one (CON-5).
def test_quote_terminate_cancel(api, hosted_a):
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        before = _written()
        response = api.post(
            _url("api:contract-termination-quote", hosted_a),
            {"requested_date": "2026-11-15"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        quote = response.json()
        assert _written() == before
        assert quote == {
            "notice_date": "2026-10-15",
            "requested_date": "2026-11-15",
            "effective_date": "2026-11-15",
            "fee_start": "2026-12-01",
            "fee_amount": "1875.00",
            "fee_rule": "allset_sliding",
            "lines": [
                {
                    "label": "allset_sliding.initial_beyond_first_year",
                    "months": 15,
                    "rate_percent": "50.00",
                    "monthly_base": "250.0000",
                    "amount": "1875.00",
                }
            ],
        }

        response = api.post(
            _url("api:contract-terminate", hosted_a),
            {"requested_date": "2026-11-15"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        termination = response.json()
        stored = Termination.objects.get(pk=termination["id"])
        assert stored.fee_amount == Decimal("1875.00") and stored.requested_by_api_key == api.key
        assert (termination["fee_amount"], termination["fee_start"]) == (
            quote["fee_amount"],
            quote["fee_start"],
        )
        assert termination["effective_date"] == quote["effective_date"]
        assert termination["fee_breakdown"] == quote["lines"]
        detail = api.get(_url("api:contract-detail", hosted_a)).json()
        assert detail["status"] == ContractStatus.TERMINATING
        assert detail["scheduled_termination"]["id"] == stored.pk
        assert detail["next_renewal"] is None  # the termination takes effect before 2028-03-01
        assert detail["current_period"] == {"start": "2025-03-01", "end": "2028-03-01"}

        again = api.post(_url("api:contract-terminate", hosted_a), {}, format="json")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "termination_scheduled"

        response = api.post(_url("api:contract-cancel-termination", hosted_a))
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == TerminationStatus.CANCELLED
        hosted_a.refresh_from_db()
        assert hosted_a.status == ContractStatus.ACTIVE
        detail = api.get(_url("api:contract-detail", hosted_a)).json()
        assert detail["scheduled_termination"] is None and detail["next_renewal"] == "2028-03-01"

        response = api.post(_url("api:contract-cancel-termination", hosted_a))
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_scheduled_termination"


# CON-4 — a termination cannot be cancelled once it has taken effect: 409 "too_late".
def test_cancel_too_late(api, hosted_a):
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        api.post(_url("api:contract-terminate", hosted_a), {}, format="json")
    termination = Termination.objects.get(contract=hosted_a)
    assert termination.effective_date == date(2026, 11, 15)
    with time_machine.travel(paris(2026, 11, 15, 9, 0), tick=False):
        response = api.post(_url("api:contract-cancel-termination", hosted_a))
    assert response.status_code == 409 and response.json()["error"]["code"] == "too_late"
    termination.refresh_from_db()
    assert termination.status == TerminationStatus.SCHEDULED


# CON-4 — a requested date in the past is a field error; a draft cannot be quoted (409).
def test_quote_errors(api, tenant, hosted_a):
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        response = api.post(
            _url("api:contract-termination-quote", hosted_a),
            {"requested_date": "2026-10-01"},
            format="json",
        )
        assert response.status_code == 400
        assert "requested_date" in response.json()["error"]["fields"]
        draft = make_contract(tenant.client, "trunk", status=ContractStatus.DRAFT)
        for route in ("api:contract-termination-quote", "api:contract-terminate"):
            response = api.post(_url(route, draft), {}, format="json")
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "invalid_transition"
    assert not Termination.objects.exists()


# ACC-3 — a read-only key reads contracts but gets 403 on every command and on orders.
def test_read_only_key_cannot_command(read_only_api, tenant, hosted_a):
    assert read_only_api.get(_url("api:contract-detail", hosted_a)).status_code == 200
    before = _written()
    for route in COMMANDS:
        assert read_only_api.post(_url(route, hosted_a), {}, format="json").status_code == 403
    response = read_only_api.post(reverse("api:contract-list"), _order(tenant), format="json")
    assert response.status_code == 403
    assert _written() == before


# ACC-3 — another partner's contract answers 404 on each command, and nothing is written.
@pytest.mark.parametrize("route", COMMANDS)
def test_commands_on_other_partner_contract_404(api, other_tenant, route):
    theirs = make_contract(other_tenant.client, "hosted-a")
    make_contract(other_tenant.client, "trunk", status=ContractStatus.TERMINATING)
    before = _written()
    assert api.post(_url(route, theirs), {}, format="json").status_code == 404
    terminating = Contract.objects.get(status=ContractStatus.TERMINATING)
    assert api.post(_url(route, terminating), {}, format="json").status_code == 404
    assert _written() == before


# CON-2 — contracts never change by PATCH (commands only): 405 on one's own, 404 on another's.
def test_no_patch(api, tenant, other_tenant, hosted_a):
    assert api.patch(_url("api:contract-detail", hosted_a), {}, format="json").status_code == 405
    theirs = make_contract(other_tenant.client, "trunk")
    assert api.patch(_url("api:contract-detail", theirs), {}, format="json").status_code == 404


# --- Lists ----------------------------------------------------------------------------------


# CON-2 — the contract list filters by customer, status, offer code and preset, and orders.
def test_list_filters(api, tenant, other_tenant, partner):
    other_customer = ClientFactory(partner=partner, legal_name="Beta SARL")
    SiteFactory(client=other_customer)
    hosted = make_contract(tenant.client, "hosted-a")
    trunk = make_contract(tenant.client, "trunk", status=ContractStatus.ORDERED)
    platform = make_contract(
        other_customer, "platform", signature=date(2025, 6, 1), service_start=date(2025, 6, 2)
    )
    make_contract(other_tenant.client, "trunk", status=ContractStatus.ORDERED)
    url = reverse("api:contract-list")

    def ids(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert set(ids()) == {hosted.pk, trunk.pk, platform.pk}
    assert ids(status="ordered") == [trunk.pk]
    assert set(ids(status=["ordered", "active"])) == {hosted.pk, trunk.pk, platform.pk}
    assert ids(offer="trunk") == [trunk.pk]
    assert ids(preset="HOSTED-A") == [hosted.pk]
    assert ids(client=other_customer.pk) == [platform.pk]
    assert ids(ordering="signature_date")[-1] == platform.pk
    assert ids(ordering="reference") == sorted(
        ids(), key=lambda pk: Contract.objects.get(pk=pk).reference
    )
    # Another partner's customer is not a valid choice, as if it did not exist.
    assert api.get(url, {"client": other_tenant.client.pk}).status_code == 400


# CON-2 — a date filter reads YYYY-MM-DD (ISO 8601, as the schema's format: date says),
# whatever the language: "06/02/2026" was 6 February in French and 2 June in English; it is a
# 400 naming the filter in both.
@pytest.mark.parametrize(
    ("language", "message"),
    [("fr", "Indiquez une date au format AAAA-MM-JJ."), ("en", "Give a date as YYYY-MM-DD.")],
)
def test_date_filters_iso_whatever_the_language(api, tenant, language, message):
    february = make_contract(
        tenant.client, "hosted-a", signature=date(2026, 2, 6), service_start=date(2026, 2, 16)
    )
    june = make_contract(
        tenant.client, "trunk", signature=date(2026, 6, 2), service_start=date(2026, 6, 10)
    )
    url = reverse("api:contract-list")

    def get(**params):
        return api.get(url, params, HTTP_ACCEPT_LANGUAGE=language)

    assert [row["id"] for row in get(signed_after="2026-06-02").json()["results"]] == [june.pk]
    assert [row["id"] for row in get(signed_before="2026-02-06").json()["results"]] == [february.pk]
    for value in ["06/02/2026", "02/06/2026", "6.2.2026", "2026-6-2", "20260602"]:
        response = get(signed_after=value)
        assert response.status_code == 400, (value, response.json())
        assert response.json()["error"]["fields"] == {"signed_after": [message]}


# CON-7 — ?is_trial= is true, false, 1 or 0; another value is a 400, not the whole list.
def test_is_trial_filter_refuses_other_values(api, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    url = reverse("api:contract-list")
    for value in ["false", "0"]:
        assert [row["id"] for row in api.get(url, {"is_trial": value}).json()["results"]] == [
            contract.pk
        ]
    assert api.get(url, {"is_trial": "1"}).json()["count"] == 0
    response = api.get(url, {"is_trial": "perhaps"})
    assert response.status_code == 400 and "is_trial" in response.json()["error"]["fields"]


# No N+1: the list costs the same number of queries for 1 and for 6 contracts (with lines,
# a scheduled termination and an open suspension among them), and the catalogue too.
def test_list_query_counts(api, tenant, django_assert_max_num_queries):
    url = reverse("api:contract-list")
    make_contract(tenant.client, "hosted-a")
    api.get(url)  # the key's last use is written once, on the first request

    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url).json()["results"]) == 1
    make_contract(tenant.client, "hosted-w", quantity=3)
    make_contract(tenant.client, "trunk", status=ContractStatus.SUSPENDED)
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        make_contract(tenant.client, "sip-unl", status=ContractStatus.TERMINATING)
    make_contract(tenant.client, "platform", status=ContractStatus.ORDERED)
    make_contract(tenant.client, "hosted-a", status=ContractStatus.DRAFT)
    with CaptureQueriesContext(connection) as six:
        body = api.get(url).json()
    assert len(body["results"]) == 6
    assert any(row["scheduled_termination"] for row in body["results"])
    assert any(row["active_suspension"] for row in body["results"])
    assert len(six) == len(one) <= 6
    with django_assert_max_num_queries(6):
        api.get(_url("api:contract-detail", Contract.objects.first()))
    with django_assert_max_num_queries(5):
        api.get(reverse("api:offer-list"))


# CON-6 — the detail shows the terms signed, not the offer's current terms.
def test_detail_shows_terms_signed(api, hosted_a):
    Terms.objects.filter(pk=hosted_a.offer.terms_id).update(initial_months=24)
    body = api.get(_url("api:contract-detail", hosted_a)).json()
    assert body["terms_snapshot"]["initial_months"] == 36
    assert body["current_period"] == {"start": "2025-03-01", "end": "2028-03-01"}


# CON-4 + CON-8 — a second termination request or quote is a 409, never a 500. A terminating
# contract's service can be suspended (USE-8: a prepaid balance at zero; fraud): its status stays
# terminating, so the nightly job still ends it on its date; a second suspension is refused.
def test_terminate_twice_and_suspension_while_terminating(api, hosted_a):
    with time_machine.travel(paris(2026, 10, 15, 10, 0), tick=False):
        assert (
            api.post(_url("api:contract-terminate", hosted_a), {}, format="json").status_code == 201
        )
        before = _written()
        for route in ("api:contract-termination-quote", "api:contract-terminate"):
            response = api.post(_url(route, hosted_a), {}, format="json")
            assert response.status_code == 409
            assert response.json()["error"]["code"] == "termination_scheduled"
        assert _written() == before
        services.contract_suspend(contract=hosted_a, reason=SuspensionReason.FRAUD)
        with pytest.raises(services.InvalidTransition):
            services.contract_suspend(contract=hosted_a, reason=SuspensionReason.FRAUD)
        detail = api.get(_url("api:contract-detail", hosted_a)).json()
        assert detail["status"] == ContractStatus.TERMINATING
        assert detail["active_suspension"]["reason"] == SuspensionReason.FRAUD
        assert detail["scheduled_termination"]["effective_date"] == "2026-11-15"
