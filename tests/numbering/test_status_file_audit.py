"""NUM-3: the upstream's status file, line by line — a request on two lines (accepted, then
completed) is moved through both, a bad line is named with its number and reason while the good
lines are imported, and a completion takes the file's date (never in the future): the number's
first billed month follows that date (NUM-2), as its port-out ends it (NUM-4)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import PendingCharge
from kernel.clock import PARIS, paris_today
from numbering.models import PhoneNumber, PortRequest
from numbering.porting_days import next_porting_day
from numbering.rio import check_key
from numbering.services import porting, pricing
from numbering.services.port_out import port_out_notice
from numbering.services.status_file import import_status_file
from offers.models import Product
from tests.factories import sign_in_staff, siret_for
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db
HEAD = "reference;status;date;reason;note\n"


def _request(client, contract, number, desired):
    body = "02F" + "AB1234"
    return porting.port_request_create(
        client=client,
        lines=[{"number": number, "rio": body + check_key(body, number)}],
        holder_name="Acme SAS",
        holder_siret=siret_for(client.siren),
        current_operator="Opérateur historique",
        desired_date=desired,
        contract=contract,
        mandate=SimpleUploadedFile("m.pdf", b"%PDF-1.4\n%%EOF\n"),
        submit=True,
    )


@pytest.fixture
def two(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    contract = make_contract(tenant.client, "hosted-w")
    desired = next_porting_day(paris_today() + timedelta(days=10))
    return (
        _request(tenant.client, contract, "0172700012", desired),
        _request(tenant.client, contract, "0172700013", desired),
    )


def _file(*lines) -> bytes:
    return (HEAD + "".join(f"{line}\n" for line in lines)).encode()


def _dmy(day):
    return day.strftime("%d/%m/%Y")


# NUM-3 — one request on two lines (accepted today, then completed): both applied in order;
# the same file sent again: both lines skipped, nothing moves twice.
def test_a_request_accepted_then_completed_in_one_file_is_completed(two):
    first, _second = two
    today = _dmy(paris_today())
    content = _file(f"{first.reference};accepted;{today};;", f"{first.reference};completed;;;")
    report = import_status_file(content=content)
    assert [(x.line, x.outcome) for x in report.lines] == [(2, "applied"), (3, "applied")]
    first.refresh_from_db()
    assert first.status == "completed" and first.scheduled_date == paris_today()
    assert PhoneNumber.objects.get(e164="+33172700012").state == "assigned"
    again = import_status_file(content=content)  # the same file sent twice: nothing moves
    assert [(x.line, x.outcome) for x in again.lines] == [(2, "skipped"), (3, "skipped")]


# NUM-3 — a porting date already past (yesterday) on line 2 and an unknown reason on line 4 are
# refused by line with their reason; line 3 (in 5 days) is imported: 1 moved.
def test_an_accepted_line_with_a_past_date_is_named_and_the_good_lines_imported(two):
    first, second = two
    yesterday, later = paris_today() - timedelta(days=1), paris_today() + timedelta(days=5)
    report = import_status_file(
        content=_file(
            f"{first.reference};accepted;{_dmy(yesterday)};;",
            f"{second.reference};accepted;{_dmy(later)};;",
            f"{first.reference};rejected;;no_such_reason;",
        )
    )
    refused = {x.line: x.message for x in report.lines if x.outcome == "refused"}
    assert set(refused) == {2, 4}
    assert _dmy(yesterday) in refused[2] and "passée" in refused[2]  # French first
    assert "no_such_reason" in refused[4]
    assert report.moved == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "submitted" and first.scheduled_date is None
    assert second.status == "accepted" and second.scheduled_date == later


# NUM-3 — line 2 refused (31/02 is no date): line 3 completing the same request says line 2
# stopped it.
def test_a_completion_after_a_refused_acceptance_says_which_line_stopped_it(two):
    first, _second = two
    report = import_status_file(
        content=_file(f"{first.reference};accepted;31/02/2026;;", f"{first.reference};completed;;;")
    )
    assert [x.outcome for x in report.lines] == ["refused", "refused"]
    assert "ligne 2" in report.lines[1].message  # French first


# NUM-3 — imported 3 days late, the file accepts and completes a request on a day now past:
# the acceptance happened already (the file completes it below), both lines applied.
def test_a_late_file_accepting_and_completing_on_a_past_day_is_imported(two):
    first, _second = two
    with time_machine.travel(datetime.now(PARIS) + timedelta(days=3), tick=False):
        day = _dmy(paris_today() - timedelta(days=2))
        report = import_status_file(
            content=_file(
                f"{first.reference};accepted;{day};;", f"{first.reference};completed;{day};;"
            )
        )
    assert [x.outcome for x in report.lines] == ["applied", "applied"]
    assert PortRequest.objects.get(pk=first.pk).status == "completed"


# NUM-3 — a completion dated tomorrow, or the day before the request was sent, is refused by
# line; no number is assigned.
def test_a_completion_dated_in_the_future_or_before_the_request_is_refused(two):
    first, second = two
    ahead, before = paris_today() + timedelta(days=1), paris_today() - timedelta(days=1)
    for request in two:
        porting.port_request_accept(request=request, scheduled_date=next_porting_day(paris_today()))
    report = import_status_file(
        content=_file(
            f"{first.reference};completed;{_dmy(ahead)};;",
            f"{second.reference};completed;{_dmy(before)};;",
        )
    )
    assert [x.outcome for x in report.lines] == ["refused", "refused"]
    assert "futur" in report.lines[0].message and "envoi" in report.lines[1].message
    assert not PhoneNumber.objects.filter(state="assigned").exists()


# NUM-3 / NUM-2 / NUM-4 — number-geographic at 1.20 € HT a month, billed in advance from the
# month after the assignment. Ported in on 28/11/2026 (the file's date), recorded on 02/12/2026,
# after November's run (which billed December): December 1.20 € is due and posted at once,
# January 1.20 € by December's run. With the import day (02/12) December was never billed.
# Ported out on 15/01/2027: January is due (a started month), February is not.
def test_a_completion_recorded_late_bills_from_the_month_after_the_files_date(
    tenant, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    Product.objects.update_or_create(
        code="number-geographic",
        defaults={"name": "Numéro géographique", "kind": "option", "monthly_price": Decimal("1.2")},
    )
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=PARIS), tick=False):
        contract = make_contract(
            tenant.client, "hosted-w", signature=date(2026, 9, 1), service_start=date(2026, 9, 2)
        )
        request = _request(tenant.client, contract, "0172700012", date(2026, 11, 27))
        import_status_file(content=_file(f"{request.reference};accepted;28/11/2026;;"))
    with time_machine.travel(datetime(2026, 12, 1, 0, 30, tzinfo=PARIS), tick=False):
        assert pricing.post_monthly_charges(date(2026, 12, 1)) == 0  # November's run
    with time_machine.travel(datetime(2026, 12, 2, 15, tzinfo=PARIS), tick=False):
        report = import_status_file(content=_file(f"{request.reference};completed;28/11/2026;;"))
    assert [x.outcome for x in report.lines] == ["applied"]
    number = PhoneNumber.objects.get(e164="+33172700012")
    assert number.assigned_at.astimezone(PARIS).date() == date(2026, 11, 28)
    months = PendingCharge.objects.filter(source_type="number", source_id=str(number.pk))
    assert [(c.period_start, c.unit_price) for c in months] == [(date(2026, 12, 1), Decimal("1.2"))]
    assert PendingCharge.objects.get(source_type="port_request_line").period_start == date(
        2026, 11, 28
    )
    with time_machine.travel(datetime(2026, 12, 31, 23, tzinfo=PARIS), tick=False):
        assert pricing.post_monthly_charges(date(2027, 1, 1)) == 1  # December's run
        port_out_notice(number="0172700012", porting_date=date(2027, 1, 15))
    assert pricing.post_monthly_charges(date(2027, 2, 1)) == 0  # left on 15/01: no February
    assert sorted(months.values_list("period_start", flat=True)) == [
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


# NUM-3 — the back-office import answers with the report: line 2 refused (past date, named),
# line 3 applied.
def test_the_report_page_names_each_line_of_the_file(two, staff):
    first, second = two
    yesterday = _dmy(paris_today() - timedelta(days=1))
    later = _dmy(paris_today() + timedelta(days=5))
    content = _file(
        f"{first.reference};accepted;{yesterday};;", f"{second.reference};accepted;{later};;"
    )
    page = staff.post(
        reverse("admin:numbering_portrequest_status_file"),
        {"file": SimpleUploadedFile("s.csv", content)},
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="status-file-report"' in html
    assert html.count('data-outcome="refused"') == 1 and html.count('data-outcome="applied"') == 1
    assert yesterday in html
    assert PortRequest.objects.get(pk=second.pk).status == "accepted"


@pytest.fixture
def staff(client):
    sign_in_staff(client)
    return client
