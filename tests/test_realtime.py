"""Live events over Socket.IO: who receives what, and only once the transaction commits."""

from __future__ import annotations

import pytest

from rse.extensions import socketio


@pytest.fixture
def sockets(app, token_for):
    """``sockets(user_id)`` connects a Socket.IO client authenticated with a token.

    Flask-SocketIO's test client replaces the server's packet senders for the whole process; they
    are put back afterwards so that real clients (the browser tests) are served again.
    """
    server = socketio.server
    senders = {name: server.__dict__.get(name) for name in ("_send_packet", "_send_eio_packet")}
    handlers_mode = (server.async_handlers, server.eio.async_handlers)
    opened = []

    def connect(user_id: int | None = None, *, auth=None, **kwargs):
        if auth is None and user_id is not None:
            auth = {"token": token_for(user_id)}
        client = socketio.test_client(app, auth=auth, **kwargs)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        if client.is_connected():
            client.disconnect()
    for name, original in senders.items():
        if original is None:
            server.__dict__.pop(name, None)
        else:
            setattr(server, name, original)
    server.async_handlers, server.eio.async_handlers = handlers_mode


@pytest.fixture
def world(api, make_user, make_unit):
    """A secret community (author, member) and people of the same ministry outside it."""
    author = make_user("Alice Auteur", unit="MEAE/DGM")
    member = make_user("Bruno Membre", unit="MEAE/DGM/Afrique")
    outsider = make_user("Chloé Dehors", unit="MEAE/DGM/Afrique")
    community = (
        api(author)
        .post("/api/v1/communities", json={"name": "Cellule de crise", "visibility": "secret"})
        .get_json()
    )
    added = api(author).post(f"/api/v1/communities/{community['id']}/members", json={"user_id": member})
    assert added.status_code in (200, 201), added.get_json()
    return {"author": author, "member": member, "outsider": outsider, "community": community["id"]}


def _events(client, name: str | None = None) -> list[dict]:
    received = client.get_received()
    return [event for event in received if name is None or event["name"] == name]


def _write(api, world, **fields):
    payload = {"title": "Point de situation", "body": "Texte", **fields}
    response = api(world["author"]).post(f"/api/v1/communities/{world['community']}/posts", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_anonymous_and_bad_token_connections_are_refused(sockets, make_user):
    assert not sockets().is_connected()
    assert not sockets(auth={"token": "rse_not-a-token"}).is_connected()
    assert sockets(make_user()).is_connected()


def test_session_connection_is_accepted(app, sockets, make_user, login, client):
    make_user(email="session.user@example.gouv.fr")
    assert login(client, "session.user@example.gouv.fr").status_code == 302
    assert sockets(flask_test_client=client).is_connected()


def test_a_new_post_reaches_members_only(api, sockets, world):
    member, outsider = sockets(world["member"]), sockets(world["outsider"])
    post = _write(api, world, body="Réunion à 10 h")
    created = _events(member, "post.created")
    assert len(created) == 1
    payload = created[0]["args"][0]
    assert payload["id"] == post["id"] and payload["body"] == "Réunion à 10 h"
    assert payload["community"]["id"] == world["community"]
    # The room is shared: nobody's own read/done state travels in it.
    assert payload["read_at"] is None and payload["is_action_for_me"] is False
    assert _events(outsider) == []


def test_edits_and_deletions_follow(api, sockets, world):
    post = _write(api, world)
    member = sockets(world["member"])
    author = api(world["author"])
    assert author.patch(f"/api/v1/posts/{post['id']}", json={"title": "Nouveau titre"}).status_code == 200
    assert author.delete(f"/api/v1/posts/{post['id']}").status_code == 204
    names = [(event["name"], event["args"][0]) for event in _events(member)]
    assert ("post.deleted", {"id": post["id"]}) in names
    updated = [args for name, args in names if name == "post.updated"]
    assert updated and updated[0]["title"] == "Nouveau titre"


def test_a_rolled_back_request_emits_nothing(api, app, sockets, world):
    kept = _write(api, world, title="Gardé")
    member = sockets(world["member"])
    from communities.models import Community
    from feed import posts
    from feed.models import Post
    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        author = db.session.get(User, world["author"])
        posts.create_post(author, db.session.get(Community, world["community"]), title="Brouillon", body="x")
        posts.delete_post(author, db.session.get(Post, kept["id"]))
        db.session.rollback()
        db.session.commit()  # a later commit does not send what was rolled back
        db.session.remove()
    assert api(world["member"]).get(f"/api/v1/posts/{kept['id']}").status_code == 200
    # A refused request (an action without addressee) writes and emits nothing either.
    refused = api(world["author"]).post(
        f"/api/v1/communities/{world['community']}/posts",
        json={"title": "T", "body": "B", "qualification": "action"},
    )
    assert refused.status_code == 422
    assert _events(member) == []


def test_comments_reach_subscribers_of_a_readable_post(api, sockets, world):
    post = _write(api, world)
    member, outsider = sockets(world["member"]), sockets(world["outsider"])
    assert member.emit("subscribe", {"post_id": post["id"]}, callback=True) == {"ok": True}
    refused = outsider.emit("subscribe", {"post_id": post["id"]}, callback=True)
    assert refused["ok"] is False
    # A hidden post answers like a missing one.
    assert outsider.emit("subscribe", {"post_id": 999999}, callback=True) == refused
    api(world["author"]).post(f"/api/v1/posts/{post['id']}/comments", json={"body": "Bien reçu"})
    comments = _events(member, "comment.created")
    assert [event["args"][0]["body"] for event in comments] == ["Bien reçu"]
    assert _events(outsider, "comment.created") == []


def test_malformed_frames_get_an_error_and_the_socket_goes_on(sockets, world, api):
    member = sockets(world["member"])
    for frame in ("texte", [1, 2], {"post_id": "1"}, {"post_id": 1, "community_id": 2}, {}, None):
        answer = member.emit("subscribe", frame, callback=True)
        assert answer["ok"] is False, frame
    assert member.emit("unsubscribe", {"room": "user:1"}, callback=True)["ok"] is False
    assert member.is_connected()
    _write(api, world)
    assert len(_events(member, "post.created")) == 1


def test_action_updates_the_addressee_desk_and_notifications(api, sockets, world):
    member, outsider = sockets(world["member"]), sockets(world["outsider"])
    member.get_received()
    _write(
        api, world, qualification="action", priority="flash",
        action_addressees=[{"type": "user", "id": world["member"]}],
    )  # fmt: skip
    received = _events(member)
    counts = [event["args"][0] for event in received if event["name"] == "desk.counts"]
    assert counts and counts[-1]["todo"]["total"] == 1 and counts[-1]["todo"]["by_priority"]["flash"] == 1
    assert counts[-1]["notifications"] == 1
    notes = [event["args"][0] for event in received if event["name"] == "notification.created"]
    assert [note["kind"] for note in notes] == ["action"]
    assert "Alice Auteur" in notes[0]["text"]
    assert [e for e in _events(outsider) if e["name"] in ("desk.counts", "notification.created")] == []


def test_leaving_a_community_stops_delivery_at_once(api, sockets, world):
    member = sockets(world["member"])
    left = api(world["member"]).delete(f"/api/v1/communities/{world['community']}/members/{world['member']}")
    assert left.status_code in (200, 204), left.get_data(as_text=True)
    assert not member.is_connected()
    again = sockets(world["member"])  # a reconnect gets only what the new rights allow
    _write(api, world)
    assert _events(again, "post.created") == []


def test_deactivation_disconnects_and_refuses(app, api, sockets, world):
    member = sockets(world["member"])
    from rse.accounts.models import User
    from rse.accounts.services import deactivate_user
    from rse.extensions import db

    with app.app_context():
        deactivate_user(db.session.get(User, world["member"]))
        db.session.commit()
        db.session.remove()
    assert not member.is_connected()
    assert not sockets(world["member"]).is_connected()


def test_logout_disconnects_the_browser_sockets(app, sockets, make_user, login, client):
    make_user(email="leaving@example.gouv.fr")
    login(client, "leaving@example.gouv.fr")
    browser = sockets(flask_test_client=client)
    assert browser.is_connected()
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not browser.is_connected()
    assert not sockets(flask_test_client=client).is_connected()


def test_portal_items_and_comments_reach_every_reader_without_their_source_link(api, sockets, make_user):
    curator = make_user("Claire Curatrice", unit="MEAE/DCP", roles=["curator"])
    author = make_user("Marc Membre", unit="MEAE/DGM")
    reader = make_user("Karim Autre", unit="MINARM/EMA")  # another ministry: cannot read the source
    community = api(author).post("/api/v1/communities", json={"name": "Réseau", "visibility": "open"})
    post = api(author).post(
        f"/api/v1/communities/{community.get_json()['id']}/posts", json={"title": "Note", "body": "Texte"}
    )
    section = api(curator).post("/api/v1/portal/sections", json={"name": "À la une"}).get_json()
    listener = sockets(reader)
    published = api(curator).post(
        "/api/v1/portal/items",
        json={"post_id": post.get_json()["id"], "section_id": section["id"], "headline": "À la une"},
    )
    assert published.status_code == 201, published.get_json()
    items = [event["args"][0] for event in _events(listener, "portal.item_published")]
    assert [(item["headline"], item["source_post_id"]) for item in items] == [("À la une", None)]
    item_id = published.get_json()["id"]
    api(author).post(f"/api/v1/portal/items/{item_id}/comments", json={"body": "Merci"})
    comments = [event["args"][0] for event in _events(listener, "portal.comment_created")]
    assert [(c["portal_item_id"], c["body"]) for c in comments] == [(item_id, "Merci")]


def test_a_scheduled_portal_item_is_not_announced(api, sockets, make_user):
    curator = make_user("Claire Curatrice", unit="MEAE/DCP", roles=["curator"])
    community = api(curator).post("/api/v1/communities", json={"name": "Réseau", "visibility": "open"})
    post = api(curator).post(
        f"/api/v1/communities/{community.get_json()['id']}/posts", json={"title": "Note", "body": "Texte"}
    )
    section = api(curator).post("/api/v1/portal/sections", json={"name": "À la une"}).get_json()
    listener = sockets(make_user())
    scheduled = api(curator).post(
        "/api/v1/portal/items",
        json={
            "post_id": post.get_json()["id"],
            "section_id": section["id"],
            "headline": "Demain",
            "publish_at": "2099-01-01T09:00:00+00:00",
        },
    )
    assert scheduled.status_code == 201, scheduled.get_json()
    assert _events(listener, "portal.item_published") == []


def test_a_handshake_from_a_foreign_origin_is_refused(client):
    handshake = "/socket.io/?EIO=4&transport=polling"
    foreign = client.get(handshake, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 400
    assert "sid" not in foreign.get_data(as_text=True)
    own = client.get(handshake, headers={"Origin": "http://localhost"})
    assert own.status_code == 200 and '"sid"' in own.get_data(as_text=True)


def test_allowed_origins_are_an_explicit_list(tmp_path):
    from rse.config import ConfigError, load_config

    origins = "https://rse.example.gouv.fr, https://rse2.example.gouv.fr"
    config = load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_SOCKETIO_ORIGINS": origins})
    assert config["SOCKETIO_ORIGINS"] == ["https://rse.example.gouv.fr", "https://rse2.example.gouv.fr"]
    with pytest.raises(ConfigError):
        load_config({"RSE_INSTANCE_DIR": str(tmp_path), "RSE_SOCKETIO_ORIGINS": "*"})


def test_reading_updates_my_other_open_pages(api, sockets, world):
    post = _write(
        api, world, qualification="information", info_addressees=[{"type": "user", "id": world["member"]}]
    )
    other_tab = sockets(world["member"])
    assert api(world["member"]).post(f"/api/v1/posts/{post['id']}/read").status_code == 200
    counts = [event["args"][0] for event in _events(other_tab, "desk.counts")]
    assert counts and counts[-1]["toread"]["total"] == 0
    _write(api, world, qualification="information", info_addressees=[{"type": "user", "id": world["member"]}])
    assert _events(other_tab, "desk.counts")[-1]["args"][0]["toread"]["total"] == 1
    marked = api(world["member"]).post("/api/v1/desk/toread/mark-read", json={})
    assert marked.status_code == 200 and marked.get_json()["marked"] == 1
    assert _events(other_tab, "desk.counts")[-1]["args"][0]["toread"]["total"] == 0


def test_sockets_of_people_deactivated_elsewhere_are_swept(app, sockets, world):
    member, author = sockets(world["member"]), sockets(world["author"])
    from sqlalchemy import update

    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        # As `rse users deactivate` does from another process: no event reaches this one.
        db.session.execute(update(User).where(User.id == world["member"]).values(active=False))
        db.session.commit()
        db.session.remove()
    assert member.is_connected()
    app.extensions["rse_realtime"].sweep()
    assert not member.is_connected() and author.is_connected()


def test_desk_counts_of_one_person_are_computed_once_for_commits_close_together(app, monkeypatch):
    """Ten posts to the same people within the window: their counts are computed once, after the
    posts themselves were sent, and in batches of ``DESK_BATCH`` people."""
    import threading
    import time

    from rse import realtime

    state = realtime.Realtime(app, realtime.LocalRegistry())
    sent, counted = [], []
    people = set(range(1, realtime.DESK_BATCH + 11))
    monkeypatch.setattr(
        realtime.Realtime, "_immediate", staticmethod(lambda intents: sent.append(intents) or people)
    )
    monkeypatch.setattr(
        realtime.Realtime, "_desk", staticmethod(lambda user_ids: counted.append(set(user_ids)))
    )
    for number in range(10):
        state._pending.put((number, None))
    threading.Thread(target=state._work, daemon=True).start()
    deadline = time.monotonic() + 5
    while sum(len(batch) for batch in counted) < len(people) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sent == list(range(10))
    assert [len(batch) for batch in counted] == [realtime.DESK_BATCH, 10]
    assert set().union(*counted) == people


def test_a_forward_reaches_the_open_selection_of_the_managers_above(api, sockets, make_user):
    chief = make_user("Cheffe de bureau", unit="MEAE/DGM", manages=["MEAE/DGM/Afrique"])
    agent = make_user("Agent", unit="MEAE/DGM/Afrique")
    colleague = make_user("Collègue", unit="MEAE/DGM/Afrique")
    community = (
        api(agent).post("/api/v1/communities", json={"name": "Veille", "visibility": "open"}).get_json()
    )
    post = api(agent).post(
        f"/api/v1/communities/{community['id']}/posts", json={"title": "À remonter", "body": "Texte"}
    )
    chief_socket, colleague_socket = sockets(chief), sockets(colleague)
    chief_socket.get_received(), colleague_socket.get_received()

    forwarded = api(agent).post(f"/api/v1/posts/{post.get_json()['id']}/forward", json={"note": "Important"})
    assert forwarded.status_code == 201, forwarded.get_json()

    updates = _events(chief_socket, "selection.updated")
    assert [update["args"][0]["id"] for update in updates] == [forwarded.get_json()["id"]]
    item = updates[0]["args"][0]
    assert item["post"]["title"] == "À remonter" and item["status"] == "open"
    assert item["notes"][0]["note"] == "Important"
    assert _events(colleague_socket, "selection.updated") == []

    # Kept by the chief: the item changes in their own selection, on their other pages too.
    kept = api(chief).post(f"/api/v1/selection/{item['id']}/keep", json={"note": ""})
    assert kept.status_code == 200, kept.get_json()
    assert [update["args"][0]["status"] for update in _events(chief_socket, "selection.updated")] == ["kept"]
