"""Browser tests: real Chromium (Debian's) driven by Playwright against the
real stack, served the way `make run` serves it: `runserver` and a Celery
worker in subprocesses, on a database of their own created for the session.

Every document a test's page shows is checked with axe-core (WCAG 2.1 A and
AA) before the page leaves it, and the test fails on any violation.
"""

from __future__ import annotations

import json
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
from axe_playwright_python.sync_playwright import Axe

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
        # Pages as production shows them: the site's own 404, not Django's debug page.
        "DJANGO_DEBUG": "false",
        "BASE_DOMAIN": "localhost",
        "SITE_PORT": str(port),
        "EMAIL_FILE_PATH": str(mail),
        "CELERY_QUEUE": f"browser-{name}",
        # Its own cache keys: rate counters of an earlier run (sign-ups per
        # hour) must not refuse this one.
        "CACHE_KEY_PREFIX": name,
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


# What "accessible" means here: every WCAG 2.0 and 2.1 rule of levels A and AA
# that axe-core (bundled by axe-playwright-python) knows.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
# Runs in every document of a watched page, before the page's own scripts:
# announces the document, runs axe once it is parsed, reports the violations.
AXE_IN_PAGE = (
    Axe().axe_script
    + """
;(() => {
  if (window.top !== window) return;
  const id = Math.random().toString(36).slice(2), options = AXE_OPTIONS;
  const run = () => axe.run(document, options).then(results => results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(node => String(node.target)),
  })));
  window.axeStarted(id, location.href);
  // Once the document is parsed (its render-blocking styles applied), not at "load": a navigation
  // started earlier (a click on a page still fetching an image) stops the document, whose "load"
  // then never comes. A document left before it was even parsed says so by never calling axeParsed.
  const loaded = new Promise(done => addEventListener("DOMContentLoaded", () => {
    window.axeParsed(id);
    done();
  }, {once: true}));
  const first = loaded.then(run).then(violations => { window.axeReport(id, location.href, violations); });
  window.axeCheckAgain = () => first.then(run);
})();
""".replace("AXE_OPTIONS", json.dumps(AXE_OPTIONS))
)


def _describe(url: str, violations: list[dict]) -> list[str]:
    return [f"{url}: {v['id']} ({v['impact']}) {v['help']}: {'; '.join(v['nodes'])}" for v in violations]


# On a loaded machine axe can take seconds on a long page; an action that leaves the page waits
# for its report, so an action's timeout must outlast that wait.
SETTLE_SECONDS = 40.0
ACTION_TIMEOUT_MS = 60_000


class AxeWatch:
    """Runs axe-core on every document `page` shows, and holds the page on each
    document until axe has checked it.

    Each document runs axe once it is parsed and reports to Python; a
    main-frame navigation away from it (a `goto`, a followed link, a submitted
    form) waits for that report. `check()` hands over the current document's
    violations; `unclaimed()` every violation no `check()` handed over. A
    violation reads: where, the rule, its impact, the offending nodes.
    """

    def __init__(self, page) -> None:
        self.page = page
        self._started: dict[str, str] = {}  # document id → address, until its report arrives
        self._reports: dict[str, list[str]] = {}  # document id → violations not handed over yet
        self._current = ""
        self._parsed: set[str] = set()  # documents whose axe run has begun
        page.expose_binding("axeStarted", self._on_start)
        page.expose_binding("axeParsed", self._on_parsed)
        page.expose_binding("axeReport", self._on_report)
        page.add_init_script(AXE_IN_PAGE)
        # Static files never replace the document: they go through untouched.
        page.route(lambda url: "/static/" not in url, self._before_request)

    def _on_start(self, source, document: str, url: str) -> None:
        # A frame shows one document at a time: one still unreported when the
        # next starts was left before it loaded (a navigation that began
        # before this side heard of it), so nobody saw it and axe cannot run.
        self._started = {document: url}
        self._current = document

    def _on_parsed(self, source, document: str) -> None:
        self._parsed.add(document)

    def _on_report(self, source, document: str, url: str, violations: list[dict]) -> None:
        self._started.pop(document, None)
        self._reports[document] = _describe(url, violations)

    def _before_request(self, route) -> None:
        # The page cannot be asked anything while its navigation is held
        # (Playwright would wait for the next document): wait for the report.
        if route.request.is_navigation_request() and route.request.frame.parent_frame is None:
            self._settle()
        route.fallback()

    def _settle(self, timeout: float = SETTLE_SECONDS, unparsed_grace: float = 3.0) -> None:
        """Wait for the report of the document shown. One not even parsed after `unparsed_grace`
        seconds was left before it could be shown (a navigation started while it loaded stops it):
        there is nothing of it to check, and it is let go."""
        start = time.monotonic()
        while self._started and time.monotonic() - start < timeout:
            running = [d for d in self._started if d in self._parsed]
            if not running and time.monotonic() - start > unparsed_grace:
                break
            self.page.wait_for_timeout(20)
        for document, url in self._started.items():
            if document in self._parsed:
                self._reports[document] = [f"{url}: axe-core did not finish before the page moved on"]
        self._started.clear()

    def check(self, *, again: bool = False) -> list[str]:
        """The current document's violations: its report (once), or a new run if `again`."""
        self._settle()
        report = self._reports.pop(self._current, [])
        if again:
            return _describe(self.page.url, self.page.evaluate("() => window.axeCheckAgain()"))
        return report

    def unclaimed(self) -> list[str]:
        """Every violation found and not handed over by `check()`."""
        self._settle()
        violations = [v for report in self._reports.values() for v in report]
        self._reports.clear()
        return violations


def checked_page(context):
    """A new page of `context`, watched by axe: (page, watch)."""
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    return page, AxeWatch(page)


def sign_in(page, base: str, email: str, password: str = "symbiose-demo-2026") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def loaded(page) -> None:
    """Act on a document once axe has checked it: a click that starts a navigation before the current
    document has loaded holds it (the axe watch waits for its report) while the document waits for its
    deferred scripts, htmx among them, which the pending navigation stalls."""
    page.wait_for_load_state("load")
    page.evaluate("() => window.axeCheckAgain().then(() => true)")


def fits_the_screen(page, where: str = "the page") -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{where} scrolls sideways by {overflow}px"


WIDTHS = ((1280, 900), (375, 812))
LANGUAGES = ("en", "fr")


def shoot_both_ways(page, base: str, path: str, name: str, ready) -> None:
    """`path` in each language at each width, `ready(page, language)` checked each time; screenshots
    `name`-<lang>-<width>. The page is left in English."""
    for language in LANGUAGES:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}{path}")
            loaded(page)
            assert page.locator("html").get_attribute("lang") == language
            ready(page, language)
            fits_the_screen(page, f"{path} ({language}, {width}px)")
            page.screenshot(path=str(OUTPUT / f"{name}-{language}-{width}.png"), full_page=True)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page, axe = checked_page(context)
    yield page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{request.node.name}.png"), full_page=True)
    violations = axe.unclaimed()
    context.close()
    if violations:
        pytest.fail("WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(violations))
