"""SPEC §9, webhooks: the one way a webhook leaves the portal — to a public HTTPS address,
checked when the endpoint is saved and again at each delivery, on the very address that was
checked (no DNS rebinding between the check and the connection), with no redirect followed.

``WEBHOOKS_ALLOW_LOOPBACK`` (tests, the demo) also admits plain HTTP to 127.0.0.1/::1.
"""

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel.stored_texts import in_language

TIMEOUT_SECONDS = 10
EXCERPT_LENGTH = 500
# What a URL's path and query keep as they are (RFC 3986 reserved characters and escapes).
_URI_SAFE = "/?:@!$&'()*+,;=%"


# Why an address is refused: also the ``error`` of an attempt the delivery refused to send,
# stored in the language active where it ran and read in the reader's (``error_in_language``).
BAD_PORT = gettext_noop("The port of this URL is not valid.")
CREDENTIALS = gettext_noop("A webhook URL cannot carry a user name or a password.")
NO_HOST = gettext_noop("Enter a full URL, e.g. https://hooks.example.fr/portal.")
NO_ADDRESS = gettext_noop("The host name %(host)s does not resolve.")
NOT_PUBLIC = gettext_noop(
    "%(host)s resolves to a private, loopback or link-local address: webhooks go to public "
    "addresses only."
)
NOT_HTTPS = gettext_noop("A webhook URL must start with https://.")
ADDRESS_ERRORS = (BAD_PORT, CREDENTIALS, NO_HOST, NO_ADDRESS, NOT_PUBLIC, NOT_HTTPS)


def error_in_language(error: str) -> str:
    """An attempt's stored ``error`` in the active language (ACC-3: the partner API answers in
    the ``Accept-Language`` asked, the back office reads French): a refused address's message,
    whichever language stored it; a network error's text (Python's) as stored."""
    return in_language(error, ADDRESS_ERRORS)


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


# IPv6 prefixes that carry an IPv4 address in their last 32 bits, which a gateway (NAT64, the
# deprecated IPv4-compatible form) forwards to: 64:ff9b::a9fe:a9fe is 169.254.169.254.
_IPV4_CARRIERS = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("::/96"),
)


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 one reaches through a translator or tunnel, else None."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _IPV4_CARRIERS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed(address) -> bool:
    if address.is_loopback:
        return _loopback_allowed()
    embedded = _embedded_ipv4(address)
    if embedded is not None and not _allowed(embedded):
        return False
    return address.is_global and not address.is_multicast


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked IP address) of ``url``, or ValidationError saying why not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError(_(BAD_PORT)) from error
    if parts.username or parts.password:
        raise ValidationError(_(CREDENTIALS))
    if not host:
        raise ValidationError(_(NO_HOST))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(_(NO_ADDRESS) % {"host": host}) from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise ValidationError(_(NOT_PUBLIC) % {"host": host})
    loopback = all(address.is_loopback for address in addresses)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationError(_(NOT_HTTPS))
    return parts.scheme, host, port, str(addresses[0])


def validate_url(url: str) -> None:
    resolve(url)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address while verifying the certificate of the host name."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Response:
    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url``; never raises for what the endpoint or the network does."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = resolve(url)
    except ValidationError as error:
        return Response(None, elapsed(), error=" ".join(error.messages)[:300])
    parts = urlsplit(url)
    # A path or query in other characters than ASCII ("/réception") is sent percent-encoded
    # (UTF-8), as a browser sends it, and an international host name in its ASCII form: HTTP
    # carries ASCII only.
    target = quote(parts.path or "/", safe=_URI_SAFE) + (
        f"?{quote(parts.query, safe=_URI_SAFE)}" if parts.query else ""
    )
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if scheme == "https":
        connection = _PinnedHTTPSConnection(host, port, address, timeout=TIMEOUT_SECONDS)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=TIMEOUT_SECONDS)
    # The socket's timeout bounds each read; this bounds the whole attempt ("a 2xx answer
    # within 10 seconds"), so that an endpoint trickling its answer neither passes for a
    # success nor outlasts the delivery's lease (and gets the event a second time meanwhile).
    deadline = _Deadline(connection, TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                **headers,
                "Host": netloc.encode("idna").decode("ascii"),
                "Content-Type": "application/json",
                "User-Agent": "Portal-Webhooks/1",
            },
        )
        reply = connection.getresponse()
        excerpt = reply.read(EXCERPT_LENGTH * 4).decode("utf-8", "replace")[:EXCERPT_LENGTH]
        if deadline.passed():
            raise TimeoutError
        return Response(reply.status, elapsed(), excerpt=excerpt)
    except (OSError, http.client.HTTPException, UnicodeError) as error:
        if deadline.passed():
            cut = f"TimeoutError: no complete answer within {TIMEOUT_SECONDS} s"
            return Response(None, elapsed(), error=cut)
        return Response(None, elapsed(), error=f"{type(error).__name__}: {error}"[:300])
    finally:
        deadline.cancel()
        connection.close()


class _Deadline:
    """Cuts ``connection``'s socket once ``seconds`` have passed: the read in progress ends."""

    def __init__(self, connection, seconds: float):
        self._connection = connection
        self._passed = threading.Event()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self):
        self._passed.set()
        sock = self._connection.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def passed(self) -> bool:
        return self._passed.is_set()

    def cancel(self):
        self._timer.cancel()
