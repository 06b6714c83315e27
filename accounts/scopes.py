"""ACC-3: what a partner's API key may do (its scopes) and where it may call from (its allowlist).

A scope is ``<family>:<access>``: a family of resources, or ``*`` for every family, and ``read``
or ``write`` (``write`` includes ``read``). Reading is GET/HEAD/OPTIONS; anything else writes
(commands such as a termination quote included). ``keys`` — managing the partner's own keys —
is outside ``*``: only ``keys:read`` / ``keys:write`` grant it, so a key made for the data never
mints keys, and a key mints only keys within its own scopes (``covers``).

Plain functions over plain values: the key row stores its scopes and allowlist as JSON lists,
so checking a request costs no query.
"""

import functools
import ipaddress

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

READ = "read"
WRITE = "write"
ACCESSES = (READ, WRITE)
ALL = "*"
KEYS = "keys"
# The resource families of the API, as documented (ApiKeyAuthenticationScheme).
FAMILIES = (
    "customers", "contracts", "billing", "payments", "telephony", "support", "numbers", "webhooks",
    "usage", "equipment",
)  # fmt: skip
SCOPES = tuple(f"{family}:{access}" for family in (ALL, *FAMILIES, KEYS) for access in ACCESSES)
SCOPE_CHOICES = [(scope, scope) for scope in SCOPES]
# A key created without naming its scopes (a partner's first key, the tests' keys): everything.
FULL_ACCESS = [f"{ALL}:{WRITE}", f"{KEYS}:{WRITE}"]
READ_ONLY = [f"{ALL}:{READ}"]
MAX_SCOPES = len(SCOPES)
MAX_ALLOWED_NETWORKS = 50
MAX_NETWORK_LENGTH = 43  # an IPv6 address with its /128


def parse(scope: str) -> tuple[str, str]:
    """``"billing:write"`` → ``("billing", "write")``; ``ValueError`` for anything else."""
    if scope not in SCOPES:
        raise ValueError(scope)
    family, _sep, access = scope.partition(":")
    return family, access


def covers(granted: str, wanted: str) -> bool:
    """Whether the scope ``granted`` includes the scope ``wanted``."""
    granted_family, granted_access = parse(granted)
    wanted_family, wanted_access = parse(wanted)
    family_ok = granted_family == wanted_family or (granted_family == ALL and wanted_family != KEYS)
    return family_ok and (granted_access == WRITE or wanted_access == READ)


def allows(scopes: list[str], family: str, access: str) -> bool:
    """Whether a key with ``scopes`` may ``access`` (read/write) the resources of ``family``.

    ``family`` may be one this module does not list (an app's API added later): ``*`` covers it.
    """
    for scope in scopes:
        granted_family, _sep, granted_access = scope.partition(":")
        if granted_family == family or (granted_family == ALL and family != KEYS):
            if granted_access == WRITE or access == READ:
                return True
    return False


def missing(granted: list[str], wanted: list[str]) -> list[str]:
    """The scopes of ``wanted`` that no scope of ``granted`` covers."""
    return [scope for scope in wanted if not any(covers(g, scope) for g in granted)]


def clean_scopes(values) -> list[str]:
    """A non-empty list of known scopes, without repeats, in the vocabulary's order."""
    if not isinstance(values, list | tuple) or not values:
        raise ValidationError(_("Give at least one scope."), code="no_scope")
    unknown = [str(value) for value in values if value not in SCOPES]
    if unknown:
        raise ValidationError(
            _("Unknown scope %(scope)s."), code="unknown_scope", params={"scope": unknown[0]}
        )
    return [scope for scope in SCOPES if scope in values]


def clean_allowlist(values) -> list[str]:
    """IP addresses or CIDR networks (``203.0.113.7``, ``2001:db8::/48``) in canonical form; an
    address with host bits set under its mask (``10.0.0.1/8``) is taken as its network."""
    if not isinstance(values, list | tuple):
        raise ValidationError(_("Give a list of addresses."), code="invalid")
    if len(values) > MAX_ALLOWED_NETWORKS:
        raise ValidationError(
            _("At most %(max)s addresses or networks."),
            code="too_many",
            params={"max": MAX_ALLOWED_NETWORKS},
        )
    networks = []
    for value in values:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            raise ValidationError(
                _("%(value)s is not an IP address or a CIDR network."),
                code="invalid_network",
                params={"value": str(value)[:MAX_NETWORK_LENGTH]},
            ) from None
        if str(network) not in networks:
            networks.append(str(network))
    return networks


def networks_beyond(granted: list[str], wanted: list[str]) -> list[str]:
    """The networks of the allowlist ``wanted`` that the allowlist ``granted`` does not hold
    (an empty list is every address: ``["*"]`` when ``wanted`` is empty and ``granted`` is
    not). A key fenced to some networks creates no key usable from elsewhere."""
    if not granted:
        return []
    if not wanted:
        return ["*"]
    fences = _networks(tuple(granted))
    beyond = []
    for value in wanted:
        network = ipaddress.ip_network(value)
        if not any(
            network.version == fence.version and network.subnet_of(fence) for fence in fences
        ):
            beyond.append(value)
    return beyond


@functools.lru_cache(maxsize=1024)
def _networks(allowlist: tuple[str, ...]) -> tuple:
    """Parsed once per allowlist, not on every request (50 networks: ~250 µs to parse)."""
    return tuple(ipaddress.ip_network(network) for network in allowlist)


def ip_allowed(allowlist: list[str], ip: str | None) -> bool:
    """An empty allowlist lets any address in; otherwise the address must be in one network."""
    if not allowlist:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    if address.version == 6 and address.ipv4_mapped is not None:  # ::ffff:203.0.113.7
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(allowlist)))
