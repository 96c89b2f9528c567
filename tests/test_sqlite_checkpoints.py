"""The SQLite write-ahead log is copied into the database by a thread, not by the writing request."""

import os
import sqlite3
import time

import pytest
from sqlalchemy import text

from rse import create_app, sqlite_checkpoints
from rse.extensions import db

FILL = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
    " INSERT INTO filler (payload) SELECT hex(randomblob(1500)) FROM n"
)


@pytest.fixture
def sqlite_app(tmp_path, app_config):
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log: this run of the suite is on PostgreSQL")
    made = []

    def make(mode):
        database = f"sqlite:///{tmp_path / f'{mode}.sqlite3'}"
        made.append(
            create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database, "SQLITE_CHECKPOINTS": mode})
        )
        return made[-1]

    yield make
    for application in made:
        checkpointer = sqlite_checkpoints._running.get((os.getpid(), _path(application)))
        if checkpointer is not None:
            checkpointer.stop()


def _path(application) -> str:
    with application.app_context():
        return sqlite_checkpoints.database_path(db.engine)


def _write_pages(application) -> int:
    """Commits about 400 pages to the log; the connection's automatic checkpoint threshold."""
    with application.app_context():
        db.session.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, payload TEXT)"))
        db.session.execute(text(FILL))
        db.session.commit()
        threshold = db.session.scalar(text("PRAGMA wal_autocheckpoint"))
        db.session.remove()
        return threshold


def test_background_mode_leaves_the_copy_to_a_thread_that_does_it(sqlite_app):
    application = sqlite_app("background")
    # The requests' own connections copy only past a large bound, kept should the thread stop.
    assert _write_pages(application) == sqlite_checkpoints.FALLBACK_AUTOCHECKPOINT_PAGES
    checkpointer = sqlite_checkpoints.checkpointer_for(_path(application))
    logged = copied = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        logged, copied = checkpointer.last_pass or (0, 0)
        if logged > 300 and copied == logged:
            break
        time.sleep(0.05)
    # The write's several hundred log pages are all copied into the database file.
    assert logged > 300 and copied == logged
    with sqlite3.connect(_path(application)) as reader:
        assert reader.execute("SELECT count(*) FROM filler").fetchone() == (400,)


def test_commit_mode_keeps_sqlite_default(sqlite_app):
    application = sqlite_app("commit")
    assert _write_pages(application) == 1000
    assert (os.getpid(), _path(application)) not in sqlite_checkpoints._running


def test_the_thread_waits_for_the_database_file_instead_of_creating_it(sqlite_app, tmp_path):
    application = sqlite_app("background")
    checkpointer = sqlite_checkpoints.checkpointer_for(_path(application))
    time.sleep(0.1)
    # Only `rse db upgrade` (or the first request) makes the file; an empty one would hide that.
    assert not (tmp_path / "background.sqlite3").exists()
    assert not checkpointer.finished
    _write_pages(application)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not checkpointer.last_pass:
        time.sleep(0.05)
    assert checkpointer.last_pass is not None
