""" "Asks you to act" notifications: one shared notice per addressing, seen as one per person."""

import pytest

SAHEL = "MEAE/DGM/Afrique/Bureau Sahel"


@pytest.fixture
def office(api, make_user, make_unit):
    """An author, two agents of one office and an agent elsewhere, in an open community."""
    people = {
        "author": make_user("Alice Auteur", unit="MEAE/DGM"),
        "first": make_user("Agent Un", unit=SAHEL),
        "second": make_user("Agent Deux", unit=SAHEL),
        "third": make_user("Agent Trois", unit="MEAE/DGM/Europe"),
    }
    community = (
        api(people["author"])
        .post("/api/v1/communities", json={"name": "Sahel", "visibility": "open"})
        .get_json()
    )
    people["community"] = community["id"]
    people["sahel"] = make_unit(SAHEL)
    return people


def _write(api, office, title="Consigne", **fields):
    body = {"title": title, "body": "À appliquer.", "qualification": "action"}
    body.setdefault("action_addressees", [{"type": "unit", "id": office["sahel"]}])
    body.update(fields)
    response = api(office["author"]).post(f"/api/v1/communities/{office['community']}/posts", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _notes(client, query=""):
    return client.get(f"/api/v1/notifications{query}").get_json()


def test_each_person_asked_to_act_sees_one_unread_notification(api, office):
    post = _write(api, office)
    for person in ("first", "second"):
        client = api(office[person])
        page = _notes(client)
        assert [(n["kind"], n["post_id"], n["read"]) for n in page["items"]] == [
            ("action", post["id"], False)
        ]
        assert page["items"][0]["actor"]["name"] == "Alice Auteur"
        assert "Alice Auteur" in page["items"][0]["text"] and "Consigne" in page["items"][0]["text"]
        assert page["unread"] == 1
        assert client.get("/api/v1/desk").get_json()["notifications"] == 1
    assert _notes(api(office["third"]))["items"] == []
    assert _notes(api(office["author"]))["items"] == []  # nobody is asked by themselves


def test_marking_read_is_per_person(api, office):
    _write(api, office)
    first, second = api(office["first"]), api(office["second"])
    note = _notes(first)["items"][0]["id"]
    assert first.post("/api/v1/notifications/read", json={"ids": [note]}).get_json() == {"marked": 1}
    assert first.post("/api/v1/notifications/read", json={"ids": [note]}).get_json() == {"marked": 0}
    assert _notes(first)["unread"] == 0 and _notes(first)["items"][0]["read"] is True
    assert _notes(first, "?unread=true")["items"] == []
    assert [n["id"] for n in _notes(first, "?unread=false")["items"]] == [note]
    assert _notes(second)["unread"] == 1 and _notes(second)["items"][0]["read"] is False
    assert second.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"marked": 1}
    assert _notes(second)["unread"] == 0


def test_a_notice_is_listed_in_order_with_my_other_notifications(app, api, office):
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        handle = db.session.get(User, office["first"]).handle
        db.session.remove()
    client = api(office["first"])
    _write(api, office, title="Premier")
    _write(api, office, title="Deuxième", body=f"Pour @{handle}",
           action_addressees=[{"type": "user", "id": office["second"]}])  # fmt: skip
    _write(api, office, title="Troisième")
    everything = _notes(client)["items"]
    assert [(n["kind"], n["text"].split(": ")[-1]) for n in everything] == [
        ("action", "Troisième"),
        ("mention", "Deuxième"),
        ("action", "Premier"),
    ]
    # One at a time, the pages give the same sequence, each notification once.
    seen, cursor = [], None
    while True:
        page = _notes(client, f"?limit=1{'&cursor=' + cursor if cursor else ''}")
        seen += [n["id"] for n in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == [n["id"] for n in everything]
    assert len(set(seen)) == len(seen)


def test_readdressing_keeps_each_notification_once_with_its_read_mark(api, office):
    post = _write(api, office)
    first, third = api(office["first"]), api(office["third"])
    first.post("/api/v1/notifications/read", json={"all": True})
    before = _notes(first)["items"]
    changed = api(office["author"]).patch(
        f"/api/v1/posts/{post['id']}",
        json={
            "action_addressees": [
                {"type": "unit", "id": office["sahel"]},
                {"type": "user", "id": office["third"]},
            ]
        },
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert _notes(first)["items"] == before  # same notification, still read
    assert _notes(first)["unread"] == 0
    assert _notes(api(office["second"]))["unread"] == 1
    newcomer = _notes(third)["items"]
    assert [(n["kind"], n["post_id"], n["read"]) for n in newcomer] == [("action", post["id"], False)]
    assert newcomer[0]["id"] != before[0]["id"]  # told by the re-addressing, not the first writing
    # Addressed for information only: no longer asked to act, no longer told so.
    api(office["author"]).patch(
        f"/api/v1/posts/{post['id']}",
        json={"qualification": "information", "action_addressees": [],
              "info_addressees": [{"type": "unit", "id": office["sahel"]}]},
    )  # fmt: skip
    assert _notes(api(office["second"]))["items"] == [] and _notes(api(office["second"]))["unread"] == 0


def test_a_done_mark_survives_readdressing(api, office):
    post = _write(api, office)
    first = api(office["first"])
    assert first.post(f"/api/v1/posts/{post['id']}/done").status_code in (200, 201)
    api(office["author"]).patch(
        f"/api/v1/posts/{post['id']}",
        json={
            "action_addressees": [
                {"type": "unit", "id": office["sahel"]},
                {"type": "user", "id": office["third"]},
            ]
        },
    )
    assert first.get(f"/api/v1/posts/{post['id']}").get_json()["done_at"] is not None
    assert _notes(first)["unread"] == 1


def test_notices_about_posts_i_can_no_longer_read_are_hidden(api, office, make_user):
    secret = (
        api(office["author"])
        .post("/api/v1/communities", json={"name": "Cellule", "visibility": "secret"})
        .get_json()
    )
    api(office["author"]).post(
        f"/api/v1/communities/{secret['id']}/members", json={"user_id": office["first"]}
    )
    api(office["author"]).post(
        f"/api/v1/communities/{secret['id']}/posts",
        json={"title": "Secret", "body": "x", "qualification": "action",
              "action_addressees": [{"type": "user", "id": office["first"]}]},
    )  # fmt: skip
    client = api(office["first"])
    assert _notes(client)["unread"] == 1
    api(office["author"]).delete(f"/api/v1/communities/{secret['id']}/members/{office['first']}")
    page = _notes(client)
    assert page["items"] == [] and page["unread"] == 0
    assert client.get("/api/v1/desk").get_json()["notifications"] == 0


def test_deleting_the_post_removes_its_notice(api, office):
    post = _write(api, office)
    assert api(office["author"]).delete(f"/api/v1/posts/{post['id']}").status_code in (200, 204)
    assert _notes(api(office["first"]))["items"] == []
    assert _notes(api(office["first"]))["unread"] == 0


def test_grouped_unread_counts_agree_with_each_person(app, api, office):
    from feed import notifications
    from rse.accounts.models import User
    from rse.extensions import db

    _write(api, office)
    _write(api, office, title="Autre", action_addressees=[{"type": "user", "id": office["third"]}])
    api(office["first"]).post("/api/v1/notifications/read", json={"all": True})
    with app.app_context():
        users = [db.session.get(User, office[name]) for name in ("author", "first", "second", "third")]
        grouped = notifications.unread_counts(users)
        assert grouped == {user.id: notifications.unread_count(user) for user in users}
        assert [grouped[user.id] for user in users] == [0, 0, 1, 1]
        db.session.remove()


def test_the_migration_folds_per_person_notifications_into_notices_and_back(app, api, office):
    """Down to one notification per person and up again: the same list, read marks included."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from rse.extensions import db

    post = _write(api, office)
    later = _write(api, office, title="Autre")
    api(office["first"]).post(
        "/api/v1/notifications/read", json={"ids": [_notes(api(office["first"]))["items"][0]["id"]]}
    )
    before = {person: _notes(api(office[person])) for person in ("first", "second", "third")}
    with app.app_context():
        downgrade(revision="5b7d2e9c4a61")
        stored = db.session.execute(
            text("SELECT user_id, post_id, read_at IS NOT NULL FROM notifications WHERE kind = 'action'")
        ).all()
        db.session.remove()
        assert sorted(stored) == sorted(
            [
                (office["first"], post["id"], False),
                (office["first"], later["id"], True),
                (office["second"], post["id"], False),
                (office["second"], later["id"], False),
            ]
        )
        upgrade()
        notices = db.session.execute(
            text("SELECT count(*) FROM notifications WHERE kind = 'action' AND user_id IS NULL")
        ).scalar()
        db.session.remove()
    assert notices == 2
    after = {person: _notes(api(office[person])) for person in ("first", "second", "third")}

    def shown(page):
        return page["unread"], [(n["kind"], n["post_id"], n["read"], n["text"]) for n in page["items"]]

    assert {person: shown(page) for person, page in after.items()} == {
        person: shown(page) for person, page in before.items()
    }
