"""The partner page's history: each event a sentence in the reader's language,
with names for ids and only the fields that changed, in a fixed number of queries."""

import datetime as dt

import pytest

from ecosystem.accounts import services as accounts_services
from ecosystem.core.audit import audit_record
from partners import services
from partners.models import Partner, Tier
from tests.conftest import french, login, make_user


@pytest.fixture
def marc(alpha):
    return make_user(alpha, "manager", email="marc@alpha.test", full_name="Marc Manager")


@pytest.fixture
def lumen(cast, marc):
    """A partner's life: created, edited, suspended, reactivated, an agreement, an invitation."""
    gold, silver = Tier.objects.create(name="Gold", rank=1), Tier.objects.create(name="Silver", rank=2)
    lumen = services.partner_create(
        actor=marc,
        data={
            "name": "Lumen",
            "role": "supplier",
            "tier": gold.pk,
            "country": "FR",
            "competitors": [cast["medisol"].pk],
        },
    )
    services.partner_update(actor=marc, partner=lumen, data={"name": "Lumen Devices", "tier": str(silver.pk)})
    services.partner_activate(actor=cast["admin"], partner=lumen)
    services.partner_suspend(actor=marc, partner=lumen, reason="Late deliveries")
    services.partner_activate(actor=marc, partner=lumen)
    services.agreement_create(
        actor=marc, partner=lumen, data={"kind": "nda", "reference": "N-1", "signed_on": dt.date(2026, 1, 5)}
    )
    accounts_services.invitation_create(actor=marc, email="lea@lumen.test", role="partner_member", partner=lumen)
    return lumen


def _history(response) -> list[tuple[str, list[str]]]:
    return [(item.sentence, item.details) for item in response.context["history"]]


def french_history(history: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    return [(french(sentence), [french(line) for line in details]) for sentence, details in history]


def test_the_history_tells_each_event_in_english(alpha, alpha_client, cast, marc, lumen):
    response = login(alpha_client, alpha, marc).get(f"/partners/{lumen.pk}/")

    assert response.status_code == 200
    assert _history(response) == [
        ("Marc Manager invited lea@lumen.test.", ["Role: Partner member"]),
        (
            "Marc Manager added an agreement with Lumen Devices.",
            ["Kind: Non-disclosure agreement", "Reference: N-1", "Signed on: 5 Jan 2026"],
        ),
        ("Marc Manager activated Lumen Devices.", []),
        ("Marc Manager suspended Lumen Devices.", ["Reason: Late deliveries"]),
        ("admin@alpha.test activated Lumen Devices.", []),
        ("Marc Manager edited Lumen Devices.", ["Name: Lumen → Lumen Devices", "Tier: Gold → Silver"]),
        (
            "Marc Manager added the partner Lumen.",
            ["Name: Lumen", "Role: Supplier", "Tier: Gold", "Country: FR", "Competitors: Medisol"],
        ),
    ]
    page = response.content.decode()
    assert "<li>Tier: Gold → Silver</li>" in page
    assert "partner.updated" not in page and "tier: " not in page


def test_the_history_tells_each_event_in_french(alpha, alpha_client, cast, marc, lumen):
    alpha_client.cookies["django_language"] = "fr"

    response = login(alpha_client, alpha, marc).get(f"/partners/{lumen.pk}/")

    assert _history(response) == french_history(
        [
            ("Marc Manager a invité lea@lumen.test.", ["Rôle : Membre partenaire"]),
            (
                "Marc Manager a ajouté un accord avec Lumen Devices.",
                ["Type : Accord de confidentialité", "Référence : N-1", "Signé le : 05/01/2026"],
            ),
            ("Marc Manager a activé Lumen Devices.", []),
            ("Marc Manager a suspendu Lumen Devices.", ["Motif : Late deliveries"]),
            ("admin@alpha.test a activé Lumen Devices.", []),
            ("Marc Manager a modifié Lumen Devices.", ["Nom : Lumen → Lumen Devices", "Niveau : Gold → Silver"]),
            (
                "Marc Manager a ajouté le partenaire Lumen.",
                ["Nom : Lumen", "Rôle : Fournisseur", "Niveau : Gold", "Pays : FR", "Concurrents : Medisol"],
            ),
        ]
    )


def test_an_exit_and_a_competitor_change_read_as_names(alpha, alpha_client, cast, marc):
    carevia = cast["carevia"]
    services.partner_update(actor=marc, partner=carevia, data={"competitors": [cast["finamed"].pk]})
    services.partner_exit(actor=marc, partner=carevia, reason="Left the market")

    response = login(alpha_client, alpha, marc).get(f"/partners/{carevia.pk}/")

    assert _history(response) == [
        ("Marc Manager recorded the exit of Carevia from the ecosystem.", ["Reason: Left the market"]),
        ("Marc Manager edited Carevia.", ["Competitors: Medisol → Finamed"]),
    ]


@pytest.mark.parametrize("events", [3, 40])
def test_the_partner_page_reads_its_history_in_a_fixed_number_of_queries(
    alpha, alpha_client, cast, marc, django_assert_num_queries, events
):
    tiers = [Tier.objects.create(name=f"T{i}", rank=i + 1) for i in range(3)]
    medisol = cast["medisol"]
    for i in range(events):  # each naming tiers and partners of its own
        audit_record(
            actor=marc if i % 2 else cast["admin"], action="partner.updated", target=medisol,
            before={"tier": tiers[i % 3].pk, "competitors": [cast["carevia"].pk]},
            after={"tier": tiers[(i + 1) % 3].pk, "competitors": [cast["finamed"].pk]},
        )  # fmt: skip
    client = login(alpha_client, alpha, marc)

    # the host's tenant (2 search_path switches and the domain), session, user, partner, competitors,
    # agreements, events with their actors, tier names, partner names, users, invitations
    with django_assert_num_queries(13):
        response = client.get(f"/partners/{medisol.pk}/")

    assert len(response.context["history"]) == events
    assert response.context["history"][0].details == [
        f"Tier: T{(events - 1) % 3} → T{events % 3}",
        "Competitors: Carevia → Finamed",
    ]


def test_the_history_shows_the_fifty_latest_events(alpha, alpha_client, cast, marc):
    for i in range(55):
        audit_record(actor=marc, action="partner.updated", target=cast["finamed"], after={"name": f"F{i}"})

    response = login(alpha_client, alpha, marc).get(f"/partners/{cast['finamed'].pk}/")

    history = response.context["history"]
    assert len(history) == 50 and history[0].details == ["Name: F54"]


def test_an_imported_partner_reads_like_a_created_one(alpha, alpha_client, cast, marc):
    partner = Partner.objects.create(name="Imported", role="association", country="BE")
    audit_record(
        actor=marc, action="partner.created", target=partner,
        after={"name": "Imported", "role": "association", "tier": None, "country": "BE", "tags": ["a", "b"],
               "website": "", "notes": ""},
    )  # fmt: skip

    response = login(alpha_client, alpha, marc).get(f"/partners/{partner.pk}/")

    assert _history(response) == [
        (
            "Marc Manager added the partner Imported.",
            ["Name: Imported", "Role: Association", "Country: BE", "Sectors and tags: a, b"],
        )
    ]
