"""ACC-4 — sign-in rate limits count per client behind the reverse proxy (issue 13, defect 1).

Production sits behind ``TRUSTED_PROXY_COUNT`` proxies: the client is the entry of
``X-Forwarded-For`` the farthest trusted proxy appended. Every request below comes from the same
socket address (the test client's 127.0.0.1, i.e. "the proxy"), only the forwarded address
differs, as it does in production.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts.adapters import AccountAdapter
from kernel.http import client_ip
from tests.factories import PASSWORD, UserFactory
from tests.test_project import PRODUCTION_ENV

pytestmark = pytest.mark.django_db

# The production limits (portal.settings.base); the test settings switch them off.
PRODUCTION_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
}
IP_1 = "198.51.100.11"
IP_2 = "198.51.100.22"


def _drop_rate_limit_keys():
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match="*allauth:rl:*"):
        client.delete(key)


@pytest.fixture
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = PRODUCTION_LIMITS
    settings.TRUSTED_PROXY_COUNT = 1
    _drop_rate_limit_keys()
    yield
    _drop_rate_limit_keys()


def _sign_in(client, email, password, ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=ip,
    )


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


# ACC-4 — 10 bad passwords for A from IP 1 do not block B's correct password from IP 2 (one
# proxy in front of both); they do block any further attempt from IP 1, even with a right
# password (10/m/ip), and A's account itself (5/5m/key).
def test_failed_sign_ins_limited_per_client_behind_proxy(rate_limits, client):
    user_a, user_b, user_c = UserFactory(), UserFactory(), UserFactory()
    for _ in range(10):
        assert not _signed_in(_sign_in(client, user_a.email, "wrong-password", IP_1))
    assert _signed_in(_sign_in(client, user_b.email, PASSWORD, IP_2))
    client.logout()
    # The 11th failed-or-not attempt from IP 1 is refused before the password is checked.
    response = _sign_in(client, user_c.email, PASSWORD, IP_1)
    assert not _signed_in(response)
    assert response.status_code in (200, 429)
    # A's account is limited by key as well, whatever the address.
    assert not _signed_in(_sign_in(client, user_a.email, PASSWORD, "198.51.100.33"))


# ACC-4 — a client cannot dodge the limit by writing its own X-Forwarded-For: only the entry the
# trusted proxy appended (the right-most with one proxy) counts.
def test_forged_forwarded_entries_ignored(rate_limits, client):
    user_a, user_c = UserFactory(), UserFactory()
    for n in range(10):
        forged = f"203.0.113.{n}, {IP_1}"  # the client wrote the first entry, the proxy the last
        assert not _signed_in(_sign_in(client, user_a.email, "wrong-password", forged))
    assert not _signed_in(_sign_in(client, user_c.email, PASSWORD, f"203.0.113.99, {IP_1}"))


# The client address: the TRUSTED_PROXY_COUNT-th entry from the right; the socket's address when
# no proxy is trusted or the header is shorter than the proxy chain; never a malformed entry.
@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "198.51.100.11", "10.0.0.1"),  # dev: the header is ignored
        (1, "198.51.100.11", "198.51.100.11"),
        (1, "6.6.6.6, 198.51.100.11", "198.51.100.11"),
        (2, "6.6.6.6, 198.51.100.11, 10.0.0.9", "198.51.100.11"),
        (2, "198.51.100.11", "10.0.0.1"),  # shorter than the chain: not trusted
        (1, "", "10.0.0.1"),
        (1, "not-an-ip", "10.0.0.1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "198.51.100.11:8080", "198.51.100.11"),
    ],
)
def test_client_ip(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
    assert AccountAdapter(request).get_client_ip(request) == expected


PRINT_TRUSTED_PROXY_COUNT = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"


# ACC-4 — production trusts exactly the configured number of proxies: one by default (the
# TLS-terminating proxy of the deployment), TRUSTED_PROXY_COUNT otherwise; development none.
@pytest.mark.parametrize(("configured", "expected"), [(None, "1"), ("2", "2"), ("0", "0")])
def test_production_trusted_proxy_count(configured, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("TRUSTED_PROXY_COUNT", None)
    env.update(PRODUCTION_ENV)
    if configured is not None:
        env["TRUSTED_PROXY_COUNT"] = configured
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)",
        ],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr


def test_development_trusts_no_proxy():
    from portal.settings import dev

    assert dev.TRUSTED_PROXY_COUNT == 0
