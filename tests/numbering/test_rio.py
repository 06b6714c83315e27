"""NUM-3: the RIO of each line is checked against that line's number before submission."""

import pytest

from numbering.rio import check_key, normalise, rio_error


def test_rule_book_example():
    # NUM-3: 01P123456 with 0612345678 → key 36Q.
    assert check_key("01P123456", "0612345678") == "36Q"
    assert rio_error("01P12345636Q", "0612345678", mobile=True) is None


@pytest.mark.parametrize(
    "raw, number, mobile",
    [
        ("01 p 123456 36q", "0612345678", True),  # spaces and lower case normalised
        ("01P-123456-36Q", "0612345678", True),
        # A fixed line (contract type F) computed independently of the implementation.
        ("02F" + "ABC123" + "", "0172700012", False),
        ("3AE" + "9Z8Y7X", "0745123456", True),
        ("0AA" + "+12345", "0899123456", False),  # a special-rate number (type A)
    ],
)
def test_valid_rios(raw, number, mobile):
    body = normalise(raw)[:9]
    rio = normalise(raw) if len(normalise(raw)) == 12 else body + _key(body, number)
    assert rio_error(rio, number, mobile=mobile) is None


def _key(body, number):
    """An independent computation of the key, straight from the rule book's formula."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"
    a = b = c = 0
    for char in body + number:
        p = alphabet.index(char)
        a, b, c = (a + p) % 37, (2 * b + p) % 37, (4 * c + p) % 37
    return alphabet[a] + alphabet[b] + alphabet[c]


@pytest.mark.parametrize(
    "rio, number, mobile, code",
    [
        ("01P12345636Q", "0612345679", True, "key"),  # another line's RIO
        ("01P12345636R", "0612345678", True, "key"),
        ("01P1234563", "0612345678", True, "length"),
        ("01P12345636Q9", "0612345678", True, "length"),
        ("01P12345é36Q", "0612345678", True, "shape"),
        ("01F12345636Q", "0612345678", True, "type"),  # a fixed RIO for a mobile line
        ("01P12345636Q", "0172700012", False, "type"),  # a mobile RIO for a fixed line
        ("01B12345636Q", "0172700012", False, "type"),  # B is no contract type
    ],
)
def test_invalid_rios_say_why(rio, number, mobile, code):
    error = rio_error(rio, number, mobile=mobile)
    assert error is not None and error.code == code and error.message
