"""Who is calling: the client's IP address behind the configured reverse proxies.

In production the portal sits behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each of which
appends the address it received the request from to ``X-Forwarded-For``. The client's address
is therefore the entry that the farthest trusted proxy appended: the ``TRUSTED_PROXY_COUNT``-th
from the right. Everything to its left was written by the client and is never trusted (a client
can send any ``X-Forwarded-For`` it likes). With ``TRUSTED_PROXY_COUNT = 0`` (development, tests,
a server reached directly) the header is ignored and the socket's address (``REMOTE_ADDR``) is
the client.

Sign-in rate limits (allauth, ``accounts.adapters``) and the API's throttle for requests without
a key count per this address: with a proxy that is not trusted, every user would be the proxy
and one person's failed sign-ins would block everybody.
"""

import ipaddress

from django.conf import settings


def _clean(value: str | None) -> str | None:
    """``value`` as a canonical IP address, or None if it is not one (``[::1]:443`` and
    ``1.2.3.4:80`` lose their port)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address: the ``TRUSTED_PROXY_COUNT``-th entry of ``X-Forwarded-For``
    from the right when the portal trusts that many proxies, else ``REMOTE_ADDR``.

    A header with fewer entries than trusted proxies did not come through all of them (a
    misconfiguration, or a request that reached the server around the proxies): the socket's
    address is used then, never an entry the client could have written. None when no valid
    address is known."""
    trusted = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if trusted > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
        if len(hops) >= trusted:
            ip = _clean(hops[-trusted])
            if ip is not None:
                return ip
    return _clean(request.META.get("REMOTE_ADDR"))
