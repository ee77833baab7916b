"""A mission world: the partners' cast, three missions and helpers to declare through the services."""

import datetime as dt
from decimal import Decimal

import pytest

from ecosystem.missions import services
from ecosystem.missions.models import Mission, Participation
from tests.partners.conftest import PartnerFactory, api, cast  # noqa: F401  (fixtures and helpers shared)

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


def open_mission(actor, *, title="Equip 500 rural clinics", confidentiality="open", status="active", **extra):
    mission = services.mission_create(
        actor=actor,
        data={"title": title, "purpose": "Why we do it.", "start": START, "end": END,
              "confidentiality": confidentiality, **extra},
    )  # fmt: skip
    for step in {"draft": [], "open": ["open"], "active": ["open", "active"]}[status]:
        mission = services.mission_move(actor=actor, mission=mission, to=step)
    return mission


def join(actor, mission, *partners, role="contributor"):
    """Invite and accept, as staff on the partners' behalf."""
    rows = []
    for partner in partners:
        participation = services.participation_invite(
            actor=actor, mission=mission, partner=partner, data={"role": role}
        )
        rows.append(services.participation_answer(actor=actor, participation=participation, accept=True))
    return rows


def declare(actor, mission, **data):
    data.setdefault("kind", "revenue_sourced")
    data.setdefault("value", "100.00")
    data.setdefault("date", "2026-03-01")
    return services.contribution_declare(actor=actor, mission=mission, data=data)


@pytest.fixture
def world(cast):  # noqa: F811
    """An open mission with Medisol and Finamed taking part, and a coopetition mission with both competitors."""
    manager = cast["manager"]
    mission = open_mission(manager)
    join(manager, mission, cast["medisol"], cast["finamed"])
    value = services.objective_create(
        actor=manager, mission=mission,
        data={"title": "Revenue", "metric": "value", "target": "1000", "due": "2026-12-31"},
    )  # fmt: skip
    clinics = services.objective_create(
        actor=manager, mission=mission,
        data={"title": "Clinics equipped", "metric": "quantity", "target": "500", "unit": "clinics", "due": "2026-12-31"},
    )  # fmt: skip
    circular = open_mission(manager, title="Circular medical equipment", confidentiality="coopetition")
    join(manager, circular, cast["medisol"], cast["carevia"])
    co2 = services.objective_create(
        actor=manager, mission=circular,
        data={"title": "CO2 avoided", "metric": "quantity", "target": "100", "unit": "tCO2e", "due": "2026-12-31"},
    )  # fmt: skip
    return {**cast, "mission": mission, "value": value, "clinics": clinics, "circular": circular, "co2": co2}


__all__ = ["END", "START", "Decimal", "Mission", "Participation", "PartnerFactory", "api", "declare", "join",
           "open_mission"]  # fmt: skip
