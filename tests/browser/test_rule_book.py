"""A reviewer keeps the rule book in a real browser: adds a rule (its kind first, a refused form on the way),
edits it, deletes it, each a new version of the demo's rule book, whose rules are then as they were (other
browser tests read it); in English and French, at desktop and phone width, axe-core checking every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, checked_page, sign_in

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "add": "Add a rule", "kind": "Recent activity", "continue": "Continue", "name": "Name",
        "days": "Days before the period end", "add_it": "Add the rule", "required": "This parameter is required.",
        "problem": "There is a problem", "added": "was added: version", "edit": "Edit", "save": "Save the rule",
        "changed": "was changed: version", "delete": "Delete", "delete_it": "Delete the rule",
        "deleted": "was deleted: version", "book": "Rule book",
    },
    "fr": {
        "add": "Ajouter une règle", "kind": "Activité récente", "continue": "Continuer", "name": "Nom",
        "days": "Jours avant la fin de la période", "add_it": "Ajouter la règle",
        "required": "Ce paramètre est obligatoire.", "problem": "Il y a un problème", "added": "a été ajoutée : version",
        "edit": "Modifier", "save": "Enregistrer la règle", "changed": "a été modifiée : version",
        "delete": "Supprimer", "delete_it": "Supprimer la règle", "deleted": "a été supprimée : version",
        "book": "Règlement",
    },
}  # fmt: skip


def _rules(page) -> list[str]:
    """The current rule book's rows as text (the first cell of each, the rule's name)."""
    return page.locator("table tbody tr td:first-child").all_inner_texts()


WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8)
  .map(e => e.tagName + ' ' + e.parentElement.tagName + '.' + e.parentElement.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + e.textContent.slice(0, 50))"""


def _fits_the_screen(page) -> None:
    page.wait_for_load_state("load")  # the stylesheet applied: measured before, an unstyled page is wider
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(WIDE)
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px: {wide}"


def _shot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"rule-book-{name}.png"), full_page=True)


@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("en", 375), ("fr", 1280), ("fr", 375)])
def test_a_reviewer_adds_edits_and_deletes_a_rule(stack, browser, language, width):
    base = f"http://demo.localhost:{stack['port']}"
    t = TEXT[language]
    name = f"Browser check {language} {width}"
    where = f"{language}-{width}"
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page, watch = checked_page(context)
    try:
        sign_in(page, base, "rita.reviewer@demo.test")
        page.wait_for_url(lambda url: "/login/" not in url)
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(f"{base}/")  # her dashboard: the governance panel
        expect(page.locator("#panel-governance")).to_be_visible()
        _fits_the_screen(page)
        _shot(page, f"dashboard-{where}")
        page.goto(f"{base}/governance/rules/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        before = _rules(page)
        assert name not in before

        # Add: the kind first, then its parameters; sent without its one parameter, the form is refused.
        page.get_by_role("link", name=t["add"], exact=True).click()
        page.get_by_role("radio", name=re.compile(f"^{t['kind']}")).check()
        page.get_by_role("button", name=t["continue"]).click()
        page.get_by_label(t["name"], exact=True).fill(name)
        page.get_by_role("button", name=t["add_it"]).click()
        expect(page.get_by_role("heading", name=t["problem"])).to_be_visible()
        expect(page.locator("#id_days_error")).to_have_text(t["required"])
        expect(page.get_by_label(t["name"], exact=True)).to_have_value(name)  # nothing lost
        _fits_the_screen(page)
        _shot(page, f"refused-{where}")
        page.get_by_label(t["days"]).fill("45")
        page.get_by_role("button", name=t["add_it"]).click()
        expect(page.locator(".messages")).to_contain_text(t["added"])
        row = page.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text("days: 45")
        _fits_the_screen(page)
        _shot(page, f"added-{where}")

        # Edit it.
        page.get_by_role("link", name=f"{t['edit']} — {name}").click()
        expect(page.get_by_label(t["days"])).to_have_value("45")
        page.get_by_label(t["days"]).fill("50")
        _shot(page, f"edit-{where}")
        page.get_by_role("button", name=t["save"]).click()
        expect(page.locator(".messages")).to_contain_text(t["changed"])
        expect(page.get_by_role("row").filter(has_text=name)).to_contain_text("days: 50")

        # Delete it, after the confirmation page: the rule book's rules are as they were.
        page.get_by_role("link", name=f"{t['delete']} — {name}").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        _fits_the_screen(page)
        _shot(page, f"delete-{where}")
        page.get_by_role("button", name=t["delete_it"]).click()
        expect(page.locator(".messages")).to_contain_text(t["deleted"])
        expect(page.get_by_role("heading", level=1)).to_contain_text(t["book"])
        assert _rules(page) == before
        _shot(page, f"after-{where}")
    finally:
        violations = watch.unclaimed()
        context.close()
    assert not violations, "WCAG 2.1 A/AA violations found by axe-core:\n" + "\n".join(violations)
