"""Every search test that uses the app runs against each backend the test database allows.

Whoosh and tantivy always; PostgreSQL full-text search too when the suite runs on PostgreSQL
(``RSE_TEST_DATABASE_URL``). The assertions are the same: every backend must behave alike.
"""

from __future__ import annotations

import os

import pytest

BACKENDS = ["whoosh", "tantivy"] + (
    ["postgresql"] if os.environ.get("RSE_TEST_DATABASE_URL", "").startswith("postgres") else []
)
_backends: dict[str, object] = {}


def pytest_generate_tests(metafunc):
    if "app" in metafunc.fixturenames:
        # A module may name the backends it is about (``SEARCH_BACKENDS``); the others skip it.
        wanted = getattr(metafunc.module, "SEARCH_BACKENDS", BACKENDS)
        names = [name for name in BACKENDS if name in wanted]
        metafunc.parametrize("search_backend", names, indirect=True)


@pytest.fixture(autouse=True)
def search_backend(request):
    """Swap the app's search backend for the test (and for processes started from ``app_config``)."""
    name = getattr(request, "param", None)
    if name is None:
        yield None
        return
    from search.backends import make_backend

    app = request.getfixturevalue("app")
    app_config = request.getfixturevalue("app_config")
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", name)
    monkeypatch.setitem(app_config, "SEARCH_BACKEND", name)
    if name not in _backends:
        _backends[name] = make_backend(app)
        _backends[name].ensure_index()
    backend = _backends[name]
    monkeypatch.setitem(app.extensions, "rse_search", backend)
    yield backend
    with app.app_context():
        backend.clear()


@pytest.fixture
def world(api, make_user):
    """An author, a reader from another office and the open community "Veille" (modules may override)."""
    author = make_user("Alice Martin", unit="MEAE/DGM")
    # A known address, for the tests that log in through the pages.
    reader = make_user("Bruno Lemaire", email="bruno.lemaire@example.gouv.fr", unit="MEAE/DGM/Afrique")
    community = (
        api(author).post("/api/v1/communities", json={"name": "Veille", "visibility": "open"}).get_json()
    )
    return {"author": author, "reader": reader, "community": community}
