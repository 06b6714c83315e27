"""Files attached to ticket messages: what is accepted (checked by extension and first bytes)
and how an accepted file is kept."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kernel.files import file_stored, original_name
from support.models import Attachment, TicketMessage

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def _is_text(head: bytes) -> bool:
    """Plain text or a log: no NUL byte and no control character but tab, newlines, form feed
    and escape (coloured logs)."""
    return not any(b < 9 or (13 < b < 32 and b != 27) or b == 127 for b in head)


PCAP_MAGICS = (
    b"\xa1\xb2\xc3\xd4",
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x4d\x3c\xb2\xa1",
    b"\x0a\x0d\x0d\x0a",  # pcapng
)
# Extension → (content type, does the file start like one?)
ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    ".png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    ".txt": ("text/plain", _is_text),
    ".log": ("text/plain", _is_text),
    ".pcap": ("application/vnd.tcpdump.pcap", lambda h: h[:4] in PCAP_MAGICS),
    ".pcapng": ("application/vnd.tcpdump.pcap", lambda h: h[:4] in PCAP_MAGICS),
    ".zip": ("application/zip", lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06")),
}


def attachment_check(upload) -> str:
    """The content type of an uploaded file, or ValidationError: at most 10 MB, a PDF, PNG,
    JPEG, text, log, capture (pcap) or ZIP file — by its extension *and* its first bytes."""
    name = getattr(upload, "name", "") or ""
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 10 MB.") % {"name": name}, code="too_large"
        )
    if extension not in ALLOWED_ATTACHMENTS:
        raise ValidationError(
            _("%(name)s: only PDF, PNG, JPEG, TXT, LOG, PCAP and ZIP files are accepted.")
            % {"name": name},
            code="file_type",
        )
    content_type, looks_right = ALLOWED_ATTACHMENTS[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not head or not looks_right(head):
        raise ValidationError(
            _("%(name)s does not look like a %(ext)s file.")
            % {"name": name, "ext": extension[1:].upper()},
            code="file_content",
        )
    return content_type


def check_attachments(attachments: Iterable) -> list[str]:
    """The messages of every file refused by ``attachment_check`` (empty when all are fine)."""
    errors = []
    for upload in attachments:
        try:
            attachment_check(upload)
        except ValidationError as error:
            errors.extend(error.messages)
    return errors


def attachments_save(message: TicketMessage, attachments: Iterable) -> None:
    """Keep the (checked) files on the message."""
    for upload in attachments:
        content_type = attachment_check(upload)
        original = original_name(upload)
        attachment = Attachment(
            message=message,
            original_name=original,
            content_type=content_type,
            size=upload.size,
        )
        attachment.file.save(original, upload, save=False)
        file_stored(attachment.file)  # deleted if the write fails (``files_undone_on_error``)
        attachment.save()
