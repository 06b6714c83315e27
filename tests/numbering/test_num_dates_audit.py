"""NUM-3 / NUM-4 dates: the day a contract ends when its numbers leave on different porting
dates, and the porting dates a customer or staff may choose (French business days)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.port_out import port_out_apply, port_out_notice
from offers.choices import TerminationReason
from tests.numbering.test_port_out import hosted_w, trunk_two_numbers  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_contract_ends_when_its_last_number_leaves_not_on_the_earlier_porting_date(hosted_w):  # noqa: F811
    # NUM-4 / CON-5: 01 72 70 00 01 leaves on 20 November, then the upstream's notice for
    # 01 72 70 00 02 (leaving earlier, 20 October) is recorded. The contract still serves
    # 00 01 until 20 November: it ends on 20 November, not 20 October.
    with time_machine.travel(date(2026, 10, 5)):
        _first, termination = port_out_notice(number="0172700001", porting_date=date(2026, 11, 20))
        assert termination is None
        _last, termination = port_out_notice(number="0172700002", porting_date=date(2026, 10, 20))
    assert termination.reason == TerminationReason.PORT_OUT
    assert termination.effective_date == date(2026, 11, 20)
    # HOSTED-W 8.1: remaining months of the initial period (10 June 2026 → 9 June 2027) from
    # 20 November 2026: 20 Nov → 19 Dec, … 20 May → 9 June 2027 = 7 months × 29.80 € = 208.60 €.
    assert termination.fee_amount == Decimal("208.60")
    # 00 02 leaves on its own date, 00 01 on its own; neither goes to quarantine.
    port_out_apply(number_id=_last.pk, today=date(2026, 10, 20))
    states = dict(PhoneNumber.objects.values_list("e164", "state"))
    assert states["+33172700002"] == NumberState.PORTED_OUT
    assert states["+33172700001"] == NumberState.ASSIGNED


# NUM-4 / CON-4 / BIL-9 (TRUNK: renewed each month, no fee) — a trunk of 8 channels (2 × 4-pack,
# 34.00 € HT a month) with 01 72 70 00 01 and 00 02. On 2 November the upstream announces that
# 00 01 leaves on 20 January 2027; November's run (1 December) bills December in advance:
# 34.00 + 2 × 1.00 = 36.00 € HT. On 3 December the notice of 00 02, which left on 15 November,
# is recorded: the trunk still serves 00 01 until 20 January, so the contract ends then and only
# 00 02's December is not due: a credit note of 1.00 € HT (1.20 € TTC). Before, the contract
# ended on 15 November and December was credited whole, 36.00 € HT, trunk and 00 01 included,
# while 00 01 kept calling through it until 20 January.
def test_late_notice_of_an_earlier_porting_does_not_end_the_trunk_still_serving(
    trunk_two_numbers,  # noqa: F811
):
    from billing import services as billing
    from billing.models import Invoice

    client = trunk_two_numbers.contract.client
    with time_machine.travel(date(2026, 11, 2)):
        port_out_notice(number="0172700001", porting_date=date(2027, 1, 20))
    with time_machine.travel(date(2026, 12, 1)):
        billing.run_month_sync(month=date(2026, 11, 1))
    november = Invoice.objects.get(client=client, kind="invoice", month=date(2026, 11, 1))
    assert november.total_net == Decimal("36.00")
    with time_machine.travel(date(2026, 12, 3)):
        _row, termination = port_out_notice(number="0172700002", porting_date=date(2026, 11, 15))
    assert (termination.effective_date, termination.fee_amount) == (
        date(2027, 1, 20),
        Decimal("0.00"),
    )
    (note,) = Invoice.objects.filter(kind="credit_note", corrects=november)
    assert (note.total_net, note.total_gross) == (Decimal("1.00"), Decimal("1.20"))
    assert "01 72 70 00 02" in note.lines.get().description


# --- NUM-3: porting dates are French business days ---------------------------------------------


def _port_request(tenant, contract, desired, *, submit=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.choices import Role
    from numbering.rio import check_key
    from numbering.services import porting
    from tests.factories import siret_for

    return porting.port_request_create(
        client=tenant.client,
        lines=[{"number": "0172700012", "rio": "02FAB1234" + check_key("02FAB1234", "0172700012")}],
        holder_name="Acme SAS",
        holder_siret=siret_for(tenant.client.siren),
        current_operator="Opérateur historique",
        desired_date=desired,
        contract=contract,
        mandate=SimpleUploadedFile("m.pdf", PDF, content_type="application/pdf"),
        submit=submit,
        actor=tenant.members[Role.ADMIN].user,
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def contract(tenant, settings, tmp_path):
    from tests.offers.factories import make_contract

    settings.MEDIA_ROOT = str(tmp_path)
    return make_contract(tenant.client, "hosted-w")


# NUM-3 — numbers are ported on French business days: Monday to Friday, not a public holiday
# (holidays.France). Typed on Monday 7 December 2026, each date below was taken as the desired
# porting date (and sent to the operator, who cannot port on it); it is refused on its field
# with the reason and the next business day, worked out by hand on the calendar.
@pytest.mark.parametrize(
    ("desired", "said"),
    [
        # Friday 25 December 2026, Christmas → Monday 28 (26 and 27 are the weekend)
        (date(2026, 12, 25), "25/12/2026 is a public holiday (Christmas Day)"),
        # Friday 1 January 2027 → Monday 4 January
        (date(2027, 1, 1), "01/01/2027 is a public holiday (New Year's Day)"),
        # Thursday 6 May 2027, Ascension → Friday 7 May
        (date(2027, 5, 6), "06/05/2027 is a public holiday (Ascension Day)"),
        # Monday 17 May 2027, Pentecost Monday → Tuesday 18 May
        (date(2027, 5, 17), "17/05/2027 is a public holiday (Pentecost Monday)"),
        # Wednesday 14 July 2027, national day → Thursday 15 July
        (date(2027, 7, 14), "14/07/2027 is a public holiday (National Day)"),
        # Saturday 12 and Sunday 13 December 2026 → Monday 14 December
        (date(2026, 12, 12), "12/12/2026 is a Saturday"),
        (date(2026, 12, 13), "13/12/2026 is a Sunday"),
    ],
)
def test_desired_date_on_a_weekend_or_a_public_holiday_is_refused(tenant, contract, desired, said):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from numbering.models import PortRequest

    nexts = {
        date(2026, 12, 25): "28/12/2026",
        date(2027, 1, 1): "04/01/2027",
        date(2027, 5, 6): "07/05/2027",
        date(2027, 5, 17): "18/05/2027",
        date(2027, 7, 14): "15/07/2027",
        date(2026, 12, 12): "14/12/2026",
        date(2026, 12, 13): "14/12/2026",
    }
    with time_machine.travel(date(2026, 12, 7)), translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            _port_request(tenant, contract, desired, submit=True)
    (message,) = refused.value.message_dict["desired_date"]
    assert message.startswith(said), message
    assert f"The next one is {nexts[desired]}." in message
    assert not PortRequest.objects.exists()


def test_desired_date_on_the_next_business_day_is_taken(tenant, contract):
    # NUM-3 — the days around those holidays are business days: Thursday 24 December 2026,
    # Monday 28 December, Friday 7 May 2027 (between Ascension and the weekend).
    with time_machine.travel(date(2026, 12, 7)):
        for day in (date(2026, 12, 24), date(2026, 12, 28), date(2027, 5, 7)):
            assert _port_request(tenant, contract, day).desired_date == day


def test_portal_and_api_name_the_holiday_in_french(client, api, tenant, contract):
    # NUM-3 — the portal's form (French by default) and the partner API say it on the field.
    from django.urls import reverse
    from lxml import html

    from accounts.choices import Role
    from tests.numbering.test_api import PORTS, _line, _port_body
    from tests.numbering.test_views import _port_data

    with time_machine.travel(date(2027, 7, 5)):
        client.force_login(tenant.members[Role.ADMIN].user)
        line = _line("0172700012")
        lines = [(line["number"], line["rio"])]
        data = _port_data(tenant, contract, lines, desired_date="2027-07-14")
        response = client.post(reverse("numbering:port_create"), data)
        tree = html.fromstring(response.content.decode())
        (error,) = tree.xpath("//*[@data-testid='error-desired_date']")
        text = " ".join(error.text_content().split())
        assert "Le 14/07/2027 est un jour férié (Fête nationale)" in text, text
        assert "Le prochain est le 15/07/2027." in text
        body = _port_body(tenant, contract, [_line("0172700012")], desired_date="2027-07-14")
        response = api.post(PORTS, body, format="json")
        assert response.status_code == 400
        (message,) = response.json()["error"]["fields"]["desired_date"]
        assert message.startswith("Le 14/07/2027 est un jour férié (Fête nationale)")


def test_staff_accept_on_a_public_holiday_is_refused_but_the_upstream_file_is_taken(
    tenant, contract
):
    # NUM-3 — staff typing the porting date Monday 17 May 2027 (Pentecost Monday) are told
    # it is no porting day; the upstream's status file is a fact and is recorded as it is.
    from django.core.exceptions import ValidationError

    from numbering.services import porting
    from numbering.services.status_file import import_status_file
    from tests.support.factories import make_staff

    staff = make_staff()
    with time_machine.travel(date(2027, 5, 3)):
        port = _port_request(tenant, contract, date(2027, 5, 14), submit=True)
        with pytest.raises(ValidationError) as refused:
            porting.port_request_accept(request=port, scheduled_date=date(2027, 5, 17), actor=staff)
        assert "scheduled_date" in refused.value.message_dict
        port.refresh_from_db()
        assert (port.status, port.scheduled_date) == ("submitted", None)
        content = f"reference;status;date;reason;note\n{port.reference};accepted;17/05/2027;;\n"
        report = import_status_file(content=content.encode(), actor=staff)
        assert report.moved == 1
        port.refresh_from_db()
        assert (port.status, port.scheduled_date) == ("accepted", date(2027, 5, 17))
