"""The portal's dispute form has the API's bounds (issue 13, defect 4): a reason of at most
10 000 characters, an amount in ASCII digits."""

import pytest

from kernel.inputs import MAX_TEXT
from payments.forms import DisputeForm


def _errors(**data) -> dict:
    form = DisputeForm(data={"amount": "10.00", "reason": "Double billed", **data})
    form.is_valid()
    return form.errors


# BIL-8 — the reason: at most MAX_TEXT characters, the bound itself accepted.
def test_reason_bound():
    assert "reason" in _errors(reason="x" * (MAX_TEXT + 1))
    assert _errors(reason="x" * MAX_TEXT) == {}


@pytest.mark.parametrize("amount", ["１２.００", "１２"])
def test_amount_ascii(amount):
    assert "amount" in _errors(amount=amount)
