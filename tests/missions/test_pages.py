"""The staff's mission pages: what they show, what they refuse, and the validation queue with and without htmx."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.missions import services
from ecosystem.missions.models import Contribution, Measurement, Mission, Objective, Participation
from partners.models import Partner
from tests.conftest import admin_of, audit_actions, flash_messages, login
from tests.missions.conftest import PartnerFactory, declare, join, open_mission

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def as_user(alpha):
    def sign_in(user):
        return login(Client(HTTP_HOST="alpha.localhost"), alpha, user)

    return sign_in


def page(response) -> str:
    return response.content.decode()


# --- the list --------------------------------------------------------------------------


def test_the_list_shows_each_mission_with_progress_participants_and_pending(as_user, world):
    manager = world["manager"]
    validated = declare(manager, world["mission"], partner=world["medisol"].pk, objective=world["value"].pk,
                        value="500")  # fmt: skip
    services.contribution_validate(actor=manager, contribution=validated)
    declare(manager, world["mission"], partner=world["finamed"].pk, value="10")
    open_mission(manager, title="Draft idea", status="draft")

    response = as_user(world["reviewer"]).get("/missions/")

    assert response.status_code == 200
    rows = {row.mission.title: row for row in response.context["rows"]}
    clinics = rows["Equip 500 rural clinics"]
    # Revenue 500/1000 = 50 %, clinics 0/500 = 0 %: a mean of 25 %.
    assert (clinics.progress, clinics.participants, clinics.pending) == (25, 2, 1)
    assert rows["Draft idea"].progress is None
    assert 'value="25"' in page(response)
    assert "New mission" not in page(response)  # a reviewer reads only
    assert "New mission" in page(as_user(manager).get("/missions/"))


def test_the_list_filters_by_status_and_confidentiality(as_user, world):
    open_mission(world["manager"], title="Draft idea", status="draft")
    client = as_user(world["manager"])

    drafts = client.get("/missions/?status=draft")
    coopetition = client.get("/missions/?confidentiality=coopetition")
    bad = client.get("/missions/?status=forever")

    assert [r.mission.title for r in drafts.context["rows"]] == ["Draft idea"]
    assert [r.mission.title for r in coopetition.context["rows"]] == ["Circular medical equipment"]
    assert bad.status_code == 400 and "Select a valid choice." in page(bad)


def test_the_list_runs_a_constant_number_of_queries(as_user, world, django_assert_max_num_queries):
    manager = world["manager"]
    for i in range(30):
        mission = Mission.objects.create(
            title=f"Bulk {i}", owner=manager, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), status="active"
        )
        Objective.objects.create(mission=mission, title="O", metric="count", target=5, due=dt.date(2026, 12, 31))
    client = as_user(manager)

    with django_assert_max_num_queries(12):
        response = client.get("/missions/")

    assert response.status_code == 200 and len(response.context["rows"]) == 32


# --- creating and editing -----------------------------------------------------------------


def test_a_manager_creates_a_mission_owned_by_a_colleague(as_user, world):
    response = as_user(world["manager"]).post("/missions/new/", {
        "title": "Train 1,000 nurses", "purpose": "Skills", "owner": str(world["admin"].pk),
        "start": "2026-02-01", "end": "2026-11-30", "confidentiality": "open",
    })  # fmt: skip

    mission = Mission.objects.get(title="Train 1,000 nurses")
    assert response.status_code == 302 and response["Location"] == f"/missions/{mission.pk}/"
    assert (mission.owner, mission.status) == (world["admin"], "draft")


def test_the_mission_form_shows_field_errors_and_changes_nothing(as_user, world):
    client = as_user(world["manager"])
    before = Mission.objects.count()

    dates = client.post("/missions/new/", {"title": "Backwards", "start": "2026-05-01", "end": "2026-01-01",
                                           "confidentiality": "open"})  # fmt: skip
    owner = client.post("/missions/new/", {"title": "X", "start": "2026-01-01", "end": "2026-02-01",
                                           "confidentiality": "open", "owner": str(world["sam"].pk)})  # fmt: skip
    edit = client.post(f"/missions/{world['mission'].pk}/edit/", {
        "title": "", "start": "2026-01-01", "end": "2026-12-31", "confidentiality": "open"})  # fmt: skip

    assert dates.status_code == 400
    assert dates.context["form"].errors == {"end": ["The end must not be before the start."]}
    assert 'value="Backwards"' in page(dates)
    assert owner.status_code == 400 and "owner" in owner.context["form"].errors  # a partner user owns nothing
    assert edit.status_code == 400 and "title" in edit.context["form"].errors
    assert Mission.objects.count() == before
    world["mission"].refresh_from_db()
    assert world["mission"].title == "Equip 500 rural clinics"


def test_a_manager_edits_a_mission(as_user, world):
    mission = world["mission"]

    response = as_user(world["manager"]).post(f"/missions/{mission.pk}/edit/", {
        "title": "Equip 600 rural clinics", "start": "2026-01-01", "end": "2026-12-31",
        "confidentiality": "open", "owner": str(world["manager"].pk),
    })  # fmt: skip

    mission.refresh_from_db()
    assert response.status_code == 302 and mission.title == "Equip 600 rural clinics"


def test_moving_a_mission_along_its_lifecycle_and_a_conflict_as_a_message(as_user, world):
    mission = world["mission"]  # active
    client = as_user(world["manager"])
    detail = client.get(f"/missions/{mission.pk}/")

    moved = client.post(f"/missions/{mission.pk}/move/", {"to": "completed"})
    refused = client.post(f"/missions/{mission.pk}/move/", {"to": "draft"})

    assert [value for value, _label in detail.context["next_statuses"]] == ["completed"]
    assert "Move to Completed" in page(detail)
    mission.refresh_from_db()
    assert moved.status_code == 302 and mission.status == "completed"
    assert flash_messages(refused)[-1] == "A mission cannot go from Completed to Draft."
    assert mission.status == "completed"


def test_a_reviewer_cannot_write_and_sees_no_button(as_user, world):
    mission = world["mission"]
    client = as_user(world["reviewer"])
    before = audit_actions()

    detail = client.get(f"/missions/{mission.pk}/")
    calls = [
        client.get("/missions/new/"),
        client.post("/missions/new/", {"title": "X", "start": "2026-01-01", "end": "2026-02-01"}),
        client.post(f"/missions/{mission.pk}/edit/", {"title": "X", "start": "2026-01-01", "end": "2026-12-31"}),
        client.post(f"/missions/{mission.pk}/move/", {"to": "completed"}),
        client.post(f"/missions/{mission.pk}/objectives/new/", {"title": "X"}),
        client.post(f"/missions/objectives/{world['value'].pk}/delete/"),
        client.post(f"/missions/objectives/{world['value'].pk}/measurements/", {"value": "1"}),
        client.post(f"/missions/{mission.pk}/invite/", {"partner": world["carevia"].pk}),
        client.post(f"/missions/{mission.pk}/declare/", {"partner": world["medisol"].pk}),
        client.post(f"/missions/{mission.pk}/queue/", {"action": "validate_all"}),
    ]

    assert detail.status_code == 200
    for word in ("Move to", "Add an objective", "Invite a partner", "Declare a contribution", "Validate selected"):
        assert word not in page(detail), word
    assert [c.status_code for c in calls] == [403] * len(calls)
    assert audit_actions() == before


@pytest.mark.parametrize("who", ["sam", "mia"])
def test_partner_users_get_403_on_every_staff_page(as_user, world, who):
    mission, objective = world["mission"], world["value"]
    contribution = declare(world["manager"], mission, partner=world["medisol"].pk)
    participation = Participation.objects.get(mission=mission, partner=world["medisol"])
    client = as_user(world[who])

    for path in ("/missions/", "/missions/new/", f"/missions/{mission.pk}/", f"/missions/{mission.pk}/edit/",
                 f"/missions/{mission.pk}/queue/", f"/missions/{mission.pk}/objectives/new/",
                 f"/missions/objectives/{objective.pk}/edit/", f"/missions/{mission.pk}/invite/",
                 f"/missions/{mission.pk}/declare/", f"/missions/participations/{participation.pk}/",
                 f"/missions/contributions/{contribution.pk}/",
                 f"/missions/contributions/{contribution.pk}/edit/"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    assert client.post(f"/missions/{mission.pk}/queue/", {"action": "validate_all"}).status_code == 403
    assert Contribution.objects.get(pk=contribution.pk).status == "submitted"


def test_another_tenants_mission_is_not_found_and_its_session_is_anonymous_here(alpha, beta, as_user, world):
    with schema_context("beta"):
        beta_admin = admin_of(beta)
        theirs = Mission.objects.create(
            id=1_000_000, title="Beta's", owner=beta_admin, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
        )
    unknown = theirs.pk
    beta_client = login(Client(HTTP_HOST="beta.localhost"), beta, beta_admin)

    on_beta = beta_client.get(f"/missions/{unknown}/")
    here = as_user(world["admin"]).get(f"/missions/{unknown}/")
    crossing = beta_client.get(f"/missions/{world['mission'].pk}/", HTTP_HOST="alpha.localhost")

    assert here.status_code == 404
    assert crossing.status_code == 302 and crossing["Location"].startswith("/accounts/login/")
    assert on_beta.status_code == 200 and "Beta&#x27;s" in page(on_beta)


# --- the mission page ----------------------------------------------------------------------


def test_the_mission_page_shows_objectives_totals_participants_and_frozen_ones(as_user, world):
    manager, mission = world["manager"], world["mission"]
    services.participation_update(
        actor=manager, participation=Participation.objects.get(mission=mission, partner=world["medisol"]),
        data={"commitment": "Bring 400 of revenue", "commitment_objective": world["value"].pk,
              "commitment_target": "400"},
    )  # fmt: skip
    c = declare(manager, mission, partner=world["medisol"].pk, objective=world["value"].pk, value="200")
    services.contribution_validate(actor=manager, contribution=c)
    Partner.objects.filter(pk=world["finamed"].pk).update(status="suspended")

    response = as_user(world["reviewer"]).get(f"/missions/{mission.pk}/")

    assert response.status_code == 200
    objectives = {row["objective"].title: row["progress"] for row in response.context["objectives"]}
    assert (objectives["Revenue"].percent, objectives["Clinics equipped"].percent) == (20, 0)
    assert response.context["totals"] == {"value": Decimal("200.00"), "count": 1, "contributors": 1, "hidden": False}
    rows = {row["participation"].partner.name: row for row in response.context["participations"]}
    assert rows["Medisol"]["progress"].percent == 50
    assert rows["Finamed"]["frozen"] == "Finamed is suspended: its participations are frozen."
    html = page(response)
    assert "Finamed is suspended: its participations are frozen." in html
    assert "Bring 400 of revenue" in html


def test_the_mission_page_runs_a_constant_number_of_queries(as_user, world, django_assert_max_num_queries):
    manager, mission = world["manager"], world["mission"]
    for i in range(10):
        Objective.objects.create(mission=mission, title=f"O{i}", metric="manual", target=5, due=dt.date(2026, 12, 31))
    extra = [PartnerFactory() for _ in range(5)]
    join(manager, mission, *extra)
    for i in range(30):
        declare(manager, mission, partner=([*extra, world["medisol"]])[i % 6].pk, value=str(i))
    client = as_user(manager)

    with django_assert_max_num_queries(15):
        response = client.get(f"/missions/{mission.pk}/")

    assert response.status_code == 200
    assert response.context["queue_page"].paginator.count == 30
    assert len(response.context["objectives"]) == 12


# --- the validation queue ----------------------------------------------------------------------


def _queue_world(world, solo=3):
    manager, mission = world["manager"], world["mission"]
    solos = [declare(manager, mission, partner=world["medisol"].pk, value=str(10 + i)) for i in range(solo)]
    joint = declare(manager, mission, partner=world["medisol"].pk,
                    contributors=[{"partner": world["medisol"].pk}, {"partner": world["finamed"].pk}])  # fmt: skip
    return solos, joint


def test_the_queue_fragment_comes_alone_for_htmx_and_the_page_otherwise(as_user, world):
    solos, _joint = _queue_world(world)
    client = as_user(world["reviewer"])
    url = f"/missions/{world['mission'].pk}/queue/"

    fragment = client.get(url, {"partner": world["medisol"].pk}, HTTP_HX_REQUEST="true")
    plain = client.get(url, {"partner": world["medisol"].pk})

    assert fragment.status_code == 200
    assert page(fragment).lstrip().startswith('<section id="queue"') and "<html" not in page(fragment)
    assert [c.pk for c in fragment.context["queue_page"].object_list] == [c.pk for c in reversed(solos)]
    assert plain.status_code == 302
    assert (
        plain["Location"] == f"/missions/{world['mission'].pk}/?partner={world['medisol'].pk}&status=submitted#queue"
    )


def test_validating_the_selected_with_htmx_returns_the_fragment_and_a_summary(as_user, world):
    solos, joint = _queue_world(world)
    client = as_user(world["manager"])

    response = client.post(
        f"/missions/{world['mission'].pk}/queue/",
        {"action": "validate", "ids": [solos[0].pk, solos[1].pk, joint.pk], "status": "submitted"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200 and "<html" not in page(response)
    assert response.context["queue_summary"] == "2 validated, 1 skipped: awaiting co-contributors"
    assert "2 validated, 1 skipped: awaiting co-contributors" in page(response)
    statuses = dict(Contribution.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in (*solos, joint)] == ["validated", "validated", "submitted",
                                                         "awaiting_confirmation"]  # fmt: skip
    # The refreshed queue shows what still awaits validation.
    assert [c.pk for c in response.context["queue_page"].object_list] == [solos[2].pk]


def test_validate_all_matching_the_filter_touches_only_the_filter(as_user, world):
    manager = world["manager"]
    mine = [declare(manager, world["mission"], partner=world["medisol"].pk) for _ in range(3)]
    theirs = declare(manager, world["mission"], partner=world["finamed"].pk)
    elsewhere = declare(manager, world["circular"], partner=world["medisol"].pk)

    response = as_user(manager).post(
        f"/missions/{world['mission'].pk}/queue/",
        {"action": "validate_all", "status": "submitted", "partner": world["medisol"].pk},
        HTTP_HX_REQUEST="true",
    )

    assert response.context["queue_summary"] == "3 validated"
    validated = set(Contribution.objects.filter(status="validated").values_list("pk", flat=True))
    assert validated == {c.pk for c in mine}
    assert theirs.pk not in validated and elsewhere.pk not in validated


def test_rejecting_needs_a_reason_and_keeps_the_ticks(as_user, world):
    solos, _joint = _queue_world(world)
    client = as_user(world["manager"])
    url = f"/missions/{world['mission'].pk}/queue/"

    refused = client.post(url, {"action": "reject", "ids": [solos[0].pk], "reason": " "}, HTTP_HX_REQUEST="true")
    nothing = client.post(url, {"action": "validate"}, HTTP_HX_REQUEST="true")
    done = client.post(url, {"action": "reject", "ids": [solos[0].pk], "reason": "No invoice"}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 400
    assert refused.context["queue_form"].errors == {"reason": ["This field is required."]}
    assert f'value="{solos[0].pk}" id="pick-{solos[0].pk}" checked' in page(refused)
    assert nothing.status_code == 400 and nothing.context["queue_form"].errors == {
        "ids": ["Tick at least one contribution."]
    }
    assert done.context["queue_summary"] == "1 rejected"
    rejected = Contribution.objects.get(pk=solos[0].pk)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "No invoice")


def test_the_queue_works_without_javascript(as_user, world):
    solos, _joint = _queue_world(world)
    client = as_user(world["manager"])
    url = f"/missions/{world['mission'].pk}/queue/"

    done = client.post(url, {"action": "validate", "ids": [solos[0].pk], "status": "submitted"})
    refused = client.post(url, {"action": "reject", "ids": [solos[1].pk], "reason": ""})

    assert done.status_code == 302
    assert done["Location"] == f"/missions/{world['mission'].pk}/?status=submitted#queue"
    assert flash_messages(done) == ["1 validated"]
    assert refused.status_code == 400 and "<html" in page(refused)  # the whole page, the error in its queue
    assert "This field is required." in page(refused)
    assert Contribution.objects.get(pk=solos[1].pk).status == "submitted"


def test_a_queue_with_bad_filters_says_so(as_user, world):
    response = as_user(world["manager"]).get(
        f"/missions/{world['mission'].pk}/queue/", {"date_from": "someday"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400 and "Enter a valid date." in page(response)


# --- objectives and measurements -------------------------------------------------------------


def test_objectives_are_created_edited_and_deleted(as_user, world):
    mission = world["mission"]
    client = as_user(world["manager"])

    created = client.post(f"/missions/{mission.pk}/objectives/new/", {
        "title": "Nurses trained", "metric": "manual", "target": "200", "unit": "nurses", "due": "2026-10-01"})  # fmt: skip
    objective = Objective.objects.get(title="Nurses trained")
    edited = client.post(f"/missions/objectives/{objective.pk}/edit/", {
        "title": "Nurses trained", "metric": "manual", "target": "250", "unit": "nurses", "due": "2026-10-01"})  # fmt: skip
    bad = client.post(f"/missions/{mission.pk}/objectives/new/", {
        "title": "Too early", "metric": "value", "target": "-1", "due": "2025-01-01"})  # fmt: skip
    deleted = client.post(f"/missions/objectives/{objective.pk}/delete/")

    assert created.status_code == 302 and edited.status_code == 302
    assert bad.status_code == 400
    assert bad.context["form"].errors == {
        "target": ["The target must be greater than 0."],
        "due": ["The due date must not be before the mission starts."],
    }
    assert not Objective.objects.filter(title="Too early").exists()
    assert deleted.status_code == 302 and not Objective.objects.filter(pk=objective.pk).exists()
    assert "objective.updated" in audit_actions()


def test_an_objective_in_use_is_not_deleted_and_says_why(as_user, world):
    declare(world["manager"], world["mission"], partner=world["medisol"].pk, objective=world["value"].pk)

    response = as_user(world["manager"]).post(f"/missions/objectives/{world['value'].pk}/delete/")

    assert flash_messages(response) == ["Contributions count toward this objective: it cannot be deleted."]
    assert Objective.objects.filter(pk=world["value"].pk).exists()


def test_measurements_of_a_manual_objective_are_recorded_and_listed(as_user, world):
    nurses = services.objective_create(actor=world["manager"], mission=world["mission"], data={
        "title": "Nurses trained", "metric": "manual", "target": "200", "due": "2026-10-01"})  # fmt: skip
    client = as_user(world["manager"])
    url = f"/missions/objectives/{nurses.pk}/measurements/"

    ok = client.post(url, {"value": "50", "measured_on": "2026-03-01", "note": "Spring session"})
    bad = client.post(url, {"value": "fifty", "measured_on": "2026-03-01"})
    detail = client.get(f"/missions/{world['mission'].pk}/")

    assert ok.status_code == 302
    assert bad.status_code == 400 and "Give a number." in page(bad)
    assert f'id="measure-{nurses.pk}-value"' in page(bad)
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("50")]
    row = next(r for r in detail.context["objectives"] if r["objective"].pk == nurses.pk)
    assert [m.note for m in row["measurements"]] == ["Spring session"]
    assert row["progress"].percent == 25
    assert "Spring session" in page(detail)


# --- participations --------------------------------------------------------------------------


def test_inviting_a_partner_lists_only_active_partners_not_yet_in(as_user, world):
    mission = world["mission"]
    PartnerFactory(name="Sleeping", status="suspended")
    client = as_user(world["manager"])

    form = client.get(f"/missions/{mission.pk}/invite/")
    invited = client.post(f"/missions/{mission.pk}/invite/", {
        "partner": world["carevia"].pk, "role": "sponsor", "commitment": "Fund 10 clinics",
        "commitment_objective": world["clinics"].pk, "commitment_target": "10"})  # fmt: skip
    bad = client.post(f"/missions/{mission.pk}/invite/", {"partner": world["carevia"].pk, "role": "lead"})

    names = [label for _value, label in form.context["form"].fields["partner"].choices]
    assert names == ["—", "Carevia"]
    assert invited.status_code == 302
    participation = Participation.objects.get(mission=mission, partner=world["carevia"])
    assert (participation.state, participation.role, participation.commitment_target) == (
        "invited", "sponsor", Decimal("10"))  # fmt: skip
    assert bad.status_code == 400 and "partner" in bad.context["form"].errors  # not a choice any more


def test_a_numeric_commitment_needs_its_objective(as_user, world):
    response = as_user(world["manager"]).post(
        f"/missions/{world['mission'].pk}/invite/",
        {"partner": world["carevia"].pk, "role": "contributor", "commitment_target": "10"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "commitment_objective": ["A numeric commitment is toward one objective: choose it."]
    }
    assert not Participation.objects.filter(partner=world["carevia"], mission=world["mission"]).exists()


def test_staff_answer_update_and_leave_on_a_partners_behalf(as_user, world):
    manager = world["manager"]
    invited = services.participation_invite(actor=manager, mission=world["mission"], partner=world["carevia"])
    client = as_user(manager)
    url = f"/missions/participations/{invited.pk}/"

    accepted = client.post(url, {"action": "answer", "answer": "accept"})
    updated = client.post(url, {"action": "update", "role": "lead", "commitment": "Lead the rollout"})
    no_reason = client.post(url, {"action": "leave", "reason": ""})
    left = client.post(url, {"action": "leave", "reason": "Budget cut"})

    invited.refresh_from_db()
    assert [r.status_code for r in (accepted, updated, left)] == [302, 302, 302]
    assert no_reason.status_code == 400 and no_reason.context["forms"]["leave"].errors == {
        "reason": ["This field is required."]
    }
    assert (invited.state, invited.role, invited.reason, invited.answered_on_behalf) == (
        "left", "lead", "Budget cut", True)  # fmt: skip
    assert flash_messages(left) == ["Carevia has left the mission."]


def test_a_reviewer_sees_a_participation_but_cannot_change_it(as_user, world):
    participation = Participation.objects.get(mission=world["mission"], partner=world["medisol"])
    client = as_user(world["reviewer"])

    shown = client.get(f"/missions/participations/{participation.pk}/")
    refused = client.post(f"/missions/participations/{participation.pk}/", {"action": "leave", "reason": "x"})

    assert shown.status_code == 200 and "Leave the mission" not in page(shown)
    assert refused.status_code == 403
    assert Participation.objects.get(pk=participation.pk).state == "active"


# --- declaring and reviewing one contribution --------------------------------------------------


def test_staff_declare_a_joint_contribution_with_weights_and_evidence(as_user, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    medisol, finamed = world["medisol"], world["finamed"]

    response = as_user(world["manager"]).post(f"/missions/{world['mission'].pk}/declare/", {
        "partner": medisol.pk, "kind": "revenue_sourced", "value": "300", "date": "2026-04-02",
        "objective": world["value"].pk, "description": "Tender won together",
        "evidence_url": "https://crm.example/deal/7", "evidence_file": SimpleUploadedFile("deal.pdf", PDF),
        "contributors": [finamed.pk], f"weight_{medisol.pk}": "0.7", f"weight_{finamed.pk}": "0.3",
    })  # fmt: skip

    contribution = Contribution.objects.get(description="Tender won together")
    assert response.status_code == 302 and response["Location"] == f"/missions/contributions/{contribution.pk}/"
    assert contribution.status == "awaiting_confirmation"
    shares = list(contribution.shares.order_by("partner__name").values_list("partner__name", "weight", "state"))
    assert shares == [("Finamed", Decimal("0.3"), "pending"), ("Medisol", Decimal("0.7"), "confirmed")]
    assert contribution.evidence_file.read() == PDF


def test_the_declare_form_keeps_what_was_typed_and_says_what_is_wrong(as_user, world):
    medisol, finamed = world["medisol"], world["finamed"]
    response = as_user(world["manager"]).post(f"/missions/{world['mission'].pk}/declare/", {
        "partner": medisol.pk, "kind": "revenue_sourced", "value": "-5", "date": "2026-04-02",
        "description": "Typed with care", "contributors": [finamed.pk],
        f"weight_{medisol.pk}": "0.5", f"weight_{finamed.pk}": "0.2",
    })  # fmt: skip

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["value"] == ["A value cannot be negative; to lower a validated contribution, correct it."]
    assert errors["contributors"] == ["The weights add up to 0.7; they must add up to exactly 1."]
    html = page(response)
    assert "Typed with care" in html and 'value="0.2"' in html
    assert f'value="{finamed.pk}" id="co-{finamed.pk}" checked' in html
    assert not Contribution.objects.exists()


def test_one_contribution_is_validated_rejected_corrected_edited_and_deleted(as_user, world):
    manager = world["manager"]
    client = as_user(manager)
    first = declare(manager, world["mission"], partner=world["medisol"].pk, value="100")
    second = declare(manager, world["mission"], partner=world["medisol"].pk, value="40")
    url = f"/missions/contributions/{first.pk}/"

    shown = client.get(url)
    validated = client.post(url, {"action": "validate"})
    no_reason = client.post(f"/missions/contributions/{second.pk}/", {"action": "reject", "reason": ""})
    rejected = client.post(f"/missions/contributions/{second.pk}/", {"action": "reject", "reason": "Duplicate"})
    corrected = client.post(url, {"action": "correct", "value": "-20", "description": "Refund"})
    no_edit = client.get(f"/missions/contributions/{first.pk}/edit/")
    correction = Contribution.objects.get(corrects=first)
    edited = client.post(f"/missions/contributions/{second.pk}/edit/", {
        "partner": world["medisol"].pk, "kind": "referral", "value": "45", "date": "2026-03-02"})  # fmt: skip
    deleted = client.post(f"/missions/contributions/{correction.pk}/", {"action": "delete"})

    assert shown.status_code == 200 and "Validate" in page(shown)
    assert validated.status_code == 302 and Contribution.objects.get(pk=first.pk).status == "validated"
    assert no_reason.status_code == 400 and no_reason.context["reject_form"].errors == {
        "reason": ["This field is required."]
    }
    assert rejected.status_code == 302
    assert corrected["Location"] == f"/missions/contributions/{correction.pk}/"
    assert (correction.value, correction.status) == (Decimal("-20.00"), "submitted")
    assert no_edit.status_code == 302
    second.refresh_from_db()
    assert edited.status_code == 302 and (second.kind, second.value, second.status) == (
        "referral", Decimal("45.00"), "submitted")  # fmt: skip
    assert deleted.status_code == 302 and not Contribution.objects.filter(pk=correction.pk).exists()
    history = client.get(url)
    assert "contribution.validated" in audit_actions()
    assert history.context["history"]


def test_a_reviewer_cannot_validate_one_contribution(as_user, world):
    contribution = declare(world["manager"], world["mission"], partner=world["medisol"].pk)

    response = as_user(world["reviewer"]).post(f"/missions/contributions/{contribution.pk}/", {"action": "validate"})

    assert response.status_code == 403
    assert Contribution.objects.get(pk=contribution.pk).status == "submitted"


# --- evidence files -------------------------------------------------------------------------------


def test_evidence_is_served_only_to_who_may_see_the_contribution(alpha, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    circular = world["circular"]  # coopetition: Carevia never sees Medisol's contributions
    contribution = declare(world["manager"], circular, partner=world["medisol"].pk)
    contribution.evidence_file.save("proof.pdf", ContentFile(PDF), save=True)
    url = f"/missions/contributions/{contribution.pk}/evidence/"

    def fetch(user):
        return login(Client(HTTP_HOST="alpha.localhost"), alpha, user).get(url)

    staff, owner, member, competitor = (fetch(world[w]) for w in ("reviewer", "sam", "mia", "clara"))
    anonymous = Client(HTTP_HOST="alpha.localhost").get(url)

    assert (staff.status_code, b"".join(staff.streaming_content)) == (200, PDF)
    assert staff["Content-Type"] == "application/pdf"
    assert staff["Content-Disposition"].startswith("attachment;")
    assert (owner.status_code, member.status_code, competitor.status_code) == (200, 200, 404)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/accounts/login/?next={url}"


def test_a_contribution_without_evidence_file_has_none_to_serve(as_user, world):
    contribution = declare(world["manager"], world["mission"], partner=world["medisol"].pk)

    assert as_user(world["manager"]).get(f"/missions/contributions/{contribution.pk}/evidence/").status_code == 404


def test_the_staff_navigation_links_to_missions(as_user, world):
    staff = page(as_user(world["reviewer"]).get("/"))
    partner = page(as_user(world["sam"]).get("/portal/"))

    assert 'href="/missions/"' in staff
    assert 'href="/missions/"' not in partner


def test_the_archived_mission_page_offers_no_writes(as_user, world):
    manager = world["manager"]
    mission = world["mission"]
    for step in ("completed", "archived"):
        services.mission_move(actor=manager, mission=mission, to=step)

    response = as_user(manager).get(f"/missions/{mission.pk}/")

    assert response.status_code == 200
    assert "Add an objective" not in page(response) and ">Edit<" not in page(response)


def test_the_mission_page_speaks_french(as_user, world):
    declare(world["manager"], world["mission"], partner=world["medisol"].pk)
    client = as_user(world["manager"])
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    html = page(client.get(f"/missions/{world['mission'].pk}/"))

    assert '<html lang="fr">' in html
    assert "Valider la sélection" in html and "Ajouter un objectif" in html
    assert "1 contribution correspond." in html
