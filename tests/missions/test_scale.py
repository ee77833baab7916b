"""A mission with 100,000 contributions: its pages and its API read a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import login
from tests.partners.conftest import api

ROWS = 100_000
MAX_QUERIES = 15


@pytest.fixture
def crowded(world):
    """100,000 contributions in the open mission (a fifth joint with Finamed), most validated, written by SQL."""
    mission, medisol, finamed = world["mission"], world["medisol"], world["finamed"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO missions_contribution
                (mission_id, objective_id, partner_id, kind, description, value, quantity, date, status,
                 evidence_url, evidence_file, external_id, rejection_reason, created_at, updated_at)
            SELECT %(mission)s, CASE WHEN i %% 2 = 0 THEN %(value)s ELSE %(clinics)s END, %(medisol)s,
                   'revenue_sourced', '', (i %% 500)::numeric, CASE WHEN i %% 2 = 1 THEN 1 END,
                   DATE '2026-01-01' + (i %% 365), CASE WHEN i %% 10 = 0 THEN 'submitted' ELSE 'validated' END,
                   '', '', NULL, '', now(), now()
            FROM generate_series(1, %(rows)s) AS i
            """,
            {"mission": mission.pk, "value": world["value"].pk, "clinics": world["clinics"].pk,
             "medisol": medisol.pk, "rows": ROWS},
        )  # fmt: skip
        cursor.execute(
            """
            INSERT INTO missions_share (contribution_id, partner_id, weight, state, created_at)
            SELECT c.id, %(medisol)s, CASE WHEN c.id %% 5 = 0 THEN 0.5 ELSE 1 END, 'confirmed', now()
            FROM missions_contribution c WHERE c.mission_id = %(mission)s
            UNION ALL
            SELECT c.id, %(finamed)s, 0.5, 'confirmed', now()
            FROM missions_contribution c WHERE c.mission_id = %(mission)s AND c.id %% 5 = 0
            """,
            {"mission": mission.pk, "medisol": medisol.pk, "finamed": finamed.pk},
        )
        cursor.execute("ANALYZE missions_contribution; ANALYZE missions_share")
    return world


def test_the_mission_api_reads_a_constant_number_of_queries(alpha_client, crowded, django_assert_max_num_queries):
    mission = crowded["mission"]
    for user in ("manager", "sam"):
        client = api(alpha_client, crowded[user])
        for path in (
            f"/api/missions/{mission.pk}/",
            "/api/missions/",
            f"/api/objectives/?mission={mission.pk}",
            f"/api/participations/?mission={mission.pk}",
            f"/api/contributions/?mission={mission.pk}",
        ):
            with django_assert_max_num_queries(MAX_QUERIES):
                answer = client.get(path)
            assert answer.status_code == 200, (user, path)
        objectives = client.get(f"/api/objectives/?mission={mission.pk}").json()["results"]
        # Validated: every row but each tenth; value i % 500 on even rows, 1 clinic on odd ones.
        revenue = sum(i % 500 for i in range(1, ROWS + 1) if i % 2 == 0 and i % 10 != 0)
        clinics = sum(1 for i in range(1, ROWS + 1) if i % 2 == 1)
        assert {o["title"]: o["progress"]["achieved"] for o in objectives} == {
            "Revenue": f"{revenue}.0000",
            "Clinics equipped": f"{clinics}.0000",
        }
        alpha_client.defaults.pop("HTTP_AUTHORIZATION")


def test_the_mission_pages_read_a_constant_number_of_queries(
    alpha, alpha_client, crowded, django_assert_max_num_queries
):
    mission = crowded["mission"]
    pages = {
        "manager": [f"/missions/{mission.pk}/", "/missions/", "/"],
        "sam": [f"/portal/missions/{mission.pk}/", "/portal/missions/", "/portal/"],
    }
    for user, paths in pages.items():
        login(alpha_client, alpha, crowded[user])
        for path in paths:
            with django_assert_max_num_queries(MAX_QUERIES):
                answer = alpha_client.get(path)
            assert answer.status_code == 200, (user, path)
        alpha_client.logout()
