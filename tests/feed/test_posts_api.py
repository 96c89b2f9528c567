"""Qualified posts through the API: rules, addressees, read and done marks, receipts, history."""

import pytest


@pytest.fixture
def world(api, make_user, make_unit):
    """An open MEAE community with an author, a member in Afrique and one in Asie."""
    author = make_user("Alice Auteur", unit="MEAE/DGM")
    afrique = make_user("Bruno Afrique", email="bruno.afrique@diplomatie.gouv.fr", unit="MEAE/DGM/Afrique")
    afrique2 = make_user("Chloé Afrique", unit="MEAE/DGM/Afrique/Sahel")
    asie = make_user("David Asie", unit="MEAE/DGM/Asie")
    outsider = make_user("Eve Minarm", unit="MINARM/EMA")
    client = api(author)
    community = client.post(
        "/api/v1/communities", json={"name": "Veille Afrique", "visibility": "open"}
    ).get_json()
    for user in (afrique, afrique2, asie):
        assert api(user).post(f"/api/v1/communities/{community['id']}/join").status_code == 200
    unit_afrique = make_unit("MEAE/DGM/Afrique")
    return {
        "author": author, "afrique": afrique, "afrique2": afrique2, "asie": asie,
        "outsider": outsider, "community": community, "unit_afrique": unit_afrique,
    }  # fmt: skip


def _post(api, world, **fields):
    payload = {"title": "Note", "body": "Texte", **fields}
    return api(world["author"]).post(f"/api/v1/communities/{world['community']['id']}/posts", json=payload)


def test_action_post_to_a_unit_reaches_its_subtree(api, world):
    response = _post(
        api, world, qualification="action", priority="flash",
        action_addressees=[{"type": "unit", "id": world["unit_afrique"]}],
        due_at="2026-12-01T09:00:00+00:00", body="Merci de préparer une note #sahel pour @bruno.afrique",
    )  # fmt: skip
    assert response.status_code == 201, response.get_json()
    post = response.get_json()
    assert post["qualification"] == "action" and post["priority"] == "flash"
    assert post["action_addressees"] == [
        {"type": "unit", "id": world["unit_afrique"], "name": "MEAE/DGM/Afrique"}
    ]
    assert post["tags"] == ["sahel"]
    assert post["mentions"][0]["name"] == "Bruno Afrique"
    assert post["due_at"].startswith("2026-12-01T09:00:00")
    for user in (world["afrique"], world["afrique2"]):
        mine = api(user).get(f"/api/v1/posts/{post['id']}").get_json()
        assert mine["is_action_for_me"] is True
    assert api(world["asie"]).get(f"/api/v1/posts/{post['id']}").get_json()["is_action_for_me"] is False


def test_read_done_and_receipts_by_unit(api, world):
    post = _post(
        api, world, qualification="action", action_addressees=[{"type": "unit", "id": world["unit_afrique"]}]
    ).get_json()  # fmt: skip
    reader = api(world["afrique"])
    assert reader.post(f"/api/v1/posts/{post['id']}/read").status_code == 200
    done = reader.post(f"/api/v1/posts/{post['id']}/done")
    assert done.status_code == 200 and done.get_json()["done_at"]
    assert api(world["asie"]).post(f"/api/v1/posts/{post['id']}/done").status_code == 403
    receipts = api(world["author"]).get(f"/api/v1/posts/{post['id']}/receipts").get_json()
    assert (receipts["addressees"], receipts["read"], receipts["done"]) == (2, 1, 1)
    by_unit = {row["unit"]["path"]: row for row in receipts["by_unit"]}
    assert by_unit["MEAE/DGM/Afrique"] == {
        "unit": {"id": world["unit_afrique"], "path": "MEAE/DGM/Afrique"}, "addressees": 1, "read": 1, "done": 1
    }  # fmt: skip
    assert by_unit["MEAE/DGM/Afrique/Sahel"]["done"] == 0
    assert api(world["afrique"]).get(f"/api/v1/posts/{post['id']}/receipts").status_code == 403
    undone = reader.delete(f"/api/v1/posts/{post['id']}/done")
    assert undone.get_json() == {"done_at": None}


def test_action_without_addressee_is_422_and_writes_nothing(api, world):
    response = _post(api, world, qualification="action")
    assert response.status_code == 422
    assert "action_addressees" in response.get_json()["errors"]
    listed = api(world["author"]).get(f"/api/v1/communities/{world['community']['id']}/posts").get_json()
    assert listed["items"] == []


def test_addressee_who_cannot_read_is_named(api, world):
    response = _post(
        api, world, qualification="information",
        info_addressees=[{"type": "user", "id": world["afrique"]}, {"type": "user", "id": world["outsider"]}],
    )  # fmt: skip
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "info_addressees.1.id": ["Eve Minarm cannot read this community."]
    }


def test_due_date_only_for_actions(api, world):
    response = _post(api, world, qualification="information", due_at="2026-12-01T09:00:00+00:00")
    assert response.status_code == 422
    assert "due_at" in response.get_json()["errors"]


def test_nested_bad_input_names_dotted_fields(api, world):
    response = _post(api, world, qualification="action", action_addressees=[{"type": "team", "id": "x"}])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "action_addressees.0.type" in errors and "action_addressees.0.id" in errors


def test_markdown_is_sanitised(api, world):
    body = '[lien](https://example.org) <script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    post = _post(api, world, body=body).get_json()
    elements = _elements(post["body_html"])
    assert [tag for tag, _ in elements] == ["p", "a"]
    assert dict(elements[1][1]) == {"href": "https://example.org", "rel": "noopener nofollow"}
    assert "&lt;script&gt;" in post["body_html"]  # shown as text, never run


def _elements(html):
    from html.parser import HTMLParser

    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_requalification_is_kept_in_history(api, world):
    post = _post(api, world, qualification="information").get_json()
    client = api(world["author"])
    changed = client.patch(
        f"/api/v1/posts/{post['id']}",
        json={"qualification": "action", "priority": "immediate",
              "action_addressees": [{"type": "user", "id": world["asie"]}]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["qualification"] == "action"
    history = client.get(f"/api/v1/posts/{post['id']}/history").get_json()["items"]
    assert history[0]["by"]["id"] == world["author"]
    assert history[0]["changes"]["qualification"] == ["information", "action"]
    assert history[0]["changes"]["priority"] == ["routine", "immediate"]
    assert api(world["asie"]).get(f"/api/v1/posts/{post['id']}").get_json()["is_action_for_me"] is True
    refused = api(world["asie"]).patch(f"/api/v1/posts/{post['id']}", json={"priority": "flash"})
    assert refused.status_code == 403


def test_comments_reply_one_level_and_soft_delete(api, world):
    post = _post(api, world).get_json()
    member = api(world["asie"])
    top = member.post(f"/api/v1/posts/{post['id']}/comments", json={"body": "Premier"}).get_json()
    reply = member.post(
        f"/api/v1/posts/{post['id']}/comments", json={"body": "Réponse", "parent_id": top["id"]}
    )
    deeper = member.post(
        f"/api/v1/posts/{post['id']}/comments",
        json={"body": "Plus loin", "parent_id": reply.get_json()["id"]},
    )
    assert deeper.get_json()["parent_id"] == top["id"]
    assert api(world["author"]).get(f"/api/v1/posts/{post['id']}").get_json()["comment_count"] == 3
    assert api(world["afrique"]).delete(f"/api/v1/comments/{top['id']}").status_code == 403
    assert member.delete(f"/api/v1/comments/{top['id']}").status_code == 204
    listed = member.get(f"/api/v1/posts/{post['id']}/comments").get_json()["items"]
    assert [c["body"] for c in listed] == ["Réponse", "Plus loin"]
    assert member.get(f"/api/v1/posts/{post['id']}").get_json()["comment_count"] == 2


def test_reactions_are_counted(api, world):
    post = _post(api, world).get_json()
    for user in (world["asie"], world["afrique"]):
        assert (
            api(user).post(f"/api/v1/posts/{post['id']}/reactions", json={"emoji": "👍"}).status_code == 200
        )
    again = api(world["asie"]).post(f"/api/v1/posts/{post['id']}/reactions", json={"emoji": "👍"})
    assert again.status_code == 409
    body = api(world["author"]).get(f"/api/v1/posts/{post['id']}").get_json()
    assert body["reactions"] == {"👍": 2}
    assert (
        api(world["asie"]).post(f"/api/v1/posts/{post['id']}/reactions", json={"emoji": "💩"}).status_code
        == 422
    )


def test_deleted_post_disappears(api, world):
    post = _post(api, world).get_json()
    assert api(world["asie"]).delete(f"/api/v1/posts/{post['id']}").status_code == 403
    assert api(world["author"]).delete(f"/api/v1/posts/{post['id']}").status_code == 204
    assert api(world["asie"]).get(f"/api/v1/posts/{post['id']}").status_code == 404
    listed = api(world["asie"]).get(f"/api/v1/communities/{world['community']['id']}/posts").get_json()
    assert listed["items"] == []


def test_filters_on_community_posts(api, world):
    _post(api, world, title="A", qualification="information", priority="flash", tags=["budget"])
    _post(api, world, title="B", body="Rien #budget")
    _post(api, world, title="C", qualification="information")
    client = api(world["asie"])
    base = f"/api/v1/communities/{world['community']['id']}/posts"
    titles = lambda q: [p["title"] for p in client.get(base + q).get_json()["items"]]  # noqa: E731
    assert titles("") == ["C", "B", "A"]
    assert titles("?priority=flash") == ["A"]
    assert titles("?tag=budget") == ["B", "A"]
    assert titles("?qualification=information") == ["C", "A"]
    assert titles("?qualification=none") == ["B"]
