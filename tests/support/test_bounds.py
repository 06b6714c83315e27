"""The portal's ticket forms have the API's bounds (issue 13, defect 4): a body of at most
10 000 characters (5 MB were stored), at most 10 files with one message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from kernel.inputs import MAX_FILES, MAX_TEXT
from support.forms import ReplyForm, TicketForm

pytestmark = pytest.mark.django_db


def _form(form_class, body, files=(), **kwargs):
    uploads = MultiValueDict({"attachments": list(files)})
    data = {"kind": "question", "subject": "Fax", "body": body}
    form = form_class(data=data, files=uploads, **kwargs)
    form.is_valid()
    return form


def _files(count):
    return [
        SimpleUploadedFile(f"log{i}.txt", b"x", content_type="text/plain") for i in range(count)
    ]


# SLA-1 — the same bound as the API's (kernel.inputs.MAX_TEXT).
@pytest.mark.parametrize("form_class", [TicketForm, ReplyForm])
def test_body_bound(form_class, tenant):
    kwargs = {"client": tenant.client} if form_class is TicketForm else {}
    assert "body" in _form(form_class, "x" * (MAX_TEXT + 1), **kwargs).errors
    assert _form(form_class, "x" * MAX_TEXT, **kwargs).errors == {}


@pytest.mark.parametrize("form_class", [TicketForm, ReplyForm])
def test_attachments_bound(form_class, tenant):
    kwargs = {"client": tenant.client} if form_class is TicketForm else {}
    assert "attachments" in _form(form_class, "logs", _files(MAX_FILES + 1), **kwargs).errors
    form = _form(form_class, "logs", _files(MAX_FILES), **kwargs)
    assert form.errors == {} and len(form.cleaned_data["attachments"]) == MAX_FILES
