"""USE-7: a penalty's evidence file (a complaint, a regulator's decision) uploaded in the back
office — never left on disk without its penalty."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from usage.models import Penalty
from usage.money_choices import PenaltyKind
from usage.services import penalties

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path / "media")


# USE-7 (failure paths, as SLA-1's attachments): a penalty whose write fails after its evidence
# is stored (here the audit record, the last step, raising) is rolled back — and the evidence
# file (« plainte-42.pdf », a consumer's complaint: personal data) used to stay in
# media/usage/penalties/<customer>/ with no penalty to show, list or purge it. Now it is deleted.
def test_a_failure_after_the_evidence_leaves_no_file(admin_user, settings, monkeypatch):
    client = customer()
    make_contract(client, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1))

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(penalties, "audit_record", broken)
    with pytest.raises(RuntimeError):
        penalties.penalty_record(
            client=client,
            kind=PenaltyKind.CONSUMER_COMPLAINT,
            occurred_on=date(2026, 10, 12),
            evidence_note="Plainte DGCCRF n° 42",
            evidence=SimpleUploadedFile("plainte-42.pdf", b"%PDF-1.4 plainte 42"),
            actor=admin_user,
        )
    assert not Penalty.objects.exists()
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []
