"""ACC-3: a partner's logo, as the back office accepts it and as the portal serves it.

Only PNG and JPEG, at most ``MAX_LOGO_BYTES``: a browser shows both, the invoice PDF too, and
neither carries a script (an SVG may). The portal serves the logo itself
(``accounts.views.brand_logo``) at one stable address, ``/brand/logo/?v=<version>``: /media/ is
served by DEBUG only, so in production a partner's customers saw a broken image. The version
changes with the stored file, so a browser keeps a logo a day and still shows a new one at once."""

import hashlib

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image

MAX_LOGO_BYTES = 1024 * 1024  # 1 MB: a header logo of 400 × 120 pixels weighs a few kB
LOGO_MAX_AGE = 60 * 60 * 24  # one day in the browser's cache (private: never a shared cache)
# Pillow's name of each accepted format → its Content-Type, and the bytes each file starts with.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}

NOT_PNG_OR_JPEG = _(
    "The logo must be a PNG or JPEG image: this file is not one (SVG files and other formats "
    "are not accepted)."
)


def validate_logo(value):
    """A newly uploaded logo: at most 1 MB, a PNG or a JPEG (read by Pillow, not by its name).
    A logo already stored is not read again on every save of its partner."""
    if not value or getattr(value, "_committed", True):
        return
    if value.size > MAX_LOGO_BYTES:
        raise ValidationError(
            _(
                "The logo weighs %(size)s MB; at most %(limit)s MB is accepted. Reduce it (a logo "
                "of 400 × 120 pixels is enough) and upload it again."
            ),
            code="logo_too_big",
            params={
                "size": number_format(value.size / 1024**2, 1),
                "limit": MAX_LOGO_BYTES // 1024**2,
            },
        )
    upload = value.file
    try:
        upload.seek(0)
        kind = Image.open(upload).format
    except Exception:  # Pillow raises several kinds for a file that is not an image
        kind = None
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise ValidationError(NOT_PNG_OR_JPEG, code="logo_format")


def content_type(data: bytes) -> str | None:
    """image/png or image/jpeg from the file's own first bytes, else None (never served)."""
    return next((kind for start, kind in SIGNATURES.items() if data.startswith(start)), None)


def version(logo) -> str:
    """A short fingerprint of the stored file's name: a new upload gets a new name."""
    return hashlib.sha256(logo.name.encode()).hexdigest()[:12]
