"""ACC-6 (PLATFORM 17.3): the day a contract is flagged inactive — six calendar months after the
day of its last call, clamped to the month end like every month count of the project
(``offers.periods.add_months``): the period of six months is ``[last call, last call + 6 months)``
and the contract is flagged on its end day, the first day after six whole months without traffic.
"""

from datetime import date

import pytest
from django.core import mail

from offers import services
from offers.models import Contract
from tests.offers.test_services import contract_for

pytestmark = pytest.mark.django_db


def _flagged_on(client, last_call, days):
    """Run the nightly job on each of ``days`` (in order); the day it flagged the contract."""
    contract = contract_for(client, "platform", signed=date(2024, 1, 1), start=date(2024, 1, 1))
    services.contract_record_traffic(contract=contract, day=last_call)
    for day in days:
        services.contracts_flag_inactive(today=day)
        flagged = Contract.objects.get(pk=contract.pk).inactive_flagged_on
        if flagged is not None:
            return flagged
    return None


# ACC-6 — last call 31/08/2026: 31/08 + 6 months = 28/02/2027 (no 31st nor 29th in February
# 2027): flagged on 28/02, not on 01/03 (before: 29/08, 30/08 and 31/08 all waited until 01/03,
# one to three days more than six months). 28/08 was and stays flagged on 28/02.
@pytest.mark.parametrize(
    "last_call, expected",
    [
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2026, 8, 30), date(2027, 2, 28)),
        (date(2026, 8, 29), date(2027, 2, 28)),
        (date(2026, 8, 28), date(2027, 2, 28)),
        (date(2026, 8, 27), date(2027, 2, 27)),
        # 2027-08-31 + 6 months = 29/02/2028 (leap year); 29/08/2027 too; 28/08 → 28/02
        (date(2027, 8, 31), date(2028, 2, 29)),
        (date(2027, 8, 29), date(2028, 2, 29)),
        (date(2027, 8, 28), date(2028, 2, 28)),
        # 31/03 + 6 months = 30/09 (September has 30 days), not 01/10
        (date(2026, 3, 31), date(2026, 9, 30)),
        (date(2026, 3, 30), date(2026, 9, 30)),
        (date(2026, 3, 29), date(2026, 9, 29)),
    ],
)
def test_contract_flagged_inactive_six_calendar_months_after_its_last_call(
    tenant, last_call, expected
):
    end = expected.toordinal()
    days = [date.fromordinal(n) for n in range(end - 3, end + 3)]
    assert _flagged_on(tenant.client, last_call, days) == expected


# ACC-6 — the customer is told on the day of the flag, once: last call 31/08/2026, nothing on
# 27/02/2027, the e-mail on 28/02/2027 naming the last call, nothing more on 01/03.
def test_inactivity_email_sent_on_the_day_six_months_end(
    tenant, django_capture_on_commit_callbacks
):
    contract = contract_for(
        tenant.client, "platform", signed=date(2024, 1, 1), start=date(2024, 1, 1)
    )
    services.contract_record_traffic(contract=contract, day=date(2026, 8, 31))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.contracts_flag_inactive(today=date(2027, 2, 27)) == 0
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.contracts_flag_inactive(today=date(2027, 2, 28)) == 1
        assert services.contracts_flag_inactive(today=date(2027, 3, 1)) == 0
    assert len(mail.outbox) == 1
    assert "31" in mail.outbox[0].body and "2026" in mail.outbox[0].body


# ACC-6 — never used: counted from the service start the same way (31/03/2026 → 30/09/2026).
def test_never_used_contract_flagged_six_calendar_months_after_service_start(tenant):
    contract_for(tenant.client, "platform", signed=date(2026, 3, 1), start=date(2026, 3, 31))
    assert services.contracts_flag_inactive(today=date(2026, 9, 29)) == 0
    assert services.contracts_flag_inactive(today=date(2026, 9, 30)) == 1
