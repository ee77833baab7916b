"""CSV import and export of the partner directory.

Reading and writing use Python's `csv` module, the maintained CSV library
that tablib and django-import-export themselves delegate to; reading it
directly keeps the exact line number of every row for the error report.

Import: the whole file is validated first; if any row is invalid nothing is
written and every error comes back with its line and column. Rows are
matched on `external_id`: existing partners are updated, others created.
UTF-8 with or without BOM (Windows-1252 accepted too), `,` or `;`. A UTF-16
file (Excel's "Unicode text") is refused with a message saying to save it as
UTF-8, rather than read as Windows-1252 into garbled headers.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecosystem.accounts.models import User
from ecosystem.core.audit import audit_record_many
from ecosystem.core.errors import ApplicationError
from ecosystem.core.roles import MANAGERS, require_role
from ecosystem.core.selectors import tenant_settings

from .models import Partner, Tier
from .selectors import horizon_state
from .services import exited_read_only_message, snapshot
from .validation import STAFF_EDITABLE, clean_partner_fields, tiers_index

COLUMNS = [
    "external_id", "name", "role", "tier", "country", "website", "tags", "description",
    "contact_email", "contact_phone", "notes",
]  # fmt: skip
EXPORT_ONLY = ["status", "agreement_state", "created_at"]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


class ImportRejected(ApplicationError):
    """The file, refused whole; `errors` lists each problem with its line and column."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        message = _("The file was not imported: %(count)d error(s). Nothing was changed.") % {"count": len(errors)}
        super().__init__(message, code="import_invalid", extra={"errors": errors})


def _problem(line: int | None, column: str, message: str) -> dict:
    return {"line": line, "column": column, "message": message}


def _looks_utf16(raw: bytes) -> bool:
    # A UTF-16 byte order mark, or a NUL byte beside the header's first (ASCII) letter.
    return raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or 0 in raw[:2]


def _decode(raw: bytes) -> str:
    if _looks_utf16(raw):
        message = _("Save the file as UTF-8 (in Excel: CSV UTF-8) and import it again: this one is UTF-16.")
        raise ImportRejected([_problem(1, "", message)])
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected([{"line": 1, "column": "", "message": _("The file must be UTF-8 text.")}])


def _dialect(text: str) -> str:
    header = text.partition("\n")[0]
    return ";" if header.count(";") > header.count(",") else ","


def _read(upload: UploadedFile) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if upload.size > settings.PARTNER_IMPORT_MAX_BYTES:
        limit = filesizeformat(settings.PARTNER_IMPORT_MAX_BYTES)
        message = _("The file is larger than %(limit)s. Split it into several files.") % {"limit": limit}
        raise ImportRejected([_problem(None, "", message)])
    text = _decode(upload.read())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as error:
        raise ImportRejected([{"line": 1, "column": "", "message": str(error)}]) from None
    problems = []
    unknown = [h for h in header if h and h not in COLUMNS and h not in EXPORT_ONLY]
    if unknown:
        expected = _("Unknown column(s). Expected: %(columns)s.") % {"columns": ", ".join(COLUMNS)}
        problems.append(_problem(1, ", ".join(unknown), expected))
    for required in ("external_id", "name", "role"):
        if required not in header:
            problems.append({"line": 1, "column": required, "message": _("This column is missing.")})
    if len(header) != len(set(header)):
        problems.append({"line": 1, "column": "", "message": _("A column appears twice.")})
    if problems:
        raise ImportRejected(problems)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= settings.PARTNER_IMPORT_MAX_ROWS:
                limit = settings.PARTNER_IMPORT_MAX_ROWS
                message = _("More than %(limit)d rows. Split the file.") % {"limit": limit}
                raise ImportRejected([_problem(line, "", message)])
            if len(values) > len(header):
                counts = {"found": len(values), "expected": len(header)}
                problems.append(_problem(line, "", _("%(found)d values for %(expected)d columns.") % counts))
                continue
            rows.append((line, {h: _uncell(v) for h, v in zip(header, values, strict=False) if h in COLUMNS}))
    except csv.Error as error:
        problems.append({"line": reader.line_num, "column": "", "message": str(error)})
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise ImportRejected([{"line": 2, "column": "", "message": _("The file has no rows.")}])
    return header, rows


@transaction.atomic
def partners_import(*, actor: User, upload: UploadedFile, ip: str | None = None) -> ImportResult:
    """Create or update partners from a CSV file, all or nothing."""
    require_role(actor, MANAGERS)
    header, rows = _read(upload)
    fields = [c for c in COLUMNS if c in header]
    tiers = tiers_index(Tier.objects.all(), by_name=True)
    errors: list[dict] = []
    cleaned_rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        cleaned, row_errors = clean_partner_fields(raw, fields=fields, tiers_by_key=tiers, required=True)
        for column, messages in row_errors.items():
            errors.extend({"line": line, "column": column, "message": m} for m in messages)
        external_id = cleaned.get("external_id")
        if not external_id:
            errors.append({"line": line, "column": "external_id", "message": _("This field is required.")})
        elif external_id in seen:
            message = _("Same external id as line %(line)d.") % {"line": seen[external_id]}
            errors.append(_problem(line, "external_id", message))
        else:
            seen[external_id] = line
        cleaned_rows.append((line, cleaned))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e["line"], e["column"])))

    # Locked: a concurrent edit waits instead of being overwritten by the bulk update.
    existing = {
        p.external_id: p for p in Partner.objects.select_for_update().filter(external_id__in=list(seen)).order_by("pk")
    }
    to_create, to_update, events, read_only = [], [], [], []
    changed_fields: set[str] = set()
    now = timezone.now()
    for line, cleaned in cleaned_rows:
        partner = existing.get(cleaned["external_id"])
        if partner is None:
            to_create.append(Partner(**cleaned))
            continue
        before = snapshot(partner, tuple(cleaned))
        for name, value in cleaned.items():
            setattr(partner, name, value)
        after = snapshot(partner, tuple(cleaned))
        diff = [k for k in after if after[k] != before[k]]
        if diff and partner.has_exited:
            read_only.append(_problem(line, "external_id", exited_read_only_message(partner)))
        elif diff:
            partner.updated_at = now
            to_update.append(partner)
            changed_fields.update(diff)
            events.append(("partner.updated", partner, {k: before[k] for k in diff}, {k: after[k] for k in diff}))
    if read_only:
        raise ImportRejected(read_only)
    try:
        with transaction.atomic():
            created = Partner.objects.bulk_create(to_create, batch_size=2000)
    except IntegrityError:
        # Another import created some of these external ids meanwhile.
        message = _("Another import created some of these partners meanwhile. Import the file again.")
        raise ImportRejected([_problem(None, "external_id", message)]) from None
    if to_update:
        columns = sorted({"tier" if f == "tier" else f for f in changed_fields} | {"updated_at"})
        Partner.objects.bulk_update(to_update, columns, batch_size=2000)
    events += [("partner.created", p, None, snapshot(p, tuple(STAFF_EDITABLE))) for p in created]
    audit_record_many(actor=actor, ip=ip, events=events)
    return ImportResult(created=len(created), updated=len(to_update))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _uncell(text: str) -> str:
    """Undo `_cell`'s guard, so that an exported file imports back unchanged."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell must not start a formula.
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


class _Echo:
    """A file that hands back what is written to it: `csv.writer` then gives each line as a string."""

    def write(self, value: str) -> str:
        return value


def _lines(header: list[str], rows: Iterable[Iterable], delimiter: str) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def _download(response: HttpResponse | StreamingHttpResponse, stem: str) -> HttpResponse | StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    return response


def _delimiter() -> str:
    return ";" if translation.get_language() == "fr" else ","


def csv_response(stem: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    """`rows` under `header` as a CSV download that opens correctly in Excel: UTF-8 with BOM,
    `;` for a French user (French Excel's separator), `,` otherwise; no cell starts a formula."""
    body = "".join(_lines(header, rows, _delimiter()))
    return _download(HttpResponse(body, content_type="text/csv; charset=utf-8"), stem)


def csv_stream_response(stem: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """`csv_response`, streamed: for files too long to hold in memory (`rows` is read as it is sent, in
    the language active now, which the rows may use)."""
    language, delimiter = translation.get_language(), _delimiter()

    def lines() -> Iterator[str]:
        with translation.override(language):
            yield from _lines(header, rows, delimiter)

    return _download(StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8"), stem)


def partners_export_response(partners, *, request) -> HttpResponse:
    """The given (filtered) partners as CSV (see `csv_response`)."""
    window = tenant_settings().agreement_expiring_days
    rows = (
        [
            partner.external_id, partner.name, partner.role, partner.tier.name if partner.tier_id else "",
            partner.country, partner.website, ", ".join(partner.tags), partner.description,
            partner.contact_email, partner.contact_phone, partner.notes, partner.status,
            horizon_state(partner.agreement_horizon, window=window),
            timezone.localtime(partner.created_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for partner in partners.iterator(chunk_size=2000)
    )  # fmt: skip
    return csv_response("partners", COLUMNS + EXPORT_ONLY, rows)
