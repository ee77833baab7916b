"""Sign-ups per client address: page and API share one limit (SIGNUP_RATE),
the address is believed from X-Forwarded-For only behind a trusted proxy, and
requests arriving together are counted one by one."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client, RequestFactory

from ecosystem.core.network import client_ip
from ecosystem.core.throttling import within_rate
from ecosystem.tenancy.models import Orchestrator
from tests.conftest import PASSWORD, in_parallel

# Refused by the sign-up rules (address too short): counted, but no schema is created.
REFUSED = {"name": "Gamma Care", "slug": "ab", "email": "founder@gamma.test", "password": PASSWORD}
THROTTLED = {"detail": "Too many sign-ups from your address. Try again later.", "code": "throttled"}


def api_signup(client: Client, **headers):
    return client.post("/api/signup/", REFUSED, content_type="application/json", **headers)


def test_a_new_forwarded_for_header_does_not_reset_the_limit(public_client, settings):
    settings.SIGNUP_RATE = "2/hour"

    answers = [api_signup(public_client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert answers[2].json() == THROTTLED


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(public_client, settings):
    settings.SIGNUP_RATE = "1/hour"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.7"}

    first = api_signup(public_client, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    again = api_signup(public_client, HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy)
    other = api_signup(public_client, HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy)
    # A client writing its own header ahead of the proxy's hop gains nothing.
    spoofed = api_signup(public_client, HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.1", **proxy)

    assert [a.status_code for a in (first, again, other, spoofed)] == [400, 429, 400, 429]


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not from a proxy: the header is ignored
        ("10.0.0.7", "", "10.0.0.7"),
        ("10.0.0.7", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.7", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # only the proxy's own hop counts
        ("10.0.0.7", "203.0.113.9, 10.0.0.3", "203.0.113.9"),  # through two trusted proxies
        ("10.0.0.7", "10.0.0.4, 10.0.0.3", "10.0.0.4"),
        ("10.0.0.7", "203.0.113.9, not-an-address", "10.0.0.7"),
        ("2001:db8::1", "198.51.100.1", "198.51.100.1"),
    ],
)
def test_the_client_address_trusts_forwarding_headers_only_from_trusted_proxies(settings, peer, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == client


def test_no_trusted_proxy_by_default(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR="198.51.100.1")

    assert settings.TRUSTED_PROXIES == []
    assert client_ip(request) == "10.0.0.7"
    assert client_ip(None) is None


def test_the_signup_page_shares_the_apis_limit_and_says_so_in_the_visitors_language(public_client, settings):
    settings.SIGNUP_RATE = "2/hour"

    page = public_client.post("/signup/", REFUSED)
    api = api_signup(public_client)
    throttled = public_client.post("/signup/", REFUSED)
    in_french = public_client.post("/signup/", REFUSED, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    form = public_client.get("/signup/")

    assert (page.status_code, api.status_code) == (400, 400)
    assert throttled.status_code == 429
    assert "Too many sign-ups from your address. Try again later." in throttled.content.decode()
    assert in_french.status_code == 429
    assert "Trop d'inscriptions depuis votre adresse. Réessayez plus tard." in unescape(in_french.content.decode())
    assert form.status_code == 200  # showing the form is not an attempt


def test_a_burst_of_sign_ups_at_once_lets_only_the_limit_through(public_client, settings):
    settings.SIGNUP_RATE = "3/hour"
    before = Orchestrator.objects.count()

    answers = in_parallel(30, lambda _i: api_signup(Client(HTTP_HOST=public_client.defaults["HTTP_HOST"])))

    assert sorted(a.status_code for a in answers) == [400] * 3 + [429] * 27
    assert Orchestrator.objects.count() == before


def test_the_counter_admits_exactly_the_limit_whatever_the_concurrency():
    """The helper alone, 50 callers at once, five rounds: no request stack to spread them out."""
    for round_ in range(5):
        client = f"192.0.2.{round_}"
        admitted = in_parallel(
            50, lambda _i, client=client: within_rate(scope="burst", client=client, rate="5/minute")
        )

        assert admitted.count(True) == 5
