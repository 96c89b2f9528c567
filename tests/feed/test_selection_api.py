"""Forwarding up the hierarchy: selection items, the chain of notes, keep/close, the funnel."""

import pytest


@pytest.fixture
def chain_of_command(api, make_user):
    """Afrique office < DGM directorate < MEAE ministry, each with its manager."""
    agent = make_user("Agent Afrique", unit="MEAE/DGM/Afrique")
    office_head = make_user("Chef Afrique", unit="MEAE/DGM/Afrique", manages=["MEAE/DGM/Afrique"])
    director = make_user("Directrice DGM", unit="MEAE/DGM", manages=["MEAE/DGM"])
    minister = make_user("Cabinet MEAE", unit="MEAE", manages=["MEAE"])
    author = make_user("Poste Dakar", unit="MEAE/Postes/Dakar")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Télégrammes", "visibility": "open"}).get_json()
    )
    secret = (
        api(author).post("/api/v1/communities", json={"name": "Restreint", "visibility": "secret"}).get_json()
    )
    api(author).post(f"/api/v1/communities/{secret['id']}/members", json={"user_id": agent})
    api(author).post(f"/api/v1/communities/{secret['id']}/members", json={"user_id": office_head})
    post = (
        api(author)
        .post(
            f"/api/v1/communities/{community['id']}/posts",
            json={
                "title": "Crise au Sahel",
                "body": "Analyse",
                "qualification": "information",
                "priority": "priority",
            },
        )
        .get_json()
    )
    secret_post = (
        api(author)
        .post(f"/api/v1/communities/{secret['id']}/posts", json={"title": "Très restreint", "body": "x"})
        .get_json()
    )
    return {
        "agent": agent, "office_head": office_head, "director": director, "minister": minister,
        "post": post["id"], "secret_post": secret_post["id"],
    }  # fmt: skip


def test_forward_goes_to_my_chief_then_up_with_the_chain_of_notes(api, chain_of_command):
    c = chain_of_command
    sent = api(c["agent"]).post(
        f"/api/v1/posts/{c['post']}/forward", json={"note": "À voir", "priority": "immediate"}
    )
    assert sent.status_code == 201, sent.get_json()
    item = sent.get_json()
    assert item["unit"]["path"] == "MEAE/DGM/Afrique" and item["priority"] == "immediate"
    assert [n["note"] for n in item["notes"]] == ["À voir"]
    head = api(c["office_head"])
    assert head.get("/api/v1/desk").get_json()["selection"] == 1
    listed = head.get("/api/v1/selection").get_json()["items"]
    assert [i["post"]["title"] for i in listed] == ["Crise au Sahel"]
    up = head.post(
        f"/api/v1/selection/{item['id']}/forward",
        json={"note": "Important pour la direction", "priority": "flash"},
    )
    assert up.status_code == 201
    assert up.get_json()["unit"]["path"] == "MEAE/DGM"
    assert head.get("/api/v1/selection?status=forwarded").get_json()["items"][0]["id"] == item["id"]
    director_items = api(c["director"]).get("/api/v1/selection").get_json()["items"]
    assert [n["note"] for n in director_items[0]["notes"]] == ["À voir", "Important pour la direction"]
    assert director_items[0]["priority"] == "flash"
    notes = api(c["director"]).get("/api/v1/notifications").get_json()
    assert notes["unread"] == 1 and notes["items"][0]["kind"] == "forward"
    assert "Chef Afrique" in notes["items"][0]["text"]


def test_same_post_forwarded_twice_to_one_level_is_one_item(api, chain_of_command, make_user):
    c = chain_of_command
    colleague = make_user("Collègue Afrique", unit="MEAE/DGM/Afrique")
    api(c["agent"]).post(f"/api/v1/posts/{c['post']}/forward", json={"note": "Premier"})
    api(colleague).post(f"/api/v1/posts/{c['post']}/forward", json={"note": "Second"})
    items = api(c["office_head"]).get("/api/v1/selection").get_json()["items"]
    assert len(items) == 1
    assert [n["note"] for n in items[0]["notes"]] == ["Premier", "Second"]


def test_forward_never_widens_who_reads(api, chain_of_command):
    c = chain_of_command
    # The office head is a member of the secret community: the agent can forward to them.
    assert (
        api(c["agent"]).post(f"/api/v1/posts/{c['secret_post']}/forward", json={"note": "x"}).status_code
        == 201
    )
    item = api(c["office_head"]).get("/api/v1/selection").get_json()["items"][0]
    refused = api(c["office_head"]).post(f"/api/v1/selection/{item['id']}/forward", json={"note": "y"})
    assert refused.status_code == 422
    assert "cannot read" in refused.get_json()["errors"]["post"][0]
    assert api(c["director"]).get("/api/v1/selection").get_json()["items"] == []
    assert api(c["director"]).get(f"/api/v1/posts/{c['secret_post']}").status_code == 404


def test_keep_and_close_with_notes(api, chain_of_command):
    c = chain_of_command
    item = api(c["agent"]).post(f"/api/v1/posts/{c['post']}/forward", json={"note": "À voir"}).get_json()
    head = api(c["office_head"])
    kept = head.post(f"/api/v1/selection/{item['id']}/keep", json={"note": "Je garde"})
    assert kept.get_json()["status"] == "kept"
    closed = head.post(f"/api/v1/selection/{item['id']}/close", json={"note": "Classé"})
    assert closed.get_json()["status"] == "closed"
    assert [n["action"] for n in closed.get_json()["notes"]] == ["forward", "keep", "close"]
    assert head.get("/api/v1/desk").get_json()["selection"] == 0
    # Someone else's selection item answers like a missing one.
    assert (
        api(c["director"]).post(f"/api/v1/selection/{item['id']}/close", json={"note": ""}).status_code == 404
    )


def test_funnel_narrows_level_by_level(api, chain_of_command, make_user):
    c = chain_of_command
    author = make_user("Rédacteur", unit="MEAE/Postes/Dakar")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Flux", "visibility": "open"}).get_json()
    )
    ids = [
        api(author)
        .post(f"/api/v1/communities/{community['id']}/posts", json={"title": f"T{n}", "body": "x"})
        .get_json()["id"]
        for n in range(4)
    ]
    items = [api(c["agent"]).post(f"/api/v1/posts/{i}/forward", json={"note": "n"}).get_json() for i in ids]
    head = api(c["office_head"])
    up = [
        head.post(f"/api/v1/selection/{items[n]['id']}/forward", json={"note": "up"}).get_json()
        for n in (0, 1)
    ]
    head.post(f"/api/v1/selection/{items[2]['id']}/close", json={"note": "no"})
    api(c["director"]).post(f"/api/v1/selection/{up[0]['id']}/forward", json={"note": "to the minister"})
    funnel = api(c["minister"]).get("/api/v1/selection/funnel").get_json()["levels"]
    counts = {level["unit"]["path"]: (level["arrived"], level["forwarded"]) for level in funnel}
    assert counts == {"MEAE": (1, 0), "MEAE/DGM": (2, 1), "MEAE/DGM/Afrique": (4, 2)}
    assert [level["depth"] for level in funnel] == [0, 1, 2]
    assert api(c["agent"]).get("/api/v1/selection/funnel").status_code == 403


def test_notifications_for_actions_mentions_replies_and_due_dates(api, make_user):
    from datetime import UTC, datetime, timedelta

    author = make_user("Auteur", email="auteur@example.gouv.fr")
    target = make_user("Cible", email="cible.agent@example.gouv.fr")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Notifs", "visibility": "open"}).get_json()
    )
    api(target).post(f"/api/v1/communities/{community['id']}/join")
    post = api(author).post(
        f"/api/v1/communities/{community['id']}/posts",
        json={"title": "À faire vite", "body": "Pour @cible.agent", "qualification": "action",
              "action_addressees": [{"type": "user", "id": target}],
              "due_at": (datetime.now(UTC) + timedelta(hours=3)).isoformat()},
    ).get_json()  # fmt: skip
    api(target).post(f"/api/v1/posts/{post['id']}/comments", json={"body": "Bien reçu"})
    kinds = sorted(n["kind"] for n in api(target).get("/api/v1/notifications").get_json()["items"])
    assert kinds == ["action", "due_soon", "mention"]
    author_notes = api(author).get("/api/v1/notifications").get_json()
    assert [n["kind"] for n in author_notes["items"]] == ["reply"]
    client = api(target)
    assert client.get("/api/v1/desk").get_json()["notifications"] == 3
    first = client.get("/api/v1/notifications").get_json()["items"][0]["id"]
    assert client.post("/api/v1/notifications/read", json={"ids": [first]}).get_json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true").get_json()["unread"] == 2
    assert client.post("/api/v1/notifications/read", json={"all": True}).get_json() == {"marked": 2}
    assert client.post("/api/v1/notifications/read", json={}).status_code == 422


def test_notifications_about_content_i_cannot_read_are_hidden(api, make_user):
    author = make_user("Auteur")
    me = make_user("Moi")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Secrète", "visibility": "secret"}).get_json()
    )
    api(author).post(f"/api/v1/communities/{community['id']}/members", json={"user_id": me})
    api(author).post(
        f"/api/v1/communities/{community['id']}/posts",
        json={
            "title": "x",
            "body": "y",
            "qualification": "action",
            "action_addressees": [{"type": "user", "id": me}],
        },
    )
    assert api(me).get("/api/v1/notifications").get_json()["unread"] == 1
    api(author).delete(f"/api/v1/communities/{community['id']}/members/{me}")
    body = api(me).get("/api/v1/notifications").get_json()
    assert body["items"] == [] and body["unread"] == 0


def test_a_priority_raised_on_the_way_up_stays_raised(api, chain_of_command):
    c = chain_of_command
    item = (
        api(c["agent"])
        .post(f"/api/v1/posts/{c['post']}/forward", json={"note": "Urgent", "priority": "flash"})
        .get_json()
    )
    up = api(c["office_head"]).post(f"/api/v1/selection/{item['id']}/forward", json={"note": "Pour décision"})
    assert up.get_json()["priority"] == "flash"


def test_overdue_and_due_soon_notices_are_stored_once_each(api, make_user):
    from datetime import UTC, datetime, timedelta

    author = make_user("Auteur", email="auteur.dates@example.gouv.fr")
    target = make_user("Cible", email="cible.dates@example.gouv.fr")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Échéances", "visibility": "open"}).get_json()
    )
    api(target).post(f"/api/v1/communities/{community['id']}/join")
    now = datetime.now(UTC)
    for title, due in (("En retard", now - timedelta(hours=2)), ("Bientôt", now + timedelta(hours=5)),
                       ("Plus tard", now + timedelta(days=3))):  # fmt: skip
        api(author).post(
            f"/api/v1/communities/{community['id']}/posts",
            json={"title": title, "body": "x", "qualification": "action", "due_at": due.isoformat(),
                  "action_addressees": [{"type": "user", "id": target}]},
        )  # fmt: skip
    client = api(target)
    client.get("/api/v1/desk")
    client.get("/api/v1/desk")  # looking again stores nothing new
    kinds = sorted(n["kind"] for n in client.get("/api/v1/notifications").get_json()["items"])
    assert kinds == ["action", "action", "action", "due_soon", "overdue"]
