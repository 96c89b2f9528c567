"""Bad input gets a problem+json that names the fields at fault, never a 500, and writes nothing."""

from sqlalchemy import func, select

from rse.accounts.models import ApiToken
from rse.api import PROBLEM_MIME


def _token_count(app):
    from rse.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ApiToken))


def test_anonymous_api_call_is_401_problem(api):
    response = api(None).get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM_MIME
    body = response.get_json()
    assert body["status"] == 401 and body["title"] and body["detail"]


def test_anonymous_state_change_is_401_before_any_csrf_check(api):
    response = api(None).post("/api/v1/me/tokens", json={"name": "x"})
    assert response.status_code == 401


def test_invalid_token_is_401(api):
    client = api(None)
    client.token = "rse_not-a-real-token"
    assert client.get("/api/v1/me").status_code == 401


def test_malformed_json_is_400(app, api, make_user):
    client = api(make_user())
    before = _token_count(app)
    response = client.post(
        "/api/v1/me/tokens", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM_MIME
    assert "JSON" in response.get_json()["detail"]
    assert _token_count(app) == before


def test_missing_body_is_400(api, make_user):
    response = api(make_user()).post("/api/v1/me/tokens")
    assert response.status_code == 400
    assert response.get_json()["detail"] == "A JSON body is required."


def test_unknown_field_is_422_naming_it(app, api, make_user):
    client = api(make_user())
    before = _token_count(app)
    response = client.post("/api/v1/me/tokens", json={"name": "ok", "colour": "red"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"colour": ["Unknown field."]}
    assert _token_count(app) == before


def test_wrong_type_is_422_naming_the_field(api, make_user):
    response = api(make_user()).patch("/api/v1/me", json={"locale": 12})
    assert response.status_code == 422
    assert "locale" in response.get_json()["errors"]


def test_json_that_is_not_an_object_is_422(api, make_user):
    response = api(make_user()).post("/api/v1/me/tokens", json=["a", "b"])
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_MIME


def test_oversized_body_is_413(app, api, make_user):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = api(make_user()).post("/api/v1/me/tokens", json={"name": big})
    assert response.status_code == 413
    assert response.mimetype == PROBLEM_MIME


def test_unknown_route_is_404_problem(api, make_user):
    response = api(make_user()).get("/api/v1/no/such/route")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_MIME
    assert response.get_json()["instance"] == "/api/v1/no/such/route"


def test_wrong_method_is_405_problem(api, make_user):
    response = api(make_user()).delete("/api/v1/me")
    assert response.status_code == 405
    assert response.mimetype == PROBLEM_MIME


def test_hidden_and_missing_look_the_same(api, make_user):
    """Another user's token id answers exactly like an id that never existed."""
    owner, other = make_user(), make_user()
    token_id = api(owner).post("/api/v1/me/tokens", json={"name": "mine"}).get_json()["id"]
    hidden = api(other).delete(f"/api/v1/me/tokens/{token_id}")
    missing = api(other).delete("/api/v1/me/tokens/999999")
    assert hidden.status_code == missing.status_code == 404
    hidden_body, missing_body = hidden.get_json(), missing.get_json()
    hidden_body.pop("instance"), missing_body.pop("instance")
    assert hidden_body == missing_body


def test_unexpected_error_is_a_500_problem_and_rolls_back(app, api, make_user, monkeypatch):
    from rse.accounts import services

    client = api(make_user())
    before = _token_count(app)

    def broken(user, name=None):
        token, secret = original(user, name)
        raise RuntimeError("boom after a write")

    original = services.create_token
    monkeypatch.setattr(services, "create_token", broken)
    response = client.post("/api/v1/me/tokens", json={"name": "half"})
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_MIME
    assert "boom" not in response.get_data(as_text=True)
    assert _token_count(app) == before
