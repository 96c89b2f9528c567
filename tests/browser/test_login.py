"""The web shell through a real browser: logging in and out, API tokens, small screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

MOBILE = {"width": 360, "height": 740}


def test_a_user_logs_in_sees_their_name_and_logs_out(page, make_user, log_in):
    make_user("Camille Durand", email="camille.durand@example.gouv.fr")

    log_in(page, "camille.durand@example.gouv.fr")

    expect(page).to_have_url(re.compile(r"/portal$"))  # everyone lands on the portal
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail")
    page.get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Camille Durand")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.goto("/profile")  # the session is over
    expect(page).to_have_url(re.compile(r"/login\?next=/profile$"))


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page, make_user, log_in):
    make_user(email="camille.durand@example.gouv.fr")

    log_in(page, "camille.durand@example.gouv.fr", "not the password")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_have_text("Adresse électronique inconnue ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse électronique")).to_have_value("camille.durand@example.gouv.fr")
    expect(page.get_by_label("Mot de passe")).to_have_value("")


def test_the_profile_page_creates_a_token_shown_once_and_revokes_it(page, make_user, log_in):
    make_user(email="camille.durand@example.gouv.fr")
    log_in(page, "camille.durand@example.gouv.fr")
    page.get_by_role("link", name="Profil").click()
    expect(page.get_by_role("heading", name="Jetons d’API")).to_be_visible()
    expect(page.get_by_text("Vous n’avez aucun jeton actif.")).to_be_visible()

    page.get_by_label("Nom du jeton").fill("Script de veille")
    page.get_by_role("button", name="Créer un jeton").click()

    secret = page.locator("#new-token")
    expect(secret).to_have_text(re.compile(r"^rse_\S{20,}$"))
    expect(page.get_by_text("Votre nouveau jeton « Script de veille »")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Script de veille")
    expect(row).to_have_count(1)

    page.goto("/profile")  # shown once: never again
    expect(page.locator("#new-token")).to_have_count(0)
    row.get_by_role("button", name="Révoquer").click()
    expect(page.get_by_role("status")).to_have_text("Le jeton a été révoqué.")
    expect(page.get_by_role("row").filter(has_text="Script de veille")).to_have_count(0)
    expect(page.get_by_text("Vous n’avez aucun jeton actif.")).to_be_visible()


@pytest.mark.parametrize(
    "viewport, label",
    [(MOBILE, "mobile"), ({"width": 1280, "height": 800}, "desktop")],
    ids=["360x740", "1280x800"],
)
def test_pages_fit_the_screen(page, make_user, make_communities, log_in, screenshot, viewport, label):
    user_id = make_user(
        "Dominique de La Roche-Aymon",
        email="dominique.delaroche-aymon@diplomatie.gouv.fr",
        roles=["curator"],
        unit="MEAE/Direction générale de la mondialisation/Afrique subsaharienne",
    )
    make_communities(
        user_id,
        [
            (
                "Réseau des correspondants « transformation numérique » des postes diplomatiques",
                "open",
                "animator",
            ),
            ("Cellule interministérielle de crise", "secret", "member"),
            ("Veille Afrique de l’Ouest", "restricted", "member"),
        ],
    )
    page.set_viewport_size(viewport)

    page.goto("/login")
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"login-{label}")

    log_in(page, "dominique.delaroche-aymon@diplomatie.gouv.fr", "wrong password")
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"login-error-{label}")

    log_in(page, "dominique.delaroche-aymon@diplomatie.gouv.fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail")
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"portal-{label}")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bienvenue")
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"home-{label}")

    page.goto("/profile")
    page.get_by_label("Nom du jeton").fill("Tableau de bord du service")
    page.get_by_role("button", name="Créer un jeton").click()
    expect(page.locator("#new-token")).to_be_visible()
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"profile-{label}")

    page.goto("/nope")
    assert_no_horizontal_scroll(page, viewport["width"])
    screenshot(page, f"not-found-{label}")

    page.goto("/api/v1/docs")
    expect(page.locator("#swagger-ui-container .opblock").first).to_be_visible()
    screenshot(page, f"api-docs-{label}")  # Swagger UI's own layout: looked at, not measured
