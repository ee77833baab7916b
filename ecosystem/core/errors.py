"""Domain errors: one family with a code (`ecosystem.core.api.api_exception_handler` turns them into JSON).

Unique values are the database's to guarantee: two requests at once both pass
a service's "is it taken?" check, and the loser's INSERT or UPDATE hits the
constraint. Each unique constraint users can run into is declared once with
`unique_rule` (next to its model), and `unique_violations()` (services) and
the API exception handler turn its violation into the rule's error: the very
answer the sequential check gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import IntegrityError
from django.utils.functional import Promise
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


@dataclass(frozen=True)
class UniqueRule:
    """What a person is told when the unique constraint `constraint` refuses a value."""

    constraint: str  # the name PostgreSQL reports: the constraint's, or the unique index's
    field: str
    text: str | Promise  # lazily translated: read in the language of each request
    conflict_code: str | None = None  # a 409 with this code instead of a field error

    def message(self) -> str:
        return str(self.text)

    def error(self) -> ApplicationError:
        if self.conflict_code:
            return Conflict(self.message(), code=self.conflict_code)
        return FieldErrors({self.field: [self.message()]})


_UNIQUE_RULES: dict[str, UniqueRule] = {}


def unique_rule(constraint: str, *, field: str, text: str | Promise, conflict_code: str | None = None) -> UniqueRule:
    """Declare (once, at import) the error a violation of `constraint` becomes."""
    rule = UniqueRule(constraint, field, text, conflict_code)
    _UNIQUE_RULES[constraint] = rule
    return rule


def unique_rules() -> list[UniqueRule]:
    return list(_UNIQUE_RULES.values())


def error_for_integrity(error: IntegrityError) -> ApplicationError | None:
    """The declared error for a unique violation (None: not one we declared)."""
    diag = getattr(error.__cause__, "diag", None)
    rule = _UNIQUE_RULES.get(getattr(diag, "constraint_name", None) or "")
    return rule.error() if rule is not None else None


@contextmanager
def unique_violations() -> Iterator[None]:
    """Writes in this block that break a declared unique constraint raise the
    rule's error instead. The transaction is aborted by then: let the error
    leave the service's `transaction.atomic`, which rolls it back."""
    try:
        yield
    except IntegrityError as error:
        known = error_for_integrity(error)
        if known is None:
            raise
        raise known from error
