import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders


def test_the_tenant_openapi_schema_documents_the_endpoints(alpha_client):
    response = alpha_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/auth/token/", "/api/me/"} <= set(paths)


def test_the_public_openapi_schema_documents_sign_up(public_client):
    response = public_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert "/api/signup/" in response.json()["paths"]


SIDECAR = f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(alpha_client, language):
    response = alpha_client.get("/api/docs/", HTTP_ACCEPT_LANGUAGE=language)

    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    assert re.findall(r"https?://", page) == []
    assert sorted(assets) == [
        f"{SIDECAR}{name}"
        for name in ("favicon-32x32.png", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css")
    ]
    for url in assets:
        assert finders.find(url.removeprefix(settings.STATIC_URL)) is not None
        assert alpha_client.get(url).status_code == 200


def test_schema_generation_raises_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--file", "/dev/null"],
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_in_production_mode():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-value-0123456789",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/symbiose",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "BASE_DOMAIN": "symbiose.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
