"""The portal through the real pages: a member proposes a post, a curator publishes it from the
queue with a headline, an agent of another ministry reads it on the portal and comments.

Three browser contexts, three people. The community is scoped to the MEAE, so the reader of the
other ministry gets the published snapshot and its credits, never a link to the thread.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def newsroom(app, make_user, make_community, make_post):
    member = make_user("Inès Garnier", email="ines.garnier@diplomatie.gouv.fr", unit="MEAE/DGM/Afrique")
    make_user(
        "Thomas Moreau", email="thomas.moreau@diplomatie.gouv.fr", unit="MEAE/SG/DCP", roles=["curator"]
    )
    make_user("Karim Benali", email="karim.benali@intradef.gouv.fr", unit="MINARM/EMA/CPCO")
    slug = make_community(member, "Réseau Afrique", "open")
    post_id = make_post(
        member, slug, "Retour de mission à Dakar", "Trois enseignements **clés** pour nos postes en Afrique."
    )

    from portal import services
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        curator = db.session.scalar(db.select(User).where(User.email == "thomas.moreau@diplomatie.gouv.fr"))
        services.create_section(curator, "À la une")
        db.session.commit()
        db.session.remove()
    return {"post_id": post_id}


def test_a_proposed_post_is_published_by_a_curator_and_discussed_across_ministries(
    app, browser, browser_context_args, newsroom, log_in, screenshot
):
    def person(email):
        page = browser.new_context(**browser_context_args).new_page()
        log_in(page, email)
        return page

    # The member proposes their post from its page.
    member = person("ines.garnier@diplomatie.gouv.fr")
    member.goto(f"/posts/{newsroom['post_id']}")
    member.get_by_text("Proposer pour le portail").click()
    member.get_by_label("Pourquoi tous les agents devraient-ils la lire ?").fill("Utile à tous les postes.")
    member.get_by_role("button", name="Envoyer aux curateurs").click()
    expect(member.get_by_role("status")).to_have_text("Votre proposition a été transmise aux curateurs.")
    expect(member.locator("#propose")).to_contain_text("Votre proposition attend les curateurs.")
    screenshot(member, "portal-1-proposed")
    assert_accessible(member)

    # The curator lands on the portal, opens the queue and publishes with a headline.
    curator = person("thomas.moreau@diplomatie.gouv.fr")
    expect(curator).to_have_url(re.compile(r"/portal$"))
    curator.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Curation"
    ).click()
    proposal = curator.get_by_role("article", name="Retour de mission à Dakar")
    expect(proposal).to_contain_text("Proposé par Inès Garnier")
    expect(proposal).to_contain_text("Utile à tous les postes.")
    proposal.locator("details.publish-box > summary").click()
    proposal.get_by_label("Titre").fill("Dakar : trois enseignements pour nos postes")
    proposal.get_by_label("Chapô").fill("Une mission riche d'enseignements.")
    screenshot(curator, "portal-2-queue")
    assert_accessible(curator)
    proposal.get_by_role("button", name="Publier sur le portail").click()
    expect(curator.get_by_role("status")).to_have_text("L'article est en ligne sur le portail.")
    expect(curator.get_by_role("heading", level=1)).to_have_text(
        "Dakar : trois enseignements pour nos postes"
    )

    # The editor previews a change before saving it.
    curator.get_by_role("link", name="Modifier").click()
    curator.get_by_label("Chapô").fill("Une mission riche d'enseignements pour le réseau.")
    curator.get_by_label("Texte", exact=True).fill("Trois enseignements **clés** pour nos postes.")
    curator.get_by_role("button", name="Aperçu").click()
    preview = curator.get_by_role("region", name="Aperçu")
    expect(preview.locator("strong")).to_have_text("clés")
    expect(curator.get_by_label("Chapô")).to_have_value("Une mission riche d'enseignements pour le réseau.")
    assert_accessible(curator)
    screenshot(curator, "portal-2b-editor")
    curator.get_by_role("button", name="Enregistrer").click()
    expect(curator.get_by_role("status")).to_have_text("L'article a été mis à jour.")
    expect(curator.get_by_text("Une mission riche d'enseignements pour le réseau.")).to_be_visible()
    curator.get_by_role("link", name="Modifier").click()
    history = curator.get_by_role("region", name="Historique").get_by_role("listitem")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("modifié")
    with app.app_context():
        from sqlalchemy import select

        from portal.models import PortalItemRevision
        from rse.extensions import db

        edits = db.session.scalars(
            select(PortalItemRevision.changes).where(PortalItemRevision.action == "edit")
        )
        assert [set(changes) for changes in edits] == [
            {"standfirst", "body"}
        ]  # the untouched time is no change
        db.session.remove()

    # An agent of another ministry lands on the portal, reads the item and comments.
    reader = person("karim.benali@intradef.gouv.fr")
    expect(reader).to_have_url(re.compile(r"/portal$"))
    section = reader.get_by_role("region", name="À la une")
    section.get_by_role("link", name="Dakar : trois enseignements pour nos postes").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Dakar : trois enseignements pour nos postes")
    expect(reader.locator(".post-body")).to_have_text("Trois enseignements clés pour nos postes.")
    expect(reader.get_by_text("Par Inès Garnier")).to_be_visible()
    expect(reader.get_by_text("Réseau Afrique")).to_be_visible()
    expect(reader.get_by_role("link", name="Ouvrir la discussion d'origine")).to_have_count(0)
    reader.get_by_label("Votre commentaire").fill("Très utile pour la cellule Afrique du CPCO.")
    reader.get_by_role("button", name="Commenter").click()
    expect(reader.get_by_role("heading", name="1 commentaire")).to_be_visible()
    expect(reader.locator(".comment")).to_contain_text("Très utile pour la cellule Afrique du CPCO.")
    reader.get_by_role("button", name=re.compile("Réagir avec 👍")).click()
    expect(reader.get_by_role("button", name=re.compile("Réagir avec 👍"))).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(reader, "portal-3-item")
    assert_accessible(reader)

    # The member was told and finds the item, with the link back to their thread.
    member.goto("/notifications")
    member.get_by_role("link", name=re.compile("Dakar : trois enseignements")).click()
    expect(member.get_by_role("link", name="Ouvrir la discussion d'origine")).to_be_visible()


def test_reading_a_post_records_one_view_for_the_curators_suggestions(app, page, make_user, newsroom, log_in):
    make_user("Awa Ndiaye", email="awa.ndiaye@diplomatie.gouv.fr", unit="MEAE/DGM")
    log_in(page, "awa.ndiaye@diplomatie.gouv.fr")
    page.goto(f"/posts/{newsroom['post_id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Retour de mission à Dakar")
    page.wait_for_timeout(1200)
    page.get_by_role("link", name="Portail").click()  # leaving the page sends the view
    expect(page.get_by_role("heading", level=1)).to_have_text("Portail")

    from sqlalchemy import select

    from portal.models import PostView
    from rse.extensions import db

    def recorded():
        with app.app_context():
            rows = db.session.execute(select(PostView.post_id, PostView.views, PostView.seconds)).all()
            db.session.remove()
        return rows

    for _attempt in range(20):  # the request leaves with the page; give it a moment
        if recorded():
            break
        page.wait_for_timeout(100)
    [(post_id, views, seconds)] = recorded()
    assert (post_id, views) == (newsroom["post_id"], 1)
    assert 1 <= seconds <= 5
