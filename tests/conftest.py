"""Shared fixtures: one migrated database per run, emptied after each test.

The suite runs on SQLite by default, and on PostgreSQL when ``RSE_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from rse import create_app
from rse.extensions import db as _db
from rse.extensions import limiter

TEST_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("RSE_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    from rse.config import _normalise_database_url

    engine = create_engine(_normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """argon2id with the cheapest parameters: the suite hashes hundreds of passwords."""
    from argon2 import PasswordHasher

    from rse.accounts import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def app_config(tmp_path_factory):
    root = tmp_path_factory.mktemp("rse")
    url = _database_url(root)
    return {
        "RSE_ENV": "testing",
        "TESTING": True,
        "INSTANCE_DIR": str(root),
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": __import__("rse.config").config._normalise_database_url(url),
        "SQLALCHEMY_ENGINE_OPTIONS": {} if url.startswith("postgres") else {"connect_args": {"timeout": 30}},
        "SEARCH_DIR": str(root / "search"),
        # What a request wrote is searchable when it returns: no test waits for a writer thread.
        "SEARCH_WORKER": "inline",
        # One test starts the checkpoint thread on purpose; the others keep SQLite's default.
        "SQLITE_CHECKPOINTS": "commit",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def app(app_config):
    from flask_migrate import upgrade

    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _reset_postgres_schema(app_config["SQLALCHEMY_DATABASE_URI"])
    application = create_app(app_config)
    with application.app_context():
        upgrade()  # migrations are the only way the schema is made
        _db.session.remove()
    return application


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the rate-limit counters after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        _db.session.remove()
        tables = [table.name for table in reversed(_db.metadata.sorted_tables)]
        if _db.engine.dialect.name == "postgresql":
            _db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                _db.session.execute(text(f"DELETE FROM {name}"))
        _db.session.commit()
        _db.session.remove()
        limiter.reset()
        application.extensions["rse_search"].clear()  # the index follows the emptied tables


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        _db.session.remove()


@pytest.fixture
def db(app_context):
    """The SQLAlchemy handle, inside an application context."""
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_unit(app):
    from rse.units.services import ensure_path

    def factory(path: str):
        with app.app_context():
            unit = ensure_path(path)
            _db.session.commit()
            unit_id = unit.id
            _db.session.remove()
        return unit_id

    return factory


@pytest.fixture
def make_user(app):
    """Create a user; returns its id. ``unit`` and ``manages`` are unit paths."""
    from rse.accounts.services import create_user
    from rse.units.services import ensure_path

    def factory(
        name: str | None = None,
        *,
        email: str | None = None,
        password: str = TEST_PASSWORD,
        roles=(),
        unit: str | None = "MEAE/DGM/Afrique",
        manages=(),
        locale: str = "fr",
        active: bool = True,
    ) -> int:
        number = next(_counter)
        name = name or f"Agent {number}"
        email = email or f"agent{number}@example.gouv.fr"
        with app.app_context():
            user = create_user(
                email=email,
                name=name,
                password=password,
                roles=list(roles),
                unit=ensure_path(unit) if unit else None,
                manages=[ensure_path(path) for path in manages],
                locale=locale,
            )
            user.active = active
            _db.session.commit()
            user_id = user.id
            _db.session.remove()
        return user_id

    return factory


@pytest.fixture
def token_for(app):
    """An API token for a user id."""
    from rse.accounts.models import User
    from rse.accounts.services import create_token

    def factory(user_id: int) -> str:
        with app.app_context():
            _token, secret = create_token(_db.session.get(User, user_id), "test")
            _db.session.commit()
            _db.session.remove()
        return secret

    return factory


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = {"Accept": "application/json"}
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        merged.update(headers or {})
        return merged

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, path, **kwargs):
        return self.client.delete(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.client.patch(
            path, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )


@pytest.fixture
def api(app, token_for):
    """``api(user_id)`` gives an API client authenticated as that user; ``api(None)`` is anonymous."""

    def factory(user_id: int | None) -> ApiClient:
        return ApiClient(app.test_client(), token_for(user_id) if user_id else None)

    return factory


def csrf_token_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def login(app):
    """``login(client, email, password)`` logs a browser-like client in through the login form."""

    def do_login(client, email: str, password: str = TEST_PASSWORD):
        page = client.get("/login")
        token = csrf_token_from(page.get_data(as_text=True))
        return client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    return do_login


def pytest_configure(config):
    # Anything that builds the app from the environment alone stays out of the working tree.
    if "RSE_INSTANCE_DIR" not in os.environ:
        config._rse_instance_dir = tempfile.mkdtemp(prefix="rse-instance-")
        os.environ["RSE_INSTANCE_DIR"] = config._rse_instance_dir


def pytest_unconfigure(config):
    import shutil

    instance_dir = getattr(config, "_rse_instance_dir", None)
    if instance_dir:
        shutil.rmtree(instance_dir, ignore_errors=True)
        os.environ.pop("RSE_INSTANCE_DIR", None)
