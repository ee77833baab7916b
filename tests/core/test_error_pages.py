"""Errors outside DRF's views: JSON under /api/, the site's pages elsewhere."""

from ecosystem.core.views import server_error
from tests.conftest import host


def test_an_unknown_api_path_is_a_json_404_on_every_host(alpha_client, public_client):
    for client in (alpha_client, public_client):
        response = client.get("/api/no-such-thing/")

        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_an_unknown_api_path_answers_in_the_callers_language(alpha_client):
    response = alpha_client.get("/api/no-such-thing/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.json() == {"detail": "Introuvable."}


def test_an_unknown_page_is_the_sites_html_404(alpha_client):
    response = alpha_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json_and_elsewhere_a_page(rf, alpha):
    api = server_error(rf.get("/api/partners/", HTTP_HOST=host("alpha")))
    page = server_error(rf.get("/partners/", HTTP_HOST=host("alpha")))

    assert (api.status_code, api["Content-Type"]) == (500, "application/json")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_both_url_configurations_answer_server_errors_this_way():
    from ecosystem import urls, urls_public

    assert {urls.handler500, urls_public.handler500} == {"ecosystem.core.views.server_error"}
