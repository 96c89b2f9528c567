"""The desk, the manager's dashboard, the selection and the notifications through the real pages.

The issue's scenario: "a manager filters flash items in their scope and forwards one; the manager
above finds it in their selection with the note". Then every page of the issue under axe-core and
on a 360 px wide screen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

DGM = "MEAE/Direction générale de la mondialisation"
OFFICE = f"{DGM}/Afrique subsaharienne"
SAHEL = f"{OFFICE}/Sahel"
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

OFFICE_HEAD = "marc.diallo@diplomatie.gouv.fr"
DIRECTOR = "helene.moreau@diplomatie.gouv.fr"


@pytest.fixture
def chain_of_command(make_user, make_unit, make_community, make_post):
    """An office with two agents and its manager, below a directorate and its manager; one
    community; flash and routine action posts addressed to the office."""
    director = make_user("Hélène Moreau", email=DIRECTOR, unit=DGM, manages=[DGM])
    office_head = make_user("Marc Diallo", email=OFFICE_HEAD, unit=OFFICE, manages=[OFFICE])
    bruno = make_user("Bruno Sow", email="bruno.sow@diplomatie.gouv.fr", unit=OFFICE)
    awa = make_user("Awa Ndiaye", email="awa.ndiaye@diplomatie.gouv.fr", unit=SAHEL)
    author = make_user("Claire Petit", email="claire.petit@diplomatie.gouv.fr", unit="MEAE/Postes/Dakar")
    slug = make_community(
        author,
        "Télégrammes diplomatiques",
        "open",
        members=[director, office_head, bruno, awa],
        description="Les télégrammes des postes d’Afrique.",
    )
    office = f"unit:{make_unit(OFFICE)}"
    now = datetime.now(UTC)
    posts = {
        "coup": make_post(
            author,
            slug,
            "Tentative de coup d’État à Niamey",
            "Des tirs sont signalés près de la présidence. Merci de préparer une note pour le cabinet.",
            qualification="action",
            priority="flash",
            action_addressees=[office],
            due_at=now + timedelta(hours=6),
        ),
        "evacuation": make_post(
            author,
            slug,
            "Plan d’évacuation des ressortissants",
            "Le plan doit être mis à jour avec les nouvelles listes consulaires.",
            qualification="action",
            priority="flash",
            action_addressees=[office],
            due_at=now - timedelta(hours=3),
        ),
        "budget": make_post(
            author,
            slug,
            "Tableau budgétaire trimestriel",
            "Merci de compléter le tableau avant la fin du mois.",
            qualification="action",
            priority="routine",
            action_addressees=[office],
            due_at=now + timedelta(days=10),
        ),
        "info": make_post(
            author,
            slug,
            "Nouvelle procédure de visa",
            "La procédure entre en vigueur lundi. #visas",
            qualification="information",
            priority="immediate",
        ),
    }
    return {"slug": slug, "posts": posts, "director": director, "office_head": office_head}


def test_a_manager_forwards_a_flash_item_and_the_manager_above_finds_it_with_the_note(
    page, browser, browser_context_args, chain_of_command, log_in, screenshot
):
    log_in(page, OFFICE_HEAD)
    nav = page.get_by_role("navigation", name="Navigation principale")
    expect(nav.get_by_role("link", name="Bureau")).to_contain_text("3")  # three actions to do
    nav.get_by_role("link", name="Pilotage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pilotage")
    table = page.get_by_role("table", name="Actions par unité et par priorité")
    # Unit paths start from the managed unit, named in full at the top of the page.
    expect(page.get_by_text(f"unités que vous dirigez ({OFFICE})")).to_be_visible()
    office_row = table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Afrique subsaharienne", exact=True)
    )
    flash_cell = office_row.get_by_role("cell").first
    expect(flash_cell).to_contain_text("4 en cours")  # two flash posts × Bruno and Marc
    expect(flash_cell).to_contain_text("dont 2 en retard")

    # The overdue list comes first; then the manager keeps only the flash items.
    expect(page.get_by_role("heading", level=2).nth(1)).to_have_text("En retard")
    page.get_by_text("Filtrer la liste").click()
    page.get_by_label("Priorité", exact=True).select_option(label="Flash")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    expect(page).to_have_url(re.compile(r"priority=flash"))
    items = page.locator("li.manager-item")
    expect(items).to_have_count(2)  # the two flash posts
    expect(items.filter(has_text="Tableau budgétaire")).to_have_count(0)
    expect(items.first).to_contain_text("Plan d’évacuation des ressortissants")  # overdue first
    expect(items.first).to_contain_text("En retard")
    holders = items.first.get_by_role(
        "table", name="Qui doit agir sur « Plan d’évacuation des ressortissants »"
    )
    expect(holders.get_by_role("rowheader")).to_have_text(["Marc Diallo", "Bruno Sow", "Awa Ndiaye"])
    expect(holders.get_by_role("row").nth(3)).to_contain_text("Afrique subsaharienne/Sahel")
    screenshot(page, "funnel-1-manager-flash")

    # Forward the coup item with a note.
    coup = items.filter(has_text="Tentative de coup d’État à Niamey")
    coup.locator("summary").click()
    coup.get_by_label("Note").fill("Situation sérieuse : la direction doit arbitrer ce soir.")
    coup.get_by_label("Priorité (facultatif)").select_option(label="Flash")
    screenshot(page, "funnel-2-forward-form")
    coup.get_by_role("button", name="Transférer", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Transféré aux responsables de {DGM}.")
    expect(page).to_have_url(re.compile(r"/manager\?.*priority=flash"))  # back to the same view

    # The directorate's manager finds it in their selection, with the note and who wrote it.
    director_context = browser.new_context(**browser_context_args)
    try:
        director = director_context.new_page()
        log_in(director, DIRECTOR)
        nav = director.get_by_role("navigation", name="Navigation principale")
        expect(nav.get_by_role("link", name="Sélection")).to_contain_text("1")
        expect(nav.get_by_role("link", name="Notifications")).to_contain_text("1")
        nav.get_by_role("link", name="Sélection").click()
        expect(director.get_by_role("heading", level=1)).to_have_text("Sélection")
        item = director.locator("li.selection-item").filter(has_text="Tentative de coup d’État à Niamey")
        expect(item).to_have_count(1)
        expect(item).to_contain_text("Flash")
        chain = item.get_by_role("list", name="Notes")
        expect(chain.get_by_role("listitem")).to_have_count(1)
        expect(chain).to_contain_text("Marc Diallo")
        expect(chain).to_contain_text("(Direction générale de la mondialisation/Afrique subsaharienne)")
        expect(chain).to_contain_text("Situation sérieuse : la direction doit arbitrer ce soir.")
        funnel = director.get_by_role("table", name="Éléments par niveau, du plus haut au plus bas")
        expect(funnel.get_by_role("row").nth(1)).to_contain_text(DGM)
        screenshot(director, "funnel-3-director-selection")

        # The director keeps it; it leaves the list of items to review.
        item.get_by_label("Votre note").fill("Je le porte au cabinet.")
        item.get_by_role("button", name="Garder").click()
        expect(director.get_by_role("status")).to_have_text(
            "Gardé dans votre sélection : Tentative de coup d’État à Niamey"
        )
        expect(director.locator("li.selection-item")).to_have_count(0)
        director.get_by_label("Statut").select_option(label="Gardé")
        director.get_by_role("button", name="Filtrer").click()
        kept = director.locator("li.selection-item")
        expect(kept.get_by_role("list", name="Notes").get_by_role("listitem")).to_have_count(2)
        expect(kept).to_contain_text("Je le porte au cabinet.")
    finally:
        director_context.close()


def test_the_desk_filters_marks_done_and_marks_the_whole_list_read(
    page, chain_of_command, log_in, screenshot
):
    log_in(page, "bruno.sow@diplomatie.gouv.fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Bureau").click()
    tabs = page.get_by_role("navigation", name="Listes du bureau")
    expect(tabs.get_by_role("link", name="À faire")).to_have_attribute("aria-current", "page")
    titles = page.locator("li.desk-item h3")
    # Flash first, then the soonest due date: the overdue evacuation plan before the coup.
    expect(titles).to_have_text(
        [
            re.compile("Plan d’évacuation"),
            re.compile("Tentative de coup d’État"),
            re.compile("Tableau budgétaire"),
        ]
    )
    late = page.locator("li.desk-item.overdue")
    expect(late).to_have_count(1)
    expect(late).to_contain_text("En retard")

    page.get_by_role("link", name=re.compile(r"^1\s+En retard")).click()
    expect(titles).to_have_count(1)
    page.get_by_role("link", name="Effacer les filtres").click()
    expect(titles).to_have_count(3)

    page.locator("li.desk-item").filter(has_text="Tableau budgétaire").get_by_role(
        "button", name=re.compile("Marquer comme fait")
    ).click()
    expect(titles).to_have_count(2)
    expect(tabs.get_by_role("link", name="Fait")).to_contain_text("1")
    tabs.get_by_role("link", name="Fait").click()
    expect(titles).to_have_text([re.compile("Tableau budgétaire")])
    page.get_by_role("button", name=re.compile("Marquer comme non fait")).click()
    expect(titles).to_have_count(0)

    tabs.get_by_role("link", name="À lire").click()
    expect(titles).to_have_text([re.compile("Nouvelle procédure de visa")])
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Tout marquer comme lu").click()
    expect(page.get_by_role("status")).to_have_text("1 élément marqué comme lu.")
    expect(titles).to_have_count(0)
    screenshot(page, "desk-toread-empty")


def _selection_history(app, posts: dict) -> None:
    """Bruno sends four posts to his chief, who forwards one up, keeps one and closes one."""
    from feed import selection
    from feed.models import Post
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        bruno = db.session.scalar(db.select(User).where(User.email == "bruno.sow@diplomatie.gouv.fr"))
        chief = db.session.scalar(db.select(User).where(User.email == OFFICE_HEAD))
        items = {
            key: selection.forward_post(bruno, db.session.get(Post, posts[key]), note)
            for key, note in (
                ("info", "À lire avant la réunion de lundi."),
                ("coup", "Les tirs continuent, la situation se dégrade."),
                ("evacuation", "Les listes consulaires ont changé."),
                ("budget", "Pour information."),
            )
        }
        db.session.flush()
        selection.forward_item(chief, items["coup"], "La direction doit arbitrer ce soir.", "flash")
        selection.keep_item(chief, items["evacuation"], "Je suis le dossier avec le consulat.")
        selection.close_item(chief, items["budget"], "Rien à signaler.")
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360x740", "1280x800"])
def test_the_desk_pages_are_accessible_and_fit_the_screen(
    app, page, chain_of_command, log_in, screenshot, viewport
):
    """axe-core finds no serious or critical problem; nothing scrolls sideways at 360 px."""
    posts = chain_of_command["posts"]
    _selection_history(app, posts)
    label = f"{viewport['width']}"
    page.set_viewport_size(viewport)

    def check(name: str) -> None:
        assert_no_horizontal_scroll(page, viewport["width"])
        assert_accessible(page)
        screenshot(page, f"pages-{name}-{label}")

    log_in(page, OFFICE_HEAD)
    page.goto("/desk")
    expect(page.locator("li.desk-item")).to_have_count(3)
    page.get_by_text("Filtrer la liste").click()
    check("desk")
    page.goto("/desk/toread")
    check("desk-toread")
    page.goto("/manager")
    expect(page.locator("li.manager-item").first).to_be_visible()
    page.locator("li.manager-item").first.locator("summary").click()
    check("manager")
    page.goto("/selection")
    expect(page.locator("li.selection-item")).to_have_count(1)
    check("selection")
    page.goto("/notifications")
    expect(page.locator("li.notification").first).to_be_visible()
    check("notifications")
    page.goto(f"/posts/{posts['budget']}")
    page.get_by_text("Transférer au niveau supérieur").click()
    check("post-forward")

    page.context.clear_cookies()
    log_in(page, DIRECTOR)
    page.goto("/selection")
    expect(page.locator(".funnel-level")).to_have_count(2)
    check("selection-director")
