"""Views and reading time of posts, and the engagement ranking the curation queue suggests from."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import Float, cast, distinct, func, literal, select, union
from sqlalchemy.exc import IntegrityError

from communities.models import Community
from feed.models import Comment, Post, Reaction
from portal.models import CurationProposal, PortalItem, PortalItemView, PostView
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.extensions import db

MAX_SECONDS_PER_VIEW = 600  # a tab left open is not ten hours of reading
MAX_SECONDS_PER_DAY = 3600
SUGGESTION_WINDOW = timedelta(days=7)
SUGGESTIONS = 20


# What counts as reading. The figures are meant to say how many people read a post on their screen,
# so only views reported by an interactive browser session count: the reading beacon of the post and
# portal pages. A request authenticated with a personal API token is a script or an integration, and
# a User-Agent that declares an automated client (crawlers, link previewers, command-line HTTP tools,
# HTTP libraries) is not a reader either; such views are answered but not recorded.
DECLARED_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-|httpx|aiohttp|go-http-client|java/"
    r"|libwww|okhttp|axios|node-fetch|scrapy|phantomjs",
    re.IGNORECASE,
)


def counts_as_reading(*, via_token: bool, user_agent: str | None) -> bool:
    """Whether a view request comes from a person reading in a browser (see ``DECLARED_BOT``)."""
    return not via_token and bool(user_agent) and DECLARED_BOT.search(user_agent) is None


def _not_recorded(now) -> dict:
    return {"recorded": False, "day": now.date(), "views": 0, "seconds": 0}


def _count(model, key: dict, seconds: int) -> dict:
    """Add one view and its reading time to today's row of ``model`` for ``key``, creating it once."""
    now = utcnow()
    seconds = max(0, min(seconds, MAX_SECONDS_PER_VIEW))
    key = {**key, "day": now.date()}
    row = db.session.get(model, key)
    if row is None:
        try:
            with db.session.begin_nested():
                row = model(
                    **key, views=1, seconds=min(seconds, MAX_SECONDS_PER_DAY), first_at=now, last_at=now
                )
                db.session.add(row)
            return {"recorded": True, "day": row.day, "views": row.views, "seconds": row.seconds}
        except IntegrityError:  # the same reader's other tab wrote the row first
            row = db.session.get(model, key)
    row.views += 1
    row.seconds = min(row.seconds + seconds, MAX_SECONDS_PER_DAY)
    row.last_at = now
    return {"recorded": True, "day": row.day, "views": row.views, "seconds": row.seconds}


def record_view(user: User, post: Post, seconds: int = 0, *, reading: bool = True) -> dict:
    """Count one view (and its reading time) for today; the author's own views are not counted,
    nor views that are not reading (``counts_as_reading``)."""
    if post.author_id == user.id or not reading:
        return _not_recorded(utcnow())
    return _count(PostView, {"post_id": post.id, "user_id": user.id}, seconds)


def record_item_view(user: User, item: PortalItem, seconds: int = 0, *, reading: bool = True) -> dict:
    """Count one view of a portal item for today, under the same rules; the credited author (the
    source post's) is not counted."""
    if item.post.author_id == user.id or not reading:
        return _not_recorded(utcnow())
    return _count(PortalItemView, {"item_id": item.id, "user_id": user.id}, seconds)


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
