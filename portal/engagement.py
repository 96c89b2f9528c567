"""Views and reading time of posts, and the engagement ranking the curation queue suggests from."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, cast, distinct, func, literal, select, union
from sqlalchemy.exc import IntegrityError

from communities.models import Community
from feed.models import Comment, Post, Reaction
from portal.models import CurationProposal, PortalItem, PostView
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.extensions import db

MAX_SECONDS_PER_VIEW = 600  # a tab left open is not ten hours of reading
MAX_SECONDS_PER_DAY = 3600
SUGGESTION_WINDOW = timedelta(days=7)
SUGGESTIONS = 20


def record_view(user: User, post: Post, seconds: int = 0) -> dict:
    """Count one view (and its reading time) for today; the author's own views are not counted."""
    now = utcnow()
    seconds = max(0, min(seconds, MAX_SECONDS_PER_VIEW))
    if post.author_id == user.id:
        return {"recorded": False, "day": now.date(), "views": 0, "seconds": 0}
    key = (post.id, user.id, now.date())
    row = db.session.get(PostView, key)
    if row is None:
        try:
            with db.session.begin_nested():
                row = PostView(
                    post_id=post.id,
                    user_id=user.id,
                    day=now.date(),
                    views=1,
                    seconds=min(seconds, MAX_SECONDS_PER_DAY),
                    first_at=now,
                    last_at=now,
                )
                db.session.add(row)
            return {"recorded": True, "day": row.day, "views": row.views, "seconds": row.seconds}
        except IntegrityError:  # the same reader's other tab wrote the row first
            row = db.session.get(PostView, key)
    row.views += 1
    row.seconds = min(row.seconds + seconds, MAX_SECONDS_PER_DAY)
    row.last_at = now
    return {"recorded": True, "day": row.day, "views": row.views, "seconds": row.seconds}


def suggestions(curator: User, after: datetime | None = None, before: datetime | None = None) -> list[dict]:
    """The most engaging posts of the period that nobody proposed yet, best first.

    Only posts of open communities that the curator reads: restricted content reaches the portal
    through a member's proposal and an animator's approval. The score weighs distinct readers,
    minutes of reading, comments and reactions of the period.
    """
    before = before or utcnow()
    after = after or before - SUGGESTION_WINDOW
    seen = (
        select(
            PostView.post_id,
            func.sum(PostView.views).label("views"),
            func.count(distinct(PostView.user_id)).label("readers"),
            func.sum(PostView.seconds).label("seconds"),
        )
        .where(PostView.day >= after.date(), PostView.day <= before.date())
        .group_by(PostView.post_id)
        .subquery()
    )
    commented = (
        select(Comment.post_id, func.count().label("comments"))
        .where(Comment.created_at >= after, Comment.created_at < before, Comment.deleted_at.is_(None))
        .group_by(Comment.post_id)
        .subquery()
    )
    reacted = (
        select(Reaction.post_id, func.count().label("reactions"))
        .where(Reaction.created_at >= after, Reaction.created_at < before)
        .group_by(Reaction.post_id)
        .subquery()
    )
    # Start from the few posts with any activity in the period, not from every post.
    engaged = union(select(seen.c.post_id), select(commented.c.post_id), select(reacted.c.post_id)).subquery()
    views = func.coalesce(seen.c.views, 0)
    readers = func.coalesce(seen.c.readers, 0)
    seconds = func.coalesce(seen.c.seconds, 0)
    comments = func.coalesce(commented.c.comments, 0)
    reactions = func.coalesce(reacted.c.reactions, 0)
    score = cast(readers, Float) + cast(seconds, Float) / literal(60.0) + 3 * comments + 2 * reactions
    already = union(
        select(PortalItem.post_id).where(PortalItem.unpublished_at.is_(None)),
        select(CurationProposal.post_id).where(CurationProposal.status.in_(("pending", "approved"))),
    )
    rows = db.session.execute(
        select(Post, views, readers, seconds, comments, reactions, score.label("score"))
        .select_from(engaged)
        .join(Post, Post.id == engaged.c.post_id)
        .join(Community, Community.id == Post.community_id)
        .outerjoin(seen, seen.c.post_id == Post.id)
        .outerjoin(commented, commented.c.post_id == Post.id)
        .outerjoin(reacted, reacted.c.post_id == Post.id)
        .where(
            Community.visibility == "open",
            permissions.readable_posts(curator),
            Post.id.not_in(already),
        )
        .order_by(score.desc(), Post.id.desc())
        .limit(SUGGESTIONS)
    ).all()
    return [
        {
            "post": row[0],
            "views": row[1],
            "readers": row[2],
            "reading_seconds": row[3],
            "comments": row[4],
            "reactions": row[5],
            "score": round(float(row[6]), 2),
        }
        for row in rows
    ]
