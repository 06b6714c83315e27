"""ACC-3: requests per API key, counted atomically in the shared cache (``kernel.ratelimit``).

A fixed window of the rate's period (``API_THROTTLE_RATE``, 1 200/min by default): within one
window exactly ``limit`` requests of a key pass, however many arrive in parallel on however many
web processes; the others answer 429 with ``Retry-After`` = the seconds left in the window.
Requests without a key (the schema and its docs) are counted per client IP
(``kernel.http.client_ip``, behind the trusted proxies).
"""

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey
from kernel import ratelimit
from kernel.http import client_ip


class ApiKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"{self.scope}:key:{request.auth.prefix}"
        return f"{self.scope}:ip:{client_ip(request) or 'unknown'}"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        name = self.get_cache_key(request, view)
        if name is None:
            return True
        count, self.seconds_left = ratelimit.hit(name, window=self.duration, now=self.timer())
        return count <= self.num_requests

    def wait(self):
        return self.seconds_left
