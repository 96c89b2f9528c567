"""Live pages: the issue's scenario, "user A has the desk open; user B writes an action addressed to
A; A's À faire count and list update without a reload", and the community and post pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

UNIT = "MEAE/Direction générale de la mondialisation/Afrique subsaharienne"


def test_an_action_addressed_to_me_appears_on_my_open_desk(
    page, make_user, make_community, make_post, log_in, screenshot
):
    reader = make_user("Julie Bernard", email="julie.bernard@diplomatie.gouv.fr", unit=UNIT)
    author = make_user("Marc Rousseau", email="marc.rousseau@diplomatie.gouv.fr", unit=UNIT)
    slug = make_community(author, "Veille Afrique", "open", members=[reader])

    log_in(page, "julie.bernard@diplomatie.gouv.fr")
    page.goto("/desk")
    expect(page.get_by_text("Rien à faire")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-live-connected", "true")
    page.evaluate("window.notReloaded = true")

    make_post(
        author, slug, "Télégramme à traiter", "Merci de préparer les éléments de langage.",
        qualification="action", priority="flash", action_addressees=[f"user:{reader}"],
    )  # fmt: skip

    desk_list = page.locator("#desk-list")
    expect(desk_list.get_by_role("link", name="Télégramme à traiter")).to_be_visible()
    expect(page.locator("#desk-tabs").get_by_role("link", name="À faire 1")).to_be_visible()
    expect(page.locator('[data-live-nav="todo"] .nav-count')).to_contain_text("1")
    expect(page.locator('[data-live-nav="notifications"] .nav-count')).to_contain_text("1")
    expect(page.locator("#live-status")).to_have_text(
        "Marc Rousseau vous demande d’agir : Télégramme à traiter"
    )
    assert page.evaluate("window.notReloaded") is True  # the same page, updated in place
    screenshot(page, "live-desk")


def test_new_posts_and_comments_appear_on_open_pages(
    page, make_user, make_community, make_post, make_comment, log_in, screenshot
):
    reader = make_user("Julie Bernard", email="julie.bernard@diplomatie.gouv.fr", unit=UNIT)
    author = make_user("Marc Rousseau", email="marc.rousseau@diplomatie.gouv.fr", unit=UNIT)
    slug = make_community(author, "Veille Afrique", "open", members=[reader])
    first = make_post(author, slug, "Premier point", "Situation calme.")

    log_in(page, "julie.bernard@diplomatie.gouv.fr")
    page.goto(f"/posts/{first}")
    expect(page.locator("body")).to_have_attribute("data-live-subscribed", "true")
    make_comment(author, first, "Confirmé par l'ambassade.")
    expect(page.locator("#comment-threads").get_by_text("Confirmé par l'ambassade.")).to_be_visible()
    screenshot(page, "live-post")

    # Last, a page that records no reading time when left, so nothing writes after the test.
    page.goto(f"/c/{slug}")
    expect(page.locator("body")).to_have_attribute("data-live-connected", "true")
    make_post(author, slug, "Second point", "Manifestation prévue demain.")
    expect(page.locator("#community-posts").get_by_role("link", name="Second point")).to_be_visible()
    screenshot(page, "live-community")
