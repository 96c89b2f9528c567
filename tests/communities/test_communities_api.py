"""Communities through the API: creation, directory, joining, requests, members, animators."""

import pytest


@pytest.fixture
def people(make_user):
    return {
        "founder": make_user("Fanny Fondatrice", unit="MEAE/DGM/Afrique"),
        "colleague": make_user("Claude Collègue", unit="MEAE/DGP"),
        "other": make_user("Olivier Armées", unit="MINARM/EMA"),
    }


def _create(api, user, **fields):
    payload = {"name": "Communauté", "visibility": "open", **fields}
    response = api(user).post("/api/v1/communities", json=payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_creator_is_the_first_animator_and_scope_defaults_to_their_ministry(api, people):
    community = _create(api, people["founder"], name="Veille Sahel", description="Suivi")
    assert community["slug"] == "veille-sahel"
    assert community["my_role"] == "animator" and community["member_count"] == 1
    me = api(people["founder"]).get("/api/v1/me").get_json()
    ministry = api(people["founder"]).get(f"/api/v1/units/{me['unit']['id']}").get_json()["ministry_id"]
    assert community["ministry_id"] == ministry


def test_slug_is_unique(api, people):
    _create(api, people["founder"], name="Cyber")
    response = api(people["colleague"]).post(
        "/api/v1/communities", json={"name": "Cyber", "visibility": "open"}
    )
    assert response.status_code == 422
    assert "slug" in response.get_json()["errors"]


def test_directory_shows_scope_and_hides_secret(api, people):
    _create(api, people["founder"], name="Ouverte MEAE", visibility="open")
    _create(api, people["founder"], name="Restreinte MEAE", visibility="restricted")
    _create(api, people["founder"], name="Secrète MEAE", visibility="secret")
    _create(api, people["founder"], name="Interministérielle", visibility="open", ministry_id=None)

    def names(user, q=""):
        return [c["name"] for c in api(user).get("/api/v1/communities" + q).get_json()["items"]]

    assert names(people["colleague"]) == ["Interministérielle", "Ouverte MEAE", "Restreinte MEAE"]
    assert names(people["other"]) == ["Interministérielle"]
    assert names(people["founder"], "?visibility=secret") == ["Secrète MEAE"]
    assert names(people["colleague"], "?member=true") == []
    assert names(people["colleague"], "?q=ouv") == ["Ouverte MEAE"]


def test_join_open_at_once_and_leave(api, people):
    community = _create(api, people["founder"], visibility="open")
    client = api(people["colleague"])
    joined = client.post(f"/api/v1/communities/{community['id']}/join")
    assert (joined.status_code, joined.get_json()) == (200, {"status": "member"})
    assert client.get(f"/api/v1/communities/{community['id']}").get_json()["member_count"] == 2
    left = client.post(f"/api/v1/communities/{community['id']}/leave")
    assert (left.status_code, left.get_json()) == (200, {"status": "left"})
    assert client.get(f"/api/v1/communities/{community['id']}").get_json()["member_count"] == 1


def test_restricted_join_is_a_request_an_animator_approves(api, people):
    community = _create(api, people["founder"], visibility="restricted")
    client = api(people["colleague"])
    assert client.get(f"/api/v1/communities/{community['id']}/posts").status_code == 403
    asked = client.post(f"/api/v1/communities/{community['id']}/join")
    assert (asked.status_code, asked.get_json()) == (202, {"status": "pending"})
    assert client.get(f"/api/v1/communities/{community['id']}").get_json()["my_request"] == "pending"
    assert client.get(f"/api/v1/communities/{community['id']}/requests").status_code == 403
    animator = api(people["founder"])
    requests = animator.get(f"/api/v1/communities/{community['id']}/requests").get_json()["items"]
    assert [r["user"]["id"] for r in requests] == [people["colleague"]]
    approved = animator.post(
        f"/api/v1/communities/{community['id']}/members", json={"user_id": people["colleague"]}
    )
    assert approved.status_code == 200
    assert client.get(f"/api/v1/communities/{community['id']}/posts").status_code == 200
    assert animator.get(f"/api/v1/communities/{community['id']}/requests").get_json()["items"] == []


def test_declined_request(api, people):
    community = _create(api, people["founder"], visibility="restricted")
    api(people["colleague"]).post(f"/api/v1/communities/{community['id']}/join")
    animator = api(people["founder"])
    request_id = animator.get(f"/api/v1/communities/{community['id']}/requests").get_json()["items"][0]["id"]
    declined = animator.post(f"/api/v1/communities/{community['id']}/requests/{request_id}/decline")
    assert declined.get_json()["status"] == "declined"
    assert (
        api(people["colleague"]).get(f"/api/v1/communities/{community['id']}").get_json()["my_request"]
        is None
    )


def test_secret_is_joined_by_invitation_only(api, people):
    community = _create(api, people["founder"], visibility="secret")
    client = api(people["colleague"])
    missing = client.post("/api/v1/communities/999999/join")
    hidden = client.post(f"/api/v1/communities/{community['id']}/join")
    assert hidden.status_code == missing.status_code == 404
    invited = api(people["founder"]).post(
        f"/api/v1/communities/{community['id']}/members", json={"user_id": people["other"]}
    )
    assert invited.status_code == 201
    # Members see their community whatever their ministry.
    assert api(people["other"]).get(f"/api/v1/communities/{community['id']}").status_code == 200


def test_a_community_keeps_one_animator(api, people):
    community = _create(api, people["founder"])
    animator = api(people["founder"])
    assert animator.post(f"/api/v1/communities/{community['id']}/leave").status_code == 409
    api(people["colleague"]).post(f"/api/v1/communities/{community['id']}/join")
    demote = animator.patch(
        f"/api/v1/communities/{community['id']}/members/{people['founder']}", json={"role": "member"}
    )
    assert demote.status_code == 409
    promote = animator.patch(
        f"/api/v1/communities/{community['id']}/members/{people['colleague']}", json={"role": "animator"}
    )
    assert promote.status_code == 200 and promote.get_json()["role"] == "animator"
    assert animator.post(f"/api/v1/communities/{community['id']}/leave").status_code == 200


def test_members_are_managed_by_animators_only(api, people):
    community = _create(api, people["founder"])
    api(people["colleague"]).post(f"/api/v1/communities/{community['id']}/join")
    member = api(people["colleague"])
    assert (
        member.post(
            f"/api/v1/communities/{community['id']}/members", json={"user_id": people["other"]}
        ).status_code
        == 403
    )
    assert (
        member.delete(f"/api/v1/communities/{community['id']}/members/{people['founder']}").status_code == 403
    )
    members = member.get(f"/api/v1/communities/{community['id']}/members").get_json()["items"]
    assert {(m["user"]["name"], m["role"]) for m in members} == {
        ("Fanny Fondatrice", "animator"),
        ("Claude Collègue", "member"),
    }
    assert (
        api(people["founder"])
        .delete(f"/api/v1/communities/{community['id']}/members/{people['colleague']}")
        .status_code
        == 204
    )


def test_only_animators_edit_the_community(api, people):
    community = _create(api, people["founder"])
    api(people["colleague"]).post(f"/api/v1/communities/{community['id']}/join")
    assert (
        api(people["colleague"])
        .patch(f"/api/v1/communities/{community['id']}", json={"name": "Pirate"})
        .status_code
        == 403
    )
    renamed = api(people["founder"]).patch(
        f"/api/v1/communities/{community['id']}", json={"description": "Nouvelle"}
    )
    assert renamed.get_json()["description"] == "Nouvelle"


def test_cannot_scope_to_another_ministry(api, people, make_unit):
    minarm = make_unit("MINARM")
    response = api(people["founder"]).post(
        "/api/v1/communities", json={"name": "Ailleurs", "visibility": "open", "ministry_id": minarm}
    )
    assert response.status_code == 422
    assert "ministry_id" in response.get_json()["errors"]
