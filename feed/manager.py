"""The manager's view: the action and information items addressed into the units they manage.

Scope is the subtree of every unit the manager manages; an item is counted under the unit its
holder belonged to when it was addressed (``post_recipients.unit_id``). A manager only sees items
they may read themselves: the permission module filters the posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from feed.desk import PRIORITY_RANK, due_sort_key
from feed.models import PRIORITIES, Post, PostRead, PostRecipient
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Forbidden
from rse.extensions import db
from rse.units.models import Unit

DEFAULT_PERIOD = timedelta(days=90)


@dataclass(frozen=True)
class ManagerFilters:
    unit_id: int | None = None
    priority: str | None = None
    community_id: int | None = None
    status: str | None = None  # open, done, overdue
    due_before: datetime | None = None
    after: datetime | None = None
    before: datetime | None = None


def managed_units(user: User) -> list[Unit]:
    units = user.managed_units
    if not units:
        raise Forbidden("Only managers have this view.")
    return units


def _scope_units(user: User, unit_id: int | None):
    """A SELECT of the unit ids in scope (optionally narrowed to one managed subtree)."""
    roots = managed_units(user)
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or not any(unit.id_path.startswith(root.id_path) for root in roots):
            raise Forbidden("This unit is outside the units you manage.")
        roots = [unit]
    return select(Unit.id).where(
        or_(*[Unit.id_path.startswith(root.id_path, autoescape=True) for root in roots])
    )


def _overdue(now: datetime):
    return and_(PostRecipient.done_at.is_(None), Post.due_at.is_not(None), Post.due_at < now)


def _base(user: User, filters: ManagerFilters, kind: str, now: datetime):
    after = filters.after or (now - DEFAULT_PERIOD)
    stmt = (
        select(Post, PostRecipient)
        .join(PostRecipient, PostRecipient.post_id == Post.id)
        .where(
            PostRecipient.kind == kind,
            PostRecipient.unit_id.in_(_scope_units(user, filters.unit_id)),
            Post.created_at >= after,
            permissions.readable_posts(user),
        )
    )
    if filters.before:
        stmt = stmt.where(Post.created_at < filters.before)
    if filters.priority:
        stmt = stmt.where(Post.priority == filters.priority)
    if filters.community_id:
        stmt = stmt.where(Post.community_id == filters.community_id)
    if filters.due_before:
        stmt = stmt.where(Post.due_at < filters.due_before)
    if filters.status == "done":
        stmt = stmt.where(PostRecipient.done_at.is_not(None))
    elif filters.status == "open":
        stmt = stmt.where(PostRecipient.done_at.is_(None))
    elif filters.status == "overdue":
        stmt = stmt.where(_overdue(now))
    return stmt


def items_query(user: User, filters: ManagerFilters, now: datetime):
    return _base(user, filters, "action", now)


def items_order(now: datetime):
    """Overdue first, then flash first, then the soonest due date, then the oldest."""
    late_first = case((_overdue(now), 0), else_=1)
    return (
        [late_first, PRIORITY_RANK, due_sort_key(), Post.id, PostRecipient.user_id],
        [False, False, False, False, False],
    )


def status_of(recipient: PostRecipient, post: Post, now: datetime) -> str:
    if recipient.done_at is not None:
        return "done"
    if post.due_at is not None and post.due_at < now:
        return "overdue"
    return "open"


def summary(user: User, filters: ManagerFilters, now: datetime | None = None) -> dict:
    """Totals by unit and priority: open (overdue included), done, overdue; and info read rates."""
    now = now or utcnow()
    actions = _base(user, filters, "action", now).subquery()
    rows = db.session.execute(
        select(
            actions.c.unit_id,
            actions.c.priority,
            func.count(),
            func.sum(case((actions.c.done_at.is_not(None), 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            actions.c.done_at.is_(None), actions.c.due_at.is_not(None), actions.c.due_at < now
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).group_by(actions.c.unit_id, actions.c.priority)
    ).all()
    information = (
        # Information items have no status nor due date: those filters concern actions only.
        _base(
            user,
            ManagerFilters(**{**filters.__dict__, "status": None, "due_before": None}),
            "information",
            now,
        )
        .with_only_columns(
            PostRecipient.unit_id,
            case((PostRead.user_id.is_not(None), 1), else_=0).label("was_read"),
        )
        .outerjoin(PostRead, and_(PostRead.post_id == Post.id, PostRead.user_id == PostRecipient.user_id))
        .subquery()
    )
    reads = {
        unit_id: (total, read)
        for unit_id, total, read in db.session.execute(
            select(information.c.unit_id, func.count(), func.sum(information.c.was_read)).group_by(
                information.c.unit_id
            )
        )
    }
    units: dict[int, dict] = {}

    def bucket(unit_id: int) -> dict:
        if unit_id not in units:
            units[unit_id] = {
                "unit_id": unit_id,
                "by_priority": {p: {"open": 0, "done": 0, "overdue": 0} for p in PRIORITIES},
                "open": 0,
                "done": 0,
                "overdue": 0,
                "info_read_rate": None,
            }
        return units[unit_id]

    for unit_id, priority, total, done, overdue in rows:
        entry = bucket(unit_id)
        counts = {"open": total - (done or 0), "done": done or 0, "overdue": overdue or 0}
        entry["by_priority"][priority] = counts
        for key, value in counts.items():
            entry[key] += value
    for unit_id, (total, read) in reads.items():
        bucket(unit_id)["info_read_rate"] = round((read or 0) / total, 3) if total else None
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(units))).all())
    ordered = sorted(units.values(), key=lambda entry: paths.get(entry["unit_id"], ""))
    for entry in ordered:
        unit_id = entry.pop("unit_id")
        entry["unit"] = {"id": unit_id, "path": paths.get(unit_id)}
    return {
        "units": ordered,
        "totals": {key: sum(e[key] for e in ordered) for key in ("open", "done", "overdue")},
    }


def items_page(user: User, filters: ManagerFilters, limit: int, cursor: str | None, now: datetime) -> dict:
    """A page of action items, each with its post, holder, unit, status and age (API shape)."""
    from feed.desk import NO_DUE_DATE
    from feed.presenters import present_posts
    from rse.api import keyset_page

    columns, directions = items_order(now)
    page = keyset_page(
        items_query(user, filters, now),
        limit=limit,
        cursor=cursor,
        key_columns=columns,
        descending=directions,
        scalars=False,
        key_of=lambda row: (
            0 if status_of(row.PostRecipient, row.Post, now) == "overdue" else 1,
            PRIORITIES.index(row.Post.priority),
            (row.Post.due_at or NO_DUE_DATE).isoformat(),
            row.Post.id,
            row.PostRecipient.user_id,
        ),
    )
    rows = page["items"]
    posts = present_posts(user, [row.Post for row in rows])
    holders = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_({row.PostRecipient.user_id for row in rows}))
        ).all()
    )
    paths = dict(
        db.session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_({row.PostRecipient.unit_id for row in rows}))
        ).all()
    )
    items = []
    for row, post in zip(rows, posts, strict=True):
        recipient = row.PostRecipient
        items.append(
            {
                "post": post,
                "holder": {"type": "user", "id": recipient.user_id, "name": holders.get(recipient.user_id)},
                "unit": {"id": recipient.unit_id, "path": paths.get(recipient.unit_id)}
                if recipient.unit_id
                else None,
                "status": status_of(recipient, row.Post, now),
                "age_hours": int((now - row.Post.created_at).total_seconds() // 3600),
                "done_at": recipient.done_at,
            }
        )
    return {"items": items, "next": page["next"]}
