"""rse: an enterprise social network for public administrations."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from rse.config import ConfigError, load_config

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides what the environment gives."""
    app = Flask(__name__)
    settings = load_config()
    settings.update(config or {})
    app.config.update(settings)
    app.instance_path = app.config["INSTANCE_DIR"]
    app.config.setdefault("NODE_MODULES_DIR", str(Path(__file__).resolve().parent.parent / "node_modules"))

    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_cli(app)
    _check_production(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_babel import get_locale

    from rse.api import init_api
    from rse.extensions import babel, csrf, db, limiter, login_manager, migrate
    from rse.i18n import select_locale

    db.init_app(app)
    from rse import sqlite_checkpoints

    with app.app_context():
        sqlite_checkpoints.install(db.engine, app.config.get("SQLITE_CHECKPOINTS", "commit"))
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    app.extensions["rse_api"] = init_api(app)
    from rse.realtime import init_realtime

    init_realtime(app)

    import rse.auth  # noqa: F401  (registers the Flask-Login loaders)
    from rse.auth import authenticate_request

    app.before_request(authenticate_request)
    app.jinja_env.globals["get_locale"] = get_locale
    _import_models()

    import search

    search.init_app(app)


def _import_models() -> None:
    """Every model module, so that metadata (and Alembic autogenerate) sees all tables."""
    import communities.models  # noqa: F401
    import feed.models  # noqa: F401
    import portal.models  # noqa: F401
    import rse.accounts.models  # noqa: F401
    import rse.units.models  # noqa: F401
    import search.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from communities.api import blp as communities_api
    from feed.api import blp as posts_api
    from feed.desk_api import blp as desk_api
    from feed.manager_api import blp as manager_api
    from feed.selection_api import blp as selection_api
    from portal.api import blp as portal_api
    from rse import health, web
    from rse.accounts.api import blp as accounts_api
    from rse.units.api import blp as units_api
    from search.api import blp as search_api
    from search.veille_api import blp as saved_searches_api

    api = app.extensions["rse_api"]
    for blueprint in (
        accounts_api,
        units_api,
        communities_api,
        posts_api,
        desk_api,
        manager_api,
        selection_api,
        portal_api,
        search_api,
        saved_searches_api,
    ):
        api.register_blueprint(blueprint)
    from communities.views import blp as community_pages
    from feed.desk_views import blp as desk_pages
    from feed.views import blp as post_pages
    from portal.stats_views import blp as stats_pages
    from portal.views import blp as portal_pages
    from search.veille_views import blp as veille_pages
    from search.views import blp as search_pages

    app.register_blueprint(health.blp)
    app.register_blueprint(web.blp)
    app.register_blueprint(community_pages)
    app.register_blueprint(post_pages)
    app.register_blueprint(desk_pages)
    app.register_blueprint(portal_pages)
    app.register_blueprint(search_pages)
    app.register_blueprint(veille_pages)
    app.register_blueprint(stats_pages)


def _register_error_handlers(app: Flask) -> None:
    from rse.api import is_api_request, problem_from_http_exception, problem_response
    from rse.errors import DomainError
    from rse.extensions import db

    def wants_problem() -> bool:
        return is_api_request()

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        db.session.rollback()
        if wants_problem():
            return problem_from_http_exception(error)
        return render_template("error.html", status=error.code, error=error), error.code

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if wants_problem():
            return problem_response(error.status, error.detail, error.errors, error.title)
        return render_template("error.html", status=error.status, error=error), error.status

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_problem():
            return problem_response(500, "An unexpected error occurred.")
        return render_template("error.html", status=500, error=InternalServerError()), 500


def _register_cli(app: Flask) -> None:
    from rse.cli import register_commands

    register_commands(app)


def _check_production(app: Flask) -> None:
    if app.config["RSE_ENV"] != "production":
        return
    if app.debug:
        raise ConfigError("Debug mode is refused in production.")
    from sqlalchemy import exists, select
    from sqlalchemy.exc import SQLAlchemyError

    from rse.accounts.models import User
    from rse.extensions import db

    with app.app_context():
        try:
            has_demo = db.session.scalar(select(exists().where(User.is_demo.is_(True))))
        except SQLAlchemyError:
            has_demo = False  # no schema yet, so no demo accounts either
        finally:
            db.session.remove()
    if has_demo:
        raise ConfigError("Demo accounts are present; production refuses to start with them.")


__all__ = ["create_app", "ConfigError"]
