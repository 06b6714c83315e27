"""The portal's contract forms have the API's bounds (issue 13, defect 4): dates in ASCII
digits within 2000–2100 (at most 10 years ahead for an end date), quantities in ASCII digits
up to 10 000, amounts in ASCII digits."""

from datetime import timedelta

import pytest

from kernel.inputs import MAX_QUANTITY, years_ahead
from offers.forms import LineQuantityForm, PriceChangeRefusalForm, TerminationRequestForm

FULL_WIDTH_DATE = "２０２６-０１-０５"


def _errors(form_class, data, **kwargs) -> dict:
    form = form_class(data=data, **kwargs)
    form.is_valid()
    return form.errors


# CON-4 / CON-6 — an end date: ASCII digits, from 2000, at most 10 years ahead (the API's
# bounds: the quote's date arithmetic overflowed on 9999-12-31).
@pytest.mark.parametrize(
    ("form_class", "kwargs"),
    [
        (TerminationRequestForm, {}),
        (TerminationRequestForm, {"confirming": True}),
        (PriceChangeRefusalForm, {}),
    ],
)
@pytest.mark.parametrize("value", [FULL_WIDTH_DATE, "0001-01-01", "1999-12-31", "9999-12-31"])
def test_end_date_bounds(form_class, kwargs, value):
    assert "requested_date" in _errors(form_class, {"requested_date": value}, **kwargs)


def test_price_change_refusal_date_ten_years_ahead():
    limit = years_ahead(10)
    assert "requested_date" not in _errors(PriceChangeRefusalForm, {"requested_date": limit})
    later = limit + timedelta(days=1)
    assert "requested_date" in _errors(PriceChangeRefusalForm, {"requested_date": later})


# The hidden fields a confirmation carries back have the same bounds.
@pytest.mark.parametrize(
    ("form_class", "kwargs", "field", "value"),
    [
        (TerminationRequestForm, {"confirming": True}, "shown_effective_date", FULL_WIDTH_DATE),
        (TerminationRequestForm, {"confirming": True}, "shown_effective_date", "9999-12-31"),
        (TerminationRequestForm, {"confirming": True}, "shown_fee", "１２.００"),
        (PriceChangeRefusalForm, {}, "shown_effective_date", "0001-01-01"),
        (LineQuantityForm, {}, "shown_effective_on", "9999-12-31"),
        (LineQuantityForm, {}, "shown_prorata", "１２"),
    ],
)
def test_hidden_fields_bounds(form_class, kwargs, field, value):
    assert field in _errors(form_class, {field: value}, **kwargs)


# CON-2 — a line's quantity: ASCII digits, 0 to 10 000 ("１２" was read as 12); 0 ends a
# PLATFORM option (17.1), the service refuses it for any other line (test_portal_bad_quantity).
@pytest.mark.parametrize("value", ["１２", "٣", str(MAX_QUANTITY + 1), "-1"])
def test_line_quantity_bounds(value):
    assert "quantity" in _errors(LineQuantityForm, {"quantity": value})


def test_line_quantity_at_bound():
    assert "quantity" not in _errors(LineQuantityForm, {"quantity": str(MAX_QUANTITY)})
