"""The CSV import and export, detail by detail: separators, line endings,
reader errors, and every column of the export."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partners.models import Partner, Tier
from tests.partners.conftest import PartnerFactory, api

IMPORT = "/api/partners/import/"


@pytest.fixture
def manager_api(alpha_client, cast):
    return api(alpha_client, cast["manager"])


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv")


def errors_of(response) -> list[dict]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def test_a_semicolon_header_with_spaces_around_the_separators_is_read_with_semicolons(manager_api):
    text = "external_id ; name ; role\nS-1 ; Espace ; supplier\n"

    assert manager_api.post(IMPORT, {"file": upload(text)}).json() == {"created": 1, "updated": 0}
    assert Partner.objects.get(external_id="S-1").name == "Espace"


def test_only_the_header_decides_the_separator(manager_api):
    # A comma file whose rows hold more semicolons than the whole file holds commas.
    text = "external_id,name,role,description\nS-1,Semi,supplier,a;b;c;d;e;f;g;h\n"

    assert manager_api.post(IMPORT, {"file": upload(text)}).json() == {"created": 1, "updated": 0}
    assert Partner.objects.get(external_id="S-1").description == "a;b;c;d;e;f;g;h"


def test_a_header_with_as_many_semicolons_as_commas_is_read_with_commas(manager_api):
    errors = errors_of(manager_api.post(IMPORT, {"file": upload("external_id,name;role\nA,B;supplier\n")}))

    assert errors[0]["column"] == "name;role"


def test_two_unknown_columns_are_named_together(manager_api):
    errors = errors_of(
        manager_api.post(IMPORT, {"file": upload("external_id,name,role,colour,size\nA,B,supplier,1,2\n")})
    )

    assert errors[0]["column"] == "colour, size"


def test_a_file_without_a_header_lists_the_missing_columns(manager_api):
    bom_only = SimpleUploadedFile("p.csv", b"\xef\xbb\xbf", content_type="text/csv")
    errors = errors_of(manager_api.post(IMPORT, {"file": bom_only}))

    assert [(e["line"], e["column"]) for e in errors] == [(1, "external_id"), (1, "name"), (1, "role")]


def test_old_mac_line_endings_import(manager_api):
    text = "external_id,name,role\rM-1,Macintosh,supplier\rM-2,Classic,partner\r"

    assert manager_api.post(IMPORT, {"file": upload(text)}).json() == {"created": 2, "updated": 0}


def test_windows_line_breaks_inside_a_quoted_cell_are_kept_as_typed(manager_api):
    text = 'external_id,name,role,description\r\nW-1,Windows,supplier,"two\r\nlines"\r\n'

    assert manager_api.post(IMPORT, {"file": upload(text)}).json() == {"created": 1, "updated": 0}
    assert Partner.objects.get(external_id="W-1").description == "two\r\nlines"


def test_a_reader_error_in_the_header_is_reported_on_line_1(manager_api):
    text = "external_id,name,role," + "x" * 140_000 + "\n"

    assert errors_of(manager_api.post(IMPORT, {"file": upload(text)})) == [
        {"line": 1, "column": "", "message": "field larger than field limit (131072)"}
    ]


def test_a_reader_error_in_a_row_is_reported_on_its_line(manager_api):
    text = "external_id,name,role,description\nA-1,Alpha,supplier,x\nA-2,Beta,supplier," + "y" * 140_000 + "\n"

    assert errors_of(manager_api.post(IMPORT, {"file": upload(text)})) == [
        {"line": 3, "column": "", "message": "field larger than field limit (131072)"}
    ]
    assert not Partner.objects.filter(external_id__startswith="A-").exists()


def test_a_file_over_the_size_limit_names_no_line_and_no_column(manager_api, settings):
    settings.PARTNER_IMPORT_MAX_BYTES = 10

    assert errors_of(manager_api.post(IMPORT, {"file": upload("external_id,name,role\n")})) == [
        {"line": None, "column": "", "message": "The file is larger than 10\xa0bytes. Split it into several files."}
    ]


def read_export(response, delimiter=","):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_every_column_of_the_export(alpha, alpha_client, cast):
    gold = Tier.objects.create(name="Gold", rank=1)
    soon = timezone.localdate() + dt.timedelta(days=5)
    zeta = PartnerFactory(
        name="Zeta Labs", external_id=None, tier=gold, tags=["rural", "care"], agreement_horizon=soon,
        description="d", contact_phone="+33 1", notes="n",
    )  # fmt: skip

    Partner.objects.filter(pk=zeta.pk).update(created_at=dt.datetime(2025, 3, 4, 5, 6, tzinfo=dt.UTC))
    before = timezone.localtime().replace(second=0, microsecond=0)
    response = api(alpha_client, cast["manager"]).get("/api/partners/export/?q=Zeta")

    name = re.fullmatch(r'attachment; filename="partners-(\d{8}-\d{4})\.csv"', response["Content-Disposition"])
    assert name is not None
    stamp = dt.datetime.strptime(name.group(1), "%Y%m%d-%H%M")
    assert abs(stamp - before.replace(tzinfo=None)) <= dt.timedelta(minutes=1)
    header, row = read_export(response)
    exported = dict(zip(header, row, strict=True))
    assert exported.pop("created_at") == "2025-03-04 06:06"  # in the tenant's time zone (Paris)
    assert exported == {
        "external_id": "", "name": "Zeta Labs", "role": "supplier", "tier": "Gold", "country": "FR",
        "website": "https://zeta-labs.example", "tags": "rural, care", "description": "d",
        "contact_email": "contact@partner.example", "contact_phone": "'+33 1", "notes": "n", "status": "active",
        "agreement_state": "expiring",
    }  # fmt: skip
