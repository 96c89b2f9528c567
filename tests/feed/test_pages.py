"""The community and post pages, driven through forms as a browser would (without JavaScript)."""

import re

from tests.conftest import csrf_token_from


def _form_post(client, url, data):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_write_an_action_post_to_a_unit_then_done_and_receipts(app, login, make_user, make_unit):
    make_user("Alice Auteur", email="alice@example.gouv.fr", unit="MEAE/DGM")
    make_user("Bruno Afrique", email="bruno@example.gouv.fr", unit="MEAE/DGM/Afrique")
    unit_id = make_unit("MEAE/DGM/Afrique")
    author, reader = app.test_client(), app.test_client()
    login(author, "alice@example.gouv.fr")
    login(reader, "bruno@example.gouv.fr")

    created = _form_post(
        author, "/communities/new", {"name": "Veille Sahel", "visibility": "open", "scope": "ministry"}
    )
    assert created.status_code == 302 and created.headers["Location"].endswith("/c/veille-sahel")
    assert "Veille Sahel" in author.get("/communities").get_data(as_text=True)
    _form_post(reader, "/c/veille-sahel/join", {})

    compose = author.get("/c/veille-sahel/write").get_data(as_text=True)
    assert 'name="qualification"' in compose and 'value="flash"' in compose
    written = _form_post(
        author,
        "/c/veille-sahel/write",
        {
            "title": "Note sur la situation",
            "body": "Merci de rédiger une note #sahel",
            "qualification": "action",
            "priority": "flash",
            "action_addressees": f"unit:{unit_id}",
            "due_at": "2026-12-24T10:00",
            "tz_offset": "-60",
            "tags": "urgent",
        },
    )
    assert written.status_code == 302, written.get_data(as_text=True)
    post_url = written.headers["Location"]
    post_id = int(re.search(r"/posts/(\d+)", post_url).group(1))

    page = reader.get(post_url).get_data(as_text=True)
    assert "Note sur la situation" in page
    assert f'action="/posts/{post_id}/done"' in page  # the reader is an addressee: a done button
    _form_post(reader, f"/posts/{post_id}/read", {})
    _form_post(reader, f"/posts/{post_id}/done", {})
    api_view = reader.get(f"/api/v1/posts/{post_id}").get_json()
    assert api_view["done_at"] and api_view["read_at"]
    assert api_view["due_at"] == "2026-12-24T09:00:00+00:00"  # 10:00 in UTC+1
    assert api_view["tags"] == ["sahel", "urgent"]

    receipts_page = author.get(post_url).get_data(as_text=True).replace("<wbr>", "")  # wrap points
    assert "MEAE/DGM/Afrique" in receipts_page
    assert re.search(r'<th scope="row">MEAE/DGM/Afrique</th><td>1</td><td>1</td><td>1</td>', receipts_page)


def test_form_errors_are_shown_and_nothing_is_written(app, login, make_user):
    make_user(email="writer@example.gouv.fr")
    client = app.test_client()
    login(client, "writer@example.gouv.fr")
    _form_post(client, "/communities/new", {"name": "Atelier", "visibility": "open", "scope": "ministry"})
    response = _form_post(
        client, "/c/atelier/write", {"title": "Sans destinataire", "body": "Texte", "qualification": "action"}
    )
    assert response.status_code == 200
    assert "Sans destinataire" in response.get_data(as_text=True)  # the form keeps what was typed
    assert client.get("/api/v1/communities").get_json()["items"][0]["id"]
    community_id = client.get("/api/v1/communities").get_json()["items"][0]["id"]
    assert client.get(f"/api/v1/communities/{community_id}/posts").get_json()["items"] == []


def test_hidden_community_page_is_404(app, login, make_user):
    make_user(email="owner@example.gouv.fr")
    make_user(email="stranger@example.gouv.fr")
    owner, stranger = app.test_client(), app.test_client()
    login(owner, "owner@example.gouv.fr")
    login(stranger, "stranger@example.gouv.fr")
    _form_post(
        owner, "/communities/new", {"name": "Cellule secrète", "visibility": "secret", "scope": "ministry"}
    )
    assert owner.get("/c/cellule-secrete").status_code == 200
    assert stranger.get("/c/cellule-secrete").status_code == 404
    assert stranger.get("/c/does-not-exist").status_code == 404
    assert "Cellule secrète" not in stranger.get("/communities").get_data(as_text=True)


def test_members_page_and_requests(app, login, make_user):
    make_user("Anne Animatrice", email="anne@example.gouv.fr")
    make_user("Paul Postulant", email="paul@example.gouv.fr")
    anne, paul = app.test_client(), app.test_client()
    login(anne, "anne@example.gouv.fr")
    login(paul, "paul@example.gouv.fr")
    _form_post(
        anne, "/communities/new", {"name": "Club restreint", "visibility": "restricted", "scope": "ministry"}
    )
    assert paul.get("/c/club-restreint").status_code == 200
    assert paul.get("/c/club-restreint/members").status_code == 403
    _form_post(paul, "/c/club-restreint/join", {})
    members_page = anne.get("/c/club-restreint/members").get_data(as_text=True)
    assert "Paul Postulant" in members_page
    paul_id = paul.get("/api/v1/me").get_json()["id"]
    _form_post(anne, "/c/club-restreint/members", {"user_id": str(paul_id)})
    assert paul.get("/c/club-restreint/members").status_code == 200
