"""Views of posts and portal items, the statistics of curators and animators, and the engagement
ranking of the curation queue on a world where the expected order is known."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

FIGURES = ("views", "readers", "reading_seconds", "comments", "reactions")


def _figures(found: dict) -> dict:
    return {key: found[key] for key in FIGURES}


def _publish(api, n, post_key, headline="Un titre"):
    payload = {"post_id": n[post_key], "section_id": n["section"], "headline": headline}
    return api(n["curator"]).post("/api/v1/portal/items", json=payload)


def test_a_post_already_on_the_portal_is_published_again_only_once_unpublished(api, newsroom):
    n = newsroom
    first = _publish(api, n, "open_post")
    assert first.status_code == 201, first.get_json()
    again = _publish(api, n, "open_post", headline="Encore")
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert again.get_json()["detail"].startswith("This post is already on the portal")
    assert api(n["curator"]).delete(f"/api/v1/portal/items/{first.get_json()['id']}").status_code == 204
    republished = _publish(api, n, "open_post", headline="De retour")
    assert republished.status_code == 201, republished.get_json()


def test_only_people_reading_in_a_browser_count_as_views(api, browser_api, newsroom, app):
    n = newsroom
    post_path = f"/api/v1/posts/{n['open_post']}/view"
    # A script with an API token, and browsers that declare themselves bots: answered, not counted.
    scripted = api(n["animator"]).post(post_path, json={"seconds": 30})
    assert scripted.status_code == 200 and scripted.get_json()["recorded"] is False
    for agent in ("Mozilla/5.0 (compatible; Googlebot/2.1)", "curl/8.5.0", "python-requests/2.32"):
        bot = browser_api(n["animator"], user_agent=agent).post(post_path, json={"seconds": 30})
        assert bot.get_json()["recorded"] is False, agent
    assert browser_api(n["animator"]).post(post_path, json={"seconds": 30}).get_json()["recorded"] is True

    # Portal items are counted the same way; the credited author is not a reader of their own item.
    item = _publish(api, n, "open_post").get_json()
    item_path = f"/api/v1/portal/items/{item['id']}/view"
    reader = browser_api(n["outsider"])
    counted = reader.post(item_path, json={"seconds": 5000})
    assert counted.status_code == 200, counted.get_json()
    assert (counted.get_json()["recorded"], counted.get_json()["seconds"]) == (True, 600)
    assert browser_api(n["member"]).post(item_path, json={}).get_json()["recorded"] is False
    assert api(n["outsider"]).post(item_path, json={}).get_json()["recorded"] is False
    bad = reader.post(item_path, json={"seconds": "long"})
    assert bad.status_code == 422 and "seconds" in bad.get_json()["errors"]
    api(n["curator"]).delete(f"/api/v1/portal/items/{item['id']}")
    assert reader.post(item_path, json={}).status_code == 404

    from portal.models import PortalItemView, PostView
    from rse.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostView)) == 1
        assert db.session.scalar(select(func.count()).select_from(PortalItemView)) == 1


def test_a_posts_figures_for_curators_and_the_animators_of_its_community(
    api, browser_api, newsroom, make_user
):
    n = newsroom
    readers = [make_user(f"Lecteur {number}", unit="MEAE/DGM") for number in range(2)]
    path = f"/api/v1/posts/{n['open_post']}/view"
    browser_api(readers[0]).post(path, json={"seconds": 90})
    second = browser_api(readers[1])
    second.post(path, json={"seconds": 30})
    second.post(path, json={"seconds": 15})
    api(readers[0]).post(f"/api/v1/posts/{n['open_post']}/comments", json={"body": "Merci"})
    api(readers[1]).post(f"/api/v1/posts/{n['open_post']}/reactions", json={"emoji": "👍"})

    found = api(n["animator"]).get(f"/api/v1/stats/posts/{n['open_post']}")
    assert found.status_code == 200, found.get_json()
    stats = found.get_json()
    assert _figures(stats) == {
        "views": 3,
        "readers": 2,
        "reading_seconds": 135,
        "comments": 1,
        "reactions": 1,
    }
    assert stats["post"] == {"id": n["open_post"], "title": "Note open"}
    assert len(stats["days"]) == 30
    assert stats["days"][-1] | {"day": None} == {
        "day": None,
        "views": 3,
        "readers": 2,
        "reading_seconds": 135,
    }
    assert sum(day["views"] for day in stats["days"][:-1]) == 0
    assert api(n["curator"]).get(f"/api/v1/stats/posts/{n['open_post']}").get_json() == stats

    # The author and other members do not see who read them; hidden posts answer like missing ones.
    assert api(n["member"]).get(f"/api/v1/stats/posts/{n['open_post']}").status_code == 403
    assert api(n["outsider"]).get(f"/api/v1/stats/posts/{n['open_post']}").status_code == 404
    assert api(n["curator"]).get(f"/api/v1/stats/posts/{n['secret_post']}").status_code == 404


def test_a_communitys_vitality_week_by_week_for_its_animators(api, browser_api, newsroom, make_user):
    n = newsroom
    community = n["open_community"]
    commenter = make_user("Commentatrice", unit="MEAE/DGM")
    second = api(n["animator"]).post(
        f"/api/v1/communities/{community}/posts", json={"title": "Deuxième", "body": "Encore"}
    )
    second = second.get_json()["id"]
    api(commenter).post(f"/api/v1/posts/{n['open_post']}/comments", json={"body": "Un"})
    api(commenter).post(f"/api/v1/posts/{second}/comments", json={"body": "Deux"})
    api(n["outsider"]).post(f"/api/v1/posts/{second}/reactions", json={"emoji": "🎉"})  # not in scope
    api(commenter).post(f"/api/v1/posts/{second}/reactions", json={"emoji": "🎉"})
    browser_api(commenter).post(f"/api/v1/posts/{second}/view", json={"seconds": 40})
    browser_api(n["outsider"]).post(f"/api/v1/posts/{n['open_post']}/view", json={"seconds": 20})

    found = api(n["animator"]).get(f"/api/v1/stats/communities/{community}?weeks=4")
    assert found.status_code == 200, found.get_json()
    stats = found.get_json()
    assert stats["community"] == {"id": community, "name": "Réseau open"}
    assert _figures(stats) | {"posts": stats["posts"]} == {
        "views": 1,
        "readers": 1,
        "reading_seconds": 40,
        "comments": 2,
        "reactions": 1,
        "posts": 2,
    }
    assert [week["week"] for week in stats["weeks"]] == sorted(week["week"] for week in stats["weeks"])
    assert len(stats["weeks"]) == 4 and stats["since"] == stats["weeks"][0]["week"]
    # This week: two posts (member, animator), two comments; active are the two authors and the commenter.
    assert stats["weeks"][-1] | {"week": None} == {
        "week": None,
        "posts": 2,
        "comments": 2,
        "active_members": 3,
    }
    assert [(week["posts"], week["comments"], week["active_members"]) for week in stats["weeks"][:-1]] == [
        (0, 0, 0)
    ] * 3
    assert [(top["post"]["id"], top["readers"], top["comments"]) for top in stats["top_posts"]] == [
        (second, 1, 1)
    ]

    default = api(n["animator"]).get(f"/api/v1/stats/communities/{community}").get_json()
    assert len(default["weeks"]) == 12
    for weeks in ("0", "53", "many"):
        bad = api(n["animator"]).get(f"/api/v1/stats/communities/{community}?weeks={weeks}")
        assert bad.status_code == 422 and "weeks" in bad.get_json()["errors"], weeks
    assert api(n["member"]).get(f"/api/v1/stats/communities/{community}").status_code == 403
    assert api(n["curator"]).get(f"/api/v1/stats/communities/{community}").status_code == 403
    hidden = api(n["curator"]).get(f"/api/v1/stats/communities/{n['secret_community']}")
    missing = api(n["curator"]).get("/api/v1/stats/communities/987654321")
    assert hidden.status_code == missing.status_code == 404


def test_the_portals_figures_item_by_item_for_curators(api, browser_api, newsroom, make_user):
    n = newsroom
    read = _publish(api, n, "open_post", headline="Très lu").get_json()
    api(n["animator"]).post(f"/api/v1/posts/{n['restricted_post']}/propose", json={"note": "ok"})
    quiet = _publish(api, n, "restricted_post", headline="Peu lu").get_json()
    readers = [make_user(f"Lecteur {number}", unit="MINARM/EMA") for number in range(3)]
    for reader in readers:
        browser_api(reader).post(f"/api/v1/portal/items/{read['id']}/view", json={"seconds": 100})
    browser_api(readers[0]).post(f"/api/v1/portal/items/{quiet['id']}/view", json={"seconds": 10})
    api(readers[0]).post(f"/api/v1/portal/items/{read['id']}/comments", json={"body": "Bien"})
    api(readers[1]).post(f"/api/v1/portal/items/{quiet['id']}/reactions", json={"emoji": "👍"})

    found = api(n["curator"]).get("/api/v1/stats/portal?weeks=2")
    assert found.status_code == 200, found.get_json()
    stats = found.get_json()
    assert _figures(stats) == {
        "views": 4,
        "readers": 3,
        "reading_seconds": 310,
        "comments": 1,
        "reactions": 1,
    }
    assert len(stats["weeks"]) == 2
    assert stats["weeks"][-1] | {"week": None} == {
        "week": None,
        "views": 4,
        "readers": 3,
        "reading_seconds": 310,
    }
    assert [(entry["item"]["headline"], _figures(entry)) for entry in stats["items"]] == [
        ("Très lu", {"views": 3, "readers": 3, "reading_seconds": 300, "comments": 1, "reactions": 0}),
        ("Peu lu", {"views": 1, "readers": 1, "reading_seconds": 10, "comments": 0, "reactions": 1}),
    ]
    for viewer in ("animator", "member", "outsider"):
        assert api(n[viewer]).get("/api/v1/stats/portal").status_code == 403, viewer


def test_the_queue_ranks_suggestions_in_the_known_order_of_engagement(api, newsroom, make_user, app):
    """Score = readers + minutes of reading + 3 x comments + 2 x reactions over the last 7 days."""
    n = newsroom
    people = [make_user(f"Lecteur {number}", unit="MEAE/DGM") for number in range(10)]
    titles = ("A", "B", "C", "D", "E", "F", "G", "Ancien")
    posts = {
        title: api(n["member"])
        .post(f"/api/v1/communities/{n['open_community']}/posts", json={"title": title, "body": title})
        .get_json()["id"]
        for title in titles
    }
    # (post, readers, views per reader, seconds per reader, days ago)
    readings = [
        ("A", 5, 1, 120, 0),  # 5 readers + 10 minutes = 15
        ("B", 1, 1, 0, 1),  # 1 reader + 4 comments x 3 = 13
        ("C", 2, 1, 60, 6),  # 2 readers + 2 minutes + 5 reactions x 2 = 14
        ("D", 10, 1, 0, 2),  # 10
        ("F", 3, 3, 60, 0),  # 3 readers + 3 minutes = 6
        ("G", 5, 1, 0, 0),  # 5, like E; G is newer, so it comes first
        ("Ancien", 10, 5, 600, 10),  # outside the week: no activity in the period
    ]
    from portal.models import PostView
    from rse.db_types import utcnow
    from rse.extensions import db

    with app.app_context():
        today = utcnow().date()
        for title, readers, views, seconds, days_ago in readings:
            for person in people[:readers]:
                db.session.add(
                    PostView(
                        post_id=posts[title],
                        user_id=person,
                        day=today - timedelta(days=days_ago),
                        views=views,
                        seconds=seconds,
                    )
                )
        # A restricted community's much-read post is never suggested.
        for person in people:
            db.session.add(PostView(post_id=n["restricted_post"], user_id=person, day=today, seconds=600))
        db.session.commit()
        db.session.remove()
    for person in people[:4]:
        api(person).post(f"/api/v1/posts/{posts['B']}/comments", json={"body": "Oui"})
    for person in people[:5]:
        api(person).post(f"/api/v1/posts/{posts['C']}/reactions", json={"emoji": "👍"})
    api(people[0]).post(f"/api/v1/posts/{posts['E']}/comments", json={"body": "E"})  # 3
    api(people[1]).post(f"/api/v1/posts/{posts['E']}/reactions", json={"emoji": "🎉"})  # + 2 = 5

    suggestions = api(n["curator"]).get("/api/v1/curation/queue").get_json()["suggestions"]
    by_id = {post_id: title for title, post_id in posts.items()}
    assert [(by_id[s["post"]["id"]], s["score"]) for s in suggestions] == [
        ("A", 15.0),
        ("C", 14.0),
        ("B", 13.0),
        ("D", 10.0),
        ("F", 6.0),
        ("G", 5.0),
        ("E", 5.0),
    ]
    assert _figures(suggestions[4]) == {
        "views": 9,
        "readers": 3,
        "reading_seconds": 180,
        "comments": 0,
        "reactions": 0,
    }

    # A proposal takes the best one out of the suggestions; the rest keep their order.
    api(n["animator"]).post(f"/api/v1/posts/{posts['A']}/propose", json={"note": "À la une"})
    suggestions = api(n["curator"]).get("/api/v1/curation/queue").get_json()["suggestions"]
    assert [by_id[s["post"]["id"]] for s in suggestions] == ["C", "B", "D", "F", "G", "E"]
