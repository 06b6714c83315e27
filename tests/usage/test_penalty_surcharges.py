"""USE-7 (PLATFORM 27): « Utilisation CLI non câblée ou non-autorisée — 2000 € auxquels peuvent
s'ajouter la surcharge appliquée par le ou les opérateur(s) »; « Non-respect … des décisions du
régulateur — 10 000 € auxquels s'ajoute les pénalités éventuelles des opérateurs et
régulateurs ». What the operators or the regulator charged us is passed on at its own amount.

Case: an unauthorised CLI noted on 12/10/2026 (2 000.00 €), and the terminating operator's
surcharge of 347.50 € invoiced to us for it. Before, the only way the back office gave was « a
further penalty of the same kind » at the contract's amount: 2 000.00 € again, October's penalty
invoice 4 000.00 € instead of 2 000.00 + 347.50 = 2 347.50 € (outside the scope of VAT).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing import services as billing
from billing.models import Invoice, InvoicePurpose, PendingCharge
from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from tests.usage.money_helpers import OCT
from usage.models import Penalty
from usage.money_choices import PenaltyKind
from usage.services import penalties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _platform(client):
    return make_contract(
        client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1)
    )


def test_use7_the_operators_surcharge_is_passed_on_at_its_amount(admin_user):
    client = customer()
    contract = _platform(client)
    cli = penalties.penalty_record(
        client=client,
        contract=contract,
        kind=PenaltyKind.UNAUTHORISED_CLI,
        occurred_on=date(2026, 10, 12),
        evidence_note="CLI +33 1 99 00 00 00 non attribuée au client",
        actor=admin_user,
    )
    surcharge = penalties.penalty_record(
        client=client,
        contract=contract,
        kind=PenaltyKind.OPERATOR_SURCHARGE,
        amount=Decimal("347.50"),
        occurred_on=date(2026, 10, 12),
        evidence_note="Facture de l'opérateur n° OP-2026-991 : surcharge CLI",
        actor=admin_user,
    )
    assert (cli.amount, surcharge.amount) == (Decimal("2000.00"), Decimal("347.50"))
    charge = PendingCharge.objects.get(source_type="usage_penalty", source_id=str(surcharge.pk))
    assert (charge.unit_price, charge.quantity, charge.vat_category) == (
        Decimal("347.50"),
        1,
        "O",
    )

    billing.run_month_sync(month=OCT)

    extra = Invoice.objects.get(client=client, month=OCT, purpose=InvoicePurpose.LATE_CHARGES)
    assert (extra.total_net, extra.total_vat, extra.total_gross) == (
        Decimal("2347.50"),
        Decimal("0.00"),
        Decimal("2347.50"),
    )


# The surcharge's amount is typed (the operator's invoice), and only for it: a fixed penalty
# keeps the contract's amount (a typed one is refused), a surcharge without an amount, or of
# 0 €, is refused; nothing is written.
def test_use7_a_typed_amount_only_for_a_surcharge(admin_user):
    client = customer()
    _platform(client)
    common = {"client": client, "occurred_on": date(2026, 10, 12), "evidence_note": "Pièce"}
    with pytest.raises(ValidationError) as refused:
        penalties.penalty_record(kind=PenaltyKind.OPERATOR_SURCHARGE, **common)
    assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        penalties.penalty_record(kind=PenaltyKind.OPERATOR_SURCHARGE, amount=Decimal("0"), **common)
    assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        penalties.penalty_record(
            kind=PenaltyKind.UNAUTHORISED_CLI, amount=Decimal("1500.00"), **common
        )
    assert "amount" in refused.value.message_dict
    assert not Penalty.objects.exists() and not PendingCharge.objects.exists()


# The back office's form takes the surcharge's amount, in French (« 347,50 »).
def test_use7_the_back_office_records_a_surcharge(staff):
    target = customer()
    _platform(target)
    url = reverse("admin:usage_penalty_add")
    page = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Surcharge des opérateurs ou du régulateur répercutée — montant saisi" in page
    response = staff.post(
        url,
        {
            "client": target.pk,
            "kind": "operator_surcharge",
            "occurred_on": "2026-10-12",
            "quantity": "1",
            "amount": "347,50",
            "evidence_note": "Facture de l'opérateur n° OP-2026-991",
            "evidence": SimpleUploadedFile("facture.pdf", b"%PDF-1.4 test"),
            "confirm": "on",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    assert Penalty.objects.get().amount == Decimal("347.50")
