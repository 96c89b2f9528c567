"""Browser sessions: login, CSRF, logout and deactivation end the session server-side, throttling."""

from tests.conftest import csrf_token_from


def _logged_in(client) -> bool:
    response = client.get("/", follow_redirects=False)
    return response.status_code == 200


def test_login_then_home_then_logout(client, login, make_user):
    make_user("Alice Martin", email="alice@example.gouv.fr")
    response = login(client, "alice@example.gouv.fr")
    assert response.status_code == 302
    assert _logged_in(client)
    assert "Alice Martin" in client.get("/").get_data(as_text=True)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not _logged_in(client)


def test_anonymous_pages_redirect_to_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_login_is_case_insensitive_on_email(client, login, make_user):
    make_user(email="bruno.petit@example.gouv.fr")
    assert login(client, "Bruno.PETIT@example.gouv.fr").status_code == 302


def test_failures_answer_the_same_for_unknown_and_existing_accounts(client, login, make_user):
    make_user(email="known@example.gouv.fr")
    wrong_password = login(client, "known@example.gouv.fr", "wrong password!")
    unknown_account = login(client, "nobody@example.gouv.fr", "wrong password!")
    assert wrong_password.status_code == unknown_account.status_code == 401
    strip = lambda html: html.replace("known@example.gouv.fr", "").replace("nobody@example.gouv.fr", "")  # noqa: E731
    assert strip(wrong_password.get_data(as_text=True)).replace(
        csrf_token_from(wrong_password.get_data(as_text=True)), ""
    ) == strip(unknown_account.get_data(as_text=True)).replace(
        csrf_token_from(unknown_account.get_data(as_text=True)), ""
    )


def test_inactive_account_cannot_log_in(client, login, make_user):
    make_user(email="gone@example.gouv.fr", active=False)
    assert login(client, "gone@example.gouv.fr").status_code == 401


def test_login_form_needs_csrf(client, make_user):
    make_user(email="csrf@example.gouv.fr")
    response = client.post(
        "/login", data={"email": "csrf@example.gouv.fr", "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert not _logged_in(client)


def test_cookie_api_state_change_needs_the_csrf_header(client, login, make_user):
    make_user(email="cookie@example.gouv.fr")
    login(client, "cookie@example.gouv.fr")
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/me/tokens", json={"name": "x"})
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    accepted = client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_logout_invalidates_the_session_server_side(app, login, make_user):
    make_user(email="replay@example.gouv.fr")
    browser = app.test_client()
    login(browser, "replay@example.gouv.fr")
    stolen = browser.get_cookie("session").value
    token = csrf_token_from(browser.get("/").get_data(as_text=True))
    browser.post("/logout", data={"csrf_token": token})
    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    assert attacker.get("/api/v1/me").status_code == 401
    assert attacker.get("/").status_code == 302


def test_deactivation_ends_sessions_and_tokens_at_once(app, login, make_user, token_for):
    from rse.accounts.models import User
    from rse.accounts.services import deactivate_user
    from rse.extensions import db

    user_id = make_user(email="leaving@example.gouv.fr")
    browser = app.test_client()
    login(browser, "leaving@example.gouv.fr")
    secret = token_for(user_id)
    assert browser.get("/api/v1/me").status_code == 200
    with app.app_context():
        deactivate_user(db.session.get(User, user_id))
        db.session.commit()
    assert browser.get("/api/v1/me").status_code == 401
    assert browser.get("/").status_code == 302
    assert (
        app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_session_cookie_flags(client, login, make_user):
    make_user(email="flags@example.gouv.fr")
    response = login(client, "flags@example.gouv.fr")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(tmp_path):
    from rse.config import load_config

    config = load_config(
        {"RSE_ENV": "production", "RSE_SECRET_KEY": "s" * 64, "RSE_INSTANCE_DIR": str(tmp_path)}
    )
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True


def test_open_redirects_are_refused(client, make_user):
    make_user(email="next@example.gouv.fr")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"email": "next@example.gouv.fr", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.headers["Location"] == "/portal"  # where everyone lands


def test_failed_logins_are_throttled_per_account(app, client, login, make_user):
    make_user(email="target@example.gouv.fr")
    limit = int(app.config["LOGIN_LIMIT_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert login(client, "target@example.gouv.fr", "guess guess").status_code == 401
    # Even the right password is refused while the account is throttled.
    throttled = login(client, "target@example.gouv.fr")
    assert throttled.status_code == 429
    # Another account from the same address is not blocked by this account's limit.
    make_user(email="bystander@example.gouv.fr")
    assert login(app.test_client(), "bystander@example.gouv.fr").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(app, login, make_user):
    make_user(email="regular@example.gouv.fr")
    limit = int(app.config["LOGIN_LIMIT_ACCOUNT"].split()[0])
    for _ in range(limit + 2):
        assert login(app.test_client(), "regular@example.gouv.fr").status_code == 302


def test_failed_logins_are_throttled_per_address(app, client, login):
    limit = int(app.config["LOGIN_LIMIT_ADDRESS"].split()[0])
    for number in range(limit):
        assert login(client, f"spray{number}@example.gouv.fr", "guess guess").status_code == 401
    assert login(client, "another@example.gouv.fr", "guess guess").status_code == 429
