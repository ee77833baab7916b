"""The missions' panels of the staff dashboard: active missions with their progress, and the validation queue."""

import datetime as dt

import pytest
from django.test import Client

from ecosystem.missions import dashboard, services
from ecosystem.missions.models import Contribution, Mission, Objective
from tests.conftest import login
from tests.missions.conftest import declare, open_mission


@pytest.fixture
def home(alpha):
    def get(user):
        response = login(Client(HTTP_HOST="alpha.localhost"), alpha, user).get("/")
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_staff_see_the_active_missions_with_progress_and_the_oldest_contributions_to_validate(home, world):
    manager = world["manager"]
    validated = declare(manager, world["mission"], partner=world["medisol"].pk, objective=world["value"].pk,
                        value="500")  # fmt: skip
    services.contribution_validate(actor=manager, contribution=validated)
    oldest = declare(manager, world["mission"], partner=world["finamed"].pk, date="2026-01-05")
    declare(manager, world["circular"], partner=world["carevia"].pk, date="2026-02-01")
    open_mission(manager, title="Still a draft", status="draft")

    html = home(manager)  # (a manager: no activity panel naming the draft)

    assert "Active missions" in html
    assert f'href="/missions/{world["mission"].pk}/">Equip 500 rural clinics</a>' in html
    assert 'value="25"' in html  # (50 % + 0 %) / 2
    assert "Still a draft" not in html
    assert 'Contributions to validate <span class="muted">(2)</span>' in html
    first = html.index("Contributions to validate")
    assert html.index("Finamed", first) < html.index("Carevia", first)  # the oldest first
    assert f'href="/missions/{oldest.mission_id}/#queue"' in html


def test_the_panels_say_when_there_is_nothing(home, cast):
    html = home(cast["manager"])

    assert "No mission is active." in html
    assert "Nothing awaits validation." in html


def test_partner_users_get_no_missions_panels(alpha, world):
    response = login(Client(HTTP_HOST="alpha.localhost"), alpha, world["sam"]).get("/")

    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert dashboard.contributions_to_validate(world["sam"]) == {"count": 0, "oldest": []}


def test_the_panels_run_a_constant_number_of_queries(world, django_assert_max_num_queries):
    manager = world["manager"]
    for i in range(20):
        mission = Mission.objects.create(
            title=f"Bulk {i}", owner=manager, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), status="active"
        )
        Objective.objects.create(mission=mission, title="O", metric="count", target=5, due=dt.date(2026, 12, 31))
    for _ in range(20):
        declare(manager, world["mission"], partner=world["medisol"].pk)

    with django_assert_max_num_queries(5):
        missions = dashboard.active_missions(manager)
    with django_assert_max_num_queries(2):
        queue = dashboard.contributions_to_validate(manager)

    assert len(missions["rows"]) == dashboard.SHOWN and missions["more"] is True
    assert queue["count"] == Contribution.objects.filter(status="submitted").count() == 20
    assert len(queue["oldest"]) == dashboard.SHOWN
