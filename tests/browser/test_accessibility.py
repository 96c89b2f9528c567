"""axe-core on every page of the web shell: no serious or critical violation.

axe-core comes from the npm registry (``make setup`` runs ``npm install``) and is injected into
each page; nothing is fetched from outside hosts.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


def test_the_login_page_is_accessible(page, make_user, log_in):
    make_user(email="camille.durand@example.gouv.fr")
    page.goto("/login")
    assert_accessible(page)

    log_in(page, "camille.durand@example.gouv.fr", "not the password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


def test_the_pages_of_a_logged_in_user_are_accessible(page, make_user, make_communities, log_in):
    user_id = make_user(
        "Camille Durand", email="camille.durand@example.gouv.fr", roles=["curator", "admin"], manages=["MEAE"]
    )
    log_in(page, "camille.durand@example.gouv.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail")
    assert_accessible(page)  # the portal, where everyone lands: no section yet
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Camille Durand")
    assert_accessible(page)  # home, no community

    make_communities(
        user_id,
        [("Réseau des attachés culturels", "open", "animator"), ("Cellule de crise", "secret", "member")],
    )
    page.reload()
    expect(page.get_by_text("Cellule de crise")).to_be_visible()
    assert_accessible(page)  # home, with communities and badges

    page.get_by_role("link", name="Profil").click()
    assert_accessible(page)  # profile, no token

    page.get_by_label("Nom du jeton").fill("Script de veille")
    page.get_by_role("button", name="Créer un jeton").click()
    expect(page.locator("#new-token")).to_be_visible()
    assert_accessible(page)  # profile, with the new token shown once and the table

    page.get_by_role("button", name="Révoquer").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)  # profile, with a flashed message

    page.get_by_label("Mot de passe actuel").fill("wrong password")
    page.get_by_label("Nouveau mot de passe").fill("another long password")
    page.get_by_role("button", name="Modifier mon mot de passe").click()
    expect(page.get_by_role("alert")).to_have_text("Le mot de passe actuel est incorrect.")
    assert_accessible(page)  # profile, with an error

    response = page.goto("/nope")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    assert_accessible(page)  # the error page


def test_the_api_docs_page_renders_and_is_accessible(page, make_user, log_in):
    make_user(email="camille.durand@example.gouv.fr")
    log_in(page, "camille.durand@example.gouv.fr")
    page.get_by_role("link", name="API").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Documentation de l’API")
    # Swagger UI (from node_modules, through /vendor/swagger-ui-dist/) has loaded the OpenAPI document.
    expect(page.locator("#swagger-ui-container .opblock").first).to_be_visible()
    expect(page.locator("#swagger-ui-container .info .title")).to_contain_text("rse")

    # Swagger UI's own stylesheet colours (HTTP method badges, version stamps, URLs) fail axe's
    # color-contrast rule; that is third-party markup and CSS we do not restyle. So the page shell
    # (header, navigation, heading, footer: ours) is checked in full without the Swagger UI
    # container, and the container is checked for every other rule (labels, names, ARIA...).
    assert_accessible(page, {"context": {"exclude": [["#swagger-ui-container"]]}})
    assert_accessible(
        page, {"context": "#swagger-ui-container", "rules": {"color-contrast": {"enabled": False}}}
    )
