"""Browser tests: real Chromium (Debian's) driven by Playwright against the
real stack, served the way `make run` serves it: `runserver` and a Celery
worker in subprocesses, on a database of their own created for the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from ecosystem.core.dbserver import database_url, server_connect

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """A served Symbiose: base URL, mail folder. Torn down with its database."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    # Playwright's sync API runs an event loop in this thread; the test code
    # itself never touches the ORM, the served stack does.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    base_url = os.environ["DATABASE_URL"]
    name = f"symbiose_browser_{uuid.uuid4().hex[:8]}"
    with server_connect(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    port = _free_port()
    mail = tmp_path_factory.mktemp("browser-mail")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(base_url, name),
        "DJANGO_ENV": "development",
        "BASE_DOMAIN": "localhost",
        "SITE_PORT": str(port),
        "EMAIL_FILE_PATH": str(mail),
        "CELERY_QUEUE": f"browser-{name}",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate_schemas", "--shared", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    logs = tmp_path_factory.mktemp("browser-logs")
    web_log, worker_log = open(logs / "web.log", "w"), open(logs / "worker.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ecosystem", "worker", "--pool=solo",
             "--loglevel=WARNING", "-Q", env["CELERY_QUEUE"], "-n", f"{name}@%h"],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT,
        ),
    ]  # fmt: skip
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=3) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            for p in processes:
                p.kill()
            pytest.fail("the served stack did not become healthy:\n" + (logs / "web.log").read_text())
        time.sleep(0.3)
    yield {"url": url, "port": port, "mail": mail}
    for p in processes:
        p.terminate()
    for p in processes:
        p.wait(timeout=20)
    web_log.close()
    worker_log.close()
    with server_connect(base_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this
    # thread, and while it runs Django hands out context-local connections
    # that the test database teardown would not close.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page, base: str, email: str, password: str = "symbiose-demo-2026") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    context.close()
