"""The agent's desk: what I must do (À faire), what I should read (À lire), what I did (Fait).

Action items come from ``post_recipients`` (one row per person reached, written with the post).
Information items are either addressed to me (also in ``post_recipients``) or unaddressed
information posts of my communities, written since I joined; reading one stores a read mark.
Every list goes through ``permissions.readable_posts``: a post I can no longer read leaves my desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, exists, func, insert, literal, or_, select, union_all

from communities.models import Membership
from feed import tallies
from feed.models import PRIORITIES, Post, PostAddressee, PostRead, PostRecipient, PostTag
from rse import events, permissions, sql_plans
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.extensions import db

PRIORITY_RANK = case({priority: rank for rank, priority in enumerate(PRIORITIES)}, value=Post.priority)
# Information broadcast to a whole community stays on À lire this long; information addressed to
# me stays until I read it. Without a floor, a member of large communities who never reads would
# make every count walk their communities' whole history.
BROADCAST_WINDOW = timedelta(days=30)
# Counts of À lire stop here per priority: past it a desk shows "99+", not an exact figure.
COUNT_CAP = 99
# Undated actions sort after every dated one.
NO_DUE_DATE = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class DeskFilters:
    priority: str | None = None
    community_id: int | None = None
    tag: str | None = None
    author_id: int | None = None
    after: datetime | None = None
    before: datetime | None = None
    overdue: bool | None = None
    unread: bool | None = None


def _read_by(user: User):
    return exists().where(PostRead.post_id == Post.id, PostRead.user_id == user.id)


def _filtered(stmt, filters: DeskFilters, user: User, now: datetime):
    # Every desk list is built here: its statements will run without parallel workers too.
    sql_plans.serial_plans()
    if filters.priority:
        stmt = stmt.where(Post.priority == filters.priority)
    if filters.community_id:
        stmt = stmt.where(Post.community_id == filters.community_id)
    if filters.tag:
        tag = filters.tag.lower().lstrip("#")
        stmt = stmt.where(exists().where(PostTag.post_id == Post.id, PostTag.tag == tag))
    if filters.author_id:
        stmt = stmt.where(Post.author_id == filters.author_id)
    if filters.after:
        stmt = stmt.where(Post.created_at >= filters.after)
    if filters.before:
        stmt = stmt.where(Post.created_at < filters.before)
    if filters.overdue is True:
        stmt = stmt.where(Post.due_at < now)
    elif filters.overdue is False:
        stmt = stmt.where(or_(Post.due_at.is_(None), Post.due_at >= now))
    if filters.unread is True:
        stmt = stmt.where(~_read_by(user))
    elif filters.unread is False:
        stmt = stmt.where(_read_by(user))
    return stmt


def _my_action_rows(user: User, readable: list[int] | None = None):
    """My action rows on posts I may read (``readable``: see ``permissions.readable_posts``)."""
    return (
        select(Post)
        .join(PostRecipient, PostRecipient.post_id == Post.id)
        .where(
            PostRecipient.user_id == user.id,
            PostRecipient.kind == "action",
            # A post I put on my desk myself (veille) is an action for me whatever its qualification.
            or_(Post.qualification == "action", PostRecipient.personal),
            permissions.readable_posts(user, readable),
        )
    )


def _my_actions(user: User, done: bool):
    condition = PostRecipient.done_at.is_not(None) if done else PostRecipient.done_at.is_(None)
    return _my_action_rows(user).where(condition)


def todo_query(user: User, filters: DeskFilters = DeskFilters(), now: datetime | None = None):
    return _filtered(_my_actions(user, done=False), filters, user, now or utcnow())


def done_query(user: User, filters: DeskFilters = DeskFilters(), now: datetime | None = None):
    # "Overdue" describes open actions only: a done one is not late any more.
    filters = DeskFilters(**{**filters.__dict__, "overdue": None})
    return _filtered(_my_actions(user, done=True), filters, user, now or utcnow())


def _addressed_to_me(user: User, priority: str | None = None):
    """Ids of the information addressed to me (my recipient rows)."""
    addressed = select(PostRecipient.post_id).where(
        PostRecipient.user_id == user.id, PostRecipient.kind == "information"
    )
    if priority:
        addressed = addressed.join(Post, Post.id == PostRecipient.post_id).where(Post.priority == priority)
    return addressed


def _broadcast_to_me(user: User, now: datetime, priority: str | None = None):
    """Unaddressed information of my communities, since I joined and within ``BROADCAST_WINDOW``."""
    broadcast = (
        select(Post.id)
        .join(Membership, and_(Membership.community_id == Post.community_id, Membership.user_id == user.id))
        .where(
            Post.qualification == "information",
            Post.deleted_at.is_(None),
            Post.created_at >= Membership.joined_at,
            Post.created_at >= now - BROADCAST_WINDOW,
            ~exists().where(PostAddressee.post_id == Post.id, PostAddressee.kind == "information"),
        )
    )
    if priority:
        broadcast = broadcast.where(Post.priority == priority)
    return broadcast


def _to_read_ids(user: User, now: datetime, priority: str | None = None):
    """Ids of the information for me, from two index-driven halves joined by UNION ALL rather
    than one OR over every post. The halves are disjoint: addressed posts are not broadcasts."""
    return union_all(_addressed_to_me(user, priority), _broadcast_to_me(user, now, priority))


def toread_query(user: User, filters: DeskFilters = DeskFilters(), now: datetime | None = None):
    """Unread information for me (``unread=False`` lists what I have already read instead)."""
    now = now or utcnow()
    stmt = select(Post).where(
        Post.id.in_(_to_read_ids(user, now, filters.priority)),
        Post.author_id != user.id,
        permissions.readable_posts(user),
    )
    if filters.unread is None:
        filters = DeskFilters(**{**filters.__dict__, "unread": True})
    return _filtered(stmt, filters, user, now)


def _action_counts(user: User, now: datetime, readable: list[int] | None = None) -> tuple[dict, int]:
    """À faire by priority with its overdue count, and the Fait total: one grouped query."""
    rows = (
        _my_action_rows(user, readable)
        .with_only_columns(Post.priority, PostRecipient.done_at.is_not(None).label("done"), Post.due_at)
        .subquery()
    )
    by_priority, overdue, done_total = dict.fromkeys(PRIORITIES, 0), 0, 0
    for priority, done, count, late in db.session.execute(
        select(
            rows.c.priority, rows.c.done, func.count(), func.sum(case((rows.c.due_at < now, 1), else_=0))
        ).group_by(rows.c.priority, rows.c.done)
    ):
        if done:
            done_total += count
        else:
            by_priority[priority] = count
            overdue += late or 0
    todo = {"total": sum(by_priority.values()), "overdue": overdue, "by_priority": by_priority}
    return todo, done_total


def _toread_counts(user: User, now: datetime, readable: list[int] | None = None) -> dict:
    """À lire counts by priority, each counted up to ``COUNT_CAP`` ("99+").

    One statement of two parts: the information addressed to me, grouped by priority; and the
    broadcasts, counted per priority with a LIMIT each so that a count stops early instead of
    checking every unread broadcast of large communities.
    """
    unread_for_me = (Post.author_id != user.id, ~_read_by(user), permissions.readable_posts(user, readable))
    late = func.sum(case((Post.due_at < now, 1), else_=0))
    counted = {priority: [0, 0] for priority in PRIORITIES}
    addressed = (
        select(Post.priority, func.count(), late)
        .where(Post.id.in_(_addressed_to_me(user)), *unread_for_me)
        .group_by(Post.priority)
    )
    capped_halves = []
    for priority in PRIORITIES:
        broadcast = (
            _broadcast_to_me(user, now, priority)
            .add_columns(Post.due_at)
            .where(*unread_for_me)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        capped_halves.append(
            select(literal(priority), func.count(), func.sum(case((broadcast.c.due_at < now, 1), else_=0)))
        )
    for priority, count, overdue in db.session.execute(union_all(addressed, *capped_halves)):
        counted[priority][0] += count
        counted[priority][1] += overdue or 0
    by_priority = {priority: min(count, COUNT_CAP) for priority, (count, _late) in counted.items()}
    return {
        "total": sum(by_priority.values()),
        "overdue": sum(late for _count, late in counted.values()),
        "by_priority": by_priority,
        "capped": any(count > COUNT_CAP for count, _late in counted.values()),
    }


def counts(user: User, now: datetime | None = None) -> dict:
    now = now or utcnow()
    from feed import notifications, selection

    sql_plans.serial_plans()
    # Read once for the four statements below rather than as a subquery in each.
    readable = permissions.readable_community_list(user)
    todo, done_total = _action_counts(user, now, readable)
    return {
        "todo": todo,
        "toread": _toread_counts(user, now, readable),
        "done": {"total": done_total},
        "selection": selection.open_count(user),
        "notifications": notifications.unread_count(user, readable),
    }


def counts_for_many(users: list[User], now: datetime | None = None) -> dict[int, dict]:
    """``counts(user)`` for each of ``users``: the same figures, with grouped queries.

    The live desk counts of everyone reached by a post are computed here. À faire, Fait and the
    notifications are one grouped query each for all of them; À lire, capped per priority, and the
    selection (managers only) stay per person.
    """
    from feed import notifications, selection

    now = now or utcnow()
    if not users:
        return {}
    actions = {user.id: ({priority: 0 for priority in PRIORITIES}, [0], [0]) for user in users}
    rows = db.session.execute(
        select(
            PostRecipient.user_id,
            Post.priority,
            PostRecipient.done_at.is_not(None),
            func.count(),
            func.sum(case((Post.due_at < now, 1), else_=0)),
        )
        .join(Post, Post.id == PostRecipient.post_id)
        .where(
            PostRecipient.user_id.in_(list(actions)),
            PostRecipient.kind == "action",
            Post.qualification == "action",
            permissions.readable_posts_for_each(users, PostRecipient.user_id),
        )
        .group_by(PostRecipient.user_id, Post.priority, PostRecipient.done_at.is_not(None))
    )
    for user_id, priority, done, count, late in rows:
        by_priority, overdue, done_total = actions[user_id]
        if done:
            done_total[0] += count
        else:
            by_priority[priority] = count
            overdue[0] += late or 0
    unread = notifications.unread_counts(users)
    counted = {}
    for user in users:
        by_priority, overdue, done_total = actions[user.id]
        counted[user.id] = {
            "todo": {"total": sum(by_priority.values()), "overdue": overdue[0], "by_priority": by_priority},
            "toread": _toread_counts(user, now),
            "done": {"total": done_total[0]},
            "selection": selection.open_count(user),
            "notifications": unread[user.id],
        }
    return counted


def mark_read(user: User, filters: DeskFilters = DeskFilters()) -> int:
    """Mark every unread item of a filtered À lire list read, in one INSERT ... SELECT."""
    now = utcnow()
    unread = toread_query(user, DeskFilters(**{**filters.__dict__, "unread": True}), now)
    ids = unread.with_only_columns(literal(user.id), Post.id, literal(now, type_=PostRead.read_at.type))
    inserted = (
        db.session.execute(
            insert(PostRead).from_select(["user_id", "post_id", "read_at"], ids).returning(PostRead.post_id)
        )
        .scalars()
        .all()
    )
    tallies.add_reads(user.id, inserted)
    events.desk_changed([user.id])
    return len(inserted)


def todo_order():
    """À faire: flash first, then the soonest due date (undated last), then the oldest."""
    return [PRIORITY_RANK, due_sort_key(), Post.created_at, Post.id], [False, False, False, False]


def due_sort_key():
    return func.coalesce(Post.due_at, literal(NO_DUE_DATE, type_=Post.due_at.type))


def done_order():
    """Fait: latest done first."""
    return [PostRecipient.done_at, Post.id], [True, True]


def my_done_at(user: User, post: Post) -> datetime:
    return db.session.scalar(
        select(PostRecipient.done_at).where(
            PostRecipient.post_id == post.id, PostRecipient.user_id == user.id
        )
    )


def toread_page(
    user: User, filters: DeskFilters, limit: int, cursor: str | None, now: datetime | None = None
):
    """A page of À lire, one priority after the other (flash first), each newest first.

    Walking the priorities in turn keeps each query on the per-priority index instead of sorting
    everything a member of large communities has to read.
    """
    from rse.api import bad_cursor, decode_cursor, encode_cursor, keyset_after, typed_cursor_values

    now = now or utcnow()
    after = decode_cursor(cursor, 3)
    if after is not None:
        after = typed_cursor_values(after, [PRIORITY_RANK, Post.created_at, Post.id])
        if not 0 <= after[0] < len(PRIORITIES):
            bad_cursor()
    start = after[0] if after else 0
    wanted = [filters.priority] if filters.priority else list(PRIORITIES[start:])
    rows: list[Post] = []
    for priority in wanted:
        if PRIORITIES.index(priority) < start:
            continue
        stmt = toread_query(user, DeskFilters(**{**filters.__dict__, "priority": priority}), now)
        if after and PRIORITIES.index(priority) == after[0]:
            stmt = stmt.where(keyset_after([Post.created_at, Post.id], after[1:], [True, True]))
        stmt = stmt.order_by(Post.created_at.desc(), Post.id.desc()).limit(limit + 1 - len(rows))
        rows += db.session.scalars(stmt).all()
        if len(rows) > limit:
            break
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor((PRIORITIES.index(last.priority), last.created_at.isoformat(), last.id))
        if has_more and last
        else None
    )
    return {"items": rows, "next": next_cursor}
