"""The web shell: login, logout, home and profile pages, and front-end packages from npm."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from rse.accounts import services as accounts
from rse.errors import DomainError
from rse.extensions import db, limiter
from rse.forms import flash_domain_error, safe_next

blp = Blueprint("web", __name__)

# Packages from the npm registry that pages may load; installed at set-up, never committed.
SERVED_PACKAGES = {"swagger-ui-dist", "socket.io-client"}


def _failed_login(response) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    return "account:" + accounts.normalise_email(request.form.get("email", ""))


@blp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_ADDRESS"],
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("portal_pages.home"))
        return render_template("login.html", email="")
    email = request.form.get("email", "")[:254]
    user = accounts.authenticate(email, request.form.get("password", "")[:1024])
    if user is None:
        # The same answer whether the account exists, is inactive or the password is wrong.
        db.session.rollback()
        message = _("Unknown e-mail address or wrong password.")
        return render_template("login.html", email=email, error=message), 401
    session.clear()  # a fresh session on each login (no fixation)
    accounts.start_login_session(user, request.headers.get("User-Agent"))
    db.session.commit()
    login_user(user)
    # The portal is where everyone lands; the home page stays one click away in the navigation.
    return redirect(safe_next(request.args.get("next"), "portal_pages.home"))


@blp.errorhandler(429)
def too_many_attempts(error):
    if request.endpoint == "web.login":
        message = _("Too many failed attempts. Please wait a moment before trying again.")
        email = request.form.get("email", "")[:254]
        return render_template("login.html", email=email, error=message), 429
    return render_template("error.html", status=429, error=error), 429


@blp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_login_session(current_user.get_id())
        db.session.commit()
        logout_user()
    session.clear()
    return redirect(url_for("web.login"))


@blp.get("/")
@login_required
def home():
    from communities.models import Community, Membership

    communities = db.session.execute(
        select(Community.name, Community.visibility, Membership.role)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == current_user.id)
        .order_by(func.lower(Community.name))
        .limit(50)
    ).all()
    return render_template("home.html", communities=communities)


@blp.get("/profile")
@login_required
def profile():
    return render_template("profile.html", tokens=accounts.list_tokens(current_user), new_token=None)


@blp.post("/profile/tokens")
@login_required
def create_token():
    try:
        token, secret = accounts.create_token(current_user, request.form.get("name"))
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("web.profile"))
    db.session.commit()
    return render_template(
        "profile.html", tokens=accounts.list_tokens(current_user), new_token=(token, secret)
    )


@blp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("web.profile"))


@blp.post("/profile/password")
@login_required
def change_password():
    try:
        accounts.change_password(
            current_user, request.form.get("current_password", ""), request.form.get("new_password", "")
        )
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("web.profile"))
    db.session.commit()
    flash(_("Your password was changed."), "success")
    return redirect(url_for("web.profile"))


@blp.post("/profile/locale")
@login_required
def change_locale():
    try:
        accounts.set_locale(current_user, request.form.get("locale", ""))
    except DomainError:
        db.session.rollback()
        abort(400)
    db.session.commit()
    return redirect(url_for("web.profile"))


@blp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):
    if package not in SERVED_PACKAGES:
        abort(404)
    root = Path(current_app.config["NODE_MODULES_DIR"]) / package
    if package == "swagger-ui-dist" and filename.endswith("swagger-initializer.js"):
        abort(404)  # flask-smorest writes its own initialiser into the docs page
    return send_from_directory(root, filename, max_age=3600)
