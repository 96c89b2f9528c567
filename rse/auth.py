"""Who is calling: browser sessions (Flask-Login) or personal API tokens, and CSRF ordering."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from rse.accounts import services as accounts
from rse.api import abort_problem, is_api_request
from rse.extensions import csrf, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@login_manager.user_loader
def load_user_from_session(key: str):
    if request.headers.get("Authorization"):
        return None  # an explicit token wins over a cookie
    return accounts.user_for_login_session(key)


@login_manager.request_loader
def load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    user = accounts.user_for_token(secret.strip())
    if user is not None:
        g.authenticated_by_token = True
    return user


def authenticate_request():
    """Runs before every request: 401 for anonymous API calls, then CSRF for cookie sessions."""
    if request.endpoint in (None, "static") and not is_api_request():
        return None
    if is_api_request():
        if _is_public_api_endpoint():
            return None
        if request.headers.get("Authorization") and not current_user.is_authenticated:
            abort_problem(401, "The API token is not valid.")
        if not current_user.is_authenticated:
            abort_problem(401, "Authentication is required (session or API token).")
    if request.method in UNSAFE_METHODS and not g.get("authenticated_by_token"):
        csrf.protect()
    return None


def _is_public_api_endpoint() -> bool:
    # The OpenAPI document and its docs page describe the API; they reveal no data.
    return request.endpoint is not None and request.endpoint.startswith("api-docs.")


@login_manager.unauthorized_handler
def unauthorized():
    from flask import redirect, url_for

    if is_api_request():
        abort_problem(401, "Authentication is required (session or API token).")
    return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path))
