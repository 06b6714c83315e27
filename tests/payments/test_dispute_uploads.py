"""BIL-8: a dispute's supporting documents (PDF, PNG or JPEG, 5 MB each, 5 at most) — what is
kept on disk when the write fails, and under which name."""

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from payments import services
from payments.models import Dispute, DisputeDocument
from payments.services import disputes as dispute_services
from tests.payments.conftest import direct_customer, issue_invoice

PDF = b"%PDF-1.4\n% releve\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path


def stored_files(settings) -> set:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def october_5th():
    # The September invoice (issued 2026-09-30) may be disputed until 2026-11-29.
    return time_machine.travel("2026-10-05 10:00 +02:00", tick=False)


# BIL-8 (failure paths, as SLA-1's attachments and EQP-4's photos): a failure after the documents
# are stored (here the audit record, the last step, raising) rolls the dispute back — and its
# documents' files too: none is left in the media folder without its row (personal data nobody
# can see, list or delete).
def test_a_failure_after_the_documents_leaves_no_file(settings, monkeypatch):
    invoice = issue_invoice(direct_customer(legal_name="Durand SARL"), "100.00")

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(dispute_services, "audit_record", broken)
    before = stored_files(settings)
    with october_5th(), pytest.raises(RuntimeError):
        services.dispute_open(
            invoice=invoice,
            amount="10.00",
            reason="Lignes facturées deux fois",
            documents=[SimpleUploadedFile("releve.pdf", PDF), SimpleUploadedFile("b.pdf", PDF)],
        )
    assert not Dispute.objects.exists() and not DisputeDocument.objects.exists()
    assert stored_files(settings) == before
