"""Engagement through the real pages: an agent reads and reacts to a post and reads a portal item
(the pages report the visible time when left); the animator and the curator then find the figures
on the statistics pages, as charts with their tables."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def engaged_world(app, make_user, make_community, make_post):
    animator = make_user("Inès Garnier", email="ines.garnier@diplomatie.gouv.fr", unit="MEAE/DGM/Afrique")
    make_user(
        "Thomas Moreau", email="thomas.moreau@diplomatie.gouv.fr", unit="MEAE/SG/DCP", roles=["curator"]
    )
    make_user("Awa Ndiaye", email="awa.ndiaye@diplomatie.gouv.fr", unit="MEAE/DGM")
    slug = make_community(animator, "Réseau Afrique", "open")
    post_id = make_post(animator, slug, "Retour de mission à Dakar", "Trois enseignements pour nos postes.")
    make_post(animator, slug, "Compte rendu du séminaire", "Les conclusions du séminaire régional.")

    from feed.models import Post
    from portal import curation, services
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        curator = db.session.scalar(select(User).where(User.email == "thomas.moreau@diplomatie.gouv.fr"))
        inès = db.session.get(User, animator)
        section = services.create_section(curator, "À la une")
        curation.propose(inès, db.session.get(Post, post_id), "À partager")
        item = services.publish(
            curator, post_id, section_id=section.id, headline="Dakar : trois enseignements"
        )
        db.session.commit()
        item_id = item.id
        db.session.remove()
    return {"post_id": post_id, "item_id": item_id, "slug": slug}


def _wait_for(page, probe):
    for _attempt in range(30):  # the beacon leaves with the page; give it a moment
        found = probe()
        if found:
            return found
        page.wait_for_timeout(100)
    return probe()


def test_readings_and_reactions_reach_the_statistics_pages(
    app, browser, browser_context_args, engaged_world, log_in, screenshot
):
    from portal.models import PortalItemView, PostView
    from rse.extensions import db

    def person(email):
        page = browser.new_context(**browser_context_args).new_page()
        log_in(page, email)
        return page

    def rows(model, *columns):
        with app.app_context():
            found = db.session.execute(select(*columns)).all()
            db.session.remove()
        return found

    world = engaged_world
    # An agent reads the post, reacts to it (the count then shows on the button), and leaves.
    reader = person("awa.ndiaye@diplomatie.gouv.fr")
    reader.goto(f"/posts/{world['post_id']}")
    reader.get_by_role("button", name=re.compile("^👍")).click()
    thumbs = reader.get_by_role("button", name=re.compile("^👍 1"))
    expect(thumbs).to_have_attribute("aria-pressed", "true")
    assert_accessible(reader)  # the visible "👍 1" starts the button's accessible name
    expect(reader.get_by_role("link", name="Statistiques")).to_have_count(0)  # not for readers
    reader.wait_for_timeout(1100)
    reader.get_by_role("link", name="Portail").click()
    views = _wait_for(reader, lambda: rows(PostView, PostView.post_id, PostView.user_id, PostView.seconds))
    assert len(views) == 1 and views[0][0] == world["post_id"]  # one row: the reaction reloaded the page

    # Then reads the item on the portal, and leaves it too.
    reader.get_by_role("link", name="Dakar : trois enseignements").first.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Dakar : trois enseignements")
    reader.wait_for_timeout(1100)
    reader.get_by_role("link", name="Portail").click()
    item_views = _wait_for(
        reader,
        lambda: rows(PortalItemView, PortalItemView.item_id, PortalItemView.views, PortalItemView.seconds),
    )
    assert [(item_id, count) for item_id, count, _seconds in item_views] == [(world["item_id"], 1)]
    assert 1 <= item_views[0][2] <= 5

    # The animator follows the community's vitality from its page.
    animator = person("ines.garnier@diplomatie.gouv.fr")
    animator.goto(f"/c/{world['slug']}")
    animator.get_by_role("link", name="Statistiques").click()
    expect(animator.get_by_role("heading", level=1)).to_have_text("Statistiques de la communauté")
    chart = animator.get_by_role("img", name="Publications, commentaires et membres actifs par semaine")
    expect(chart).to_be_visible()
    this_week = animator.get_by_role("table").first.locator("tbody tr").first
    expect(this_week.locator("td")).to_have_text(["2", "0", "2"])  # two posts; the author and the reader
    expect(animator.get_by_role("link", name="Retour de mission à Dakar")).to_be_visible()
    screenshot(animator, "stats-1-community")
    assert_accessible(animator)

    # The curator opens the post's figures from the post, and the portal's from the portal.
    curator = person("thomas.moreau@diplomatie.gouv.fr")
    curator.goto(f"/posts/{world['post_id']}")
    curator.get_by_role("link", name="Statistiques").click()
    expect(curator.get_by_role("heading", level=1)).to_have_text("Statistiques de la publication")
    figures = curator.locator(".figures")
    expect(figures.locator("dd")).to_have_text([re.compile(r"^[12]$"), "1", re.compile(r"\d+ s$"), "0", "1"])
    expect(curator.get_by_role("img", name="Vues et lecteurs par jour")).to_be_visible()
    screenshot(curator, "stats-2-post")
    assert_accessible(curator)

    curator.goto("/portal")
    curator.get_by_role("link", name="Statistiques").click()
    expect(curator.get_by_role("heading", level=1)).to_have_text("Statistiques du portail")
    expect(curator.get_by_role("img", name="Vues et lecteurs du portail par semaine")).to_be_visible()
    row = curator.locator(f"#item-{world['item_id']}")
    expect(row.locator("td").nth(0)).to_have_text("1")  # one reader
    screenshot(curator, "stats-3-portal")
    assert_accessible(curator)
    curator.goto(f"/portal/items/{world['item_id']}")
    curator.get_by_role("link", name="Statistiques").click()
    expect(curator).to_have_url(re.compile(rf"/portal/stats#item-{world['item_id']}$"))
