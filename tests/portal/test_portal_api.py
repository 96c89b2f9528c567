"""The portal and its curation through the API: propose, approve, publish, read, comment, edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def _fresh_open_post(api, n, key: str) -> str:
    """Another post of the open community, under ``key`` in the world: a post is on the portal once."""
    created = api(n["member"]).post(
        f"/api/v1/communities/{n['open_community']}/posts", json={"title": key, "body": f"Texte {key}"}
    )
    n[key] = created.get_json()["id"]
    return key


def _publish(api, n, post_key, **fields):
    payload = {"post_id": n[post_key], "section_id": n["section"], "headline": "Un titre", **fields}
    return api(n["curator"]).post("/api/v1/portal/items", json=payload)


def test_a_proposed_open_post_is_published_and_read_by_another_ministry(api, newsroom):
    n = newsroom
    proposed = api(n["member"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "À partager"})
    assert proposed.status_code == 201, proposed.get_json()
    proposal = proposed.get_json()
    assert proposal["status"] == "pending" and proposal["needs_approval"] is False
    assert proposal["by_animator"] is False and proposal["by"]["id"] == n["member"]

    queue = api(n["curator"]).get("/api/v1/curation/queue").get_json()
    assert [p["id"] for p in queue["proposals"]] == [proposal["id"]]
    assert queue["proposals"][0]["post"]["title"] == "Note open"
    assert queue["approvals"] == [] and queue["suggestions"] == []

    published = _publish(
        api, n, "open_post", headline="Le réseau Afrique publie sa note", standfirst="En bref"
    )
    assert published.status_code == 201, published.get_json()
    item = published.get_json()
    assert item["headline"] == "Le réseau Afrique publie sa note" and item["standfirst"] == "En bref"
    assert item["body_html"] == "<p>Le texte <strong>open</strong>.</p>\n"
    assert item["credits"]["author"]["name"] == "Marc Membre"
    assert item["credits"]["community"]["name"] == "Réseau open"
    assert item["source_changed"] is False and item["comment_count"] == 0
    assert api(n["curator"]).get("/api/v1/curation/queue").get_json()["proposals"] == []
    again = api(n["animator"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "Encore"})
    assert again.status_code == 409  # already on the portal

    # Another ministry reads and comments, without a link to a thread it may not read.
    outsider = api(n["outsider"])
    front = outsider.get("/api/v1/portal").get_json()
    assert [[i["headline"] for i in s["items"]] for s in front["sections"]] == [
        ["Le réseau Afrique publie sa note"]
    ]
    seen = outsider.get(f"/api/v1/portal/items/{item['id']}").get_json()
    assert seen["source_post_id"] is None
    assert (
        api(n["member"]).get(f"/api/v1/portal/items/{item['id']}").get_json()["source_post_id"]
        == n["open_post"]
    )
    comment = outsider.post(f"/api/v1/portal/items/{item['id']}/comments", json={"body": "Très utile, merci"})
    assert comment.status_code == 201, comment.get_json()
    assert comment.get_json()["portal_item_id"] == item["id"]
    listed = api(n["member"]).get(f"/api/v1/portal/items/{item['id']}/comments").get_json()
    assert [c["body"] for c in listed["items"]] == ["Très utile, merci"]
    reacted = outsider.post(f"/api/v1/portal/items/{item['id']}/reactions", json={"emoji": "👍"})
    assert reacted.get_json()["reactions"] == {"👍": 1} and reacted.get_json()["my_reactions"] == ["👍"]
    assert outsider.get(f"/api/v1/portal/items/{item['id']}").get_json()["comment_count"] == 1

    # The author (also the proposer) is told once, with a link to the item.
    told = api(n["member"]).get("/api/v1/notifications").get_json()["items"]
    published_notes = [t for t in told if t["kind"] == "published"]
    assert len(published_notes) == 1
    assert published_notes[0]["portal_item_id"] == item["id"]
    text = published_notes[0]["text"]
    assert text.startswith("Publié sur le portail") and text.endswith(": Le réseau Afrique publie sa note")


def test_restricted_content_needs_an_animators_approval(api, newsroom):
    n = newsroom
    proposal = api(n["member"]).post(f"/api/v1/posts/{n['restricted_post']}/propose", json={"note": "Utile"})
    proposal = proposal.get_json()
    assert proposal["needs_approval"] is True and proposal["status"] == "pending"

    # The curator knows an approval is awaited, but not the content.
    queue = api(n["curator"]).get("/api/v1/curation/queue").get_json()
    assert queue["proposals"] == []
    assert [p["id"] for p in queue["approvals"]] == [proposal["id"]] and queue["approvals"][0]["post"] is None
    refused = _publish(api, n, "restricted_post")
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"

    # Only an animator of the community approves; then the curator sees it and may publish.
    assert api(n["member"]).post(f"/api/v1/curation/proposals/{proposal['id']}/approve").status_code == 403
    assert api(n["curator"]).post(f"/api/v1/curation/proposals/{proposal['id']}/approve").status_code == 403
    animator_queue = api(n["animator"]).get("/api/v1/curation/queue").get_json()
    assert [p["id"] for p in animator_queue["approvals"]] == [proposal["id"]]
    approved = api(n["animator"]).post(f"/api/v1/curation/proposals/{proposal['id']}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    queue = api(n["curator"]).get("/api/v1/curation/queue").get_json()
    assert queue["approvals"] == [] and queue["proposals"][0]["post"]["title"] == "Note restricted"
    published = _publish(api, n, "restricted_post")
    assert published.status_code == 201
    # Readers of the portal get the snapshot, never the thread.
    seen = api(n["outsider"]).get(f"/api/v1/portal/items/{published.get_json()['id']}").get_json()
    assert seen["source_post_id"] is None and "restricted" in seen["body_html"]
    assert api(n["outsider"]).get(f"/api/v1/posts/{n['restricted_post']}/comments").status_code == 404


def test_an_animators_proposal_counts_as_the_approval(api, newsroom):
    n = newsroom
    proposal = api(n["animator"]).post(f"/api/v1/posts/{n['secret_post']}/propose", json={"note": "Validé"})
    assert proposal.get_json()["by_animator"] is True and proposal.get_json()["status"] == "approved"
    assert _publish(api, n, "secret_post").status_code == 201


def test_a_secret_post_nobody_proposed_does_not_exist_for_the_curator(api, newsroom):
    assert _publish(api, newsroom, "secret_post").status_code == 404
    assert _publish(api, newsroom, "secret_post").get_json() == _publish(
        api, {**newsroom, "secret_post": 987654321}, "secret_post"
    ).get_json() | {"instance": "/api/v1/portal/items"}


def test_only_members_propose_and_only_curators_publish_and_decline(api, newsroom):
    n = newsroom
    assert (
        api(n["outsider"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "x"}).status_code
        == 404
    )
    assert (
        api(n["curator"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "x"}).status_code
        == 403
    )
    proposal = api(n["member"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "x"}).get_json()
    again = api(n["member"]).post(f"/api/v1/posts/{n['open_post']}/propose", json={"note": "x"})
    assert again.status_code == 409
    payload = {"post_id": n["open_post"], "section_id": n["section"], "headline": "Titre"}
    assert api(n["member"]).post("/api/v1/portal/items", json=payload).status_code == 403
    assert api(n["member"]).post("/api/v1/portal/sections", json={"name": "Autre"}).status_code == 403
    decline_path = f"/api/v1/curation/proposals/{proposal['id']}/decline"
    assert api(n["member"]).post(decline_path, json={"note": "non"}).status_code == 403
    assert api(n["outsider"]).post(decline_path, json={"note": "non"}).status_code == 404

    declined = api(n["curator"]).post(decline_path, json={"note": "Déjà traité la semaine dernière"})
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "declined"
    mine = api(n["member"]).get(f"/api/v1/curation/proposals/{proposal['id']}").get_json()
    assert mine["decision_note"] == "Déjà traité la semaine dernière"
    kinds = [t["kind"] for t in api(n["member"]).get("/api/v1/notifications").get_json()["items"]]
    assert "declined" in kinds
    assert api(n["member"]).get("/api/v1/curation/queue").status_code == 403


def test_bad_input_names_the_fields_and_writes_nothing(api, newsroom):
    n = newsroom
    now = datetime.now(UTC)
    cases = [
        ({"headline": "x", "colour": "red"}, "colour"),
        ({"section_id": 987654}, "section_id"),
        ({"publish_at": now.isoformat(), "ends_at": (now - timedelta(hours=1)).isoformat()}, "ends_at"),
        ({"headline": ""}, "headline"),
    ]
    for fields, field in cases:
        response = _publish(api, n, "open_post", **fields)
        assert response.status_code == 422, (fields, response.get_json())
        assert field in response.get_json()["errors"]
    assert api(n["curator"]).get("/api/v1/portal").get_json()["sections"][0]["items"] == []
    duplicate = api(n["curator"]).post(
        "/api/v1/portal/sections", json={"name": "A la une", "slug": "a-la-une"}
    )
    assert duplicate.status_code == 422 and "slug" in duplicate.get_json()["errors"]


def test_scheduled_and_ended_items_are_for_curators_only(api, newsroom):
    n = newsroom
    now = datetime.now(UTC)
    scheduled = _publish(
        api,
        n,
        _fresh_open_post(api, n, "demain"),
        headline="Demain",
        publish_at=(now + timedelta(days=1)).isoformat(),
    )
    ended = _publish(
        api,
        n,
        _fresh_open_post(api, n, "hier"),
        headline="Hier",
        publish_at=(now - timedelta(days=2)).isoformat(),
        ends_at=(now - timedelta(days=1)).isoformat(),
    )
    live = _publish(api, n, "open_post", headline="Aujourd'hui")
    ids = {r.get_json()["headline"]: r.get_json()["id"] for r in (scheduled, ended, live)}
    reader = api(n["outsider"])
    assert [i["headline"] for i in reader.get("/api/v1/portal").get_json()["sections"][0]["items"]] == [
        "Aujourd'hui"
    ]
    assert reader.get(f"/api/v1/portal/items/{ids['Demain']}").status_code == 404
    assert reader.get(f"/api/v1/portal/items/{ids['Hier']}").status_code == 404
    assert (
        reader.post(f"/api/v1/portal/items/{ids['Demain']}/comments", json={"body": "x"}).status_code == 404
    )
    statuses = {
        i["headline"]: i["status"]
        for i in api(n["curator"]).get("/api/v1/portal").get_json()["sections"][0]["items"]
    }
    assert statuses == {"Demain": "scheduled", "Hier": "ended", "Aujourd'hui": "live"}


def test_curators_pin_reorder_edit_and_unpublish_with_history(api, newsroom):
    n = newsroom
    curator = api(n["curator"])
    first = _publish(api, n, "open_post", headline="Premier").get_json()
    second = _publish(api, n, _fresh_open_post(api, n, "second"), headline="Second").get_json()
    third = _publish(api, n, _fresh_open_post(api, n, "third"), headline="Troisième").get_json()

    def order():
        return [
            i["headline"] for i in api(n["outsider"]).get("/api/v1/portal").get_json()["sections"][0]["items"]
        ]

    assert order() == ["Troisième", "Second", "Premier"]  # newest first
    assert curator.patch(f"/api/v1/portal/items/{first['id']}", json={"pinned": True}).status_code == 200
    assert curator.patch(f"/api/v1/portal/items/{third['id']}", json={"position": 5}).status_code == 200
    assert order() == ["Premier", "Second", "Troisième"]
    edited = curator.patch(
        f"/api/v1/portal/items/{second['id']}", json={"headline": "Second, revu", "body": "Texte *revu*"}
    )
    assert edited.get_json()["body_html"] == "<p>Texte <em>revu</em></p>\n"
    assert (
        api(n["member"]).patch(f"/api/v1/portal/items/{second['id']}", json={"pinned": True}).status_code
        == 403
    )

    history = curator.get(f"/api/v1/portal/items/{second['id']}/history").get_json()["items"]
    assert [h["action"] for h in history] == ["publish", "edit"]
    assert history[1]["changes"]["headline"] == ["Second", "Second, revu"]
    assert history[1]["by"]["name"] == "Claire Curatrice"
    pinned = curator.get(f"/api/v1/portal/items/{first['id']}/history").get_json()["items"]
    assert [h["action"] for h in pinned] == ["publish", "pin"]
    assert api(n["outsider"]).get(f"/api/v1/portal/items/{second['id']}/history").status_code == 403

    assert curator.delete(f"/api/v1/portal/items/{second['id']}").status_code == 204
    assert api(n["outsider"]).get(f"/api/v1/portal/items/{second['id']}").status_code == 404
    assert order() == ["Premier", "Troisième"]


def test_a_changed_source_flags_the_item_until_a_curator_decides(api, newsroom):
    n = newsroom
    item = _publish(api, n, "open_post").get_json()
    edited = api(n["member"]).patch(f"/api/v1/posts/{n['open_post']}", json={"body": "Nouvelle version"})
    assert edited.status_code == 200
    seen = api(n["outsider"]).get(f"/api/v1/portal/items/{item['id']}").get_json()
    assert seen["source_changed"] is True and seen["body_html"] == item["body_html"]  # not silently changed
    queue = api(n["curator"]).get("/api/v1/curation/queue").get_json()
    assert [i["id"] for i in queue["changed_items"]] == [item["id"]]

    refreshed = api(n["curator"]).patch(
        f"/api/v1/portal/items/{item['id']}", json={"refresh_from_source": True}
    )
    assert refreshed.get_json()["body_html"] == "<p>Nouvelle version</p>\n"
    assert refreshed.get_json()["source_changed"] is False
    assert api(n["curator"]).get("/api/v1/curation/queue").get_json()["changed_items"] == []

    assert api(n["member"]).delete(f"/api/v1/posts/{n['open_post']}").status_code == 204
    flagged = api(n["curator"]).get(f"/api/v1/portal/items/{item['id']}").get_json()
    assert flagged["source_changed"] is True and flagged["source_post_id"] is None
    refused = api(n["curator"]).patch(
        f"/api/v1/portal/items/{item['id']}", json={"refresh_from_source": True}
    )
    assert refused.status_code == 422 and "refresh_from_source" in refused.get_json()["errors"]
    kept = api(n["curator"]).patch(f"/api/v1/portal/items/{item['id']}", json={"source_changed": False})
    assert kept.get_json()["source_changed"] is False
    actions = [
        h["action"]
        for h in api(n["curator"]).get(f"/api/v1/portal/items/{item['id']}/history").get_json()["items"]
    ]
    assert actions == ["publish", "source_edited", "refresh", "source_deleted", "clear_flag"]


def test_a_portal_notification_stays_visible_to_an_author_who_left_the_community(api, newsroom):
    n = newsroom
    api(n["animator"]).post(f"/api/v1/posts/{n['restricted_post']}/propose", json={"note": "ok"})
    item = _publish(api, n, "restricted_post", headline="Publié").get_json()
    left = api(n["member"]).post(f"/api/v1/communities/{n['restricted_community']}/leave")
    assert left.status_code == 200
    told = api(n["member"]).get("/api/v1/notifications").get_json()["items"]
    assert [(t["kind"], t["portal_item_id"]) for t in told if t["kind"] == "published"] == [
        ("published", item["id"])
    ]
    api(n["curator"]).delete(f"/api/v1/portal/items/{item['id']}")
    told = api(n["member"]).get("/api/v1/notifications").get_json()["items"]
    assert [t for t in told if t["kind"] == "published"] == []


def test_views_are_one_row_per_reader_and_day_with_capped_reading_time(api, browser_api, newsroom, app):
    n = newsroom
    reader = browser_api(n["animator"])
    path = f"/api/v1/posts/{n['open_post']}/view"
    first = reader.post(path, json={"seconds": 100})
    assert first.status_code == 200, first.get_json()
    assert first.get_json() | {"day": None} == {"recorded": True, "day": None, "views": 1, "seconds": 100}
    again = reader.post(path, json={"seconds": 5000}).get_json()
    assert (again["views"], again["seconds"]) == (2, 700)  # 600 at most per view
    for _ in range(6):
        capped = reader.post(path, json={"seconds": 600}).get_json()
    assert (capped["views"], capped["seconds"]) == (8, 3600)  # an hour at most per day
    assert browser_api(n["member"]).post(path, json={}).get_json()["recorded"] is False  # the author
    assert api(n["outsider"]).post(path, json={}).status_code == 404
    bad = reader.post(path, json={"seconds": -1})
    assert bad.status_code == 422 and "seconds" in bad.get_json()["errors"]

    from sqlalchemy import func, select

    from portal.models import PostView
    from rse.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostView)) == 1


def test_the_queue_suggests_engaging_posts_nobody_proposed(api, browser_api, newsroom, make_user):
    n = newsroom
    readers = [make_user(f"Lecteur {number}", unit="MEAE/DGM") for number in range(3)]
    quiet = api(n["member"]).post(
        f"/api/v1/communities/{n['open_community']}/posts", json={"title": "Calme", "body": "Peu lu"}
    )
    quiet = quiet.get_json()["id"]
    for reader in readers:
        browser_api(reader).post(f"/api/v1/posts/{n['open_post']}/view", json={"seconds": 120})
    browser_api(readers[0]).post(f"/api/v1/posts/{quiet}/view", json={"seconds": 30})
    api(readers[0]).post(f"/api/v1/posts/{n['open_post']}/comments", json={"body": "Bravo"})
    api(readers[1]).post(f"/api/v1/posts/{n['open_post']}/reactions", json={"emoji": "🎉"})
    # Views in a restricted community are never suggested: it needs a proposal and an approval.
    browser_api(n["animator"]).post(f"/api/v1/posts/{n['restricted_post']}/view", json={"seconds": 600})

    suggestions = api(n["curator"]).get("/api/v1/curation/queue").get_json()["suggestions"]
    assert [s["post"]["id"] for s in suggestions] == [n["open_post"], quiet]
    best = suggestions[0]
    assert {key: best[key] for key in ("views", "readers", "reading_seconds", "comments", "reactions")} == {
        "views": 3,
        "readers": 3,
        "reading_seconds": 360,
        "comments": 1,
        "reactions": 1,
    }
    assert best["score"] == 3 + 6 + 3 + 2
    assert api(n["animator"]).get("/api/v1/curation/queue").get_json()["suggestions"] == []

    # A proposed post leaves the suggestions for the proposals.
    api(n["animator"]).post(f"/api/v1/posts/{quiet}/propose", json={"note": "À voir"})
    queue = api(n["curator"]).get("/api/v1/curation/queue").get_json()
    assert [s["post"]["id"] for s in queue["suggestions"]] == [n["open_post"]]
    past = api(n["curator"]).get("/api/v1/curation/queue?before=2020-01-01T00:00:00%2B00:00").get_json()
    assert past["suggestions"] == []
