import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecosystem.accounts.models import Invitation
from ecosystem.core.models import AuditEvent
from partners.models import Agreement, EcosystemProfile, Partner, Tier, ValueProposition
from tests.conftest import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def as_user(alpha, alpha_client):
    def sign_in(user):
        return login(alpha_client, alpha, user)

    return sign_in


def test_directory_lists_filters_and_sorts(as_user, cast):
    client = as_user(cast["reviewer"])

    everything = client.get("/partners/")
    germans = client.get("/partners/?country=DE")
    by_name_desc = client.get("/partners/?sort=-name")

    assert everything.status_code == 200
    assert "3 partners" in everything.content.decode()
    assert [p.name for p in germans.context["page"].object_list] == ["Carevia"]
    assert [p.name for p in by_name_desc.context["page"].object_list] == ["Medisol", "Finamed", "Carevia"]


def test_directory_with_bad_filters_says_so(as_user, cast):
    response = as_user(cast["manager"]).get("/partners/?agreement=forever")

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_directory_of_10000_partners_runs_a_constant_number_of_queries(as_user, cast, django_assert_max_num_queries):
    tier = Tier.objects.create(name="Gold", rank=1)
    Partner.objects.bulk_create(
        [
            Partner(name=f"Bulk {i:05d}", role="supplier", status="active", tier=tier, country="FR")
            for i in range(10_000)
        ]
    )
    client = as_user(cast["manager"])

    with django_assert_max_num_queries(12):
        response = client.get("/partners/?status=active&country=FR&sort=tier&page=3")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 10_002
    assert len(response.context["page"].object_list) == 50


@pytest.mark.parametrize("who", ["sam", "mia"])
def test_partner_users_cannot_open_staff_pages(as_user, cast, who):
    client = as_user(cast[who])

    for path in (
        "/partners/",
        f"/partners/{cast['carevia'].pk}/",
        "/partners/new/",
        "/partners/import/",
        "/partners/export.csv",
    ):
        assert client.get(path).status_code == 403, path


def test_other_tenants_staff_are_sent_to_login(beta, beta_client, cast):
    from tests.conftest import admin_of

    login(beta_client, beta, admin_of(beta))

    response = beta_client.get("/partners/", HTTP_HOST="alpha.localhost")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_manager_adds_a_partner_through_the_form(as_user, cast):
    client = as_user(cast["manager"])

    response = client.post(
        "/partners/new/",
        {"name": "Clinique du Lac", "role": "association", "country": "ch", "competitors": [str(cast["finamed"].pk)]},
    )

    partner = Partner.objects.get(name="Clinique du Lac")
    assert response.status_code == 302 and response["Location"] == f"/partners/{partner.pk}/"
    assert (partner.country, partner.status, list(partner.competitors.all())) == ("CH", "invited", [cast["finamed"]])


def test_the_form_shows_field_errors_and_keeps_the_input(as_user, cast):
    client = as_user(cast["manager"])

    response = client.post(
        "/partners/new/", {"name": "Lac", "role": "supplier", "website": "not a url", "external_id": "MED"}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["website"] == ["Enter a valid web address."]
    assert errors["external_id"] == ["Another partner has this external id."]
    assert 'value="Lac"' in response.content.decode()
    assert not Partner.objects.filter(name="Lac").exists()


def test_a_reviewer_cannot_add_or_edit(as_user, cast):
    client = as_user(cast["reviewer"])

    assert client.get("/partners/new/").status_code == 403
    assert client.post(f"/partners/{cast['medisol'].pk}/edit/", {"name": "X", "role": "supplier"}).status_code == 403
    cast["medisol"].refresh_from_db()
    assert cast["medisol"].name == "Medisol"


def test_edit_form_saves_and_detail_shows_the_history(as_user, cast):
    client = as_user(cast["manager"])
    pk = cast["finamed"].pk

    client.post(
        f"/partners/{pk}/edit/",
        {"name": "Finamed Leasing", "role": "partner", "country": "FR", "tags": "leasing, finance"},
    )
    detail = client.get(f"/partners/{pk}/")

    page = detail.content.decode()
    assert "Finamed Leasing" in page and "leasing, finance" in page
    assert f"{cast['manager'].email} edited Finamed Leasing." in page
    assert (
        "<li>Name: Finamed → Finamed Leasing</li>" in page
        and "<li>Sectors and tags: — → leasing, finance</li>" in page
    )


def test_the_lifecycle_form_refuses_an_over_long_reason(as_user, cast):
    client = as_user(cast["manager"])
    pk = cast["carevia"].pk

    detail = client.get(f"/partners/{pk}/")
    refused = client.post(f"/partners/{pk}/suspend/", {"reason": "r" * 1001}, follow=True)

    assert 'maxlength="1000"' in detail.content.decode()
    assert "Ensure this value has at most 1000 characters (it has 1001)." in refused.content.decode()
    assert Partner.objects.get(pk=pk).status == "active"


def test_lifecycle_buttons_apply_and_refuse_with_a_message(as_user, cast):
    client = as_user(cast["manager"])
    pk = cast["carevia"].pk

    refused = client.post(f"/partners/{pk}/suspend/", {"reason": ""}, follow=True)
    done = client.post(f"/partners/{pk}/suspend/", {"reason": "Quality issue"}, follow=True)
    unknown = client.post(f"/partners/{pk}/explode/")

    assert "Give a reason" in refused.content.decode()
    assert "Carevia is now suspended." in done.content.decode()
    assert unknown.status_code == 404
    assert Partner.objects.get(pk=pk).status == "suspended"


def test_agreements_are_added_with_a_checked_document_and_downloaded_by_the_right_people(
    as_user, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = as_user(cast["manager"])
    today = timezone.localdate()
    base = {"kind": "partnership", "reference": "P-1", "signed_on": str(today - dt.timedelta(days=10))}

    fake = client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {**base, "document": SimpleUploadedFile("x.pdf", b"MZ not a pdf")},
    )
    wrong_type = client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {**base, "document": SimpleUploadedFile("x.exe", b"MZ")},
    )
    ok = client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {**base, "expires_on": str(today + dt.timedelta(days=10)), "document": SimpleUploadedFile("p.pdf", PDF)},
        follow=True,
    )

    assert fake.status_code == 400 and fake.context["agreement_form"].errors == {
        "document": ["The file's content does not match its .pdf name."]
    }
    assert wrong_type.status_code == 400 and "Attach a PDF, PNG, JPEG or DOCX file." in wrong_type.content.decode()
    assert 'value="P-1"' in wrong_type.content.decode()  # what was typed is kept
    assert "Agreement added." in ok.content.decode()
    agreement = Agreement.objects.get()
    assert agreement.state == "expiring"
    url = f"/partners/agreements/{agreement.pk}/document/"
    assert b"".join(client.get(url).streaming_content) == PDF
    assert as_user(cast["mia"]).get(url).status_code == 200  # its own partner's
    assert as_user(cast["clara"]).get(url).status_code == 404  # a competitor's


def test_tiers_page(as_user, cast):
    manager = as_user(cast["manager"])
    manager.post("/partners/tiers/", {"name": "Gold"})
    duplicate = manager.post("/partners/tiers/", {"name": "GOLD"})
    reviewer = as_user(cast["reviewer"]).post("/partners/tiers/", {"name": "Silver"})

    assert list(Tier.objects.values_list("name", flat=True)) == ["Gold"]
    assert duplicate.status_code == 400
    assert reviewer.status_code == 403


def test_the_admin_states_the_mission_and_value_propositions(as_user, cast):
    client = as_user(cast["admin"])

    response = client.post("/partners/ecosystem/", {
        "mission": "Equip 500 rural clinics",
        "offers_supplier": "Qualified demand", "expects_supplier": "Fair prices",
    })  # fmt: skip
    bad = client.post("/partners/ecosystem/", {"mission": "x" * 2001})
    manager = as_user(cast["manager"]).get("/partners/ecosystem/")

    assert response.status_code == 302
    assert EcosystemProfile.objects.get().mission == "Equip 500 rural clinics"
    assert ValueProposition.objects.get(role="supplier").offers == "Qualified demand"
    assert AuditEvent.objects.filter(action="ecosystem.profile_updated").count() == 1
    assert bad.status_code == 400
    assert manager.status_code == 403


def test_portal_home_shows_mission_value_proposition_and_expiry_warnings(as_user, cast):
    profile = EcosystemProfile.objects.create(mission="Equip 500 rural clinics by 2027")
    ValueProposition.objects.create(role="supplier", offers="Qualified demand", expects="Fair prices")
    soon = timezone.localdate() + dt.timedelta(days=5)
    Agreement.objects.create(
        partner=cast["medisol"], kind="supply", reference="S-9", signed_on="2026-01-01", expires_on=soon
    )
    Agreement.objects.create(partner=cast["carevia"], kind="supply", reference="SECRET-CAR", signed_on="2026-01-01")

    response = as_user(cast["mia"]).get("/portal/")

    page = response.content.decode()
    assert response.status_code == 200
    assert profile.mission in page and "Qualified demand" in page and "Fair prices" in page
    assert "Your agreement S-9 expires on" in page
    assert "SECRET-CAR" not in page


def test_the_dashboard_sends_partner_users_to_their_portal(as_user, cast):
    assert as_user(cast["sam"]).get("/")["Location"] == "/portal/"


def test_staff_have_no_portal(as_user, cast):
    assert as_user(cast["manager"]).get("/portal/").status_code == 403


def test_a_partner_admin_edits_its_profile_a_member_cannot(as_user, cast):
    saved = as_user(cast["sam"]).post(
        "/portal/profile/",
        {"description": "Imaging", "website": "medisol.example", "country": "fr", "tags": "imaging"},
    )
    bad = as_user(cast["sam"]).post("/portal/profile/", {"website": "not a url", "country": "FR"})
    member = as_user(cast["mia"]).post("/portal/profile/", {"description": "hacked"})

    assert saved.status_code == 302
    assert bad.status_code == 400 and bad.context["form"].errors["website"] == ["Enter a valid web address."]
    assert member.status_code == 403
    cast["medisol"].refresh_from_db()
    assert (cast["medisol"].description, cast["medisol"].website) == ("Imaging", "https://medisol.example")


def test_participants_page_shows_name_role_website_but_no_competitor_and_no_private_data(as_user, cast):
    response = as_user(cast["mia"]).get("/portal/participants/")

    page = response.content.decode()
    assert "Finamed" in page and "Medisol" in page
    assert "Carevia" not in page
    assert "contact@partner.example" not in page and "private orchestrator note" not in page


def test_portal_team_lists_colleagues_and_only_the_partner_admin_invites(
    as_user, cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invited = as_user(cast["sam"]).post("/portal/team/", {"email": "new@medisol.test", "role": "partner_member"})
    member = as_user(cast["mia"]).post("/portal/team/", {"email": "x@medisol.test", "role": "partner_member"})
    page = as_user(cast["clara"]).get("/portal/team/").content.decode()

    assert invited.status_code == 302
    assert mailoutbox[0].to == ["new@medisol.test"]
    assert member.status_code == 403
    assert list(Invitation.objects.values_list("email", flat=True)) == ["new@medisol.test"]
    assert len(mailoutbox) == 1
    assert "sam@medisol.test" not in page and "clara@carevia.test" in page


def test_a_failed_invitation_on_the_partner_page_keeps_what_was_typed(as_user, cast):
    client = as_user(cast["manager"])

    response = client.post(f"/partners/{cast['medisol'].pk}/invitations/", {"email": "lea@", "role": "partner_member"})

    assert response.status_code == 400
    assert response.context["invitation_form"].errors == {"email": ["Enter a valid email address."]}
    assert 'value="lea@"' in response.content.decode()
    assert not Invitation.objects.exists()
