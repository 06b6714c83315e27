"""ACC-3 — the partner API's rate limit per key, counted atomically in Redis (issue 13, defect 7).

DRF's throttle read the key's history, then wrote it back: parallel requests raced and, at
1 200/min, 1 261 requests passed before the first 429. The test settings' cache is the real
Redis, as in production.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.api.throttling import ApiKeyRateThrottle
from accounts.models import ApiKey
from tests.factories import make_api_key

WINDOW_START = 60 * 29_000_000  # a minute boundary (epoch seconds)
NOW = WINDOW_START + 15  # 15 s into the minute: 45 s left


@pytest.fixture
def frozen(monkeypatch):
    """The throttle's clock stopped 15 s into a minute; ``frozen.now`` moves it."""
    clock = type("Clock", (), {"now": NOW})()
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", lambda self: clock.now)
    return clock


@pytest.fixture
def rate(monkeypatch):
    def _set(value):
        monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": value})

    return _set


@pytest.fixture
def fresh_prefix():
    """A key prefix of this test only; its counters are removed afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)


def _request_for(prefix):
    request = RequestFactory().get("/api/v1/customers/")
    request.auth = ApiKey(prefix=prefix)
    return request


# ACC-3 — 60 requests of one key at the same instant from 60 threads, limit 20/min: exactly 20
# pass (20 = the limit, 40 = 60 − 20 refused).
def test_parallel_requests_never_overshoot(frozen, rate, fresh_prefix):
    rate("20/min")
    barrier = threading.Barrier(60)

    def one(_):
        throttle = ApiKeyRateThrottle()
        barrier.wait()
        return throttle.allow_request(_request_for(fresh_prefix), None)

    with ThreadPoolExecutor(max_workers=60) as pool:
        results = list(pool.map(one, range(60)))
    assert results.count(True) == 20
    assert results.count(False) == 40


# ACC-3 — a refused request says when to come back: the end of the current minute (45 s here);
# the next minute starts a new count; another key has its own.
def test_retry_after_and_new_window(frozen, rate, fresh_prefix):
    rate("3/min")
    throttle = ApiKeyRateThrottle()
    assert [throttle.allow_request(_request_for(fresh_prefix), None) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert throttle.wait() == 45  # WINDOW_START + 60 − NOW
    assert ApiKeyRateThrottle().allow_request(_request_for(f"{fresh_prefix}b"), None)
    frozen.now = WINDOW_START + 59
    assert not ApiKeyRateThrottle().allow_request(_request_for(fresh_prefix), None)
    frozen.now = WINDOW_START + 60  # the next minute
    assert ApiKeyRateThrottle().allow_request(_request_for(fresh_prefix), None)


def test_counter_expires_with_its_window(frozen, rate, fresh_prefix):
    rate("3/min")
    ApiKeyRateThrottle().allow_request(_request_for(fresh_prefix), None)
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"*{fresh_prefix}*"))
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 60 + 1


# ACC-3 — end to end: 12 parallel requests with one key, limit 5/min → five 200 and seven 429
# with the error envelope and a Retry-After header.
@pytest.mark.django_db(transaction=True)
def test_parallel_http_requests(frozen, rate, partner):
    rate("5/min")
    key, raw = make_api_key(partner)
    barrier = threading.Barrier(12)

    def one(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        try:
            barrier.wait()
            return client.get("/api/v1/customers/")
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(one, range(12)))
        codes = sorted(response.status_code for response in responses)
        assert codes == [200] * 5 + [429] * 7
        refused = [response for response in responses if response.status_code == 429]
        assert all(response["Retry-After"] == "45" for response in refused)
        assert refused[0].json()["error"]["code"] == "throttled"
        assert refused[0]["Cache-Control"] == "no-store"
    finally:
        client = cache._cache.get_client(write=True)
        for redis_key in client.scan_iter(match=f"*{key.prefix}*"):
            client.delete(redis_key)
