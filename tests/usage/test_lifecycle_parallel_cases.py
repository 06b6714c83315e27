"""Audit (helper C): the work after a rating pass (USE-8 prepaid debit, consumption alerts) run
by two workers at once — two imports of one customer finishing together, or one task delivered
twice. The data is committed (``transaction=True``): each worker has its own connection."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from accounts.choices import PaymentMethod
from kernel.models import OutboxEvent
from payments.models import PrepaidEntry
from tests.factories import PartnerFactory
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, top_up
from tests.usage.money_helpers import OCT, call
from usage.models import ConsumptionAlert, PrepaidUsageDebit
from usage.services import alerts
from usage.services.post_rating import after_rating

pytestmark = pytest.mark.django_db(transaction=True)


def side_by_side(*jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


# USE-8 / consumption alerts — a prepaid customer of partner P (VAT 20 %, 20.00 € topped up,
# threshold 10.00 € with block) has October calls of 12.0000 € HT. Batches 1 and 2 finish
# together: their after_rating tasks run side by side (each twice). The month is debited once:
# 12.00 × 1.20 = 14.40 € → balance 5.60 €; the levels 50, 80, 100 % are recorded once each,
# one webhook event (100 %, blocked) for partner P, one e-mail.
@time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False)
def test_after_rating_side_by_side_debits_and_alerts_once(mailoutbox):
    client = customer(payment_method=PaymentMethod.PREPAID, partner=PartnerFactory())
    contract = make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )
    top_up(client, "20.00")
    alerts.threshold_set(client=client, amount=Decimal("10.00"), block_outgoing=True)
    call(client, contract=contract, cost="7.0000", line_type="mobile")
    call(client, contract=contract, cost="5.0000")
    keys = [(client.pk, OCT)]
    side_by_side(*[lambda b=b: after_rating(batch_id=b, keys=keys) for b in (1, 2, 1, 2)])
    assert sum(PrepaidUsageDebit.objects.values_list("net", flat=True)) == Decimal("12.0000")
    assert sum(
        PrepaidEntry.objects.filter(account__client=client).values_list("amount", flat=True)
    ) == Decimal("5.60")
    assert sorted(ConsumptionAlert.objects.values_list("level", flat=True)) == [50, 80, 100]
    events = OutboxEvent.objects.filter(type="usage.threshold_reached")
    assert [(e.partner_id, e.data["level"], e.data["outgoing_blocked"]) for e in events] == [
        (client.partner_id, 100, True)
    ]
    alerts_sent = [m.subject for m in mailoutbox if "seuil" in m.subject]
    assert alerts_sent == ["Votre consommation a atteint 100\u00a0% de votre seuil mensuel"]
