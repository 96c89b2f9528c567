"""Browser tests: Debian's Chromium driven by Playwright against the app on a live local server.

No browser is downloaded (``playwright install`` is not used): ``make test`` installs Debian's
``chromium`` package and these fixtures point Playwright at it. The app is the session ``app`` of
``tests/conftest.py``; its tables are emptied after each test, so each test makes its own users.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.support import ARTIFACTS, CHROMIUM, compile_translations

CHROMIUM_ARGS = [
    "--no-sandbox",  # needed when running as root, as on CI machines
    "--disable-gpu",
    "--disable-background-networking",  # never reach outside hosts
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Run `make browser` "
            "(or `apt-get install chromium`); do not run `playwright install`.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request drowns failure reports
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on 127.0.0.1 and a free port, in a background thread."""
    compile_translations()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Lets pages use relative URLs: ``page.goto("/login")``."""
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A French browser, as most users' are (tests/test_i18n.py covers the English pages).
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves a full-page PNG into tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def log_in(base_url):
    """``log_in(page, email)`` goes through the login form as a person would."""
    from tests.conftest import TEST_PASSWORD

    def do_log_in(page, email: str, password: str = TEST_PASSWORD):
        page.goto("/login")
        page.get_by_label("Adresse électronique").fill(email)
        page.get_by_label("Mot de passe").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()

    return do_log_in


@pytest.fixture
def make_communities(app):
    """``make_communities(user_id, [(name, visibility, role), ...])``: memberships for the home page."""
    from communities.models import Community, Membership
    from rse.extensions import db

    def factory(user_id: int, rows) -> None:
        with app.app_context():
            for number, (name, visibility, role) in enumerate(rows, start=1):
                community = Community(slug=f"community-{user_id}-{number}", name=name, visibility=visibility)
                db.session.add(community)
                db.session.flush()
                db.session.add(Membership(community_id=community.id, user_id=user_id, role=role))
            db.session.commit()
            db.session.remove()

    return factory
