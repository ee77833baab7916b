"""Rate limits for the public pages that are not API views (DRF's scoped
throttles serve the API, e.g. the sign-up's `signup` rate).

Rates use DRF's notation (`"10/hour"`). Counts live in Redis in fixed
windows, under the current schema's key prefix, and are counted with atomic
operations (`cache.add` creates the window, `cache.incr` counts): two requests
racing for the last allowed slot cannot both get it.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from rest_framework import status

from .errors import ApplicationError

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(ApplicationError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "throttled"


def parse_rate(rate: str) -> tuple[int, int]:
    """`"10/hour"` -> (10 requests, 3600 seconds)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period[0]]


def rate_limit_exceeded(*, scope: str, ident: str, rate: str) -> bool:
    """Count one request of `ident` (an address, an email…) in `scope`; True
    once it is over `rate`. Identifiers are hashed: no email lands in a key."""
    limit, window = parse_rate(rate)
    key = f"rate:{scope}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this request opens the next
        cache.add(key, 1, timeout=window)
        count = 1
    return count > limit
