"""Translations: French by default, English on request, the user's choice first; a complete catalogue."""

from __future__ import annotations

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from rse.accounts.passwords import MAX_LENGTH
from tests.browser.support import ROOT, TRANSLATIONS, compile_translations
from tests.conftest import csrf_token_from

FRENCH_PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(autouse=True, scope="module")
def _compiled_catalogues():
    """A fresh clone has no ``.mo`` (they are not committed); ``make test`` compiles them first."""
    compile_translations()


def _french_catalog():
    with FRENCH_PO.open("rb") as f:
        return read_po(f, locale="fr")


def _text(response) -> str:
    return response.get_data(as_text=True)


# Which language --------------------------------------------------------------------------------


def test_the_login_page_is_in_french_by_default(client):
    body = _text(client.get("/login"))
    assert '<html lang="fr">' in body
    assert "Se connecter" in body
    assert "Adresse électronique" in body
    assert "Log in" not in body


def test_the_login_page_follows_accept_language(client):
    english = _text(client.get("/login", headers={"Accept-Language": "en"}))
    assert '<html lang="en">' in english
    assert "Log in" in english and "E-mail address" in english
    assert "Se connecter" not in english

    french = _text(client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}))
    assert "Se connecter" in french

    other = _text(client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"}))
    assert "Se connecter" in other  # an unsupported language falls back to French


def test_the_users_preference_wins_over_accept_language(client, make_user, login):
    make_user("Camille Durand", email="camille@example.gouv.fr", locale="en")
    login(client, "camille@example.gouv.fr")

    body = _text(client.get("/", headers={"Accept-Language": "fr"}))
    assert '<html lang="en">' in body
    assert "Welcome, Camille Durand" in body


def test_a_french_preference_wins_over_an_english_browser(client, make_user, login):
    make_user("Camille Durand", email="camille@example.gouv.fr", locale="fr")
    login(client, "camille@example.gouv.fr")

    body = _text(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}))
    assert '<html lang="fr">' in body
    assert "Bienvenue, Camille Durand" in body


def test_changing_the_language_on_the_profile_page(client, make_user, login):
    make_user(email="camille@example.gouv.fr", locale="fr")
    login(client, "camille@example.gouv.fr")
    token = csrf_token_from(_text(client.get("/profile")))

    response = client.post(
        "/profile/locale", data={"locale": "en", "csrf_token": token}, follow_redirects=True
    )

    assert "API tokens" in _text(response)
    assert "Jetons d’API" not in _text(response)


# Messages made by services, translated on the pages ---------------------------------------------


def _change_password(client, current: str, new: str) -> str:
    token = csrf_token_from(_text(client.get("/profile")))
    response = client.post(
        "/profile/password",
        data={"current_password": current, "new_password": new, "csrf_token": token},
        follow_redirects=True,
    )
    return _text(response)


def test_password_errors_from_the_services_are_shown_in_french(client, make_user, login):
    from tests.conftest import TEST_PASSWORD

    make_user(email="camille@example.gouv.fr")
    login(client, "camille@example.gouv.fr")

    assert "Le mot de passe actuel est incorrect." in _change_password(
        client, "wrong", "long enough password"
    )
    assert "Au moins 8 caractères." in _change_password(client, TEST_PASSWORD, "short")
    assert "128 caractères au maximum." in _change_password(client, TEST_PASSWORD, "x" * (MAX_LENGTH + 1))
    assert "Votre mot de passe a été modifié." in _change_password(
        client, TEST_PASSWORD, "a new long password"
    )


def test_refusals_with_values_are_translated_with_their_values(app):
    from rse.errors import _l, translate

    message = _l("%(name)s cannot read this community.", name="Eve Minarm")
    assert message == "Eve Minarm cannot read this community."  # what the API says
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        french = translate(message)
    assert "Eve Minarm" in french and french != message


# The catalogue ---------------------------------------------------------------------------------


def test_every_message_has_a_french_translation():
    catalog = _french_catalog()
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"translate these in {FRENCH_PO.relative_to(ROOT)}: {untranslated}"
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems, f"placeholders differ between msgid and msgstr: {problems}"


def test_the_catalogue_has_every_extracted_message(tmp_path):
    pot = tmp_path / "messages.pot"
    status = CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)]
    )
    assert not status
    with pot.open("rb") as f:
        extracted = {message.id for message in read_po(f) if message.id}
    in_catalog = {message.id for message in _french_catalog() if message.id}

    assert len(extracted) > 50, "extraction found too few messages: is babel.cfg right?"
    assert "Se connecter" not in extracted and "Log in" in extracted  # templates are extracted
    missing, unused = sorted(extracted - in_catalog), sorted(in_catalog - extracted)
    assert not missing, f"run `make messages`, then translate in {FRENCH_PO.relative_to(ROOT)}: {missing}"
    assert not unused, f"no longer in the code, run `make messages`: {unused}"
