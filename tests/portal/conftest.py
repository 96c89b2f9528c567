"""A browser-like API client: views count only from interactive sessions, not from API tokens."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient, csrf_token_from


class SessionApiClient(ApiClient):
    """Calls the API with a logged-in session cookie and its CSRF token, like the pages' scripts."""

    def __init__(self, client, csrf_token: str, user_agent: str):
        super().__init__(client, None)
        self.csrf_token = csrf_token
        self.user_agent = user_agent

    def _headers(self, headers):
        return super()._headers(
            {"X-CSRFToken": self.csrf_token, "User-Agent": self.user_agent, **(headers or {})}
        )


BROWSER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)


@pytest.fixture
def browser_api(app, login):
    """``browser_api(user_id)``: an API client with a browser session of that user."""
    from rse.accounts.models import User
    from rse.extensions import db

    def factory(user_id: int, user_agent: str = BROWSER_AGENT) -> SessionApiClient:
        with app.app_context():
            email = db.session.get(User, user_id).email
            db.session.remove()
        client = app.test_client()
        assert login(client, email).status_code == 302
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        return SessionApiClient(client, token, user_agent)

    return factory


@pytest.fixture
def newsroom(api, make_user):
    """A community of each kind in the MEAE, their people, a curator and a reader of another ministry."""
    animator = make_user("Anne Animatrice", unit="MEAE/DGM/Afrique")
    member = make_user("Marc Membre", unit="MEAE/DGM/Afrique")
    curator = make_user("Claire Curatrice", unit="MEAE/DCP", roles=["curator"])
    outsider = make_user("Karim Autre", unit="MINARM/EMA")
    ids = {"animator": animator, "member": member, "curator": curator, "outsider": outsider}
    for visibility in ("open", "restricted", "secret"):
        community = (
            api(animator)
            .post("/api/v1/communities", json={"name": f"Réseau {visibility}", "visibility": visibility})
            .get_json()
        )
        api(animator).post(f"/api/v1/communities/{community['id']}/members", json={"user_id": member})
        post = (
            api(member)
            .post(
                f"/api/v1/communities/{community['id']}/posts",
                json={"title": f"Note {visibility}", "body": f"Le texte **{visibility}**."},
            )
            .get_json()
        )
        ids[f"{visibility}_community"] = community["id"]
        ids[f"{visibility}_post"] = post["id"]
    section = api(curator).post("/api/v1/portal/sections", json={"name": "À la une"})
    assert section.status_code == 201, section.get_json()
    ids["section"] = section.get_json()["id"]
    return ids
