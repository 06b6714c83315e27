"""ACC-3 (SPEC §9: the partner API answers in the Accept-Language asked): why a CDR import
failed as a whole is stored by the worker in the language it had active; a partner reading in
English reads it in English, the French back office in French, whatever the stored language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tests.usage.core_helpers import account, at, csv_of, row
from usage.models import ImportBatch
from usage.services import import_errors, imports

pytestmark = pytest.mark.django_db

LATIN1_EN = (
    "The file is not in UTF-8: line 3 holds a byte that is not (0xe9, an export in "
    "Windows-1252 or UTF-16?). Save it as CSV UTF-8 and send it again."
)
LATIN1_FR = (
    "Le fichier n'est pas en UTF-8\xa0: la ligne 3 contient un octet qui n'en est pas (0xe9, "
    "un export en Windows-1252 ou en UTF-16\xa0?). Enregistrez-le en CSV UTF-8 et envoyez-le "
    "de nouveau."
)
COLUMNS = ",".join(imports.COLUMNS)
HEADER_EN = f"The first line must be the header: {COLUMNS}"
HEADER_FR = f"La première ligne doit être l'en-tête\xa0: {COLUMNS}"


def _upload(api, content: bytes, django_capture_on_commit_callbacks) -> int:
    upload = SimpleUploadedFile("cdr.csv", content, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(reverse("api:cdr-import-list"), {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _error(api, batch_id: int, language: str | None) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    report = api.get(reverse("api:cdr-import-detail", args=[batch_id]), **headers).json()
    assert report["status"] == "failed"
    return report["error"]


# ACC-3: a Windows-1252 file (« é » as the byte 0xe9 on line 3) failed by a worker in French,
# and a file without its header failed by a worker in English: each reads in English with
# Accept-Language: en and in French with fr or no header (the list's error the same).
@pytest.mark.parametrize("worker_language", ["fr", "en"])
def test_a_failed_import_reads_in_the_language_asked(
    api, partner, worker_language, django_capture_on_commit_callbacks
):
    sip = account("sip-unl", partner=partner)
    good = row(sip, "0123456789", start=at(2))
    latin = csv_of([good, row(sip, "0123456789", start=at(3), device="poste-é")])
    latin_id = _upload(
        api, latin.replace("é".encode(), b"\xe9"), django_capture_on_commit_callbacks
    )
    headless = "\n".join([good, good.replace("c", "d", 1)]).encode() + b"\n"
    headless_id = _upload(api, headless, django_capture_on_commit_callbacks)
    with translation.override(worker_language):
        imports.import_run(latin_id)
        imports.import_run(headless_id)
    cases = [(latin_id, LATIN1_EN, LATIN1_FR), (headless_id, HEADER_EN, HEADER_FR)]
    for batch_id, english, french in cases:
        assert _error(api, batch_id, "en") == english
        assert _error(api, batch_id, "fr") == french
        assert _error(api, batch_id, None) == french
    listed = api.get(reverse("api:cdr-import-list"), HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert {b["id"]: b["error"] for b in listed} == {latin_id: LATIN1_EN, headless_id: HEADER_EN}


# ACC-3: a row stored before the change, in English by a worker that had English active, reads
# in French in the back office (French staff); a text that is no known message (a Python csv
# error's) is read as stored.
def test_back_office_reads_a_failure_in_french(staff, partner):
    stored_en = ImportBatch.objects.create(
        filename="cdr.csv", source="api", partner=partner, status="failed", error=LATIN1_EN
    )
    response = staff.get(
        reverse("admin:usage_importbatch_change", args=[stored_en.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    page = response.content.decode()
    assert "Le fichier n&#x27;est pas en UTF-8\xa0: la ligne 3 contient" in page
    assert "The file is not in UTF-8" not in page
    odd = "Le fichier n'est pas un CSV lisible\xa0: field larger than field limit (131072)"
    assert import_errors.error_in_language(odd) == odd
    with translation.override("en"):
        assert import_errors.error_in_language(odd) == (
            "The file is not readable CSV: field larger than field limit (131072)"
        )
        assert import_errors.error_in_language("worker lost") == "worker lost"
