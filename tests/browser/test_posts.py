"""Posts through the real pages: an action post addressed to a unit, read and done, its receipts.

The issue's scenario: "an agent writes an action post addressed to a unit; a member of that unit
reads it and marks it done; the author sees the receipt". Two browser contexts, two people.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DGM = "MEAE/Direction générale de la mondialisation"
AFRICA = f"{DGM}/Afrique subsaharienne"
SAHEL = f"{AFRICA}/Sahel"


@pytest.fixture
def sahel_network(make_user, make_community):
    """An author in the DGM, two agents below the Africa unit, one elsewhere; one open community."""
    author = make_user("Hélène Moreau", email="helene.moreau@diplomatie.gouv.fr", unit=DGM)
    reader = make_user("Bruno Sow", email="bruno.sow@diplomatie.gouv.fr", unit=SAHEL)
    colleague = make_user("Awa Ndiaye", email="awa.ndiaye@diplomatie.gouv.fr", unit=AFRICA)
    other = make_user("Paul Lefèvre", email="paul.lefevre@diplomatie.gouv.fr", unit=f"{DGM}/Asie")
    slug = make_community(
        author,
        "Veille Sahel",
        "open",
        members=[reader, colleague, other],
        description="Suivi de la situation sécuritaire et humanitaire au Sahel.",
    )
    return {"author": author, "reader": reader, "slug": slug}


def action_picker(page):
    return page.get_by_role("group", name="Qui doit agir ?")


def test_an_action_post_to_a_unit_is_done_by_a_member_and_the_author_sees_the_receipt(
    page, browser, browser_context_args, sahel_network, log_in, screenshot
):
    # The author writes, from the community page.
    log_in(page, "helene.moreau@diplomatie.gouv.fr")
    page.get_by_role("link", name="Communautés").click()
    page.get_by_role("link", name="Veille Sahel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veille Sahel")
    page.get_by_role("link", name="Écrire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire dans Veille Sahel")
    expect(action_picker(page)).to_be_hidden()  # a plain message has no addressees

    page.get_by_label("Titre").fill("Note de situation hebdomadaire")
    page.get_by_label("Texte", exact=True).fill(
        "Merci de transmettre la note de situation avant vendredi midi. #sahel"
    )
    page.get_by_role("radio", name="À faire").check()
    page.get_by_role("radio", name="Flash").check()
    expect(action_picker(page)).to_be_visible()

    picker = action_picker(page).get_by_role("combobox", name="Ajouter une personne ou une unité")
    picker.press_sequentially("Afrique")
    options = action_picker(page).get_by_role("option")
    # A unit's name first, then the units above it: the two Africa units are told apart.
    expect(options).to_have_text([f"Afrique subsaharienne (unité) {DGM}", f"Sahel (unité) {AFRICA}"])
    expect(picker).to_have_attribute("aria-expanded", "true")
    screenshot(page, "post-1-compose-picker")
    action_picker(page).get_by_role("option", name="Afrique subsaharienne (unité)").click()

    chips = action_picker(page).get_by_role("listitem")
    expect(chips).to_have_count(1)
    expect(chips).to_contain_text(f"{AFRICA} (unité)")
    expect(picker).to_have_value("")
    expect(action_picker(page).get_by_role("listbox")).to_be_hidden()
    screenshot(page, "post-2-compose-filled")

    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_have_text("Votre publication est en ligne.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Note de situation hebdomadaire")
    post_url = page.url
    assert re.search(r"/posts/\d+$", post_url)
    facts = page.locator(".qualification-facts")
    expect(facts).to_contain_text("À faire · Flash")
    expect(facts).to_contain_text(f"{AFRICA} (unité)")
    expect(page.get_by_role("button", name="Marquer comme fait")).to_have_count(0)  # not an addressee
    screenshot(page, "post-3-published")

    # A member of a unit below the addressed one reads it and marks it done.
    reader_context = browser.new_context(**browser_context_args)
    try:
        reader = reader_context.new_page()
        log_in(reader, "bruno.sow@diplomatie.gouv.fr")
        reader.goto(f"/c/{sahel_network['slug']}")
        card = reader.locator("article.post-card").filter(has_text="Note de situation hebdomadaire")
        expect(card).to_contain_text("À faire")
        expect(card).to_contain_text("Pour moi")
        expect(card).to_contain_text("Flash")
        screenshot(reader, "post-4-reader-community")
        card.get_by_role("link", name="Note de situation hebdomadaire").click()
        expect(reader).to_have_url(post_url)
        expect(reader.get_by_role("region", name="Accusés de lecture")).to_have_count(0)  # author's view

        reader.get_by_role("button", name="Marquer comme lu").click()
        expect(reader.get_by_text(re.compile(r"^Lu le "))).to_be_visible()
        reader.get_by_role("button", name="Marquer comme fait").click()
        expect(reader.get_by_text(re.compile(r"^Fait le "))).to_be_visible()
        expect(reader.get_by_role("button", name="Marquer comme non fait")).to_be_visible()
        screenshot(reader, "post-5-reader-done")
    finally:
        reader_context.close()

    # The author sees the receipt: one person of the Sahel unit read it and did it.
    page.reload()
    receipts = page.get_by_role("region", name="Accusés de lecture")
    expect(receipts).to_be_visible()
    expect(receipts).to_contain_text("Lue par 1 des 2 destinataires")
    table = receipts.get_by_role("table", name="Accusés de lecture par unité")
    expect(table.get_by_role("columnheader")).to_have_text(["Unité", "Destinataires", "Lu", "Fait"])

    def unit_row(path):
        return table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=path, exact=True))

    expect(unit_row(SAHEL).get_by_role("cell")).to_have_text(["1", "1", "1"])  # addressees, read, done
    expect(unit_row(AFRICA).get_by_role("cell")).to_have_text(["1", "0", "0"])
    receipts.get_by_text("Par personne").click()
    expect(receipts.get_by_role("listitem").filter(has_text="Bruno Sow")).to_contain_text("lu")
    expect(receipts.get_by_role("listitem").filter(has_text="Bruno Sow")).to_contain_text("fait")
    screenshot(page, "post-6-author-receipts")


def test_the_addressee_picker_works_with_the_keyboard(page, sahel_network, log_in, screenshot):
    log_in(page, "helene.moreau@diplomatie.gouv.fr")
    page.goto(f"/c/{sahel_network['slug']}/write")
    page.get_by_role("radio", name="À faire").check()
    picker = action_picker(page).get_by_role("combobox")

    picker.focus()
    page.keyboard.type("Afriq")
    expect(action_picker(page).get_by_role("option")).to_have_count(2)
    expect(picker).to_have_attribute("aria-activedescendant", "action_addressees-options-0")
    page.keyboard.press("ArrowDown")  # from the first suggestion to the second: the Sahel unit
    expect(picker).to_have_attribute("aria-activedescendant", "action_addressees-options-1")
    expect(action_picker(page).get_by_role("option", selected=True)).to_have_text(f"Sahel (unité) {AFRICA}")
    page.keyboard.press("Enter")  # adds a chip; does not submit the form
    chip = action_picker(page).get_by_role("listitem")
    expect(chip).to_have_text(re.compile(rf"{re.escape(SAHEL)} \(unité\)"))
    expect(page).to_have_url(re.compile(r"/write$"))
    expect(picker).to_be_focused()

    page.keyboard.type("Bruno")
    expect(action_picker(page).get_by_role("option")).to_have_text([f"Bruno Sow {SAHEL}"])
    page.keyboard.press("Escape")
    expect(action_picker(page).get_by_role("listbox")).to_be_hidden()
    expect(picker).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("ArrowDown")  # reopens the list
    page.keyboard.press("Enter")
    expect(action_picker(page).get_by_role("listitem")).to_have_count(2)
    screenshot(page, "post-picker-keyboard")

    remove = action_picker(page).get_by_role("button", name=f"Retirer {SAHEL}")
    remove.focus()
    page.keyboard.press("Enter")
    expect(action_picker(page).get_by_role("listitem")).to_have_text([re.compile(r"^\s*Bruno Sow")])
    expect(picker).to_be_focused()  # the focus does not fall back to the top of the page
    action_picker(page).get_by_role("button", name="Retirer Bruno Sow").press("Space")
    expect(action_picker(page).get_by_role("listitem")).to_have_count(0)
    expect(picker).to_be_focused()


def test_a_refused_post_says_why_in_french_and_keeps_what_was_chosen(page, sahel_network, log_in):
    log_in(page, "helene.moreau@diplomatie.gouv.fr")
    page.goto(f"/c/{sahel_network['slug']}/write")
    page.get_by_label("Titre").fill("Point de situation")
    page.get_by_label("Texte", exact=True).fill("Merci de faire le point avant jeudi.")
    page.get_by_role("radio", name="À faire").check()
    information = page.get_by_role("group", name="Qui doit la lire ? (facultatif)")
    information.get_by_role("combobox").press_sequentially("Bruno")
    expect(information.get_by_role("option")).to_have_count(1)
    information.get_by_role("combobox").press("Enter")
    expect(information.get_by_role("listitem")).to_have_text([re.compile(r"^\s*Bruno Sow")])

    page.get_by_role("button", name="Publier").click()  # nobody must act: refused

    expect(page.get_by_role("alert")).to_have_text(
        "Une publication à faire doit avoir au moins un destinataire pour action."
    )
    expect(page.get_by_label("Titre")).to_have_value("Point de situation")
    expect(page.get_by_role("radio", name="À faire")).to_be_checked()
    expect(information.get_by_role("listitem")).to_have_text([re.compile(r"^\s*Bruno Sow")])
    expect(action_picker(page).get_by_role("listitem")).to_have_count(0)
