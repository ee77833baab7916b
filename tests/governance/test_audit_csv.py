"""The audit trail as CSV: the page's filtered events, every page of them, streamed, for administrators and
governance reviewers; the API's fields and the sentence in the reader's language; no cell starts a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from ecosystem.core.audit import audit_record
from ecosystem.core.models import AuditEvent
from governance.selectors import AUDIT_CSV_COLUMNS
from tests.conftest import admin_of, login, make_user
from tests.governance.test_audit_trail import events as events  # the fixture: three events, two about Medisol
from tests.partners.conftest import PartnerFactory

EXPORT = "/governance/audit/export/"


def rows(response, delimiter: str = ",") -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def test_a_reviewer_downloads_the_filtered_trail_with_its_sentences(alpha, alpha_client, events):
    client = login(alpha_client, alpha, make_user(alpha, "reviewer"))

    response = client.get(EXPORT, {"action": "partner."})

    got = rows(response)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    assert got[0] == AUDIT_CSV_COLUMNS
    suspended, created = AuditEvent.objects.filter(action__startswith="partner.").order_by("-id")
    assert [r[0] for r in got[1:]] == [str(suspended.pk), str(created.pk)]
    record = dict(zip(got[0], got[2], strict=True))
    assert record == {
        "id": str(created.pk), "created_at": timezone.localtime(created.created_at).isoformat(), "actor": str(created.actor_id), "actor_label": created.actor_label,
        "action": "partner.created", "object_type": "partners.partner", "object_id": str(events.pk),
        "object_repr": "Medisol", "before": "", "after": '{"name": "Medisol"}', "ip": "",
        "sentence": "admin@alpha.test added the partner Medisol.", "details": "Name: Medisol",
    }  # fmt: skip


def test_the_sentences_are_in_the_readers_language_with_its_delimiter(alpha, alpha_client, alpha_admin, events):
    client = login(alpha_client, alpha, alpha_admin)
    client.cookies["django_language"] = "fr"

    got = rows(client.get(EXPORT, {"action": "partner.suspended"}), delimiter=";")

    assert [r[-2] for r in got[1:]] == ["admin@alpha.test a suspendu Medisol."]


def test_the_download_has_every_page_and_reads_in_a_fixed_number_of_queries(
    alpha, alpha_client, alpha_admin, django_assert_max_num_queries, monkeypatch
):
    partners = PartnerFactory.create_batch(7)
    for partner in partners:
        for _ in range(9):
            audit_record(actor=alpha_admin, action="partner.updated", target=partner,
                         before={"competitors": []}, after={"competitors": [partners[0].pk]})  # fmt: skip
    client = login(alpha_client, alpha, alpha_admin)

    # the host's tenant (3), session, user, events, partner names
    with django_assert_max_num_queries(8):
        everything = rows(client.get(EXPORT, {"action": "partner.updated"}))
    monkeypatch.setattr("governance.selectors.AUDIT_CSV_CHUNK", 10)  # in chunks: none lost, none twice
    chunked = rows(client.get(EXPORT, {"action": "partner.updated"}))

    ids = list(AuditEvent.objects.filter(action="partner.updated").order_by("-id").values_list("id", flat=True))
    assert len(ids) == 63 > 50  # more than a page of the trail
    assert [int(r[0]) for r in everything[1:]] == [int(r[0]) for r in chunked[1:]] == ids
    assert everything[1][-1] == f"Competitors: — → {partners[0].name}"


def test_no_cell_starts_a_formula(alpha, alpha_client, alpha_admin):
    partner = PartnerFactory(name='=HYPERLINK("http://evil.example")')
    audit_record(actor=alpha_admin, action="partner.created", target=partner, after={"name": "@SUM(1)"},
                 actor_label="-2+3")  # fmt: skip

    got = rows(login(alpha_client, alpha, alpha_admin).get(EXPORT, {"action": "partner.created"}))

    record = dict(zip(got[0], got[1], strict=True))
    assert record["object_repr"] == '\'=HYPERLINK("http://evil.example")'
    assert record["sentence"].startswith("admin@alpha.test added the partner =HYPERLINK")
    assert json.loads(record["after"]) == {"name": "@SUM(1)"}
    assert [cell for row in got[1:] for cell in row if cell.startswith(("=", "+", "-", "@"))] == []
    assert record["actor_label"] == "'-2+3"


def test_a_bad_filter_is_a_400_with_the_field(alpha, alpha_client, alpha_admin, events):
    response = login(alpha_client, alpha, alpha_admin).get(EXPORT, {"since": "yesterday"})

    assert response.status_code == 400 and not response.streaming
    assert "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("role", ["manager", "partner_admin", "partner_member"])
def test_other_roles_cannot_download_the_trail(alpha, alpha_client, events, role):
    user = make_user(alpha, role, partner=events if role.startswith("partner") else None)

    response = login(alpha_client, alpha, user).get(EXPORT)

    assert response.status_code == 403 and not response.streaming


def test_another_tenant_downloads_only_its_own_trail(alpha, beta, events):
    with schema_context("beta"):
        beta_admin = admin_of(beta)
        audit_record(actor=beta_admin, action="partner.created", after={"name": "Betasol"})
    beta_client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    on_beta = rows(beta_client.get(EXPORT, {"action": "partner."}))
    crossing = beta_client.get(EXPORT, HTTP_HOST="alpha.localhost")

    assert [r[4] for r in on_beta[1:]] == ["partner.created"] and "Medisol" not in str(on_beta)
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")


def test_the_page_links_to_the_download_with_its_filters(alpha, alpha_client, alpha_admin, events):
    page = login(alpha_client, alpha, alpha_admin).get("/governance/audit/", {"action": "partner.", "page": 1})

    assert f'href="{EXPORT}?action=partner."' in page.content.decode()
