"""Request limits per client, counted atomically in Redis.

DRF's cache throttles read a request history and write it back: requests
arriving together all read the same history and all pass. Here each request
is one Redis INCR on a counter created with its expiry (SET NX EX): however
many arrive at once, at most `limit` are counted within the window.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from rest_framework import status

from .errors import ApplicationError

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(ApplicationError):
    """Over a rate; `retry_after` (seconds, at most the rate's window) goes out as Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def parse_rate(rate: str) -> tuple[int, int]:
    """ "20/hour" -> (20, 3600): a count per second, minute, hour or day (DRF's notation)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1]]


def within_rate(*, scope: str, client: str | None, rate: str) -> bool:
    """Count one request of `scope` from `client` (an address, an email…);
    whether it is within `rate`. The counter is under the current schema's
    cache prefix, and the client is hashed: no email lands in a key."""
    limit, window = parse_rate(rate)
    key = f"rate:{scope}:{hashlib.sha256((client or 'unknown').encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between the two calls: this request opens the next one
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    return count <= limit
