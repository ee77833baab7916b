import codecs
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecosystem.core.models import AuditEvent
from partners.models import Partner, Tier
from tests.conftest import login
from tests.partners.conftest import api

HEADER = ["external_id", "name", "role", "tier", "country", "website", "tags", "contact_email"]


def csv_file(rows, *, delimiter=",", bom=False, header=HEADER, encoding="utf-8", name="partners.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, content_type="text/csv")


def thousand_rows(bad_line: int | None = None):
    rows = []
    for i in range(1000):
        role = "supplier" if i % 2 else "association"
        rows.append(
            [
                f"CRM-{i:04d}",
                f"Clinique {i:04d}",
                role,
                "Gold",
                "FR",
                f"clinique{i}.example",
                "rural, care",
                f"c{i}@x.example",
            ]
        )
    if bad_line is not None:
        rows[bad_line - 2][2] = "wizard"  # line 1 is the header
    return rows


@pytest.fixture
def manager_api(alpha_client, cast):
    Tier.objects.create(name="Gold", rank=1)
    return api(alpha_client, cast["manager"])


def test_one_bad_row_among_1000_imports_nothing_and_names_its_line_and_column(manager_api):
    before = Partner.objects.count()

    response = manager_api.post("/api/partners/import/", {"file": csv_file(thousand_rows(bad_line=503))})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_invalid"
    assert body["detail"] == "The file was not imported: 1 error(s). Nothing was changed."
    assert body["errors"] == [
        {
            "line": 503,
            "column": "role",
            "message": "“wizard” is not a role. Use one of: partner, supplier, complementary, "
            "institution, association, client_community, content_creator.",
        }
    ]
    assert Partner.objects.count() == before
    assert not AuditEvent.objects.filter(action="partner.created").exists()


def test_the_same_file_fixed_imports_1000_then_updates_by_external_id(manager_api):
    created = manager_api.post("/api/partners/import/", {"file": csv_file(thousand_rows())})
    rows = thousand_rows()
    rows[0][1] = "Clinique Renamed"
    updated = manager_api.post("/api/partners/import/", {"file": csv_file(rows)})

    assert (created.status_code, created.json()) == (200, {"created": 1000, "updated": 0})
    assert (updated.status_code, updated.json()) == (200, {"created": 0, "updated": 1})
    partner = Partner.objects.get(external_id="CRM-0000")
    assert (partner.name, partner.tier.name, partner.tags, partner.website) == (
        "Clinique Renamed", "Gold", ["rural", "care"], "https://clinique0.example",
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="partner.created").count() == 1000
    change = AuditEvent.objects.get(action="partner.updated")
    assert (change.before, change.after) == ({"name": "Clinique 0000"}, {"name": "Clinique Renamed"})


def test_a_semicolon_file_with_bom_from_french_excel_imports(manager_api):
    upload = csv_file(
        [["X-1", "Hôpital Sainte-Émilie", "association", "", "fr", "", "santé", ""]], delimiter=";", bom=True
    )

    response = manager_api.post("/api/partners/import/", {"file": upload})

    assert response.json() == {"created": 1, "updated": 0}
    assert Partner.objects.get(external_id="X-1").name == "Hôpital Sainte-Émilie"


def test_a_windows_1252_file_imports_too(manager_api):
    upload = csv_file(
        [["W-1", "Clinique Élan", "association", "", "FR", "", "", ""]], delimiter=";", encoding="cp1252"
    )

    response = manager_api.post("/api/partners/import/", {"file": upload})

    assert response.status_code == 200
    assert Partner.objects.get(external_id="W-1").name == "Clinique Élan"


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        (
            ["name", "role"],
            [["A", "supplier"]],
            {"line": 1, "column": "external_id", "message": "This column is missing."},
        ),
        (
            [*HEADER, "colour"],
            [],
            {
                "line": 1,
                "column": "colour",
                "message": "Unknown column(s). Expected: external_id, name, role, tier, country, website, tags, description, contact_email, contact_phone, notes.",
            },
        ),
        (HEADER, [], {"line": 2, "column": "", "message": "The file has no rows."}),
        (
            HEADER,
            [["A", "B", "supplier", "", "", "", "", "", "extra"]],
            {"line": 2, "column": "", "message": "9 values for 8 columns."},
        ),
        (HEADER, [["", "B", "supplier"]], {"line": 2, "column": "external_id", "message": "This field is required."}),
        (
            HEADER,
            [["A", "B", "supplier", "Platinum"]],
            {"line": 2, "column": "tier", "message": "There is no tier “Platinum”."},
        ),
    ],
)
def test_file_level_problems_are_reported_with_line_and_column(manager_api, header, rows, expected):
    response = manager_api.post("/api/partners/import/", {"file": csv_file(rows, header=header)})

    assert response.status_code == 400
    assert expected in response.json()["errors"]


def test_duplicate_external_ids_in_one_file_are_refused(manager_api):
    rows = [["D", "One", "supplier"], ["D", "Two", "supplier"]]

    response = manager_api.post(
        "/api/partners/import/", {"file": csv_file(rows, header=["external_id", "name", "role"])}
    )

    assert response.json()["errors"] == [
        {"line": 3, "column": "external_id", "message": "Same external id as line 2."}
    ]


def test_size_and_row_limits_have_clear_messages(manager_api, settings):
    settings.PARTNER_IMPORT_MAX_ROWS = 10
    settings.PARTNER_IMPORT_MAX_BYTES = 200 * 1024

    too_many = manager_api.post("/api/partners/import/", {"file": csv_file(thousand_rows()[:11])})
    too_big = manager_api.post("/api/partners/import/", {"file": csv_file(thousand_rows() * 3)})

    assert too_many.json()["errors"] == [{"line": 12, "column": "", "message": "More than 10 rows. Split the file."}]
    assert (
        too_big.json()["errors"][0]["message"] == "The file is larger than 200.0\xa0KB. Split it into several files."
    )
    assert Partner.objects.filter(external_id__startswith="CRM-").count() == 0


def test_import_needs_a_file_and_a_manager(alpha_client, cast):
    no_file = api(alpha_client, cast["manager"]).post("/api/partners/import/", {})
    reviewer = api(alpha_client, cast["reviewer"]).post(
        "/api/partners/import/", {"file": csv_file([["A", "B", "supplier"]], header=["external_id", "name", "role"])}
    )
    partner = api(alpha_client, cast["sam"]).post(
        "/api/partners/import/", {"file": csv_file([["A", "B", "supplier"]], header=["external_id", "name", "role"])}
    )

    assert no_file.status_code == 400 and "file" in no_file.json()
    assert (reviewer.status_code, partner.status_code) == (403, 403)
    assert not Partner.objects.filter(external_id="A").exists()


def test_the_import_page_lists_every_error(alpha, alpha_client, cast):
    Tier.objects.create(name="Gold", rank=1)
    login(alpha_client, alpha, cast["manager"])
    rows = thousand_rows(bad_line=10)
    rows[20][4] = "France"

    response = alpha_client.post("/partners/import/", {"file": csv_file(rows)})

    assert response.status_code == 400
    page = response.content.decode()
    assert "<td>10</td><td>role</td>" in page and "<td>22</td><td>country</td>" in page
    assert Partner.objects.count() == 3


def test_the_import_page_imports_and_says_how_many(alpha, alpha_client, cast):
    Tier.objects.create(name="Gold", rank=1)
    login(alpha_client, alpha, cast["manager"])

    response = alpha_client.post("/partners/import/", {"file": csv_file(thousand_rows()[:5])}, follow=True)

    assert "Import done: 5 created, 0 updated." in response.content.decode()


def read_export(response, delimiter=","):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_export_honours_the_filters_and_opens_in_excel(alpha_client, cast):
    cast["finamed"].name = '=HYPERLINK("http://evil")'
    cast["finamed"].save()

    response = api(alpha_client, cast["manager"]).get("/api/partners/export/?country=FR&sort=name")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="partners-')
    rows = read_export(response)
    assert rows[0][:3] == ["external_id", "name", "role"]
    assert [r[1] for r in rows[1:]] == ['\'=HYPERLINK("http://evil")', "Medisol"]


def test_export_in_french_uses_semicolons(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["manager"])
    alpha_client.cookies["django_language"] = "fr"

    response = alpha_client.get("/partners/export.csv?status=active")

    rows = read_export(response, delimiter=";")
    assert len(rows) == 4 and rows[1][0] in ("MED", "CAR", "FIN")


def test_partners_cannot_export(alpha, alpha_client, cast):
    api_response = api(alpha_client, cast["sam"]).get("/api/partners/export/")
    login(alpha_client, alpha, cast["sam"])
    page = alpha_client.get("/partners/export.csv", HTTP_AUTHORIZATION="")

    assert api_response.status_code == 403
    assert page.status_code == 403


def errors_of(response) -> list[dict]:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


def test_every_header_problem_is_reported_at_once(manager_api):
    header = ["name", "name", "colour"]

    errors = errors_of(manager_api.post("/api/partners/import/", {"file": csv_file([["A", "A", "x"]], header=header)}))

    assert errors == [
        {"line": 1, "column": "colour", "message": "Unknown column(s). Expected: " + ", ".join(
            ["external_id", "name", "role", "tier", "country", "website", "tags", "description", "contact_email",
             "contact_phone", "notes"]) + "."},
        {"line": 1, "column": "external_id", "message": "This column is missing."},
        {"line": 1, "column": "role", "message": "This column is missing."},
        {"line": 1, "column": "", "message": "A column appears twice."},
    ]  # fmt: skip


def test_a_file_that_is_no_text_is_refused(manager_api):
    upload = SimpleUploadedFile("p.csv", b"external_id,name,role\n\x81\x8d\x8f,\x90,\x9d\n")

    assert errors_of(manager_api.post("/api/partners/import/", {"file": upload})) == [
        {"line": 1, "column": "", "message": "The file must be UTF-8 text."}
    ]


def test_blank_lines_are_skipped_and_quoted_line_breaks_kept(manager_api):
    text = 'external_id,name,role,description\nA-1,Alpha,supplier,"two\nlines"\n,,,\n\nA-2,Beta,partner,x\n'
    upload = SimpleUploadedFile("p.csv", text.encode())

    response = manager_api.post("/api/partners/import/", {"file": upload})

    assert response.json() == {"created": 2, "updated": 0}
    assert Partner.objects.get(external_id="A-1").description == "two\nlines"
    assert Partner.objects.get(external_id="A-2").role == "partner"


def test_every_row_with_too_many_values_is_reported(manager_api):
    rows = [["A", "B", "supplier", "", "", "", "", "", "x"], ["C", "D", "supplier", "", "", "", "", "", "", "y"]]

    assert errors_of(manager_api.post("/api/partners/import/", {"file": csv_file(rows)})) == [
        {"line": 2, "column": "", "message": "9 values for 8 columns."},
        {"line": 3, "column": "", "message": "10 values for 8 columns."},
    ]


def test_a_file_exactly_at_the_limits_is_imported(manager_api, settings):
    rows = thousand_rows()[:10]
    upload = csv_file(rows)
    settings.PARTNER_IMPORT_MAX_ROWS = 10
    settings.PARTNER_IMPORT_MAX_BYTES = upload.size

    response = manager_api.post("/api/partners/import/", {"file": upload})

    assert response.json() == {"created": 10, "updated": 0}


def test_a_comma_file_whose_header_has_no_semicolon_is_read_with_commas(manager_api):
    text = "external_id,name,role,description\nS-1,Semi,supplier,a;b;c;d\n"

    response = manager_api.post("/api/partners/import/", {"file": SimpleUploadedFile("p.csv", text.encode())})

    assert response.json() == {"created": 1, "updated": 0}
    assert Partner.objects.get(external_id="S-1").description == "a;b;c;d"


SAVE_AS_UTF8 = "Save the file as UTF-8 (in Excel: CSV UTF-8) and import it again: this one is UTF-16."
TWO_ROWS = [
    ["U-1", "Clinique Élan", "association", "", "FR", "", "", ""],
    ["U-2", "Medisol", "supplier", "", "", "", "", ""],
]


def utf16_file(encoding: str, *, bom: bytes = b"") -> SimpleUploadedFile:
    text = csv_file(TWO_ROWS).read().decode("utf-8")
    return SimpleUploadedFile("partners.csv", bom + text.encode(encoding), content_type="text/csv")


@pytest.mark.parametrize(
    "upload",
    [
        lambda: utf16_file("utf-16"),  # Python writes the byte order mark of the machine's order
        lambda: utf16_file("utf-16-le", bom=codecs.BOM_UTF16_LE),
        lambda: utf16_file("utf-16-be", bom=codecs.BOM_UTF16_BE),
        lambda: utf16_file("utf-16-le"),
    ],
    ids=["bom", "le-bom", "be-bom", "le-no-bom"],
)
def test_a_utf16_file_is_refused_with_save_as_utf8_through_the_api(manager_api, upload):
    response = manager_api.post("/api/partners/import/", {"file": upload()})

    assert response.status_code == 400
    assert errors_of(response) == [{"line": 1, "column": "", "message": SAVE_AS_UTF8}]
    assert not Partner.objects.filter(external_id__startswith="U-").exists()


def test_the_same_rows_in_utf8_import(manager_api):
    response = manager_api.post("/api/partners/import/", {"file": csv_file(TWO_ROWS, bom=True)})

    assert response.json() == {"created": 2, "updated": 0}
    assert Partner.objects.get(external_id="U-1").name == "Clinique Élan"


def test_the_import_page_tells_a_french_manager_to_save_a_utf16_file_as_utf8(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["manager"])

    response = alpha_client.post(
        "/partners/import/", {"file": utf16_file("utf-16-le", bom=codecs.BOM_UTF16_LE)}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.status_code == 400
    assert (
        "<td>1</td><td>—</td><td>Enregistrez le fichier en UTF-8 (dans Excel : CSV UTF-8) et importez-le de "
        "nouveau : celui-ci est en UTF-16.</td>" in response.content.decode()
    )
    assert not Partner.objects.filter(external_id__startswith="U-").exists()


def test_a_partner_admin_cannot_import_a_utf16_file_either(alpha_client, cast):
    response = api(alpha_client, cast["sam"]).post(
        "/api/partners/import/", {"file": utf16_file("utf-16-le", bom=codecs.BOM_UTF16_LE)}
    )

    assert response.status_code == 403
    assert not Partner.objects.filter(external_id__startswith="U-").exists()
