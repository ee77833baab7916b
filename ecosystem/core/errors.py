"""Domain errors: one family with a code (`ecosystem.core.api.api_exception_handler` turns them into JSON)."""

from __future__ import annotations

from rest_framework import status


class ApplicationError(Exception):
    """A refusal the user can act on. `code` is stable, `message` is shown."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class FieldErrors(ApplicationError):
    """Input refused field by field: `{"field": ["message", ...]}`."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs), code="invalid")
        self.errors = errors


class NotAllowed(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
