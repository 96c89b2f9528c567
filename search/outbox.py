"""The index follows committed data: an outbox of changes and a single writer that drains it.

Services call ``enqueue`` inside their transaction. After the commit, the process that wrote
drains the outbox itself (embedded default) unless ``RSE_SEARCH_WORKER=external`` leaves it to
``rse search worker``. One writer at a time: an exclusive file lock next to the index, so several
processes never fight over Whoosh's own lock. A request never waits for it: when another process
holds the lock, that process will see the new rows after it lets go (it checks again).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
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
    applied = 0
    budget = max_batches
    for _attempt in range(3):
        with writer_lock(block=block) as acquired:
            if not acquired:
                return applied  # the holder checks the outbox again after letting go
            rows, batches = _drain_locked(budget)
            applied += rows
        if budget is not None:
            budget -= batches
            if budget <= 0:
                break
        # Rows committed while we held the lock may have found it taken: look once more.
        with Session(db.engine) as session:
            if not session.scalar(select(SearchOutbox.id).limit(1)):
                break
    return applied


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


def drains_inline(app) -> bool:
    return app.config.get("SEARCH_WORKER", "inline") == "inline"


def _after_commit(session) -> None:
    if not session.info.pop(PENDING_FLAG, False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return  # no application: a worker will pick the rows up
    if not drains_inline(app):
        return
    try:
        drain(block=False, max_batches=INLINE_MAX_BATCHES)
    except Exception:  # noqa: BLE001 - the content is committed; the outbox keeps the change
        log.exception("Search index update failed; the change stays in the outbox")


def _after_rollback(session) -> None:
    session.info.pop(PENDING_FLAG, None)


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda session, _previous: _after_rollback(session))
