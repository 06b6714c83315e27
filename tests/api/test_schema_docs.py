"""The partner API's reference documents every parameter a partner can send: each query filter
and path parameter of the OpenAPI schema says what it takes (a partner reads the schema, not
the code), in the language of the request — French first, English available."""

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator


def _schema(language):
    with translation.override(language):
        return SchemaGenerator().get_schema(request=None, public=True)


def _parameters(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield (method, path, parameter["name"]), parameter


@pytest.fixture(scope="module")
def schemas(django_db_blocker):
    with django_db_blocker.unblock():
        return {language: _schema(language) for language in ("fr", "en")}


def test_every_parameter_is_described(schemas):
    found = dict(_parameters(schemas["en"]))
    assert len(found) > 250  # every list's filters, cursors, pages and path ids
    bare = [where for where, parameter in found.items() if not parameter.get("description")]
    assert bare == []


def test_descriptions_read_in_the_request_language(schemas):
    # ACC-3: the customer filter of every list is one of the calling partner's customers.
    fr, en = (dict(_parameters(schemas[lang])) for lang in ("fr", "en"))
    calls = ("get", "/api/v1/calls/", "customer")
    assert en[calls]["description"] == "The id of one of your customers."
    assert fr[calls]["description"] == "L'identifiant de l'un de vos clients."
    after = ("get", "/api/v1/tickets/", "reported_after")
    assert "sans décalage UTC, heure de Paris" in fr[after]["description"]
    assert "without a UTC offset, Paris time" in en[after]["description"]


# Descriptions that read the same in French and English (a pipeline of codes).
SAME_IN_BOTH = {("Ticket", "status")}


def _properties(schema):
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            yield (name, field), prop


def test_every_component_field_is_described(schemas):
    # What a partner reads back or sends: every field of every answer and body (a page's count
    # and links, an error's envelope, a port request's steps, a trunk's channels...) says what
    # it holds, in the request's language.
    en, fr = (dict(_properties(schemas[lang])) for lang in ("en", "fr"))
    assert len(en) > 1000
    assert [where for where, prop in en.items() if not prop.get("description")] == []
    untranslated = [
        where
        for where, prop in fr.items()
        if prop["description"] == en[where]["description"] and where not in SAME_IN_BOTH
    ]
    assert untranslated == []


# USE-1..4: a rated call, a CDR batch and its report, and the month's summary say what each of
# their fields holds (cost against list_cost, billed and included seconds, the month a call
# counts in...); BIL-3, BIL-4, BIL-10: so do an invoice and its lines (amount_due against
# credit_applied and paid_in_advance, a period's exclusive end); CON-2..8: a contract; SLA-1,
# SLA-3, SLA-4: a ticket (its deadlines and whether they were met).
def test_usage_and_invoice_fields_say_what_they_hold(schemas):
    components = schemas["en"]["components"]["schemas"]
    cost = components["Call"]["properties"]["cost"]["description"]
    assert cost.startswith("What is billable after the plan")
    french = schemas["fr"]["components"]["schemas"]["Call"]["properties"]
    assert french["cost"]["description"].startswith("Ce qui est facturable après le forfait")
    due = components["Invoice"]["properties"]["amount_due"]["description"]
    assert due == "total_gross − credit_applied − paid_in_advance (€); 0 on a credit note."
