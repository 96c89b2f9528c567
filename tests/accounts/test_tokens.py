from sqlalchemy import select

from rse.accounts.models import ApiToken


def test_token_is_shown_once_and_stored_hashed(app, api, make_user):
    from rse.extensions import db

    client = api(make_user())
    created = client.post("/api/v1/me/tokens", json={"name": "script"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["token"].startswith("rse_") and body["name"] == "script"
    listed = client.get("/api/v1/me/tokens").get_json()["items"]
    assert all("token" not in item for item in listed)
    assert body["id"] in [item["id"] for item in listed]
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.id == body["id"]))
        assert body["token"] not in (stored.token_hash, stored.name)
    fresh = api(None)
    fresh.token = body["token"]
    assert fresh.get("/api/v1/me").status_code == 200


def test_revoked_token_stops_working(api, make_user):
    client = api(make_user())
    body = client.post("/api/v1/me/tokens", json={"name": "short-lived"}).get_json()
    other = api(None)
    other.token = body["token"]
    assert other.get("/api/v1/me").status_code == 200
    assert client.delete(f"/api/v1/me/tokens/{body['id']}").status_code == 204
    assert other.get("/api/v1/me").status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{body['id']}").status_code == 404


def test_token_requests_need_no_csrf(api, make_user):
    response = api(make_user()).patch("/api/v1/me", json={"locale": "en"})
    assert response.status_code == 200
    assert response.get_json()["locale"] == "en"


def test_me_shape_follows_the_contract(api, make_user):
    user_id = make_user("Hélène Dupont", roles=["curator"], manages=["MEAE/DGM"])
    body = api(user_id).get("/api/v1/me").get_json()
    assert set(body) == {"id", "email", "name", "unit", "roles", "manages", "locale"}
    assert body["roles"] == ["agent", "curator", "manager"]
    assert body["manages"][0]["path"] == "MEAE/DGM"
