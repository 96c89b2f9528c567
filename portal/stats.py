"""Engagement statistics for curators and animators: per post, per community, for the portal.

Figures share their names everywhere: ``views`` (openings counted once per reader and day, see
``portal.engagement``), ``readers`` (distinct people), ``reading_seconds`` (capped visible time),
``comments`` and ``reactions``. Series over time come by week (weeks start on Monday, UTC) and are
computed in one grouped query each, with the same SQL on every database.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, func, literal_column, select, union_all

from communities.models import Community
from feed.models import Comment, Post, Reaction
from portal.models import PortalComment, PortalItem, PortalItemView, PortalReaction, PostView
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Forbidden, _l
from rse.extensions import db

DEFAULT_WEEKS = 12
MAX_WEEKS = 52
POST_DAYS = 30  # the daily series of a post: posts live a few weeks
TOP_POSTS = 10
PORTAL_ITEMS = 100


def week_starts(weeks: int, today: date | None = None) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, this week included."""
    today = today or utcnow().date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def _week_of(when, starts: list[date], *, timestamps: bool = True):
    """The index of the week ``when`` falls in (0 for the oldest), for rows at or after ``starts[0]``.

    One CASE evaluated once per row, then GROUP BY: the same SQL on SQLite and PostgreSQL, where
    date arithmetic differs."""
    ends = [start + timedelta(days=7) for start in starts]
    return case(*[(when < (_at(end) if timestamps else end), index) for index, end in enumerate(ends)])


def _views_totals(model, where) -> dict:
    views, readers, seconds = db.session.execute(
        select(
            func.coalesce(func.sum(model.views), 0),
            func.count(distinct(model.user_id)),
            func.coalesce(func.sum(model.seconds), 0),
        ).where(*where)
    ).one()
    return {"views": int(views), "readers": int(readers), "reading_seconds": int(seconds)}


def _count(statement) -> int:
    return int(db.session.scalar(statement) or 0)


# A post -----------------------------------------------------------------------------------------


def post_stats(user: User, post: Post) -> dict:
    """All-time figures of a post, and its readers day by day over the last ``POST_DAYS`` days."""
    if not permissions.can_see_post_stats(user, post):
        raise Forbidden(_l("Only curators and the animators of its community see the figures of a post."))
    figures = _views_totals(PostView, [PostView.post_id == post.id])
    figures["comments"] = _count(
        select(func.count()).where(Comment.post_id == post.id, Comment.deleted_at.is_(None))
    )
    figures["reactions"] = _count(select(func.count()).where(Reaction.post_id == post.id))
    today = utcnow().date()
    first = today - timedelta(days=POST_DAYS - 1)
    by_day = {
        (day if isinstance(day, date) else date.fromisoformat(str(day))): (views, readers, seconds)
        for day, views, readers, seconds in db.session.execute(
            select(
                PostView.day,
                func.sum(PostView.views),
                func.count(distinct(PostView.user_id)),
                func.sum(PostView.seconds),
            )
            .where(PostView.post_id == post.id, PostView.day >= first)
            .group_by(PostView.day)
        )
    }
    days = []
    for offset in range(POST_DAYS):
        day = first + timedelta(days=offset)
        views, readers, seconds = by_day.get(day, (0, 0, 0))
        days.append(
            {"day": day, "views": int(views), "readers": int(readers), "reading_seconds": int(seconds)}
        )
    return {"post": {"id": post.id, "title": post.title}, **figures, "days": days}


# A community ------------------------------------------------------------------------------------


def community_stats(user: User, community: Community, weeks: int = DEFAULT_WEEKS) -> dict:
    """A community's figures over the last ``weeks`` weeks, its vitality week by week (posts,
    comments, and active members: people who posted, commented or reacted) and its most read posts."""
    if not permissions.can_see_community_stats(user, community):
        raise Forbidden(_l("Only the animators of this community see its figures."))
    starts = week_starts(weeks)
    since = _at(starts[0])
    live_posts = select(Post.id).where(Post.community_id == community.id, Post.deleted_at.is_(None))
    figures = _views_totals(PostView, [PostView.post_id.in_(live_posts), PostView.day >= starts[0]])
    comments_in_period = and_(
        Comment.post_id.in_(live_posts), Comment.deleted_at.is_(None), Comment.created_at >= since
    )
    figures["comments"] = _count(select(func.count()).where(comments_in_period))
    figures["reactions"] = _count(
        select(func.count()).where(Reaction.post_id.in_(live_posts), Reaction.created_at >= since)
    )
    posts_in_period = and_(
        Post.community_id == community.id, Post.deleted_at.is_(None), Post.created_at >= since
    )
    figures["posts"] = _count(select(func.count()).where(posts_in_period))

    # Vitality: every contribution of the period as (kind, person, time), then one column per week.
    contributions = union_all(
        select(
            literal_column("'post'").label("kind"),
            Post.author_id.label("person"),
            Post.created_at.label("at"),
        ).where(posts_in_period),
        select(literal_column("'comment'"), Comment.author_id, Comment.created_at).where(comments_in_period),
        select(literal_column("'reaction'"), Reaction.user_id, Reaction.created_at).where(
            Reaction.post_id.in_(live_posts), Reaction.created_at >= since
        ),
    ).subquery()
    week = _week_of(contributions.c.at, starts).label("week")
    found = {
        index: (posts, comments, people)
        for index, posts, comments, people in db.session.execute(
            select(
                week,
                func.sum(case((contributions.c.kind == "post", 1), else_=0)),
                func.sum(case((contributions.c.kind == "comment", 1), else_=0)),
                func.count(distinct(contributions.c.person)),
            ).group_by(week)
        )
        if index is not None
    }
    series = []
    for index, start in enumerate(starts):
        posts, comments, people = found.get(index, (0, 0, 0))
        series.append(
            {"week": start, "posts": int(posts), "comments": int(comments), "active_members": int(people)}
        )
    return {
        "community": {"id": community.id, "name": community.name},
        "since": starts[0],
        **figures,
        "weeks": series,
        "top_posts": _top_posts(live_posts, starts[0]),
    }


def _top_posts(post_ids, first_day: date) -> list[dict]:
    """The most read posts among ``post_ids`` since ``first_day``, with their figures."""
    rows = db.session.execute(
        select(
            Post,
            func.sum(PostView.views),
            func.count(distinct(PostView.user_id)).label("readers"),
            func.sum(PostView.seconds),
        )
        .join(PostView, PostView.post_id == Post.id)
        .where(Post.id.in_(post_ids), PostView.day >= first_day)
        .group_by(Post.id)
        .order_by(literal_column("readers").desc(), Post.id.desc())
        .limit(TOP_POSTS)
    ).all()
    ids = [row[0].id for row in rows]
    since = _at(first_day)
    comments = dict(
        db.session.execute(
            select(Comment.post_id, func.count())
            .where(Comment.post_id.in_(ids), Comment.deleted_at.is_(None), Comment.created_at >= since)
            .group_by(Comment.post_id)
        ).all()
    )
    reactions = dict(
        db.session.execute(
            select(Reaction.post_id, func.count())
            .where(Reaction.post_id.in_(ids), Reaction.created_at >= since)
            .group_by(Reaction.post_id)
        ).all()
    )
    return [
        {
            "post": {"id": post.id, "title": post.title},
            "views": int(views),
            "readers": int(readers),
            "reading_seconds": int(seconds),
            "comments": comments.get(post.id, 0),
            "reactions": reactions.get(post.id, 0),
        }
        for post, views, readers, seconds in rows
    ]


# The portal -------------------------------------------------------------------------------------


def portal_stats(user: User, weeks: int = DEFAULT_WEEKS) -> dict:
    """The portal's figures over the last ``weeks`` weeks, its readers week by week, and each item
    still on the portal (live, scheduled or ended) with its figures of the period."""
    if not permissions.can_see_portal_stats(user):
        raise Forbidden(_l("Only curators see the figures of the portal."))
    starts = week_starts(weeks)
    since = _at(starts[0])
    figures = _views_totals(PortalItemView, [PortalItemView.day >= starts[0]])
    figures["comments"] = _count(
        select(func.count()).where(PortalComment.deleted_at.is_(None), PortalComment.created_at >= since)
    )
    figures["reactions"] = _count(select(func.count()).where(PortalReaction.created_at >= since))
    week = _week_of(PortalItemView.day, starts, timestamps=False).label("week")
    found = {
        index: (views, readers, seconds)
        for index, views, readers, seconds in db.session.execute(
            select(
                week,
                func.sum(PortalItemView.views),
                func.count(distinct(PortalItemView.user_id)),
                func.sum(PortalItemView.seconds),
            )
            .where(PortalItemView.day >= starts[0])
            .group_by(week)
        )
        if index is not None
    }
    series = []
    for index, start in enumerate(starts):
        views, readers, seconds = found.get(index, (0, 0, 0))
        series.append(
            {"week": start, "views": int(views), "readers": int(readers), "reading_seconds": int(seconds)}
        )
    return {"since": starts[0], **figures, "weeks": series, "items": _item_figures(starts[0])}


def _item_figures(first_day: date) -> list[dict]:
    items = db.session.scalars(
        select(PortalItem)
        .where(PortalItem.unpublished_at.is_(None))
        .order_by(PortalItem.published_at.desc(), PortalItem.id.desc())
        .limit(PORTAL_ITEMS)
    ).all()
    ids = [item.id for item in items]
    since = _at(first_day)
    seen = {
        item_id: (views, readers, seconds)
        for item_id, views, readers, seconds in db.session.execute(
            select(
                PortalItemView.item_id,
                func.sum(PortalItemView.views),
                func.count(distinct(PortalItemView.user_id)),
                func.sum(PortalItemView.seconds),
            )
            .where(PortalItemView.item_id.in_(ids), PortalItemView.day >= first_day)
            .group_by(PortalItemView.item_id)
        )
    }
    comments = dict(
        db.session.execute(
            select(PortalComment.item_id, func.count())
            .where(
                PortalComment.item_id.in_(ids),
                PortalComment.deleted_at.is_(None),
                PortalComment.created_at >= since,
            )
            .group_by(PortalComment.item_id)
        ).all()
    )
    reactions = dict(
        db.session.execute(
            select(PortalReaction.item_id, func.count())
            .where(PortalReaction.item_id.in_(ids), PortalReaction.created_at >= since)
            .group_by(PortalReaction.item_id)
        ).all()
    )
    figures = []
    for item in items:
        views, readers, seconds = seen.get(item.id, (0, 0, 0))
        figures.append(
            {
                "item": {"id": item.id, "headline": item.headline},
                "views": int(views),
                "readers": int(readers),
                "reading_seconds": int(seconds),
                "comments": comments.get(item.id, 0),
                "reactions": reactions.get(item.id, 0),
            }
        )
    # Most read first; the newest first among equals.
    return sorted(figures, key=lambda entry: (-entry["readers"], -entry["views"]))
