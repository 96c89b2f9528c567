"""The desk: À faire, À lire and Fait for each agent, with counts, order and filters."""

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def desk_world(api, make_user, make_unit):
    author = make_user("Alice Auteur", unit="MEAE/DGM")
    me = make_user("Moi Agent", unit="MEAE/DGM/Afrique")
    colleague = make_user("Collègue Asie", unit="MEAE/DGM/Asie")
    client = api(author)
    community = client.post("/api/v1/communities", json={"name": "Bureau", "visibility": "open"}).get_json()
    for user in (me, colleague):
        api(user).post(f"/api/v1/communities/{community['id']}/join")
    return {
        "author": author, "me": me, "colleague": colleague, "community": community["id"],
        "afrique": make_unit("MEAE/DGM/Afrique"),
    }  # fmt: skip


def _write(api, world, title, **fields):
    response = api(world["author"]).post(
        f"/api/v1/communities/{world['community']}/posts", json={"title": title, "body": "Texte", **fields}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _action(api, world, title, priority="routine", due=None, to=None):
    target = to or {"type": "user", "id": world["me"]}
    fields = {"qualification": "action", "priority": priority, "action_addressees": [target]}
    if due is not None:
        fields["due_at"] = due.isoformat()
    return _write(api, world, title, **fields)


def _titles(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def test_todo_order_flash_first_then_due_date_then_age(api, desk_world):
    now = datetime.now(UTC)
    _action(api, desk_world, "routine undated")
    _action(api, desk_world, "routine due later", due=now + timedelta(days=5))
    _action(api, desk_world, "routine due soon", due=now + timedelta(days=1))
    _action(api, desk_world, "flash", priority="flash")
    _action(api, desk_world, "immediate overdue", priority="immediate", due=now - timedelta(hours=2))
    _action(api, desk_world, "via my unit", to={"type": "unit", "id": desk_world["afrique"]})
    client = api(desk_world["me"])
    assert _titles(client, "/api/v1/desk/todo") == [
        "flash", "immediate overdue", "routine due soon", "routine due later", "routine undated", "via my unit",
    ]  # fmt: skip
    items = client.get("/api/v1/desk/todo").get_json()["items"]
    assert [item["overdue"] for item in items] == [False, True, False, False, False, False]
    assert _titles(client, "/api/v1/desk/todo?overdue=true") == ["immediate overdue"]
    assert _titles(client, "/api/v1/desk/todo?priority=flash") == ["flash"]
    assert _titles(api(desk_world["colleague"]), "/api/v1/desk/todo") == []


def test_todo_pages_follow_the_same_order(api, desk_world):
    now = datetime.now(UTC)
    for number in range(7):
        _action(
            api,
            desk_world,
            f"a{number}",
            priority=("flash", "routine")[number % 2],
            due=now + timedelta(hours=number),
        )
    client = api(desk_world["me"])
    everything = _titles(client, "/api/v1/desk/todo?limit=100")
    paged, cursor = [], None
    while True:
        body = client.get("/api/v1/desk/todo?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        paged += [item["title"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert paged == everything and len(paged) == 7


def test_done_moves_an_item_from_todo_to_done_and_counts_follow(api, desk_world):
    first = _action(api, desk_world, "first", priority="flash")
    _action(api, desk_world, "second", due=datetime.now(UTC) - timedelta(days=1))
    client = api(desk_world["me"])
    counts = client.get("/api/v1/desk").get_json()
    assert counts["todo"]["total"] == 2 and counts["todo"]["overdue"] == 1
    assert counts["todo"]["by_priority"] == {"flash": 1, "immediate": 0, "priority": 0, "routine": 1}
    client.post(f"/api/v1/posts/{first}/done")
    assert _titles(client, "/api/v1/desk/todo") == ["second"]
    assert _titles(client, "/api/v1/desk/done") == ["first"]
    counts = client.get("/api/v1/desk").get_json()
    assert counts["todo"]["total"] == 1 and counts["done"]["total"] == 1


def test_toread_holds_unread_information_for_me(api, desk_world, make_user):
    _write(api, desk_world, "for every member", qualification="information", priority="priority")
    _write(api, desk_world, "addressed to me", qualification="information",
           info_addressees=[{"type": "user", "id": desk_world["me"]}])  # fmt: skip
    _write(api, desk_world, "addressed to my colleague", qualification="information",
           info_addressees=[{"type": "user", "id": desk_world["colleague"]}])  # fmt: skip
    _write(api, desk_world, "a plain message")
    flash = _write(api, desk_world, "flash news", qualification="information", priority="flash")
    client = api(desk_world["me"])
    assert _titles(client, "/api/v1/desk/toread") == ["flash news", "for every member", "addressed to me"]
    client.post(f"/api/v1/posts/{flash}/read")
    assert _titles(client, "/api/v1/desk/toread") == ["for every member", "addressed to me"]
    assert _titles(client, "/api/v1/desk/toread?unread=false") == ["flash news"]
    assert client.get("/api/v1/desk").get_json()["toread"]["total"] == 2
    # The author's own posts never land on their desk.
    assert _titles(api(desk_world["author"]), "/api/v1/desk/toread") == []


def test_newcomers_do_not_inherit_the_backlog(api, desk_world, make_user):
    _write(api, desk_world, "before I joined", qualification="information")
    newcomer = make_user("Nouvelle Venue", unit="MEAE/DGM/Asie")
    api(newcomer).post(f"/api/v1/communities/{desk_world['community']}/join")
    _write(api, desk_world, "after I joined", qualification="information")
    assert _titles(api(newcomer), "/api/v1/desk/toread") == ["after I joined"]


def test_mark_a_filtered_list_read(api, desk_world):
    _write(api, desk_world, "flash one", qualification="information", priority="flash")
    _write(api, desk_world, "routine one", qualification="information")
    _write(api, desk_world, "routine two", qualification="information")
    client = api(desk_world["me"])
    marked = client.post("/api/v1/desk/toread/mark-read?priority=routine")
    assert marked.status_code == 200 and marked.get_json() == {"marked": 2}
    assert _titles(client, "/api/v1/desk/toread") == ["flash one"]
    assert client.post("/api/v1/desk/toread/mark-read").get_json() == {"marked": 1}
    assert _titles(client, "/api/v1/desk/toread") == []


def test_leaving_a_community_clears_it_from_the_desk(api, make_user):
    author = make_user("Auteur", unit="MEAE/DGM")
    me = make_user("Moi", unit="MEAE/DGM/Afrique")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Secret", "visibility": "secret"}).get_json()
    )
    api(author).post(f"/api/v1/communities/{community['id']}/members", json={"user_id": me})
    api(author).post(
        f"/api/v1/communities/{community['id']}/posts",
        json={"title": "À traiter", "body": "x", "qualification": "action",
              "action_addressees": [{"type": "user", "id": me}]},
    )  # fmt: skip
    client = api(me)
    assert _titles(client, "/api/v1/desk/todo") == ["À traiter"]
    counts = client.get("/api/v1/desk").get_json()
    assert (counts["todo"]["total"], counts["notifications"]) == (1, 1)
    client.post(f"/api/v1/communities/{community['id']}/leave")
    assert _titles(client, "/api/v1/desk/todo") == []
    # The very next counts: the action and its notice are gone with the community.
    counts = client.get("/api/v1/desk").get_json()
    assert (counts["todo"]["total"], counts["notifications"]) == (0, 0)


def test_filters_by_community_tag_author_and_dates(api, desk_world):
    _action(api, desk_world, "tagged", to={"type": "user", "id": desk_world["me"]})
    client = api(desk_world["me"])
    post_id = client.get("/api/v1/desk/todo").get_json()["items"][0]["id"]
    api(desk_world["author"]).patch(f"/api/v1/posts/{post_id}", json={"tags": ["budget"]})
    assert _titles(client, "/api/v1/desk/todo?tag=budget") == ["tagged"]
    assert _titles(client, "/api/v1/desk/todo?tag=autre") == []
    assert _titles(client, f"/api/v1/desk/todo?author_id={desk_world['author']}") == ["tagged"]
    assert _titles(client, f"/api/v1/desk/todo?community_id={desk_world['community']}") == ["tagged"]
    assert (
        _titles(
            client, "/api/v1/desk/todo?after=2000-01-01T00:00:00%2B00:00&before=2001-01-01T00:00:00%2B00:00"
        )
        == []
    )
    bad = client.get("/api/v1/desk/todo?after=yesterday")
    assert bad.status_code == 422 and "after" in bad.get_json()["errors"]


def test_done_items_are_never_overdue(api, desk_world):
    late = _action(api, desk_world, "late but done", due=datetime.now(UTC) - timedelta(days=2))
    client = api(desk_world["me"])
    client.post(f"/api/v1/posts/{late}/done")
    assert _titles(client, "/api/v1/desk/done") == ["late but done"]
    assert _titles(client, "/api/v1/desk/done?overdue=true") == ["late but done"]
    assert client.get("/api/v1/desk/done").get_json()["items"][0]["overdue"] is False
    assert _titles(client, "/api/v1/desk/todo?overdue=true") == []


def test_old_broadcasts_leave_toread_but_addressed_information_stays(app, api, desk_world):
    from sqlalchemy import update

    from feed.models import Post
    from rse.extensions import db

    old_broadcast = _write(api, desk_world, "old broadcast", qualification="information")
    old_addressed = _write(
        api, desk_world, "old but addressed to me", qualification="information",
        info_addressees=[{"type": "user", "id": desk_world["me"]}],
    )  # fmt: skip
    _write(api, desk_world, "recent broadcast", qualification="information")
    with app.app_context():
        db.session.execute(
            update(Post)
            .where(Post.id.in_([old_broadcast, old_addressed]))
            .values(created_at=datetime.now(UTC) - timedelta(days=45))
        )
        db.session.commit()
    # The member joined "now": backdate the membership too, so only the window decides.
    with app.app_context():
        from communities.models import Membership

        db.session.execute(update(Membership).values(joined_at=datetime.now(UTC) - timedelta(days=90)))
        db.session.commit()
    client = api(desk_world["me"])
    assert _titles(client, "/api/v1/desk/toread") == ["recent broadcast", "old but addressed to me"]


def test_toread_pages_walk_the_priorities_in_order(api, desk_world):
    for number in range(7):
        priority = ("routine", "flash", "priority", "immediate")[number % 4]
        _write(api, desk_world, f"{priority} {number}", qualification="information", priority=priority)
    client = api(desk_world["me"])
    everything = _titles(client, "/api/v1/desk/toread?limit=100")
    assert everything == [
        "flash 5",
        "flash 1",
        "immediate 3",
        "priority 6",
        "priority 2",
        "routine 4",
        "routine 0",
    ]
    paged, cursor = [], None
    while True:
        body = client.get("/api/v1/desk/toread?limit=2" + (f"&cursor={cursor}" if cursor else "")).get_json()
        paged += [item["title"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert paged == everything


def test_toread_counts_stop_at_a_cap(api, desk_world, monkeypatch):
    from feed import desk

    monkeypatch.setattr(desk, "COUNT_CAP", 2)
    for number in range(3):
        _write(api, desk_world, f"r{number}", qualification="information")
    _write(api, desk_world, "f", qualification="information", priority="flash")
    toread = api(desk_world["me"]).get("/api/v1/desk").get_json()["toread"]
    assert toread["by_priority"] == {"flash": 1, "immediate": 0, "priority": 0, "routine": 2}
    assert toread["total"] == 3 and toread["capped"] is True
