"""Community pages through the browser: the directory and its filters, joining, requests, members.

Also every community and post page under axe-core and on a 360 px wide screen.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
DGM = "MEAE/Direction générale de la mondialisation"


def community_names(page):
    return page.locator(".community-item h2")


def test_browse_filter_join_ask_and_the_animator_approves(
    page, browser, browser_context_args, make_user, make_community, log_in, screenshot
):
    anne = make_user("Anne Girard", email="anne.girard@diplomatie.gouv.fr", unit=DGM)
    make_user("Paul Lefèvre", email="paul.lefevre@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    make_community(anne, "Réseau des attachés culturels", "open", description="Programmation et échanges.")
    make_community(
        anne, "Club des rédacteurs", "restricted", description="Relecture des notes diplomatiques."
    )
    make_community(anne, "Cellule de crise", "secret")

    log_in(page, "paul.lefevre@diplomatie.gouv.fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Communautés"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Communautés")
    expect(community_names(page)).to_have_text(["Club des rédacteurs", "Réseau des attachés culturels"])

    filters = page.get_by_role("search", name="Filtrer les communautés")
    filters.get_by_label("Visibilité").select_option(label="restreinte")
    filters.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"visibility=restricted"))
    expect(community_names(page)).to_have_text(["Club des rédacteurs"])
    expect(filters.get_by_label("Visibilité")).to_have_value("restricted")
    screenshot(page, "communities-1-directory-restricted")

    filters.get_by_label("Visibilité").select_option(label="ouverte")
    filters.get_by_role("button", name="Filtrer").click()
    expect(community_names(page)).to_have_text(["Réseau des attachés culturels"])
    page.get_by_role("link", name="Réseau des attachés culturels").click()
    page.get_by_role("button", name="Rejoindre").click()
    expect(page.get_by_role("status")).to_have_text("Vous avez rejoint la communauté.")
    expect(page.get_by_role("button", name="Quitter")).to_be_visible()
    expect(page.get_by_role("link", name="Écrire")).to_be_visible()
    expect(page.get_by_role("link", name="2 membres")).to_be_visible()
    screenshot(page, "communities-2-joined")

    page.goto("/communities?visibility=restricted")
    page.get_by_role("link", name="Club des rédacteurs").click()
    expect(page.get_by_text("Seuls les membres lisent et écrivent dans cette communauté.")).to_be_visible()
    page.get_by_role("button", name="Demander à rejoindre").click()
    expect(page.get_by_role("status")).to_have_text("Votre demande a été transmise aux animateurs.")
    expect(page.get_by_text("Demande en attente")).to_be_visible()
    expect(page.get_by_role("button", name="Retirer ma demande")).to_be_visible()
    expect(page.get_by_role("button", name="Quitter")).to_have_count(0)
    screenshot(page, "communities-3-request-pending")
    page.goto("/communities?member=no")
    expect(page.locator(".community-item").filter(has_text="Club des rédacteurs")).to_contain_text(
        "Demande en attente"
    )

    animator_context = browser.new_context(**browser_context_args)
    try:
        animator = animator_context.new_page()
        log_in(animator, "anne.girard@diplomatie.gouv.fr")
        animator.goto("/c/club-des-redacteurs")
        animator.get_by_role("link", name="1 membre").click()
        requests = animator.get_by_role("region", name="Demandes d’adhésion")
        request = requests.get_by_role("listitem").filter(has_text="Paul Lefèvre")
        expect(request).to_have_count(1)
        screenshot(animator, "communities-4-members-request")
        request.get_by_role("button", name="Accepter").click()
        expect(animator.get_by_role("status")).to_have_text("La demande a été acceptée.")
        expect(requests).to_contain_text("Aucune demande en attente.")
        members = animator.get_by_role("region", name="2 membres")
        expect(members.get_by_role("listitem").filter(has_text="Paul Lefèvre")).to_have_count(1)
        screenshot(animator, "communities-5-members-approved")
    finally:
        animator_context.close()

    page.goto("/c/club-des-redacteurs")
    expect(page.get_by_role("button", name="Quitter")).to_be_visible()
    expect(page.get_by_text("Demande en attente")).to_have_count(0)
    expect(page.get_by_role("region", name="Publications")).to_contain_text(
        "Aucune publication pour l’instant."
    )


def test_the_animator_adds_a_person_with_the_picker(page, make_user, make_community, log_in, screenshot):
    anne = make_user("Anne Girard", email="anne.girard@diplomatie.gouv.fr", unit=DGM)
    make_user("Claire Martin", email="claire.martin@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    make_user("Claude Martinez", email="claude.martinez@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    make_community(anne, "Cellule de crise", "secret")

    log_in(page, "anne.girard@diplomatie.gouv.fr")
    page.goto("/c/cellule-de-crise/members")
    person = page.get_by_role("combobox", name="Ajouter une personne")
    person.press_sequentially("Mart")
    expect(page.get_by_role("option")).to_have_text(
        [f"Claire Martin {DGM}/Asie", f"Claude Martinez {DGM}/Asie"]
    )
    screenshot(page, "communities-6-add-person")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # picks Claude and keeps his name in the field
    expect(person).to_have_value("Claude Martinez")
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("La personne a été ajoutée.")
    members = page.get_by_role("region", name="2 membres")
    expect(members.get_by_role("listitem")).to_have_text(
        [re.compile(r"^\s*Anne Girard"), re.compile(r"^\s*Claude Martinez")]
    )


@pytest.fixture
def busy_network(make_user, make_community, make_post, make_comment, make_unit):
    """An animator with long names everywhere, posts of every kind, comments, a pending request."""
    africa = f"{DGM}/Direction de l’Afrique et de l’océan Indien/Afrique subsaharienne"
    anne = make_user(
        "Anne-Charlotte de La Tour-Maubourg",
        email="anne-charlotte.delatour-maubourg@diplomatie.gouv.fr",
        unit=DGM,
    )
    bruno = make_user("Bruno Sow", email="bruno.sow@diplomatie.gouv.fr", unit=f"{africa}/Sahel")
    awa = make_user("Awa Ndiaye", email="awa.ndiaye@diplomatie.gouv.fr", unit=africa)
    claire = make_user("Claire Martin", email="claire.martin@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    paul = make_user("Paul Lefèvre", email="paul.lefevre@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    name = "Réseau des correspondants « transformation numérique » des postes diplomatiques"
    slug = make_community(
        anne,
        name,
        "restricted",
        members=[bruno, awa, claire],
        requests=[paul],
        description="Partage d’expériences, outils communs et veille sur les services numériques des postes.",
    )
    make_community(anne, "Veille Afrique de l’Ouest", "open", members=[bruno])
    make_community(anne, "Cellule interministérielle de crise", "secret", inter=True)
    make_post(
        awa,
        slug,
        "Compte rendu de la réunion du réseau",
        "Les supports de présentation sont en pièce jointe. #réunion",
    )
    post_id = make_post(
        anne,
        slug,
        "Recensement des outils de visioconférence utilisés dans les postes diplomatiques et consulaires",
        "Merci d’indiquer **avant le 15 décembre** les outils utilisés, leur coût et leur niveau "
        "de sécurité : https://www.diplomatie.gouv.fr/fr/politique-etrangere-de-la-france/diplomatie-numerique/",
        qualification="action",
        priority="flash",
        action_addressees=[f"unit:{make_unit(africa)}"],
        info_addressees=[f"user:{claire}"],
        tags=["numérique", "recensement"],
    )
    make_post(
        anne,
        slug,
        "Nouvelle charte d’usage",
        "La charte est entrée en vigueur.",
        qualification="information",
        priority="immediate",
    )
    first = make_comment(
        bruno, post_id, "Pour le Sahel, nous utilisons principalement l’outil interministériel."
    )
    make_comment(anne, post_id, "Merci, pouvez-vous préciser le nombre de licences ?", parent_id=first)
    make_comment(awa, post_id, "Réponse en cours de consolidation pour la sous-direction.")
    return {"slug": slug, "post_id": post_id}


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360x740", "1280x800"])
def test_community_and_post_pages_are_accessible_and_fit_the_screen(
    page, busy_network, log_in, screenshot, viewport
):
    """axe-core finds no serious or critical problem; nothing scrolls sideways at 360 px."""
    label = f"{viewport['width']}"
    slug = busy_network["slug"]
    page.set_viewport_size(viewport)
    log_in(page, "anne-charlotte.delatour-maubourg@diplomatie.gouv.fr")

    def check(name: str) -> None:
        assert_no_horizontal_scroll(page, viewport["width"])
        assert_accessible(page)
        screenshot(page, f"pages-{name}-{label}")

    page.goto("/communities")
    expect(community_names(page)).to_have_count(3)
    check("directory")

    page.goto(f"/c/{slug}")
    expect(page.locator("article.post-card")).to_have_count(3)
    check("community")

    page.get_by_role("link", name="Écrire").click()
    page.get_by_role("radio", name="À faire").check()
    picker = page.get_by_role("group", name="Qui doit agir ?")
    picker.get_by_role("combobox").press_sequentially("Afrique")
    expect(picker.get_by_role("option")).to_have_count(3)
    check("compose-picker")
    page.keyboard.press("Enter")
    expect(picker.get_by_role("listitem")).to_have_count(1)
    check("compose-chip")

    page.goto(f"/posts/{busy_network['post_id']}")
    expect(page.get_by_role("region", name="Accusés de lecture")).to_be_visible()
    page.get_by_text("Par personne").click()
    page.get_by_text("Répondre").first.click()
    expect(page.get_by_label("Votre réponse à Bruno Sow")).to_be_visible()
    check("post")

    page.goto(f"/c/{slug}/members")
    expect(page.get_by_role("region", name="Demandes d’adhésion")).to_contain_text("Paul Lefèvre")
    check("members")

    page.goto("/communities/new")
    check("new-community")
