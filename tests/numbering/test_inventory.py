"""NUM-1: ranges imported from the numbering plan's layout, numbers stored in E.164 with their
own country code overseas, shown the French way; NUM-2: assignment, quarantine round trip and
one winner when two customers pick one number at once."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from kernel.clock import paris_today
from numbering import phone, services
from numbering.choices import NumberState
from numbering.models import NumberRange, PhoneNumber
from tests.factories import ClientFactory, SiteFactory
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db
HEADER = "EZABPQM;Tranche_Debut;Tranche_Fin;Mnémo;Territoire;Date_Attribution;ZNE\n"


def _import(rows: str):
    return services.import_ranges(content=(HEADER + rows).encode(), source="test.csv")


def test_overseas_range_has_its_own_country_code():
    # NUM-1: Réunion is +262, Martinique +596, never +33; their ZNE restriction is on.
    _import(
        "26250;0262500000;0262500009;RSLR;La Réunion;01/07/2021;SAINT-DENIS-REUNION\n"
        "59682;0596820000;0596820004;RSLR;Martinique;01/07/2021;FORT-DE-FRANCE\n"
        "1727;01 72 70 00 00;01 72 70 00 09;RSLR;Métropole;12/03/2019;PARIS\n"
    )
    reunion = PhoneNumber.objects.get(e164="+262262500003")
    assert reunion.region == "RE" and reunion.zne_restricted and reunion.number_type == "geographic"
    assert reunion.display == "02 62 50 00 03"
    assert PhoneNumber.objects.filter(e164__startswith="+596596").count() == 5
    paris = PhoneNumber.objects.get(e164="+33172700009")
    assert not paris.zne_restricted and paris.display == "01 72 70 00 09"
    assert not PhoneNumber.objects.filter(e164__startswith="+33262").exists()
    assert NumberRange.objects.count() == 3


# NUM-1 — Saint-Barthélemy (05 90 27 …) and Saint-Martin (05 90 87 …) numbers are French
# geographic numbers of the Guadeloupe plan (+590, phonenumbers' regions BL and MF): a range of
# each imports with +590, never +33, restricted to its zone as every overseas range; a customer
# types one to port it in: 05 90 87 12 34 → +590590871234.
def test_saint_barthelemy_and_saint_martin_numbers_are_french():
    _import(
        "59027;0590270000;0590270004;RSLR;Saint-Barthélemy;01/07/2021;SAINT-BARTHELEMY\n"
        "59087;0590870000;0590870004;RSLR;Saint-Martin;01/07/2021;SAINT-MARTIN\n"
    )
    assert PhoneNumber.objects.filter(e164__startswith="+590590").count() == 10
    saint_martin = PhoneNumber.objects.get(e164="+590590870003")
    assert saint_martin.zne_restricted and saint_martin.number_type == "geographic"
    assert saint_martin.display == "05 90 87 00 03"
    assert phone.to_e164("05 90 87 12 34") == "+590590871234"
    assert phone.to_e164("+590 590 27 12 34") == "+590590271234"


def test_demo_extract_imports():
    content = (Path(services.inventory.__file__).parents[1] / "data/demo_ranges.csv").read_bytes()
    ranges, numbers = services.import_ranges(content=content)
    assert (ranges, numbers) == (5, 50 + 30 + 20 + 20 + 10)
    assert PhoneNumber.objects.get(e164="+33974400000").number_type == "polyvalent"


@pytest.mark.parametrize(
    "rows, fragment",
    [
        ("1;0172700000;0172700099;X;Métropole;;\n", "ZNE"),  # geographic without ZNE
        ("1;0172700099;0172700000;X;Métropole;;PARIS\n", "before"),
        ("1;0172700000;0172800000;X;Métropole;;PARIS\n", "10000"),
        ("1;0172700000;0612345678;X;Métropole;;PARIS\n", "same block"),
        ("1;01727000;0172700010;X;Métropole;;PARIS\n", "01727000"),
    ],
)
def test_refused_lines_named_and_nothing_imported(rows, fragment):
    good = "1;0426500000;0426500009;X;Métropole;;LYON\n"
    with pytest.raises(ValidationError) as error, translation.override("en"):
        _import(good + rows)
    text = " ".join(error.value.messages)
    assert "3" in text and fragment.replace("10000", "10") in text.replace("\u202f", "")
    assert not PhoneNumber.objects.exists()


def test_overlap_with_held_range_refused():
    _import("1;0172700000;0172700009;X;Métropole;;PARIS\n")
    with pytest.raises(ValidationError):
        _import("1;0172700005;0172700019;X;Métropole;;PARIS\n")
    assert PhoneNumber.objects.count() == 10


@pytest.fixture
def numbers():
    _import(
        "1;0172700000;0172700009;X;Métropole;;PARIS\n"
        "2;0262500000;0262500009;X;La Réunion;;SAINT-DENIS-REUNION\n"
    )


@pytest.fixture
def customer():
    client = ClientFactory()
    SiteFactory(client=client, insee_code="75056")  # Paris
    return client, make_contract(client, "hosted-w")


def test_search_filters(numbers, customer):
    client, contract = customer
    site = contract.site
    allowed = services.search_available(site=site)
    # Overseas numbers stay in their ZNE: none at a Paris site; mainland ones go anywhere.
    assert allowed.count() == 10 and all(n.e164.startswith("+33") for n in allowed)
    assert [n.e164 for n in services.search_available(ends_with="09")] == [
        "+262262500009",
        "+33172700009",
    ]
    assert services.search_available(starts_with="0262").count() == 10
    with pytest.raises(ValidationError):
        services.search_available(ends_with="abc")


def test_assign_release_quarantine_round_trip(numbers, customer, settings):
    # NUM-2
    settings.NUMBERS_QUARANTINE_DAYS = 90
    client, contract = customer
    (number,) = services.assign_numbers(
        client=client, numbers=["01 72 70 00 00"], contract=contract
    )
    assert number.state == NumberState.ASSIGNED and number.contract == contract
    with pytest.raises(ValidationError) as taken:
        services.assign_numbers(client=client, numbers=["0172700000"], contract=contract)
    assert "01 72 70 00 00" in str(taken.value)
    services.release_numbers(client=client, numbers=[number])
    number.refresh_from_db()
    assert number.state == NumberState.QUARANTINE and number.client is None
    assert number.quarantine_until == paris_today() + timedelta(days=90)
    assert services.quarantine_ended(today=paris_today() + timedelta(days=89)) == 0
    assert services.quarantine_ended(today=paris_today() + timedelta(days=90)) == 1
    number.refresh_from_db()
    assert number.state == NumberState.AVAILABLE
    assert [e.to_state for e in number.events.all()] == ["assigned", "quarantine", "available"]


def test_overseas_number_refused_outside_its_zone(numbers, customer):
    client, contract = customer
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.assign_numbers(client=client, numbers=["0262500001"], contract=contract)
    assert "SAINT-DENIS-REUNION" in str(error.value)
    assert PhoneNumber.objects.get(e164="+262262500001").state == NumberState.AVAILABLE


def test_another_customers_contract_refused(numbers, customer):
    _client, contract = customer
    stranger = ClientFactory()
    with pytest.raises(PermissionDenied):
        services.assign_numbers(client=stranger, numbers=["0172700001"], contract=contract)


@pytest.mark.django_db(transaction=True)
def test_two_customers_pick_one_number_at_once():
    # NUM-2 on PostgreSQL: the row lock makes one winner; the other is told, nothing half-done.
    _import("1;0172700000;0172700009;X;Métropole;;PARIS\n")
    contracts = []
    for _ in range(2):
        client = ClientFactory()
        SiteFactory(client=client, insee_code="75056")
        contracts.append(make_contract(client, "hosted-w"))
    barrier = threading.Barrier(2)
    outcomes = []

    def pick(contract):
        try:
            barrier.wait()
            with translation.override("en"):
                services.assign_numbers(
                    client=contract.client, numbers=["0172700005"], contract=contract
                )
            outcomes.append("won")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=pick, args=(c,)) for c in contracts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "won" and "no longer available" in sorted(outcomes)[0]
    number = PhoneNumber.objects.get(e164="+33172700005")
    assert number.client_id in {c.client_id for c in contracts}
    assert number.events.count() == 1


def test_phone_display_and_parse():
    assert phone.to_e164("+33 1 72 70 00 00") == "+33172700000"
    assert phone.to_e164("0596 82 00 00") == "+596596820000"
    with pytest.raises(ValidationError):
        phone.to_e164("０１７２７０００００")  # full-width digits


# NUM-1 — the separators people type are read ("01.72.70.00.00", "(01) 72-70-00-00"); a letter
# or an extension is refused, never dropped: "0172700000x" read as 01 72 70 00 00 assigned or
# ported a number the customer did not write.
@pytest.mark.parametrize("raw", ["01.72.70.00.00", "(01) 72-70-00-00", "01/72/70/00/00"])
def test_parse_reads_the_usual_separators(raw):
    assert phone.to_e164(raw) == "+33172700000"


@pytest.mark.parametrize(
    "raw",
    [
        "0172700000x",
        "01 72 70 00 00 ext",
        "O1 72 70 00 00",
        "01 72 70 00 00 poste 4",
        "33+172700000",
    ],
)
def test_parse_refuses_letters_and_extensions(raw):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        phone.to_e164(raw)
    assert error.value.messages == ["Enter the number with the digits 0-9."]


# NUM-1 — the overseas blocks phonenumbers knows beyond the four-digit prefixes: La Réunion's
# fixed 02 68 8 and Mayotte's 02 68 9, Guadeloupe's fixed 05 98 7, the overseas mobiles of
# 07 09 (La Réunion 07 09 2…) and the overseas "polyvalent" 09 blocks (09 39 9 La Réunion,
# 09 76 6 Martinique) have their territory's own code, never +33. Before, 02 68 81 23 45 was
# stored as +33 268 81 23 45 (mainland, at any site), 07 09 20 12 34 was refused as "not a
# valid French number", and 09 39 91 23 45 was taken for a mainland 09.
@pytest.mark.parametrize(
    ("typed", "e164", "region", "number_type"),
    [
        ("02 68 81 23 45", "+262268812345", "RE", "geographic"),
        ("02 68 91 23 45", "+262268912345", "YT", "geographic"),
        ("05 98 71 23 45", "+590598712345", "GP", "geographic"),
        ("07 09 20 12 34", "+262709201234", "RE", "mobile"),
        ("07 09 35 12 34", "+262709351234", "YT", "mobile"),
        ("09 39 91 23 45", "+262939912345", "RE", "polyvalent"),
        ("09 76 61 23 45", "+596976612345", "MQ", "polyvalent"),
        ("09 72 12 34 56", "+33972123456", "FR", "polyvalent"),
        ("02 68 01 23 45", "+33268012345", "FR", "geographic"),
    ],
)
def test_overseas_blocks_beyond_four_digits_keep_their_code(typed, e164, region, number_type):
    assert phone.to_e164(typed) == e164
    assert phone.region(e164) == region and phone.number_type(e164) == number_type
    assert phone.display(e164) == typed


def test_overseas_blocks_import_with_their_code_and_zone_restriction():
    # NUM-1: a Réunion fixed block of 02 68 8 and a Réunion mobile block of 07 09 2 import
    # with +262, restricted to their zone like every overseas range.
    _import(
        "26881;0268810000;0268810004;RSLR;La Réunion;01/07/2021;SAINT-DENIS-REUNION\n"
        "70920;0709200000;0709200004;RSLR;La Réunion;01/07/2021;\n"
    )
    fixed = PhoneNumber.objects.get(e164="+262268810003")
    assert fixed.region == "RE" and fixed.zne_restricted and fixed.number_type == "geographic"
    mobile = PhoneNumber.objects.get(e164="+262709200001")
    assert mobile.region == "RE" and mobile.number_type == "mobile"
    assert not PhoneNumber.objects.filter(e164__startswith="+33").exists()


# NUM-1 (the rule book: "special 08 with its price class") — an 08 number is typed with what
# its caller pays, by its prefix in ARCEP's plan (phonenumbers' types): 0800–0805 free for the
# caller, 0806–0809 the price of a normal call, 081/082/084 shared cost, 0836 and 085–089 premium
# rate. A block whose first and last numbers are of different classes is refused; a number of
# another type has no price class. Before, every 08 number was "special rate" and nothing more.
def test_special_numbers_carry_their_price_class():
    _import(
        "1;0800100000;0800100009;X;;;\n"
        "2;0806100000;0806100009;X;;;\n"
        "3;0820100000;0820100009;X;;;\n"
        "4;0899100000;0899100009;X;;;\n"
        "5;0172700000;0172700009;X;;;PARIS\n"
    )
    classes = {
        e164: PhoneNumber.objects.get(e164=e164).price_class
        for e164 in ["+33800100003", "+33806100003", "+33820100003", "+33899100003"]
    }
    assert classes == {
        "+33800100003": "toll_free",
        "+33806100003": "uan",
        "+33820100003": "shared_cost",
        "+33899100003": "premium",
    }
    assert NumberRange.objects.get(first="+33899100000").price_class == "premium"
    assert PhoneNumber.objects.get(e164="+33172700003").price_class == ""
    with translation.override("fr"):
        assert PhoneNumber.objects.get(e164="+33800100003").type_label == (
            "Tarification spéciale (08)\u00a0: gratuit pour l'appelant (0800 à 0805)"
        )
        assert PhoneNumber.objects.get(e164="+33172700003").type_label == "Géographique (01 à 05)"
    with pytest.raises(ValidationError) as refused:
        _import("6;0805999995;0806000004;X;;;\n")  # 0805 free, 0806 a normal call's price
    assert "Line 2" in str(refused.value) or "Ligne 2" in str(refused.value)
