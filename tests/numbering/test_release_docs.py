"""NUM-1 / NUM-2: what the partner API says of a number released — a number of our ranges spends
its quarantine then returns to the pool; one ported in from another operator (in no range of
ours) spends it then goes back to the operator holding its range (ported_out, final). Before,
the release endpoint and its fields said « quarantine, then back to the pool » for both."""

import pytest
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

RELEASE = "/api/v1/numbers/{id}/release/"


@pytest.fixture(scope="module")
def schemas(django_db_blocker):
    with django_db_blocker.unblock():
        found = {}
        for language in ("en", "fr"):
            with translation.override(language):
                found[language] = SchemaGenerator().get_schema(request=None, public=True)
        return found


# NUM-2 — the release operation says what happens to each kind of number.
def test_release_operation_names_both_outcomes(schemas):
    operation = schemas["en"]["paths"][RELEASE]["post"]
    assert operation["summary"] == (
        "Release a number: quarantine, then the pool or its range holder (NUM-2)"
    )
    text = operation["description"]
    assert "a number of our ranges returns to the pool" in text
    assert (
        "a number ported in from another operator goes back to the operator holding its range "
        "(state `ported_out`, final)"
    ) in text


# NUM-2 — the fields a released number is answered with say the same, in English and French.
def test_number_fields_name_both_outcomes(schemas):
    en = schemas["en"]["components"]["schemas"]["PhoneNumber"]["properties"]
    fr = schemas["fr"]["components"]["schemas"]["PhoneNumber"]["properties"]
    assert en["quarantine_until"]["description"] == (
        "The Paris date its quarantine ends once released (NUM-2): a number of our ranges then "
        "returns to the pool, one ported in goes back to the operator holding its range "
        "(ported_out); null otherwise."
    )
    assert fr["quarantine_until"]["description"] == (
        "La date (heure de Paris) où finit sa quarantaine une fois restitué (NUM-2)\u00a0: un "
        "numéro de nos tranches revient alors dans le stock, un numéro porté entrant retourne à "
        "l'opérateur qui détient sa tranche (ported_out)\u00a0; null sinon."
    )
    assert "pool" not in en["state"]["description"].split("quarantine (")[0]
    assert "returned to the operator holding its range" in en["state"]["description"]


# NUM-2 — the webhook event a release emits says it too (/webhook-event-types/).
def test_released_event_names_both_outcomes(api):
    response = api.get(reverse("api:webhook-event-type-list"), HTTP_ACCEPT_LANGUAGE="en")
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    (released,) = [row for row in rows if row.get("name", row.get("type")) == "number.released"]
    assert released["description"] == (
        "A customer released numbers (quarantine, then the pool; a number ported in goes back "
        "to the operator holding its range)."
    )
