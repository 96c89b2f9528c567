"""Per post and unit tallies of the people a post reached (``RecipientTally``), kept in step.

Every write that changes ``post_recipients`` or a recipient's read mark calls one of these in the
same transaction: fan-out and re-addressing recount the post, done marks and reads move one
counter, an edit copies the post's priority and due date, a deletion drops the post's tallies
(the manager view never shows deleted posts). ``rebuild`` recounts everything, for bulk loaders.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, bindparam, delete, exists, func, insert, literal, select, update

from feed.models import Post, PostRead, PostRecipient, RecipientTally
from rse.extensions import db

TALLY_COLUMNS = [
    "post_id",
    "unit_id",
    "kind",
    "community_id",
    "priority",
    "created_at",
    "due_at",
    "reached",
    "done",
    "read",
]


def _counted(*conditions, reads: bool = True):
    """The tallies of the live posts matching ``conditions``, counted from the recipient rows.

    ``reads=False`` when nobody read them yet: no lookup of each recipient among the reads.
    """
    stmt = select(
        Post.id,
        PostRecipient.unit_id,
        PostRecipient.kind,
        Post.community_id,
        Post.priority,
        Post.created_at,
        Post.due_at,
        func.count(),
        func.count(PostRecipient.done_at),
        func.count(PostRead.user_id) if reads else literal(0),
    ).join(Post, Post.id == PostRecipient.post_id)
    if reads:
        stmt = stmt.outerjoin(
            PostRead,
            and_(PostRead.post_id == PostRecipient.post_id, PostRead.user_id == PostRecipient.user_id),
        )
    # Grouped by the post's key: its other columns follow from it (PostgreSQL accepts them as
    # functionally dependent), and the sort key stays three narrow columns.
    return stmt.where(PostRecipient.unit_id.is_not(None), Post.deleted_at.is_(None), *conditions).group_by(
        Post.id, PostRecipient.unit_id, PostRecipient.kind
    )


def recount_post(post_id: int) -> None:
    """After the post's recipients were (re)written: one DELETE and one INSERT ... SELECT."""
    forget_post(post_id)
    # A new post has no reads: without the outer join, 5,142 recipients are not 5,142 lookups in
    # the reads (scattered by person), which took about as long as writing the recipients.
    read = db.session.scalar(select(exists().where(PostRead.post_id == post_id)))
    db.session.execute(
        insert(RecipientTally).from_select(
            TALLY_COLUMNS, _counted(PostRecipient.post_id == post_id, reads=read)
        )
    )


def forget_post(post_id: int) -> None:
    db.session.execute(delete(RecipientTally).where(RecipientTally.post_id == post_id))


def copy_post_fields(post: Post) -> None:
    """After an edit of the priority or the due date (the tallies keep a copy of both)."""
    db.session.execute(
        update(RecipientTally)
        .where(RecipientTally.post_id == post.id)
        .values(priority=post.priority, due_at=post.due_at)
    )


def add_done(recipient: PostRecipient, step: int) -> None:
    """A done mark set (``step`` 1) or removed (-1) on one recipient row."""
    if recipient.unit_id is None:
        return
    db.session.execute(
        update(RecipientTally)
        .where(
            RecipientTally.post_id == recipient.post_id,
            RecipientTally.unit_id == recipient.unit_id,
            RecipientTally.kind == recipient.kind,
        )
        .values(done=RecipientTally.done + step)
    )


def add_reads(user_id: int, post_ids: Iterable[int]) -> None:
    """First read marks of one person: each counts in the tally of the row that reached them."""
    post_ids = list(post_ids)
    if not post_ids:
        return
    rows = db.session.execute(
        select(PostRecipient.post_id, PostRecipient.unit_id, PostRecipient.kind).where(
            PostRecipient.user_id == user_id,
            PostRecipient.post_id.in_(post_ids),
            PostRecipient.unit_id.is_not(None),
        )
    ).all()
    if not rows:
        return
    stmt = (
        update(RecipientTally)
        .where(
            RecipientTally.post_id == bindparam("b_post"),
            RecipientTally.unit_id == bindparam("b_unit"),
            RecipientTally.kind == bindparam("b_kind"),
        )
        .values(read=RecipientTally.read + 1)
    )
    db.session.connection().execute(
        stmt, [{"b_post": post_id, "b_unit": unit_id, "b_kind": kind} for post_id, unit_id, kind in rows]
    )


def rebuild() -> None:
    """Recount every tally from the recipient rows (after a bulk load that wrote them directly)."""
    db.session.execute(delete(RecipientTally))
    db.session.execute(insert(RecipientTally).from_select(TALLY_COLUMNS, _counted()))
