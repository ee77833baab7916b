"""Writing many rows at once with PostgreSQL's COPY (psycopg 3), for batches of thousands.

`bulk_create` compiles one parameter per field per row into an INSERT; for
tens of thousands of rows that compilation, not the database, is most of the
time. COPY streams the rows instead. The rows are model instances, so what is
written is what `bulk_create` would write: each field's `pre_save` (auto_now,
defaults) runs first; ids come from `reserve_ids` when the caller needs them
(foreign keys of the next COPY), else from the column's default.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.fields.files import FieldFile
from psycopg.types.json import Jsonb


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh values of the model's id sequence (one statement)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _value(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return Jsonb(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, enum.Enum):
        return value.value
    return value


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """INSERT plain rows (values in the order of `columns`, database column names) with COPY.

    For many rows of a few columns that need no `pre_save`: no model instance
    is built. Returns how many rows were written.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_objects(objects: Sequence[models.Model]) -> int:
    """INSERT `objects` (all of one model) with COPY; with their `pk` if set, else the column default."""
    if not objects:
        return 0
    model = type(objects[0])
    with_pk = objects[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    return copy_rows(
        model,
        [f.column for f in fields],
        ([_value(f, f.pre_save(obj, add=True)) for f in fields] for obj in objects),
    )
