"""`GET /healthz` on every host: the database, Redis and a live Celery worker."""

from __future__ import annotations

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from ecosystem.celery import app as celery_app

OK = "ok"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return OK
    except Exception as error:  # any failure is the answer, not a crash
        return f"error: {error.__class__.__name__}: {error}".strip()


def check_redis(url: str | None = None) -> str:
    try:
        client = redis.Redis.from_url(url or settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
        return OK
    except Exception as error:
        return f"error: {error.__class__.__name__}: {error}".strip()


def check_worker(app=None, timeout: float = 1.0) -> str:
    app = app or celery_app
    try:
        # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
        replies = app.control.ping(timeout=timeout, limit=1)
    except Exception as error:
        return f"error: {error.__class__.__name__}: {error}".strip()
    return OK if replies else "error: no Celery worker answered"


def health() -> dict[str, str]:
    result = {"database": check_database(), "redis": check_redis()}
    result["worker"] = check_worker() if result["redis"] == OK else "error: broker unreachable"
    return result


class HealthCheckMiddleware:
    """Answers before tenant routing, so every host (known or not) has it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in ("/healthz", "/healthz/") and request.method in ("GET", "HEAD"):
            state = health()
            healthy = all(value == OK for value in state.values())
            return JsonResponse(state, status=200 if healthy else 503)
        return self.get_response(request)
