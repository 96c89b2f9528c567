"""SQLite's write-ahead log copied back into the database by a thread, not by the writing request.

By default the connection whose commit grows the log past 1,000 pages copies the log into the
database file there and then (a checkpoint). A post addressed to a whole unit dirties one
desk-index page per person reached, thousands of pages far apart, so about every such post paid
that copy inside its request. With ``RSE_SQLITE_CHECKPOINTS=background`` (the default) each
process that uses a SQLite file keeps one thread that looks at the log every 20 ms and copies what
was committed, in SQLite's non-blocking (PASSIVE) mode, beside readers and writers. The
application's own connections only copy once the log passes ``FALLBACK_AUTOCHECKPOINT_PAGES``:
SQLite starts the log over only when a write begins after a complete copy, so a burst of posts to
whole units, each beginning before the copy of the previous one ends, grows the log up to that
bound, and from there on each commit copies again, as without the thread. Nothing changes for
durability or for what readers see: a checkpoint only moves committed pages from the log into the
database file.

The thread is a native one even in a gevent server, so that a checkpoint's disk writes never
stall the process's green threads.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import urllib.parse
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MODES = ("background", "commit")
INTERVAL_SECONDS = 0.02
# 256 MiB of 4 KiB pages: about twelve posts to a 5,000-person unit in a row.
FALLBACK_AUTOCHECKPOINT_PAGES = 65_536


@dataclass
class Checkpointer:
    path: str
    stopping: bool = False
    finished: bool = False
    # The last pass's (log frames, frames copied): equal once the log is all in the database.
    last_pass: tuple[int, int] | None = None
    _sleep: object = None

    def run(self) -> None:
        connection = self._connect()
        if connection is None:
            return
        try:
            while not self.stopping:
                try:
                    _busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if logged < 0:
                        # A new file, not in WAL mode yet: as every connection of the application.
                        connection.execute("PRAGMA journal_mode=WAL")
                except sqlite3.OperationalError:  # the file went away or is locked for a moment
                    if not os.path.exists(self.path):
                        return
                else:
                    self.last_pass = (logged, copied)
                self._sleep(INTERVAL_SECONDS)
        finally:
            connection.close()
            self.finished = True

    def _connect(self) -> sqlite3.Connection | None:
        """The existing database file, waited for: the thread never creates it (``rse db upgrade`` does)."""
        uri = f"file:{urllib.parse.quote(self.path)}?mode=rw"
        while not self.stopping:
            try:
                return sqlite3.connect(uri, uri=True, timeout=0, check_same_thread=False)
            except sqlite3.OperationalError:
                self._sleep(1.0)
        self.finished = True
        return None

    def stop(self, wait_seconds: float = 0.0) -> None:
        """Ends the thread; at exit, waits for it so that its connection is closed.

        SQLite deletes the log when the last connection to the file closes: a copy of the database
        file alone, once the process has ended, then holds everything.
        """
        self.stopping = True
        waited = 0.0
        while not self.finished and waited < wait_seconds:
            self._sleep(0.01)
            waited += 0.01


_lock = threading.Lock()
_running: dict[tuple[int, str], Checkpointer] = {}


def _native_thread_starter():
    """``(start_new_thread, sleep)`` of the operating system, even under gevent's patching."""
    try:
        from gevent import monkey
    except ImportError:
        monkey = None
    if monkey is not None and monkey.is_module_patched("threading"):
        return monkey.get_original("_thread", "start_new_thread"), monkey.get_original("time", "sleep")
    import _thread
    import time

    return _thread.start_new_thread, time.sleep


def database_path(engine: Engine) -> str | None:
    """The file behind a SQLite engine; None for other databases and in-memory ones."""
    if engine.dialect.name != "sqlite":
        return None
    path = engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return os.path.abspath(path)


def checkpointer_for(path: str) -> Checkpointer:
    """This process's checkpointer of ``path``, started on first use (again after a fork)."""
    key = (os.getpid(), path)
    with _lock:
        checkpointer = _running.get(key)
        if checkpointer is None or checkpointer.stopping:
            start_new_thread, sleep = _native_thread_starter()
            checkpointer = Checkpointer(path, _sleep=sleep)
            start_new_thread(checkpointer.run, ())
            _running[key] = checkpointer
            atexit.register(checkpointer.stop, 2 * INTERVAL_SECONDS)
        return checkpointer


def install(engine: Engine, mode: str) -> None:
    """Checkpoint ``engine``'s SQLite file from a thread when ``mode`` is ``background``."""
    path = database_path(engine)
    if mode != "background" or path is None:
        return
    checkpointer_for(path)
    if not event.contains(engine, "connect", _checkpoint_rarely):
        event.listen(engine, "connect", _checkpoint_rarely)
        # Connections opened before the listener keep SQLite's default; open them again.
        engine.dispose()


def _checkpoint_rarely(dbapi_connection, _connection_record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_AUTOCHECKPOINT_PAGES}")
    cursor.close()
