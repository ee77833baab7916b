"""Each language's own date format on pages (English `23 Nov 2026`, French
`23/11/2026`, never the US `11/23/2026`), date inputs that accept it, and
ISO 8601 in the API whatever the language."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ecosystem.accounts.models import Invitation
from partners.models import Agreement
from tests.conftest import login
from tests.partners.conftest import api

SIGNED, EXPIRES = dt.date(2026, 11, 23), dt.date(2027, 1, 5)
INVITATION_EXPIRES = dt.datetime(2026, 11, 23, 14, 5, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def agreement(cast):
    return Agreement.objects.create(
        partner=cast["medisol"], kind="supply", reference="S-1", signed_on=SIGNED, expires_on=EXPIRES
    )


@pytest.mark.parametrize(
    ("language", "signed", "expires"),
    [("en", "23 Nov 2026", "5 Jan 2027"), ("fr", "23/11/2026", "05/01/2027")],
)
def test_the_partner_page_shows_dates_in_the_language_s_format(
    alpha, alpha_client, cast, agreement, language, signed, expires
):
    login(alpha_client, alpha, cast["manager"])

    page = alpha_client.get(f"/partners/{cast['medisol'].pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<td>{signed}</td><td>{expires}</td>" in page
    assert "11/23/2026" not in page and "Nov. 23, 2026" not in page


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "<td>23 Nov 2026, 14:05</td>"), ("fr", "<td>23/11/2026 14:05</td>")],
)
def test_the_team_page_shows_date_and_time_in_the_language_s_format(alpha, alpha_client, alpha_admin, language, shown):
    Invitation.objects.create(email="x@alpha.test", role="manager", token_hash="h" * 64, expires_at=INVITATION_EXPIRES)
    login(alpha_client, alpha, alpha_admin)

    page = alpha_client.get("/accounts/team/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert shown in page


@pytest.mark.parametrize(
    ("language", "typed"),
    [("en", "23 Nov 2026"), ("en", "2026-11-23"), ("fr", "23/11/2026"), ("fr", "2026-11-23")],
)
def test_date_inputs_accept_the_language_s_format_and_iso(alpha, alpha_client, cast, language, typed):
    login(alpha_client, alpha, cast["manager"])

    response = alpha_client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {"kind": "supply", "reference": "S-2", "signed_on": typed},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 302
    assert Agreement.objects.get(reference="S-2").signed_on == SIGNED


def test_an_english_date_input_refuses_the_us_order(alpha, alpha_client, cast):
    login(alpha_client, alpha, cast["manager"])

    response = alpha_client.post(
        f"/partners/{cast['medisol'].pk}/agreements/",
        {"kind": "supply", "reference": "S-2", "signed_on": "11/23/2026"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.context["agreement_form"].errors == {"signed_on": ["Enter a valid date."]}
    assert not Agreement.objects.filter(reference="S-2").exists()


def test_a_date_input_renders_its_value_in_iso_for_the_browser_s_date_picker(alpha):
    from django.utils import translation

    from partners.forms import AgreementForm

    with translation.override("fr"):
        rendered = str(AgreementForm(initial={"signed_on": SIGNED})["signed_on"])

    assert 'type="date"' in rendered and 'value="2026-11-23"' in rendered


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_api_speaks_iso_8601_whatever_the_language(alpha_client, cast, agreement, language):
    Invitation.objects.create(
        email="x@alpha.test",
        role="partner_member",
        partner=cast["medisol"],
        token_hash="h" * 64,
        expires_at=INVITATION_EXPIRES,
    )
    client = api(alpha_client, cast["manager"])

    agreements = client.get("/api/agreements/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]
    invitations = client.get("/api/invitations/", HTTP_ACCEPT_LANGUAGE=language).json()["results"]

    assert (agreements[0]["signed_on"], agreements[0]["expires_on"]) == ("2026-11-23", "2027-01-05")
    assert invitations[0]["expires_at"] == "2026-11-23T14:05:00+01:00"
