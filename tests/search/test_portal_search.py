"""Portal items in search: found by their headline, standfirst and body by every portal reader,
while live; scheduled and ended ones by curators only; unpublished ones by nobody."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.search.test_search_api import search, write


@pytest.fixture
def world(api, make_user):
    author = make_user("Alice Martin", unit="MEAE/DGM")
    curator = make_user("Thomas Moreau", roles=["curator"], unit="MEAE/DGM")
    reader = make_user("Eve Minarm", unit="MINARM/EMA")  # reads no MEAE community
    client = api(author)
    community = client.post(
        "/api/v1/communities", json={"name": "Climat MEAE", "visibility": "open"}
    ).get_json()
    section = api(curator).post("/api/v1/portal/sections", json={"name": "À la une"}).get_json()
    return {
        "author": author,
        "curator": curator,
        "reader": reader,
        "community": community,
        "section": section,
    }


def publish(api, world, post, **fields):
    payload = {"post_id": post["id"], "section_id": world["section"]["id"], "headline": "Titre", **fields}
    response = api(world["curator"]).post("/api/v1/portal/items", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def kinds_and_ids(result):
    return sorted((item["kind"], item["portal_item_id"] or item["post_id"]) for item in result["items"])


def test_live_portal_item_is_found_by_every_reader_in_the_contract_shape(api, world):
    post = write(api, world["author"], world["community"], title="Note interne", body="Texte source.")
    item = publish(
        api,
        world,
        post,
        headline="Négociations climatiques",
        standfirst="Le point sur la COP.",
        body="Les délégations ont avancé sur l'adaptation.",
    )
    for words in ("negociation climatique", "cop", "delegations adaptation"):
        result = search(api, world["reader"], q=words)
        assert kinds_and_ids(result) == [("portal_item", item["id"])], words
    hit = search(api, world["reader"], q="climatiques")["items"][0]
    assert hit["id"] == item["id"] and hit["post_id"] is None and hit["community"] is None
    assert hit["title"] == "Négociations climatiques"
    assert hit["author"]["id"] == world["author"]
    assert "<mark>délégations</mark>" in search(api, world["reader"], q="delegation")["items"][0]["snippet"]
    # The source post itself stays out of the reader's reach.
    assert search(api, world["reader"], q="texte source")["items"] == []
    facets = search(api, world["reader"], q="climatiques")["facets"]
    assert facets["community"] == []


def test_edits_and_unpublishing_follow_in_the_index(api, world):
    post = write(api, world["author"], world["community"], title="Note", body="Texte.")
    item = publish(api, world, post, headline="Réforme des visas")
    assert kinds_and_ids(search(api, world["reader"], q="visa")) == [("portal_item", item["id"])]
    patched = api(world["curator"]).patch(
        f"/api/v1/portal/items/{item['id']}", json={"headline": "Ports du Sahel"}
    )
    assert patched.status_code == 200
    assert search(api, world["reader"], q="visa")["items"] == []
    assert kinds_and_ids(search(api, world["reader"], q="port sahel")) == [("portal_item", item["id"])]
    assert api(world["curator"]).delete(f"/api/v1/portal/items/{item['id']}").status_code == 204
    assert search(api, world["reader"], q="port sahel")["items"] == []
    assert search(api, world["curator"], q="port sahel")["items"] == []


def test_scheduled_and_ended_items_match_for_curators_only(app, api, world):
    post = write(api, world["author"], world["community"], title="Note", body="Texte.")
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    scheduled = publish(api, world, post, headline="Sommet de Nairobi", publish_at=later)
    assert search(api, world["reader"], q="nairobi")["items"] == []
    assert search(api, world["reader"], q="nairobi")["total"] == 0
    assert kinds_and_ids(search(api, world["curator"], q="nairobi")) == [("portal_item", scheduled["id"])]

    other = write(api, world["author"], world["community"], title="Autre", body="Texte.")
    ended = publish(api, world, other, headline="Forum de Dakar")
    assert kinds_and_ids(search(api, world["reader"], q="dakar")) == [("portal_item", ended["id"])]
    with app.app_context():
        from portal.models import PortalItem
        from rse.extensions import db

        # Time passes: the item ends without any write, so without any reindex.
        db.session.get(PortalItem, ended["id"]).ends_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    assert search(api, world["reader"], q="dakar")["items"] == []
    assert kinds_and_ids(search(api, world["curator"], q="dakar")) == [("portal_item", ended["id"])]


def test_reindex_and_verify_cover_portal_items(app, api, world):
    post = write(api, world["author"], world["community"], title="Note", body="Texte.")
    item = publish(api, world, post, headline="Coopération spatiale")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert kinds_and_ids(search(api, world["reader"], q="spatial")) == [("portal_item", item["id"])]
    verified = runner.invoke(args=["search", "verify"])
    assert verified.exit_code == 0 and "The index matches the database." in verified.output


def test_a_prefix_finds_a_portal_item_for_a_reader_of_no_community(api, world):
    post = write(api, world["author"], world["community"], title="Négociations internes", body="Texte.")
    item = publish(api, world, post, headline="Négociations commerciales")
    # Which words the prefix stands for is read from what the reader may read: the portal item.
    assert kinds_and_ids(search(api, world["reader"], q="négoc*")) == [("portal_item", item["id"])]
    assert kinds_and_ids(search(api, world["author"], q="négoc*")) == [
        ("portal_item", item["id"]),
        ("post", post["id"]),
    ]
