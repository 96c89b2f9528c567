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
from werkzeug.wsgi import ClosingIterator

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


class _RequestGate:
    """Lets the tables be emptied only when no request is running, and none can start.

    Pages send requests of their own after a test has finished with them (the reading-time beacon
    on leave): without the gate they race the cleanup of the tables (a deadlock on PostgreSQL, or
    rows left behind for the next test).
    """

    def __init__(self, app):
        self.app = app
        self._condition = threading.Condition()
        self._open = True
        self._running = 0

    def __call__(self, environ, start_response):
        with self._condition:
            if not self._open:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test is over."]
            self._running += 1
        try:
            return ClosingIterator(self.app(environ, start_response), self._finished)
        except BaseException:
            self._finished()
            raise

    def _finished(self):
        with self._condition:
            self._running -= 1
            self._condition.notify_all()

    def close_and_wait(self, timeout: float = 10) -> None:
        with self._condition:
            self._open = False
            self._condition.wait_for(lambda: self._running == 0, timeout=timeout)

    def open(self) -> None:
        with self._condition:
            self._open = True


@pytest.fixture(scope="session")
def _live_server_gate(app):
    return _RequestGate(app)


@pytest.fixture(scope="session")
def live_server(_live_server_gate):
    """The app served over HTTP on 127.0.0.1 and a free port, in a background thread."""
    compile_translations()
    server = make_server("127.0.0.1", 0, _live_server_gate, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(autouse=True)
def _no_request_during_cleanup(request):
    """Set up after, so torn down before, the cleanup of the tables (tests/conftest.py)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    gate = request.getfixturevalue("_live_server_gate")
    gate.open()
    yield
    gate.close_and_wait()


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


@pytest.fixture
def make_community(app):
    """``make_community(animator_id, name, visibility, members=[user_id, ...])``: created through the
    services (counters, scope and animator as on the page), in the animator's ministry unless
    ``inter``; ``requests`` are people asking to join. Returns its slug."""
    from communities import services
    from rse.accounts.models import User
    from rse.extensions import db

    def factory(
        animator_id: int,
        name: str,
        visibility: str = "open",
        *,
        members=(),
        requests=(),
        description: str = "",
        inter: bool = False,
    ) -> str:
        with app.app_context():
            animator = db.session.get(User, animator_id)
            community = services.create_community(
                animator,
                name=name,
                visibility=visibility,
                description=description,
                ministry_id=None if inter else services.UNSET,
            )
            for user_id in members:
                services.add_member(animator, community, user_id)
            for user_id in requests:
                services.join(db.session.get(User, user_id), community)
            db.session.commit()
            slug = community.slug
            db.session.remove()
        return slug

    return factory


@pytest.fixture
def make_post(app):
    """``make_post(author_id, slug, title, body, **fields)``: a post written through the services;
    addressees are ``"unit:<id>"`` or ``"user:<id>"`` strings, as the picker sends them. Its id."""
    from communities.models import Community
    from feed import posts
    from rse.accounts.models import User
    from rse.extensions import db
    from rse.forms import parse_addressees

    def factory(author_id: int, slug: str, title: str, body: str, **fields) -> int:
        for kind in ("action_addressees", "info_addressees"):
            fields[kind] = parse_addressees(fields.get(kind, []))
        with app.app_context():
            community = db.session.scalar(db.select(Community).where(Community.slug == slug))
            post = posts.create_post(
                db.session.get(User, author_id), community, title=title, body=body, **fields
            )
            db.session.commit()
            post_id = post.id
            db.session.remove()
        return post_id

    return factory


@pytest.fixture
def make_comment(app):
    """``make_comment(author_id, post_id, body, parent_id=None)``: a comment or a reply; its id."""
    from feed import comments, posts
    from rse.accounts.models import User
    from rse.extensions import db

    def factory(author_id: int, post_id: int, body: str, parent_id: int | None = None) -> int:
        with app.app_context():
            author = db.session.get(User, author_id)
            comment = comments.create_comment(author, posts.get_post_or_404(author, post_id), body, parent_id)
            db.session.commit()
            comment_id = comment.id
            db.session.remove()
        return comment_id

    return factory
