from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.conftest import login

PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_french_translation_and_the_catalogue_is_compiled():
    catalogue = polib.pofile(str(PO))
    compiled = polib.mofile(str(PO.with_suffix(".mo")))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert len(catalogue.translated_entries()) > 150
    assert {(e.msgctxt, e.msgid): e.msgstr for e in catalogue.translated_entries() if not e.msgid_plural} == {
        (e.msgctxt, e.msgid): e.msgstr for e in compiled if e.msgid and not e.msgid_plural
    }


def test_the_language_switcher_turns_the_site_french(alpha, alpha_client, alpha_admin):
    login(alpha_client, alpha, alpha_admin)

    response = alpha_client.post("/i18n/setlang/", {"language": "fr", "next": "/"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Tableau de bord" in page and "Se déconnecter" in page


@pytest.mark.parametrize("path", ["/", "/signup/"])
def test_public_pages_speak_french_to_a_french_browser(public_client, path):
    response = public_client.get(path, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert '<html lang="fr">' in response.content.decode()
    assert "Créez votre écosystème" in response.content.decode()
