"""CDR files (USE-1, docs/cdr-format.md) uploaded in the back office (200 MB at most) and through
the partner API (20 MB at most) are stored, hashed and counted by chunks: never read whole into
the worker's memory."""

import hashlib
import tracemalloc

import pytest
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from usage.models import ImportBatch

pytestmark = pytest.mark.django_db

LINE = b"call-000000,sip-x,2026-10-01T08:00:00Z,yes,60,0123456789,0987654321,outbound,d1\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# USE-1: a 24 MB file of 300 000 lines (the carrier's month) was read whole into memory by the
# back office (``upload.read()``: 24 MB, then its hash and its line count on top), so a file at
# the 200 MB limit took 200 MB+ of a web worker. Now it is stored from Django's temporary file
# by chunks: the request peaks at a few MB whatever the file's size, and the batch still says
# its size, SHA-256 and 300 001 lines (the header, then 300 000 calls).
def test_back_office_upload_is_not_read_into_memory(staff, django_capture_on_commit_callbacks):
    header = b"call_id,account,start_time,answered,duration,caller,called,call_type,device_id\n"
    content = header + LINE * 300_000
    assert len(content) == 24_000_079
    body = encode_multipart(BOUNDARY, {"file": _named(content, "octobre.csv")})
    url = reverse("admin:usage_importbatch_add")
    tracemalloc.start()
    try:
        with django_capture_on_commit_callbacks(execute=False):
            response = staff.post(
                url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.filename, batch.size, batch.total_lines) == ("octobre.csv", len(content), 300_001)
    assert batch.sha256 == hashlib.sha256(content).hexdigest()
    with batch.file.open("rb") as stored:
        assert stored.read() == content
    # The test client keeps its own copy of the body (24 MB) for the whole request: beyond it,
    # the upload takes at most 8 MB (Django's chunks of 64 KB, the page).
    extra = peak - len(body)
    assert extra < 8 * 1024 * 1024, f"{extra / 1024 / 1024:.1f} MB beyond the request's body"


def _named(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
