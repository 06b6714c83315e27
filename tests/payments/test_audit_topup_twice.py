"""BIL-10 / BIL-4: the same top-up recorded twice (two members of staff, two tabs of the back
office) was credited twice; the same refund recorded twice was paid out twice. A transfer
recorded as a payment was already refused on its second recording (same payer, amount, date and
bank reference): top-ups and refunds are now refused the same way, nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from payments import selectors, services
from payments.models import PrepaidEntry
from tests.payments.conftest import direct_customer

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 2)


def topup(client, amount="100.00", reference="VIR 0211 DURAND", fee="1.50"):
    return services.prepaid_topup_record(
        client=client,
        amount_received=amount,
        bank_fee=fee,
        received_on=TODAY,
        reference=reference,
    )


# BIL-10 — 100.00 € received on 02/11 (bank fee 1.50 €: 98.50 € credited) recorded once, then
# again by a second member of staff: refused on its reference, the balance stays 98.50 € (before:
# 197.00 €, two entries for one transfer). A second transfer of the same amount that day, with
# its own bank reference, is a second top-up: 197.00 €. The same transfer recorded for another
# customer is that customer's.
def test_bil10_same_topup_recorded_twice_is_refused():
    client, other = direct_customer(), direct_customer()
    assert topup(client).balance_after == Decimal("98.50")
    with pytest.raises(ValidationError) as error:
        topup(client, reference=" VIR 0211 DURAND ")
    assert "reference" in error.value.message_dict
    assert selectors.prepaid_balance(client) == Decimal("98.50")
    assert PrepaidEntry.objects.filter(account__client=client).count() == 1
    assert topup(client, reference="VIR 0211 DURAND 2").balance_after == Decimal("197.00")
    assert topup(other).balance_after == Decimal("98.50")


# BIL-10 — a refund of 50.00 € (bank reference REMB-77) out of 98.50 €, recorded twice: the second
# is refused, the balance stays 48.50 € (before: −1.50 € refused only by the balance check, and a
# refund of 40.00 € twice left 18.50 €, 40.00 € paid out for nothing).
def test_bil10_same_refund_recorded_twice_is_refused():
    client = direct_customer()
    topup(client)
    refund = services.prepaid_refund(client=client, amount="40.00", reference="REMB-77")
    assert refund.balance_after == Decimal("58.50")
    with pytest.raises(ValidationError) as error:
        services.prepaid_refund(client=client, amount="40.00", reference="REMB-77")
    assert "reference" in error.value.message_dict
    assert selectors.prepaid_balance(client) == Decimal("58.50")
    second = services.prepaid_refund(client=client, amount="40.00", reference="REMB-78")
    assert second.balance_after == Decimal("18.50")
