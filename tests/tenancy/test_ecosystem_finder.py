""" "Find my ecosystem" on the public landing page: a mail lists the ecosystems
where an address has an account; the page answers the same either way."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from ecosystem.accounts.models import User
from ecosystem.core.errors import FieldErrors
from ecosystem.core.throttling import within_rate
from ecosystem.tenancy.services import ecosystem_list_request, orchestrator_suspend
from partners.models import Partner
from tests.conftest import flash_messages, make_user

SENT = "If this address has an account, we have sent it the list of its ecosystems."


@pytest.fixture
def find(public_client, django_capture_on_commit_callbacks):
    """POST the form from a fresh browser at `ip`, running what is sent on commit."""

    def post(email: str, ip: str = "10.0.0.1", language: str = "en"):
        with django_capture_on_commit_callbacks(execute=True):
            return Client(HTTP_HOST="localhost").post(
                "/find/", {"email": email}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language
            )

    return post


def test_the_mail_lists_each_ecosystem_with_its_sign_in_link(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")
    make_user(tenants["beta"], "reviewer", email="lea@both.test")

    response = find(" Lea@Both.test ")

    assert (response.status_code, response["Location"]) == (302, "/#find")
    assert flash_messages(response) == [SENT]
    [mail] = mailoutbox
    assert (mail.to, mail.subject) == (["lea@both.test"], "Your ecosystems on Symbiose")
    assert mail.body == (
        "You asked for the ecosystems where this address has an account. Sign in to each at its own address:\n"
        "\n"
        "Alpha Medical Commons\n"
        "http://alpha.localhost/accounts/login/?email=lea%40both.test\n"
        "\n"
        "Beta Clinics Network\n"
        "http://beta.localhost/accounts/login/?email=lea%40both.test\n"
        "\n"
        "If you did not ask for this list, you can ignore this mail.\n"
    )


def test_the_mail_speaks_the_language_of_the_request(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")

    response = find("lea@both.test", language="fr")

    assert flash_messages(response) == [
        "Si cette adresse a un compte, nous lui avons envoyé la liste de ses écosystèmes."
    ]
    [mail] = mailoutbox
    assert mail.subject == "Vos écosystèmes sur Symbiose"
    assert mail.body == (
        "Vous avez demandé les écosystèmes où cette adresse a un compte. "
        "Connectez-vous à chacun à sa propre adresse :\n"
        "\n"
        "Alpha Medical Commons\n"
        "http://alpha.localhost/accounts/login/?email=lea%40both.test\n"
        "\n"
        "Si vous n'avez pas demandé cette liste, ignorez simplement ce message.\n"
    )


def test_an_unknown_address_gets_the_same_answer_and_no_mail(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")
    known = find("lea@both.test", ip="10.0.0.1")
    mailoutbox.clear()

    unknown = find("ghost@nowhere.test", ip="10.0.0.2")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert flash_messages(unknown) == flash_messages(known) == [SENT]
    assert mailoutbox == []


def test_the_landing_page_shows_the_answer(tenants, public_client):
    response = public_client.post("/find/", {"email": "ghost@nowhere.test"}, follow=True)

    assert response.redirect_chain == [("/#find", 302)]
    assert f'<p class="success" role="status">{SENT}</p>' in response.content.decode()


def test_accounts_that_cannot_sign_in_are_not_listed(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test", is_active=False)
    with schema_context("beta"):
        suspended = Partner.objects.create(name="Medisol", role="supplier", status=Partner.Status.SUSPENDED)
    make_user(tenants["beta"], "partner_admin", email="lea@both.test", partner=suspended)

    response = find("lea@both.test")

    assert flash_messages(response) == [SENT]
    assert mailoutbox == []


def test_a_suspended_ecosystem_is_not_listed(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")
    make_user(tenants["beta"], "manager", email="lea@both.test")
    orchestrator_suspend(orchestrator=tenants["beta"], reason="Unpaid", operator_email="op@symbiose.test")
    connection.set_schema_to_public()

    find("lea@both.test")

    [mail] = mailoutbox
    assert "Alpha Medical Commons" in mail.body and "Beta" not in mail.body


def test_one_address_is_throttled_after_ten_requests_an_hour(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")
    answers = [find(f"person{n}@nowhere.test", ip="10.0.0.9").status_code for n in range(10)]

    throttled = find("lea@both.test", ip="10.0.0.9")
    elsewhere = find("lea@both.test", ip="10.0.0.10")

    assert answers == [302] * 10
    assert throttled.status_code == 429
    assert throttled.context["finder"].non_field_errors() == ["Too many requests. Try again in an hour."]
    assert elsewhere.status_code == 302
    assert len(mailoutbox) == 1


def test_one_email_is_throttled_after_three_requests_an_hour(tenants, find, mailoutbox):
    make_user(tenants["alpha"], "manager", email="lea@both.test")
    answers = [find("lea@both.test", ip=f"10.0.1.{n}").status_code for n in range(3)]

    throttled = find("LEA@both.test", ip="10.0.1.99")

    assert answers == [302, 302, 302]
    assert throttled.status_code == 429
    assert len(mailoutbox) == 3


def test_the_rate_limit_counts_atomically_under_concurrency(db):
    allowed = []

    def hit():
        if within_rate(scope="race", client="same", rate="5/hour"):
            allowed.append(1)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 5


@pytest.mark.parametrize(
    ("email", "message"),
    [("not-an-email", "Enter a valid email address."), ("", "This field is required.")],
)
def test_bad_input_shows_the_error_under_the_field_and_sends_nothing(tenants, find, mailoutbox, email, message):
    response = find(email)

    assert response.status_code == 400
    assert response.context["finder"].errors == {"email": [message]}
    assert f'<p class="error" id="id_email_error">{message}</p>' in response.content.decode()
    assert mailoutbox == []


def test_the_form_only_answers_post(public_client):
    assert public_client.get("/find/").status_code == 405


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [("en", "Find my ecosystem", "Send me the list"), ("fr", "Retrouver mon écosystème", "Envoyez-moi la liste")],
)
def test_the_landing_page_offers_the_form(public_client, language, heading, button):
    page = public_client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f'<h2 id="find-heading">{heading}</h2>' in page
    assert f'<button type="submit">{button}</button>' in page
    assert 'action="/find/"' in page


def test_the_lookup_needs_no_user_of_the_public_schema(tenants, find, mailoutbox):
    # Platform operators live in the public schema; they are not an ecosystem.
    User.objects.create_user("operator@symbiose.test", "x-long-password-1", is_staff=True)

    find("operator@symbiose.test")

    assert mailoutbox == []


def test_the_service_checks_the_address_itself(tenants, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(FieldErrors) as refused:
        ecosystem_list_request(email="not-an-email", language="en", ip="10.0.0.1")

    assert refused.value.errors == {"email": ["Enter a valid email address."]}
    assert mailoutbox == []
