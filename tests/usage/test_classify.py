"""USE-1: destinations classified with phonenumbers — country, line type, price class."""

import pytest

from usage.services.classify import block_key, classify, normalize


# USE-1: French 01–05 fixed, 09 polyvalent (VOIP for phonenumbers, fixed for the plans), 06–07
# mobile, 08 split into price classes (080 toll free, 081/082/084 shared cost, 089 premium),
# short and emergency numbers, overseas departments and foreign numbers by their country.
@pytest.mark.parametrize(
    "dialled,country,line_type,price_class",
    [
        ("01 23 45 67 89", "FR", "fixed", "standard"),
        ("0512345678", "FR", "fixed", "standard"),
        ("0912345678", "FR", "polyvalent", "standard"),
        ("0612345678", "FR", "mobile", "standard"),
        ("0756123456", "FR", "mobile", "standard"),
        ("0800123456", "FR", "special", "toll_free"),
        ("0810123456", "FR", "special", "shared_cost"),
        ("0840123456", "FR", "special", "shared_cost"),
        ("0899123456", "FR", "special", "premium"),
        ("3949", "FR", "special", "short"),
        ("15", "FR", "emergency", "short"),
        ("112", "FR", "emergency", "short"),
        ("+262269601234", "YT", "fixed", "standard"),
        ("+442079460958", "GB", "fixed", "standard"),
        ("+12025550123", "US", "fixed", "standard"),  # FIXED_LINE_OR_MOBILE counts as fixed
        ("+8613812345678", "CN", "mobile", "standard"),
        ("+8821234567", "", "other", "standard"),
    ],
)
def test_use1_classification(dialled, country, line_type, price_class):
    c = classify(normalize(dialled))
    assert (c.country, c.line_type, c.price_class) == (country, line_type, price_class)


@pytest.mark.parametrize(
    "number", ["15", "17", "18", "112", "114", "115", "119", "191", "196", "197"]
)
def test_use1_emergency_numbers(number):
    assert classify(number).line_type == "emergency"


def test_normalize_and_blocks():
    assert normalize("00 44 20 7946 0958") == "+442079460958"
    assert normalize("01.23.45.67.89") == "+33123456789"
    assert block_key("+33123456789") == "+3312345"
    assert block_key("112") == "112"


# NUM-1 / USE-1 — a call to an overseas number of a block longer than four digits is a call to
# its territory (+262 Réunion, +590 Guadeloupe, +596 Martinique…), never to mainland France:
# 02 68 81 23 45 is La Réunion's fixed line, 07 09 20 12 34 a Réunion mobile, 09 76 61 23 45 a
# Martinique "polyvalent" number. The CDR import computes it in SQL: both agree.
@pytest.mark.django_db
def test_overseas_blocks_normalised_in_python_and_sql_alike():
    from django.db import connection

    from usage.services.classify import national_sql

    cases = {
        "0268812345": "+262268812345",
        "0598712345": "+590598712345",
        "0709201234": "+262709201234",
        "0976612345": "+596976612345",
        "0262123456": "+262262123456",
        "0123456789": "+33123456789",
    }
    assert {n: normalize(n) for n in cases} == cases
    values = ", ".join(f"('{n}')" for n in cases)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT x.n, {national_sql('x.n')} FROM (VALUES {values}) AS x(n)")
        assert dict(cursor.fetchall()) == cases
    assert classify(normalize("0709201234")).country == "RE"
