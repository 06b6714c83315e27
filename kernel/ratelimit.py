"""Fixed-window request counters, counted atomically in the shared cache.

``hit(name, window, now)`` counts one request of ``name`` in the current window of ``window``
seconds and returns how many the window has seen (this one included) and the seconds left in
it. The counter's key names its window (``…:<window start>``), so a window never inherits the
previous one's count, whatever the timing of the expiry.

On Redis (production, tests) the increment and the expiry are one ``MULTI``/``EXEC``: parallel
requests in any number of processes each get a distinct count, so exactly ``limit`` of them see
a count within the limit. Other cache backends (the file cache of ``make run``) get
``add`` + ``incr``, which is good enough for one developer.
"""

import math
import weakref

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def hit(name: str, *, window: int, now: float) -> tuple[int, int]:
    """Count one request of ``name``: ``(count in the current window, seconds left in it)``."""
    cache = caches["default"]
    start = int(now // window) * window
    left = max(1, math.ceil(start + window - now))
    name = f"rl:{name}:{start}"
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(name)
        client = _client(cache._cache, key)
        with client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, left + 1)
            count, _expiry_set = pipe.execute()
        return int(count), left
    cache.add(name, 0, timeout=left + 1)
    try:
        return cache.incr(name), left
    except ValueError:  # expired between the two calls
        cache.add(name, 1, timeout=left + 1)
        return 1, left


_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _client(backend, key):
    """The backend's client for writes, made once: Django's ``get_client`` makes a new Redis
    client for each call (its ~150 response callbacks copied: ~0.1 ms a request), over the
    same connection pool."""
    client = _CLIENTS.get(backend)
    if client is None:
        client = _CLIENTS[backend] = backend.get_client(key, write=True)
    return client
