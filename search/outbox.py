"""The index follows committed data: an outbox of changes and a single writer that drains it.

Services call ``enqueue`` inside their transaction. After the commit, the process that wrote
drains the outbox, as ``RSE_SEARCH_WORKER`` says:

- ``background`` (embedded default): a commit wakes the process's writer thread, which drains
  while the request answers; the thread also looks at the outbox every ``PERIODIC_PASS_SECONDS``,
  so rows left by a process that stopped are applied without waiting for the next commit;
- ``inline``: the committing request drains a few batches itself before it answers (tests use it:
  what a request wrote is searchable when it returns); a backlog beyond those batches goes to the
  process's writer thread, so that rows other processes committed meanwhile are never left behind;
- ``external``: servers leave it to ``rse search worker``.

One writer at a time: an exclusive file lock next to the index, so several processes never fight
over Whoosh's own lock. A request never waits for it: when another process holds the lock, that
process will see the new rows after it lets go (it checks again).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, event, insert, literal, select
from sqlalchemy.orm import Session

from rse.extensions import db
from search.models import SearchOutbox

log = logging.getLogger(__name__)

PENDING_FLAG = "search_outbox_pending"
BATCH_SIZE = 500
# A request applies at most this many batches after its commit, so that a backlog (a community
# renamed, a worker stopped) never holds a response for long; the next commits or the worker go on.
INLINE_MAX_BATCHES = 4
# The writer thread also looks at the outbox this often when no commit woke it.
PERIODIC_PASS_SECONDS = 5.0
# At exit a process lets its writer thread finish what its own commits left, for this long at most.
EXIT_GRACE_SECONDS = 10.0
# While another process holds the writer lock, the thread tries again at most this long apart.
LOCK_RETRY_MAX_SECONDS = 1.0


def enqueue(kind: str, object_id: int, session=None) -> None:
    """Record that an object's documents must be refreshed once this transaction commits."""
    session = session or db.session
    session.add(SearchOutbox(kind=kind, object_id=object_id))
    session.info[PENDING_FLAG] = True


def pending_count(session=None) -> int:
    from sqlalchemy import func

    return (session or db.session).scalar(select(func.count()).select_from(SearchOutbox))


@contextlib.contextmanager
def writer_lock(*, block: bool) -> Iterator[bool]:
    """The one-writer lock; yields whether it was acquired."""
    from search.backends import get_backend

    # A backend shared by several machines (PostgreSQL) brings a lock they all see.
    backend_lock = getattr(get_backend(), "writer_lock", None)
    if backend_lock is not None:
        with backend_lock(block=block) as acquired:
            yield acquired
        return
    lock_path = Path(current_app.config["SEARCH_DIR"]) / "writer.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def drain(*, block: bool = False, max_batches: int | None = None) -> int:
    """Apply pending changes to the index; returns how many outbox rows were applied.

    ``max_batches`` bounds the work (a request drains a little, a worker or reindex everything).
    """
    applied, _budget_spent = _drain(block=block, max_batches=max_batches)
    return applied


def _drain(*, block: bool, max_batches: int | None) -> tuple[int, bool]:
    """``drain``, also telling whether it stopped because its budget was spent."""
    applied = 0
    budget = max_batches
    # Until the outbox is empty (or the budget spent): a row whose writer found the lock taken is
    # ours to apply, however many times that happens while we drain.
    while True:
        with writer_lock(block=block) as acquired:
            if not acquired:
                return applied, False  # the holder checks the outbox again after letting go
            rows, batches = _drain_locked(budget)
            applied += rows
        if budget is not None:
            budget -= batches
            if budget <= 0:
                return applied, True
        # Rows committed while we held the lock may have found it taken: look once more.
        if not _outbox_has_rows():
            return applied, False


def _drain_locked(max_batches: int | None) -> tuple[int, int]:
    from search.backends import get_backend
    from search.documents import IndexBatch

    backend = get_backend()
    applied = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        with Session(db.engine) as session:
            rows = session.scalars(select(SearchOutbox).order_by(SearchOutbox.id).limit(BATCH_SIZE)).all()
            if not rows:
                break
            _fan_out(session, [row for row in rows if row.kind in ("community", "author")])
            batch = IndexBatch.from_outbox(
                session, [row for row in rows if row.kind in ("post", "comment", "portal_item")]
            )
            backend.apply(batch)
            _match_saved_searches(session, [documents[0] for documents in batch.posts.values() if documents])
            # The index has them: only now are the rows forgotten (a crash before this replays them).
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row.id for row in rows])))
            session.commit()
            applied += len(rows)
            batches += 1
    return applied, batches


def _match_saved_searches(session: Session, post_documents: list) -> None:
    """Veille on the posts just indexed, committed with the outbox rows' deletion.

    A failure there must not hold the index back: it is logged and those matches are lost.
    """
    from search.veille import record_matches

    if not post_documents:
        return
    try:
        with session.begin_nested():
            record_matches(session, post_documents)
    except Exception:  # noqa: BLE001 - the index is up to date; only the alerts are missing
        log.exception("Matching saved searches failed for %d posts", len(post_documents))


def _fan_out(session: Session, rows: list[SearchOutbox]) -> None:
    """A renamed community or author: one outbox row per post or comment it touches."""
    from feed.models import Comment, Post
    from portal.models import PortalItem

    for row in rows:
        if row.kind == "community":
            posts = select(literal("post"), Post.id).where(Post.community_id == row.object_id)
            session.execute(insert(SearchOutbox).from_select(["kind", "object_id"], posts))
        else:
            posts = select(literal("post"), Post.id).where(Post.author_id == row.object_id)
            comments = select(literal("comment"), Comment.id).where(Comment.author_id == row.object_id)
            # Portal items are signed by their source post's author.
            items = (
                select(literal("portal_item"), PortalItem.id)
                .join(Post, Post.id == PortalItem.post_id)
                .where(Post.author_id == row.object_id)
            )
            for rows_to_add in (posts, comments, items):
                session.execute(insert(SearchOutbox).from_select(["kind", "object_id"], rows_to_add))


class BackgroundWriter:
    """The process's writer thread: drains after each commit that woke it and every few seconds.

    ``wait_idle`` returns once every wake-up asked before it was called has been served, which is
    how a test or a benchmark knows a committed change is in the index without sleeping.
    """

    def __init__(self, app):
        self.app = app
        self.pid = os.getpid()
        self._condition = threading.Condition()
        self._asked = 0  # wake-ups asked
        self._served = 0  # wake-ups whose drain has finished
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="rse-search-writer", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        with self._condition:
            self._asked += 1
            self._condition.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until the drains asked so far are done; False when ``timeout`` passed first."""
        with self._condition:
            target = self._asked
            return (
                self._condition.wait_for(
                    lambda: self._served >= target or not self._thread.is_alive(), timeout
                )
                and self._served >= target
            )

    def stop(self, timeout: float | None = None) -> None:
        """Finish the asked drains, then end the thread (at exit)."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        from search.backends import get_backend

        try:
            with self.app.app_context():
                get_backend().warm_up()
        except Exception:  # noqa: BLE001 - the first drain opens what it needs
            log.exception("Opening the search index in the writer thread failed")
        while True:
            with self._condition:
                woken = self._condition.wait_for(
                    lambda: self._asked > self._served or self._stopping, PERIODIC_PASS_SECONDS
                )
                target = self._asked
                if self._stopping and self._served >= target:
                    return
            try:
                with self.app.app_context():
                    periodic = self.app.config.get("SEARCH_WORKER") == "background"
                    if woken or (periodic and _outbox_has_rows()):
                        _drain_until_empty()
            except Exception:  # noqa: BLE001 - the outbox keeps the changes for the next pass
                log.exception("Search index update failed; the changes stay in the outbox")
            with self._condition:
                self._served = max(self._served, target)
                self._condition.notify_all()


_writers_lock = threading.Lock()


def background_writer(app) -> BackgroundWriter:
    """This process's writer thread for ``app``, started on first use (again after a fork)."""
    with _writers_lock:
        writer = app.extensions.get("rse_search_writer")
        if writer is None or writer.pid != os.getpid():
            writer = BackgroundWriter(app)
            app.extensions["rse_search_writer"] = writer
            atexit.register(writer.stop, EXIT_GRACE_SECONDS)
        return writer


def start_background_writer(app) -> None:
    """Start the writer thread with the server, so its periodic pass runs before any commit."""
    if app.config.get("SEARCH_WORKER") == "background":
        background_writer(app)


def wait_until_indexed(app, timeout: float = 30.0) -> bool:
    """Until what this process committed so far is in the index (whatever the mode but external)."""
    writer = app.extensions.get("rse_search_writer")
    if writer is None or writer.pid != os.getpid():
        return True  # inline: the committing request drained already; no thread was started
    return writer.wait_idle(timeout)


def _drain_until_empty() -> None:
    """Drain, trying the lock again a little later while another writer holds it.

    Never a blocking wait on the lock: in a server whose threads are cooperative (green) threads,
    a blocked lock call would stall every request of the process for as long as the other writer
    (a whole reindex, say) keeps it.
    """
    pause = 0.02
    while True:
        drain(block=False)
        if not _outbox_has_rows():
            return
        time.sleep(pause)
        pause = min(pause * 2, LOCK_RETRY_MAX_SECONDS)


def _outbox_has_rows() -> bool:
    with Session(db.engine) as session:
        return session.scalar(select(SearchOutbox.id).limit(1)) is not None


def _after_commit(session) -> None:
    if not session.info.pop(PENDING_FLAG, False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no application: a worker will pick the rows up
    mode = app.config.get("SEARCH_WORKER", "inline")
    if mode == "background":
        background_writer(app).wake()
        return
    if mode != "inline":
        return
    try:
        _applied, budget_spent = _drain(block=False, max_batches=INLINE_MAX_BATCHES)
        # Past its budget the request stops, but the rows left may be other processes' commits
        # that found our lock taken and count on us: the writer thread applies them.
        if budget_spent and _outbox_has_rows():
            background_writer(app).wake()
    except Exception:  # noqa: BLE001 - the content is committed; the outbox keeps the change
        log.exception("Search index update failed; the change stays in the outbox")


def _after_rollback(session) -> None:
    session.info.pop(PENDING_FLAG, None)


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, _previous: _after_rollback(session))
