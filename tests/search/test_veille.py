"""Veille through the API: saved searches, matches of new posts, alerts, and a match onto my desk."""

import pytest

from tests.search.test_search_api import write

NO_SUCH_ID = 987_654_321


@pytest.fixture
def world(api, make_user):
    author = make_user("Alice Martin", unit="MEAE/DGM")
    watcher = make_user("Bruno Lemaire", unit="MEAE/DGM/Afrique")
    other = make_user("Chloé Durand", unit="MEAE/DGM/Afrique")
    client = api(author)
    open_community = client.post("/api/v1/communities", json={"name": "Veille Afrique", "visibility": "open"})
    secret = client.post("/api/v1/communities", json={"name": "Cellule crise", "visibility": "secret"})
    return {
        "author": author,
        "watcher": watcher,
        "other": other,
        "open": open_community.get_json(),
        "secret": secret.get_json(),
    }


def save(api, user, **fields):
    payload = {"label": "Sahel", "query": "securite sahel", "level": "risk", "alert": "immediate", **fields}
    response = api(user).post("/api/v1/saved-searches", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def notifications(api, user):
    response = api(user).get("/api/v1/notifications")
    assert response.status_code == 200
    return response.get_json()["items"]


def test_saved_search_is_created_listed_and_deleted(api, world):
    saved = save(api, world["watcher"], filters={"qualification": "information", "tag": "#Mali"})
    assert saved["label"] == "Sahel" and saved["query"] == "securite sahel"
    assert saved["filters"] == {"qualification": "information", "tag": "#Mali"}
    assert saved["level"] == "risk" and saved["alert"] == "immediate" and saved["new_matches"] == 0
    listed = api(world["watcher"]).get("/api/v1/saved-searches").get_json()
    assert [item["id"] for item in listed["items"]] == [saved["id"]] and listed["next"] is None
    assert api(world["watcher"]).delete(f"/api/v1/saved-searches/{saved['id']}").status_code == 204
    assert api(world["watcher"]).get("/api/v1/saved-searches").get_json()["items"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"label": "x", "query": "sahel", "level": "grave", "alert": "immediate"}, "level"),
        ({"label": "x", "query": "sahel", "level": "risk", "alert": "weekly"}, "alert"),
        ({"label": "x", "query": '"sahel', "level": "risk", "alert": "immediate"}, "query"),
        ({"label": "x", "query": "pays:mali", "level": "risk", "alert": "immediate"}, "query"),
        ({"label": "x", "query": "", "level": "risk", "alert": "immediate"}, "query"),
        (
            {"label": "x", "query": "sahel", "filters": {"priority": "urgent"}, "level": "risk"},
            "filters.priority",
        ),
        ({"label": "x", "query": "sahel", "filters": {"after": "hier"}, "level": "risk"}, "filters.after"),
        ({"label": "", "query": "sahel", "level": "risk"}, "label"),
    ],
)
def test_invalid_saved_search_names_the_field_and_writes_nothing(api, world, payload, field):
    response = api(world["watcher"]).post("/api/v1/saved-searches", json=payload)
    assert response.status_code in (400, 422)
    assert response.content_type.startswith("application/problem+json")
    assert field in response.get_json()["errors"], response.get_json()
    assert api(world["watcher"]).get("/api/v1/saved-searches").get_json()["items"] == []


def test_new_readable_matching_post_notifies_immediately(api, world):
    saved = save(api, world["watcher"], query="securite sahel")
    first = write(api, world["author"], world["open"], title="Premier", body="La sécurité au Sahel")
    match = write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Point de situation.")
    write(api, world["author"], world["open"], title="Sans rapport", body="Météo du jour.")
    write(api, world["author"], world["secret"], title="Sahel : sécurité", body="Réservé à la cellule.")
    write(api, world["watcher"], world["open"], title="Ma note sur la sécurité au Sahel", body="Texte")

    items = api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"]
    assert sorted(item["post_id"] for item in items) == sorted([first["id"], match["id"]])
    assert all(item["new"] for item in items) and not any(item["on_desk"] for item in items)
    assert items[0]["post_id"] == match["id"]  # newest first
    veille = [n for n in notifications(api, world["watcher"]) if n["kind"] == "veille"]
    assert sorted(n["post_id"] for n in veille) == sorted([first["id"], match["id"]])
    assert all(n["saved_search_id"] == saved["id"] for n in veille)
    assert any("« Sahel »" in n["text"] or "“Sahel”" in n["text"] for n in veille)
    # Nobody else is told.
    assert [n for n in notifications(api, world["other"]) if n["kind"] == "veille"] == []


def test_posts_written_before_saving_are_not_matches(api, world):
    write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Avant.")
    saved = save(api, world["watcher"])
    assert (
        api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"] == []
    )
    assert saved["new_matches"] == 0


def test_new_match_counts_fall_once_the_matches_are_seen(api, world):
    saved = save(api, world["watcher"])
    write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Un.")
    write(api, world["author"], world["open"], title="Sahel, sécurité", body="Deux.")
    listed = api(world["watcher"]).get("/api/v1/saved-searches").get_json()["items"]
    assert listed[0]["new_matches"] == 2
    api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches")
    assert api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}").get_json()["new_matches"] == 0
    items = api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"]
    assert len(items) == 2 and not any(item["new"] for item in items)


def test_filters_narrow_the_matches(api, world):
    saved = save(api, world["watcher"], filters={"priority": "flash"})
    write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Routine.")
    flash = write(
        api, world["author"], world["open"], title="Sécurité au Sahel", body="Vite.", priority="flash"
    )
    items = api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"]
    assert [item["post_id"] for item in items] == [flash["id"]]


def test_a_match_leaves_with_read_access(api, world):
    saved = save(api, world["watcher"])
    post = write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Texte.")
    assert [n["post_id"] for n in notifications(api, world["watcher"]) if n["kind"] == "veille"] == [
        post["id"]
    ]
    assert api(world["author"]).delete(f"/api/v1/posts/{post['id']}").status_code == 204
    assert [n for n in notifications(api, world["watcher"]) if n["kind"] == "veille"] == []
    assert (
        api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"] == []
    )
    assert api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}").get_json()["new_matches"] == 0


def test_daily_alert_sends_one_digest_with_the_count(app, api, world):
    saved = save(api, world["watcher"], alert="daily", level="watch")
    write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Un.")
    write(api, world["author"], world["open"], title="Sahel et sécurité", body="Deux.")
    assert [n for n in notifications(api, world["watcher"]) if n["kind"].startswith("veille")] == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "digest"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 digest notifications." in result.output
    digests = [n for n in notifications(api, world["watcher"]) if n["kind"] == "veille_digest"]
    assert len(digests) == 1 and digests[0]["saved_search_id"] == saved["id"]
    assert "2" in digests[0]["text"] and "Sahel" in digests[0]["text"]
    # Nothing new since: the next run stays silent.
    assert "Sent 0 digest notifications." in runner.invoke(args=["search", "digest"]).output
    write(api, world["author"], world["open"], title="Encore la sécurité au Sahel", body="Trois.")
    runner.invoke(args=["search", "digest"])
    digests = [n for n in notifications(api, world["watcher"]) if n["kind"] == "veille_digest"]
    assert len(digests) == 2 and "1" in digests[0]["text"]


def test_match_to_action_puts_the_post_on_my_todo(app, api, world):
    saved = save(api, world["watcher"], level="high_risk")
    post = write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Alerte.")
    before = api(world["watcher"]).get("/api/v1/desk").get_json()["todo"]["total"]
    path = f"/api/v1/saved-searches/{saved['id']}/matches/{post['id']}/to-action"
    response = api(world["watcher"]).post(path)
    assert response.status_code == 200 and response.get_json() == {"post_id": post["id"], "on_desk": True}
    todo = api(world["watcher"]).get("/api/v1/desk/todo").get_json()["items"]
    assert [item["id"] for item in todo] == [post["id"]]
    assert api(world["watcher"]).get("/api/v1/desk").get_json()["todo"]["total"] == before + 1
    assert api(world["watcher"]).post(path).status_code == 200  # twice changes nothing
    assert api(world["watcher"]).get("/api/v1/desk").get_json()["todo"]["total"] == before + 1
    items = api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}/matches").get_json()["items"]
    assert items[0]["on_desk"] is True
    # Done like any action; the managers' tallies never count a personal action.
    assert api(world["watcher"]).post(f"/api/v1/posts/{post['id']}/done").status_code == 200
    assert api(world["watcher"]).get("/api/v1/desk").get_json()["todo"]["total"] == before
    with app.app_context():
        from feed.models import RecipientTally
        from rse.extensions import db

        assert db.session.query(RecipientTally).filter_by(post_id=post["id"]).count() == 0
    # Nor does the author learn who watches their post.
    receipts = api(world["author"]).get(f"/api/v1/posts/{post['id']}/receipts").get_json()
    assert receipts["addressees"] == 0 and receipts["people"] == []


def test_personal_action_survives_a_re_addressing(api, make_user, world):
    saved = save(api, world["watcher"], level="high_risk")
    post = write(
        api,
        world["author"],
        world["open"],
        title="Sécurité au Sahel",
        body="Texte.",
        qualification="information",
        info_addressees=[{"type": "user", "id": world["watcher"]}],
    )
    path = f"/api/v1/saved-searches/{saved['id']}/matches/{post['id']}/to-action"
    assert api(world["watcher"]).post(path).status_code == 200
    assert [item["id"] for item in api(world["watcher"]).get("/api/v1/desk/todo").get_json()["items"]] == [
        post["id"]
    ]
    edited = api(world["author"]).patch(
        f"/api/v1/posts/{post['id']}", json={"info_addressees": [{"type": "user", "id": world["other"]}]}
    )
    assert edited.status_code == 200, edited.get_json()
    assert [item["id"] for item in api(world["watcher"]).get("/api/v1/desk/todo").get_json()["items"]] == [
        post["id"]
    ]


def test_to_action_needs_a_readable_match(api, world):
    saved = save(api, world["watcher"], level="high_risk")
    unmatched = write(api, world["author"], world["open"], title="Météo", body="Beau temps.")
    path = f"/api/v1/saved-searches/{saved['id']}/matches/{unmatched['id']}/to-action"
    assert api(world["watcher"]).post(path).status_code == 404
    assert api(world["watcher"]).get("/api/v1/desk/todo").get_json()["items"] == []


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("delete", ""), ("get", "/matches"), ("post", "/matches/{post}/to-action")],
)
def test_someone_elses_saved_search_is_not_found(api, world, method, suffix):
    saved = save(api, world["watcher"], level="high_risk")
    post = write(api, world["author"], world["open"], title="Sécurité au Sahel", body="Texte.")
    suffix = suffix.format(post=post["id"])
    client = api(world["other"])
    hidden = getattr(client, method)(f"/api/v1/saved-searches/{saved['id']}{suffix}")
    missing = getattr(client, method)(f"/api/v1/saved-searches/{NO_SUCH_ID}{suffix}")
    assert hidden.status_code == missing.status_code == 404
    hidden_body, missing_body = hidden.get_json(), missing.get_json()
    hidden_body.pop("instance"), missing_body.pop("instance")
    assert hidden_body == missing_body
    assert api(world["other"]).get("/api/v1/saved-searches").get_json()["items"] == []
    # The owner still has it, untouched.
    assert api(world["watcher"]).get(f"/api/v1/saved-searches/{saved['id']}").status_code == 200


def test_anonymous_callers_are_refused(api):
    assert api(None).get("/api/v1/saved-searches").status_code == 401
    assert api(None).post("/api/v1/saved-searches", json={}).status_code == 401


def test_batch_matching_agrees_with_asking_the_index(app, api, world):
    """Whoosh matches a batch against a small in-memory index of it; the result must equal the
    generic way (the main index, restricted to the batch's posts) for every kind of query."""
    from search.backends import SearchBackend, SearchRequest, get_backend
    from search.documents import post_document
    from search.services import parse_with_filters

    written = [
        write(
            api,
            world["author"],
            world["open"],
            title="Sécurité au Sahel",
            body="Les négociations reprennent.",
        ),
        write(
            api,
            world["author"],
            world["open"],
            title="Crise au Mali",
            body="Urgent.",
            priority="flash",
            tags=["mali"],
        ),
        write(api, world["author"], world["secret"], title="Sahel secret", body="Négociation discrète."),
        write(api, world["author"], world["open"], title="Météo", body="Beau temps sur Bamako."),
    ]
    queries = [
        ("securite sahel", {}),
        ("negociation", {}),
        ('"au sahel"', {}),
        ("nego*", {}),
        ("sahel -secret", {}),
        ("", {"priority": "flash"}),
        ("tag:mali", {}),
        ("bamako", {"qualification": "action"}),
        ("absent", {}),
    ]
    with app.app_context():
        from feed.models import Post
        from rse.extensions import db

        posts = [db.session.get(Post, post["id"]) for post in written]
        documents = [post_document(post) for post in posts]
        communities = sorted({post.community_id for post in posts})

        def requests():
            return {
                index: SearchRequest(
                    query=parse_with_filters(text, filters),
                    readable_community_ids=communities,
                    post_ids=[post.id for post in posts],
                )
                for index, (text, filters) in enumerate(queries)
            }

        backend = get_backend()
        in_memory = backend.match_new_posts(documents, requests())
        through_index = SearchBackend.match_new_posts(backend, documents, requests())
    assert in_memory == through_index
    ids = [post["id"] for post in written]
    assert in_memory[0] == {ids[0]} and in_memory[1] == {ids[0], ids[2]} and in_memory[4] == {ids[0]}
    assert (
        in_memory[5] == {ids[1]}
        and in_memory[6] == {ids[1]}
        and in_memory[7] == set()
        and in_memory[8] == set()
    )


def test_saved_search_rule_and_filter_agree(app, api, make_user, world):
    """``can_see_saved_search`` and ``readable_saved_searches`` give the same answer for everyone."""
    inactive = make_user("Ancien Agent", active=False)
    admin = make_user("Admin", roles=["admin", "curator", "manager"])
    saves = [save(api, world["watcher"])["id"], save(api, world["other"], label="Autre")["id"]]
    with app.app_context():
        from sqlalchemy import select

        from rse import permissions
        from rse.accounts.models import User
        from rse.extensions import db
        from search.models import SavedSearch

        for user_id in (world["watcher"], world["other"], world["author"], inactive, admin):
            user = db.session.get(User, user_id)
            listed = set(
                db.session.scalars(select(SavedSearch.id).where(permissions.readable_saved_searches(user)))
            )
            allowed = {
                sid
                for sid in saves
                if permissions.can_see_saved_search(user, db.session.get(SavedSearch, sid))
            }
            assert listed == allowed
            assert listed == ({sid for sid in saves if db.session.get(SavedSearch, sid).user_id == user_id})
