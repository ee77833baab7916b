"""The partner selectors on their edges: search, country, states, ordering, history."""

import datetime as dt

from django.utils import timezone

from ecosystem.core.audit import audit_events_for, audit_record
from partners import services
from partners.models import Agreement, Partner, Tier
from partners.selectors import (
    agreements_visible_to,
    countries_in_use,
    horizon_state,
    partner_users,
    partners_visible_to_partner,
)
from tests.partners.conftest import PartnerFactory, api

TODAY = dt.date(2026, 11, 23)


def test_horizon_state_uses_the_given_window_and_day():
    soon = TODAY + dt.timedelta(days=40)

    assert horizon_state(None, window=30, today=TODAY) == "none"
    assert horizon_state(soon, window=30, today=TODAY) == "valid"
    assert horizon_state(soon, window=60, today=TODAY) == "expiring"
    assert horizon_state(TODAY - dt.timedelta(days=1), window=30, today=TODAY) == "expired"


def test_search_matches_name_external_id_and_tags_whatever_the_case(alpha_client, cast):
    PartnerFactory(name="Orthomed", external_id="ORT-9", tags=["imaging"])
    client = api(alpha_client, cast["manager"])

    def names(query):
        return [p["name"] for p in client.get(f"/api/partners/?q={query}").json()["results"]]

    assert names("ort-9") == ["Orthomed"]
    assert names("Imaging") == ["Orthomed"]
    assert names("thome") == ["Orthomed"]
    assert names("%20") == ["Carevia", "Finamed", "Medisol", "Orthomed"]


def test_a_blank_country_filter_keeps_every_partner_and_countries_are_listed_once(alpha_client, cast):
    PartnerFactory(name="Nowhere", country="")
    client = api(alpha_client, cast["manager"])

    blank = client.get("/api/partners/?country=%20").json()["count"]
    germany = [p["name"] for p in client.get("/api/partners/?country=de").json()["results"]]

    assert blank == 4
    assert germany == ["Carevia"]
    assert countries_in_use() == ["DE", "FR"]


def test_a_partner_sees_itself_even_before_it_is_active(cast):
    invited = PartnerFactory(name="Newcomer", status=Partner.Status.INVITED)

    visible = [p.name for p in partners_visible_to_partner(invited.pk)]

    assert "Newcomer" in visible
    assert "Carevia" in visible and "Medisol" in visible


def test_partner_users_are_the_partners_own_active_first(cast):
    gone = cast["mia"]
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    users = [u.email for u in partner_users(cast["medisol"])]

    assert users == ["sam@medisol.test", "mia@medisol.test"]


def test_agreements_are_listed_newest_signature_first(cast):
    older = Agreement.objects.create(partner=cast["medisol"], kind="nda", reference="A", signed_on=TODAY)
    newer = Agreement.objects.create(
        partner=cast["medisol"], kind="nda", reference="B", signed_on=TODAY + dt.timedelta(days=1)
    )
    same_day = Agreement.objects.create(partner=cast["medisol"], kind="nda", reference="C", signed_on=TODAY)

    ordered = list(agreements_visible_to(cast["manager"]))

    assert ordered == [newer, same_day, older]


def test_the_agreement_horizon_is_the_latest_end_and_open_ended_wins(cast):
    medisol, today = cast["medisol"], timezone.localdate()
    base = {"kind": "nda", "signed_on": today - dt.timedelta(days=10)}

    services.agreement_create(
        actor=cast["manager"], partner=medisol, data={**base, "reference": "A", "expires_on": today}
    )
    first = Partner.objects.get(pk=medisol.pk).agreement_horizon
    services.agreement_create(
        actor=cast["manager"], partner=medisol,
        data={**base, "reference": "B", "expires_on": today + dt.timedelta(days=90)},
    )  # fmt: skip
    second = Partner.objects.get(pk=medisol.pk).agreement_horizon
    services.agreement_create(actor=cast["manager"], partner=medisol, data={**base, "reference": "C"})
    third = Partner.objects.get(pk=medisol.pk).agreement_horizon

    assert (first, second, third) == (today, today + dt.timedelta(days=90), services.FAR_FUTURE)
    assert Partner.objects.get(pk=cast["carevia"].pk).agreement_horizon is None


def test_a_partners_history_holds_only_its_own_events(cast):
    medisol = cast["medisol"]
    tier_with_the_same_id = Tier.objects.create(id=medisol.pk, name="Gold", rank=1)
    audit_record(actor=cast["admin"], action="partner.updated", target=medisol)
    audit_record(actor=cast["admin"], action="tier.created", target=tier_with_the_same_id)
    audit_record(actor=cast["admin"], action="partner.updated", target=cast["carevia"])

    history = list(audit_events_for(medisol))

    assert [(e.action, e.object_id) for e in history] == [("partner.updated", str(medisol.pk))]
    assert history[0].actor == cast["admin"]


def test_suspension_records_before_and_after(cast):
    services.partner_suspend(
        actor=cast["manager"], partner=cast["finamed"], reason="Unpaid invoices", ip="203.0.113.5"
    )

    event = audit_events_for(cast["finamed"]).get(action="partner.suspended")

    assert (event.before, event.after) == (
        {"status": "active", "reason": ""},
        {"status": "suspended", "reason": "Unpaid invoices"},
    )
    assert (event.actor, event.ip) == (cast["manager"], "203.0.113.5")
