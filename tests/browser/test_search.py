"""The search page as a person uses it: a query without accents, then a facet to narrow it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def diplomatic_network(make_user, make_community, make_post):
    author = make_user("Hélène Moreau", email="helene.moreau@diplomatie.gouv.fr", unit="MEAE/DGM")
    reader = make_user("Bruno Sow", email="bruno.sow@diplomatie.gouv.fr", unit="MEAE/DGM/Afrique")
    sahel = make_community(author, "Veille Sahel", "open", members=[reader])
    gulf = make_community(author, "Veille Golfe", "open", members=[reader])
    secret = make_community(author, "Cellule de crise", "secret")
    make_post(
        author, sahel, "Les négociations diplomatiques à Bamako", "Les **négociations** reprennent lundi."
    )
    make_post(
        author, gulf, "Négociation commerciale", "Reprise des négociations avec Doha.", priority="flash"
    )
    make_post(author, secret, "Négociations secrètes", "Personne d'autre ne doit le lire.")
    return {"reader": reader, "author": author, "sahel": sahel, "gulf": gulf}


def test_an_accentless_query_finds_french_posts_and_a_facet_narrows_them(
    page, diplomatic_network, log_in, screenshot
):
    log_in(page, "bruno.sow@diplomatie.gouv.fr")
    page.get_by_role("link", name="Rechercher").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rechercher")
    page.get_by_label("Mots à chercher").fill("negociation")
    page.get_by_role("button", name="Rechercher").click()

    results = page.get_by_role("region", name="2 résultats")
    expect(results).to_be_visible()
    hits = results.get_by_role("listitem")
    expect(hits).to_have_count(2)
    expect(results.locator("mark").first).to_have_text("négociations")
    expect(page.get_by_text("Négociations secrètes")).to_have_count(0)
    facets = page.get_by_role("complementary", name="Affiner les résultats")
    expect(facets.get_by_role("link", name="Veille Golfe")).to_be_visible()
    expect(facets.get_by_role("link", name="Flash")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "search-results")

    facets.get_by_role("link", name="Veille Sahel").click()
    results = page.get_by_role("region", name="1 résultat")
    expect(results.get_by_role("link", name="Les négociations diplomatiques à Bamako")).to_be_visible()
    expect(page.get_by_label("Mots à chercher")).to_have_value("negociation")
    expect(facets.get_by_role("link", name="Veille Sahel")).to_have_attribute("aria-current", "true")

    page.get_by_role("link", name="Retirer les filtres").click()
    expect(page.get_by_role("region", name="2 résultats")).to_be_visible()
    page.get_by_label("Ordre").select_option(label="Les plus récents")
    page.get_by_role("button", name="Rechercher").click()
    first = page.get_by_role("region", name="2 résultats").get_by_role("listitem").first
    expect(first).to_contain_text("Négociation commerciale")


def test_a_query_mistake_is_explained_on_the_page(page, diplomatic_network, log_in):
    log_in(page, "bruno.sow@diplomatie.gouv.fr")
    page.goto("/search?q=%22non+ferm%C3%A9")
    expect(page.get_by_role("alert")).to_have_text("Un guillemet n’est pas refermé.")
    assert_accessible(page)


def test_a_saved_search_announces_a_new_match_and_puts_it_on_the_desk(
    page, diplomatic_network, make_post, log_in, screenshot
):
    """From the issue: an accent-less query, narrowed by a facet, saved; a new matching post then
    appears in the notifications, and a high-risk match goes onto the desk in one click."""
    log_in(page, "bruno.sow@diplomatie.gouv.fr")
    page.goto("/search?q=negociation")
    facets = page.get_by_role("complementary", name="Affiner les résultats")
    facets.get_by_role("link", name="Veille Sahel").click()
    expect(page.get_by_role("region", name="1 résultat")).to_be_visible()

    page.get_by_text("Enregistrer cette recherche").click()
    page.get_by_label("Nom").fill("Négociations au Sahel")
    page.get_by_label("Niveau").select_option(label="Risque élevé")
    page.get_by_label("Alertes").select_option(label="Immédiatement")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer la recherche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Négociations au Sahel")
    expect(
        page.get_by_text("Aucune nouvelle publication ne correspond encore à cette recherche.")
    ).to_be_visible()

    author = diplomatic_network["author"]
    make_post(author, diplomatic_network["sahel"], "Reprise des négociations à Niamey", "Point d'étape.")
    make_post(author, diplomatic_network["gulf"], "Négociations à Doha", "Hors du filtre Sahel.")
    make_post(author, diplomatic_network["sahel"], "Météo à Bamako", "Sans rapport.")

    page.goto("/notifications")
    notice = page.get_by_role(
        "link",
        name=(
            "Nouveau résultat pour votre recherche enregistrée « Négociations au Sahel » : "
            "Reprise des négociations à Niamey"
        ),
    )
    expect(notice).to_be_visible()
    expect(page.get_by_text("Négociations à Doha")).to_have_count(0)
    expect(page.get_by_text("Météo à Bamako")).to_have_count(0)
    screenshot(page, "veille-notification")

    page.goto("/search/saved")
    saved = page.get_by_role("listitem").filter(has_text="Négociations au Sahel")
    expect(saved).to_contain_text("Risque élevé")
    expect(saved).to_contain_text("1 nouveau résultat")
    assert_accessible(page)
    screenshot(page, "veille-saved-searches")
    saved.get_by_role("link", name="Négociations au Sahel").click()
    page.get_by_role("button", name="Sur mon bureau : « Reprise des négociations à Niamey »").click()
    expect(page.get_by_text("Ajouté à votre liste À faire.")).to_be_visible()
    expect(page.get_by_text("Dans votre liste À faire")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "veille-matches")

    page.goto("/desk")
    expect(page.get_by_role("link", name="Reprise des négociations à Niamey")).to_be_visible()
