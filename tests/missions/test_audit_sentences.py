"""The missions' audit trail reads as sentences, in English and in French: each
action recorded by a real service call, named by its mission and partner."""

from django.utils import translation

from ecosystem.core.audit import audit_events_visible_to
from ecosystem.core.audit_text import describe_events
from ecosystem.missions import services
from tests.conftest import french, login, make_user
from tests.missions.conftest import declare, join, open_mission


def _told(user, count: int) -> list[tuple[str, list[str]]]:
    """The newest `count` events as (sentence, details), oldest first, then the same in French."""
    events = list(audit_events_visible_to(user)[:count])[::-1]
    english = [(text.sentence, text.details) for text in describe_events(events)]
    with translation.override("fr"):
        in_french = [(text.sentence, text.details) for text in describe_events(events)]
    return english, in_french


def test_mission_events(alpha, alpha_admin, cast):
    marc = make_user(alpha, "manager", full_name="Marc Dubois")
    mission = services.mission_create(
        actor=marc,
        data={"title": "Clinics", "start": "2026-01-01", "end": "2026-12-31", "confidentiality": "coopetition"},
    )
    services.mission_update(actor=marc, mission=mission, data={"title": "Equip clinics", "end": "2027-06-30"})
    services.mission_move(actor=marc, mission=mission, to="open")

    english, in_french = _told(alpha_admin, 3)

    assert english == [
        (
            "Marc Dubois created the mission Clinics.",
            [
                "Title: Clinics",
                "Owner: Marc Dubois",
                "Start: 1 Jan 2026",
                "End: 31 Dec 2026",
                "Confidentiality: Coopetition: each participant sees only its own contributions",
            ],
        ),
        (
            "Marc Dubois edited the mission Equip clinics.",
            ["Title: Clinics → Equip clinics", "End: 31 Dec 2026 → 30 Jun 2027"],
        ),
        ("Marc Dubois moved the mission Equip clinics to “Open”.", ["Status: Draft → Open"]),
    ]
    assert [sentence for sentence, _details in in_french] == [
        "Marc Dubois a créé la mission Clinics.",
        "Marc Dubois a modifié la mission Equip clinics.",
        french("Marc Dubois a passé la mission Equip clinics à l'état « Ouverte »."),
    ]
    assert in_french[1][1] == [
        french("Titre : Clinics → Equip clinics"),
        french("Fin : 31/12/2026 → 30/06/2027"),
    ]


def test_objective_events(alpha, alpha_admin, cast):
    manager = cast["manager"]
    mission = open_mission(manager, title="Equip 500 rural clinics")
    clinics = services.objective_create(
        actor=manager, mission=mission,
        data={"title": "Clinics equipped", "metric": "quantity", "target": "500", "unit": "clinics", "due": "2026-12-31"},
    )  # fmt: skip
    services.objective_update(actor=manager, objective=clinics, data={"target": "450.5"})
    survey = services.objective_create(
        actor=manager,
        mission=mission,
        data={"title": "Satisfaction", "metric": "manual", "target": "80", "due": "2026-12-31"},
    )
    services.measurement_record(
        actor=manager, objective=survey, data={"value": "72.5", "measured_on": "2026-01-15", "note": "Survey"}
    )
    services.objective_delete(actor=manager, objective=survey)

    english, in_french = _told(alpha_admin, 5)

    name = str(manager)
    assert english == [
        (
            f"{name} added the objective Clinics equipped to the mission Equip 500 rural clinics.",
            ["Mission: Equip 500 rural clinics", "Title: Clinics equipped", "Metric: Quantity (impact, in its unit)", "Target: 500", "Unit: clinics",
             "Due: 31 Dec 2026"],
        ),
        (f"{name} edited the objective Clinics equipped of the mission Equip 500 rural clinics.", ["Target: 500 → 450.5"]),
        (
            f"{name} added the objective Satisfaction to the mission Equip 500 rural clinics.",
            ["Mission: Equip 500 rural clinics", "Title: Satisfaction", "Metric: Entered by staff", "Target: 80", "Due: 31 Dec 2026"],
        ),
        (
            f"{name} recorded a measurement of the objective Satisfaction.",
            ["Value: 72.5", "Measured on: 15 Jan 2026", "Note: Survey"],
        ),
        (
            f"{name} deleted the objective Satisfaction.",
            ["Mission: Equip 500 rural clinics", "Title: Satisfaction", "Metric: Entered by staff", "Target: 80",
             "Due: 31 Dec 2026"],
        ),
    ]  # fmt: skip
    assert in_french[1] == (
        f"{name} a modifié l'objectif Clinics equipped de la mission Equip 500 rural clinics.",
        [french("Cible : 500 → 450,5")],
    )
    assert in_french[4][0] == f"{name} a supprimé l'objectif Satisfaction."


def test_participation_events_say_when_staff_answered_on_the_partners_behalf(alpha, alpha_admin, cast):
    manager, sam, medisol = cast["manager"], cast["sam"], cast["medisol"]
    mission = open_mission(manager, title="Equip 500 rural clinics")
    clinics = services.objective_create(
        actor=manager, mission=mission,
        data={"title": "Clinics equipped", "metric": "quantity", "target": "500", "unit": "clinics", "due": "2026-12-31"},
    )  # fmt: skip
    invited = services.participation_invite(
        actor=manager, mission=mission, partner=medisol,
        data={"role": "lead", "commitment": "Equip 100 clinics", "commitment_objective": clinics.pk,
              "commitment_target": "100"},
    )  # fmt: skip
    services.participation_update(actor=manager, participation=invited, data={"commitment_target": "120"})
    services.participation_answer(actor=sam, participation=invited, accept=True)
    carevia = services.participation_invite(actor=manager, mission=mission, partner=cast["carevia"])
    services.participation_answer(actor=manager, participation=carevia, accept=False, reason="No stock")
    (finamed,) = join(manager, mission, cast["finamed"])
    services.participation_leave(actor=manager, participation=finamed, reason="Budget cut")
    services.participation_leave(actor=sam, participation=invited, reason="Merger")

    english, in_french = _told(alpha_admin, 9)

    name = str(manager)
    assert english == [
        (
            f"{name} invited Medisol into the mission Equip 500 rural clinics.",
            ["Role in the mission: Lead", "Commitment: Equip 100 clinics", "Objective of the commitment: Clinics equipped",
             "Commitment target: 100"],
        ),
        (f"{name} changed the participation of Medisol in the mission Equip 500 rural clinics.",
         ["Commitment target: 100 → 120"]),
        ("sam@medisol.test accepted the invitation of Medisol into the mission Equip 500 rural clinics.", []),
        (f"{name} invited Carevia into the mission Equip 500 rural clinics.", ["Role in the mission: Contributor"]),
        (f"{name} declined, on behalf of Carevia, the invitation into the mission Equip 500 rural clinics.",
         ["Reason: No stock"]),
        (f"{name} invited Finamed into the mission Equip 500 rural clinics.", ["Role in the mission: Contributor"]),
        (f"{name} accepted, on behalf of Finamed, the invitation into the mission Equip 500 rural clinics.", []),
        (f"{name} withdrew Finamed from the mission Equip 500 rural clinics, on its behalf.", ["Reason: Budget cut"]),
        ("sam@medisol.test withdrew Medisol from the mission Equip 500 rural clinics.", ["Reason: Merger"]),
    ]  # fmt: skip
    assert [sentence for sentence, _details in in_french[2:]] == [
        "sam@medisol.test a accepté l'invitation de Medisol dans la mission Equip 500 rural clinics.",
        f"{name} a invité Carevia dans la mission Equip 500 rural clinics.",
        f"{name} a décliné, au nom de Carevia, l'invitation dans la mission Equip 500 rural clinics.",
        f"{name} a invité Finamed dans la mission Equip 500 rural clinics.",
        f"{name} a accepté, au nom de Finamed, l'invitation dans la mission Equip 500 rural clinics.",
        f"{name} a retiré Finamed de la mission Equip 500 rural clinics, en son nom.",
        "sam@medisol.test a retiré Medisol de la mission Equip 500 rural clinics.",
    ]
    assert in_french[0][1][0] == french("Rôle dans la mission : Chef de file")
    assert in_french[4][1] == [french("Motif : No stock")]


def test_contribution_events_name_the_declarer_the_mission_and_the_reason(alpha, alpha_admin, world):
    manager, sam, mission, clinics = world["manager"], world["sam"], world["mission"], world["clinics"]
    finamed = world["finamed"]
    fina = make_user(alpha, "partner_admin", email="paul@finamed.test", partner=finamed)
    joint = declare(
        sam, mission, kind="in_kind", value="1000.50", quantity="12", objective=clinics.pk, date="2026-03-01",
        contributors=[{"partner": world["medisol"].pk}, {"partner": finamed.pk}],
    )  # fmt: skip
    services.share_confirm(actor=fina, contribution=joint)
    services.contribution_validate(actor=manager, contribution=joint)
    services.contribution_correct(
        actor=manager, original=joint, data={"value": "-100", "date": "2026-04-01", "description": "Invoice credit"}
    )
    solo = declare(sam, mission, value="80", date="2026-05-02")
    services.contribution_update(actor=sam, contribution=solo, data={"value": "90"})
    services.contribution_reject(actor=manager, contribution=solo, reason="No invoice attached")
    withdrawn = declare(sam, mission, value="5", date="2026-05-03")
    services.contribution_delete(actor=sam, contribution=withdrawn)
    declined = declare(
        sam,
        mission,
        value="7",
        date="2026-06-01",
        contributors=[{"partner": world["medisol"].pk}, {"partner": finamed.pk}],
    )
    services.share_decline(actor=fina, contribution=declined, reason="Not ours")

    english, in_french = _told(alpha_admin, 11)

    name, on = str(manager), "Medisol to the mission Equip 500 rural clinics"
    assert english == [
        (
            f"sam@medisol.test declared a contribution of {on}.",
            ["Mission: Equip 500 rural clinics", "Declared for: Medisol", "Objective: Clinics equipped", "Kind: In kind", "Value: 1000.50", "Quantity: 12",
             "Date: 1 Mar 2026", "Contributors and weights: Medisol (0.5), Finamed (0.5)"],
        ),
        (
            f"paul@finamed.test confirmed a share of the contribution of {on} (In kind, 1 Mar 2026).",
            ["Share of: Finamed", "Weight: 0.5"],
        ),
        (f"{name} validated the contribution of {on} (In kind, 1 Mar 2026).", []),
        (
            f"{name} corrected contribution no. {joint.pk} of {on}.",
            ["Value: -100.00", "Date: 1 Apr 2026", "Description: Invoice credit"],
        ),
        (
            f"sam@medisol.test declared a contribution of {on}.",
            ["Mission: Equip 500 rural clinics", "Declared for: Medisol", "Kind: Sourced revenue", "Value: 80.00", "Date: 2 May 2026",
             "Contributors and weights: Medisol (1)"],
        ),
        (f"sam@medisol.test edited a contribution of {on}.", ["Value: 80.00 → 90.00"]),
        (f"{name} rejected the contribution of {on} (Sourced revenue, 2 May 2026).", ["Reason: No invoice attached"]),
        (
            f"sam@medisol.test declared a contribution of {on}.",
            ["Mission: Equip 500 rural clinics", "Declared for: Medisol", "Kind: Sourced revenue", "Value: 5.00", "Date: 3 May 2026",
             "Contributors and weights: Medisol (1)"],
        ),
        (
            "sam@medisol.test deleted a contribution (Sourced revenue 2026-05-03).",
            ["Mission: Equip 500 rural clinics", "Declared for: Medisol", "Kind: Sourced revenue", "Value: 5.00",
             "Date: 3 May 2026", "Contributors and weights: Medisol (1)"],
        ),
        (
            f"sam@medisol.test declared a contribution of {on}.",
            ["Mission: Equip 500 rural clinics", "Declared for: Medisol", "Kind: Sourced revenue", "Value: 7.00", "Date: 1 Jun 2026",
             "Contributors and weights: Medisol (0.5), Finamed (0.5)"],
        ),
        (
            f"paul@finamed.test declined a share of the contribution of {on} (Sourced revenue, 1 Jun 2026).",
            ["Share of: Finamed", "Reason: Not ours"],
        ),
    ]  # fmt: skip
    de = "Medisol à la mission Equip 500 rural clinics"
    assert in_french[0][1][4:6] == [french("Valeur : 1000,50"), french("Quantité : 12")]
    assert [sentence for sentence, _details in in_french[1:4]] == [
        f"paul@finamed.test a confirmé une part de la contribution de {de} (En nature, 01/03/2026).",
        f"{name} a validé la contribution de {de} (En nature, 01/03/2026).",
        f"{name} a corrigé la contribution n°\N{NO-BREAK SPACE}{joint.pk} de {de}.",
    ]
    assert in_french[6] == (
        f"{name} a rejeté la contribution de {de} (Chiffre d'affaires apporté, 02/05/2026).",
        [french("Motif : No invoice attached")],
    )
    assert in_french[10][0] == (
        f"paul@finamed.test a décliné une part de la contribution de {de} (Chiffre d'affaires apporté, 01/06/2026)."
    )


def test_bulk_validation_reads_like_one_by_one(alpha, alpha_admin, world):
    manager, mission = world["manager"], world["mission"]
    first = declare(world["sam"], mission, value="10", date="2026-02-01")
    declare(world["sam"], mission, value="20", date="2026-02-02")

    services.contributions_review_many(actor=manager, contributions=mission.contributions.all())

    english, _in_french = _told(alpha_admin, 2)
    on = "Medisol to the mission Equip 500 rural clinics"
    assert sorted(sentence for sentence, _details in english) == [
        f"{manager} validated the contribution of {on} (Sourced revenue, 1 Feb 2026).",
        f"{manager} validated the contribution of {on} (Sourced revenue, 2 Feb 2026).",
    ]
    assert first.pk


def test_names_cost_one_query_per_kind_whatever_the_number_of_events(
    alpha, alpha_admin, world, django_assert_num_queries
):
    for day in range(1, 8):
        declare(world["sam"], world["mission"], value="10", date=f"2026-02-0{day}", objective=world["value"].pk)
    events = list(audit_events_visible_to(alpha_admin))

    # names of missions, partners, objectives, users (the owner); words of objectives, participations, contributions
    with django_assert_num_queries(7):
        told = describe_events(events)

    assert len(told) == len(events)


def test_the_audit_page_tells_mission_events_in_the_readers_language(alpha, alpha_client, alpha_admin, world):
    services.contribution_reject(
        actor=world["manager"],
        contribution=declare(world["sam"], world["mission"], kind="referral", value="0", date="2026-03-01"),
        reason="Duplicate",
    )
    client = login(alpha_client, alpha, alpha_admin)

    english = client.get("/governance/audit/?action=contribution.rejected")
    client.cookies["django_language"] = "fr"
    in_french = client.get("/governance/audit/?action=contribution.rejected")

    on = "Medisol to the mission Equip 500 rural clinics"
    assert [e.sentence for e in english.context["events"]] == [
        f"{world['manager']} rejected the contribution of {on} (Referral, 1 Mar 2026)."
    ]
    assert "<li>Reason: Duplicate</li>" in english.content.decode()
    assert [e.sentence for e in in_french.context["events"]] == [
        f"{world['manager']} a rejeté la contribution de Medisol à la mission Equip 500 rural clinics "
        "(Recommandation, 01/03/2026)."
    ]
