"""ACC-7: SIP usernames and secrets, and the encryption of secrets at rest.

Provisioning needs secrets in clear, so they cannot be hashed like passwords: they are encrypted
with Fernet (AES-128-CBC + HMAC-SHA256, authenticated: a tampered value fails to decrypt
instead of yielding garbage). The key is derived from ``SIP_SECRETS_KEY`` when the settings
define one, otherwise from ``SECRET_KEY`` with HKDF under a purpose label, so that it is never
the Django signing key itself. Keys in ``SECRET_KEY_FALLBACKS`` still decrypt (MultiFernet),
which lets the secret key rotate; values are re-encrypted with the current key when rotated.
"""

import base64
import secrets
import string

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SECRET_LENGTH = 24
USERNAME_PREFIX = "sip"
_ALPHABET = string.ascii_letters + string.digits
_PURPOSE = b"telephony.sip-secrets.v1"


def _fernet_key(material: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        material.encode()
    )
    return base64.urlsafe_b64encode(derived)


def _box() -> MultiFernet:
    own = getattr(settings, "SIP_SECRETS_KEY", "") or ""
    materials = [own] if own else []
    materials += [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(m)) for m in materials if m])


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    """The secret in clear, for provisioning only (never displayed after its first display)."""
    return _box().decrypt(token.encode()).decode()


def new_secret() -> str:
    """A random secret of 24 letters and digits (~143 bits), from ``secrets``."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))


def new_username(prefix: str = USERNAME_PREFIX) -> str:
    """A random, unguessable username (uniqueness is the database's unique constraint)."""
    return f"{prefix}{secrets.randbelow(10**10):010d}"
