"""The manager's view: the action and information items addressed into the units they manage.

Scope is the subtree of every unit the manager manages; an item is counted under the unit its
holder belonged to when it was addressed (``post_recipients.unit_id``). A manager only sees items
they may read themselves: the permission module filters the posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, literal, literal_column, or_, select

from feed.desk import PRIORITY_RANK, due_sort_key
from feed.models import PRIORITIES, Post, PostRecipient, RecipientTally
from rse import permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Forbidden
from rse.extensions import db
from rse.units.models import Unit

DEFAULT_PERIOD = timedelta(days=90)
assert list(PRIORITIES) == sorted(PRIORITIES), "the items' late part walks priorities by name"


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


def _tallies(user: User, filters: ManagerFilters, kind: str, now: datetime):
    """The tallies matching the filters (the same rows as ``_base``, a row per post and unit)."""
    after = filters.after or (now - DEFAULT_PERIOD)
    stmt = select().where(
        RecipientTally.kind == kind,
        RecipientTally.unit_id.in_(_scope_units(user, filters.unit_id)),
        RecipientTally.created_at >= after,
        permissions.readable_tallies(user),
    )
    if filters.before:
        stmt = stmt.where(RecipientTally.created_at < filters.before)
    if filters.priority:
        stmt = stmt.where(RecipientTally.priority == filters.priority)
    if filters.community_id:
        stmt = stmt.where(RecipientTally.community_id == filters.community_id)
    return stmt


def summary(user: User, filters: ManagerFilters, now: datetime | None = None) -> dict:
    """Totals by unit and priority: open (overdue included), done, overdue; and info read rates.

    Added up from the per post and unit tallies, not from one row per person reached.
    """
    now = now or utcnow()
    late = and_(RecipientTally.due_at.is_not(None), RecipientTally.due_at < now)
    open_count = RecipientTally.reached - RecipientTally.done
    overdue_count = case((late, open_count), else_=0)
    # A status filter keeps only the people in that status, as it keeps their rows in the items.
    total, done, overdue = {
        None: (RecipientTally.reached, RecipientTally.done, overdue_count),
        "open": (open_count, literal_column("0"), overdue_count),
        "done": (RecipientTally.done, RecipientTally.done, literal_column("0")),
        "overdue": (overdue_count, literal_column("0"), overdue_count),
    }[filters.status]
    actions = _tallies(user, filters, "action", now)
    if filters.due_before:
        actions = actions.where(RecipientTally.due_at < filters.due_before)
    rows = db.session.execute(
        actions.add_columns(
            RecipientTally.unit_id,
            RecipientTally.priority,
            func.sum(total),
            func.sum(done),
            func.sum(overdue),
        ).group_by(RecipientTally.unit_id, RecipientTally.priority)
    ).all()
    # Information items have no status nor due date: those filters concern actions only.
    reads = {
        unit_id: (reached, read)
        for unit_id, reached, read in db.session.execute(
            _tallies(user, filters, "information", now)
            .add_columns(
                RecipientTally.unit_id, func.sum(RecipientTally.reached), func.sum(RecipientTally.read)
            )
            .group_by(RecipientTally.unit_id)
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

    for unit_id, priority, total_found, done_found, overdue_found in rows:
        if not total_found:
            continue  # tallies with nobody in the wanted status
        entry = bucket(unit_id)
        counts = {"open": total_found - done_found, "done": done_found, "overdue": overdue_found}
        entry["by_priority"][priority] = counts
        for key, value in counts.items():
            entry[key] += value
    for unit_id, (reached, read) in reads.items():
        bucket(unit_id)["info_read_rate"] = round((read or 0) / reached, 3) if reached else None
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(units))).all())
    ordered = sorted(units.values(), key=lambda entry: paths.get(entry["unit_id"], ""))
    for entry in ordered:
        unit_id = entry.pop("unit_id")
        entry["unit"] = {"id": unit_id, "path": paths.get(unit_id)}
    return {
        "units": ordered,
        "totals": {key: sum(e[key] for e in ordered) for key in ("open", "done", "overdue")},
    }


def _page_posts(user: User, filters: ManagerFilters, limit: int, cursor: str | None, now: datetime):
    """The posts whose items can fill the page after ``cursor``, found from the tallies.

    The items are ordered post by post: first the overdue people of each late post, then everybody
    else, each part by priority, due date and post. The tallies tell how many items each post has
    in each part, so the posts of the page are the first ones in that order until their items fill
    it; the page itself then sorts the people of those few posts only, instead of every person of a
    ministry. Every part taken has at least one item, so ``limit + 1`` posts per part are enough.
    """
    from feed.desk import NO_DUE_DATE
    from rse.api import bad_cursor, decode_cursor, keyset_after, typed_cursor_values

    late = and_(RecipientTally.due_at.is_not(None), RecipientTally.due_at < now)
    open_count = func.sum(RecipientTally.reached - RecipientTally.done)
    reached, done = func.sum(RecipientTally.reached), func.sum(RecipientTally.done)
    # Items per post in each part: the overdue people of a late post, then the others.
    late_part = {None: open_count, "open": open_count, "overdue": open_count, "done": None}[filters.status]
    other_part = {
        None: case((late, done), else_=reached),
        "open": case((late, literal_column("0")), else_=open_count),
        "overdue": None,
        "done": done,
    }[filters.status]
    rank = case({priority: rank for rank, priority in enumerate(PRIORITIES)}, value=RecipientTally.priority)
    due_key = func.coalesce(RecipientTally.due_at, literal(NO_DUE_DATE, type_=RecipientTally.due_at.type))
    # Late posts all have a due date, and priorities sort by name as by urgency: the late part's
    # order is plain columns, which ``ix_recipient_tallies_late_walk`` walks (no sort, a LIMIT).
    keys = {
        0: [RecipientTally.priority, RecipientTally.due_at, RecipientTally.post_id],
        1: [rank, due_key, RecipientTally.post_id],
    }
    after = decode_cursor(cursor, 5)
    if after is not None:
        after = typed_cursor_values(after, items_order(now)[0])
        if not 0 <= after[1] < len(PRIORITIES):
            bad_cursor()
    actions = _tallies(user, filters, "action", now)
    if filters.due_before:
        actions = actions.where(RecipientTally.due_at < filters.due_before)
    if filters.status == "done":
        actions = actions.where(RecipientTally.done > 0)
    elif filters.status in ("open", "overdue"):
        actions = actions.where(RecipientTally.reached > RecipientTally.done)

    picked: dict[int, None] = {}
    wanted = limit + 1
    for part, count in ((0, late_part), (1, other_part)):
        if count is None or (after is not None and after[0] > part):
            continue
        stmt = actions.add_columns(RecipientTally.post_id, count)
        if part == 0:
            stmt = stmt.where(late)
        key = keys[part]
        if after is not None and after[0] == part:
            # From the cursor's post on (ids are integers: "after id - 1" includes it); what is
            # left of that post is unknown, so it counts for nothing.
            start = [PRIORITIES[after[1]] if part == 0 else after[1], after[2], after[3] - 1]
            stmt = stmt.where(keyset_after(key, start, [False] * 3))
        grouped = key if part == 0 else [*key, RecipientTally.due_at]  # the counts test due_at
        stmt = stmt.group_by(*grouped).having(count > 0).order_by(*key).limit(wanted + 1)
        for post_id, items in db.session.execute(stmt):
            picked[post_id] = None
            if after is None or after[0] != part or post_id != after[3]:
                wanted -= items
            if wanted <= 0:
                return list(picked)
    return list(picked)


def items_page(user: User, filters: ManagerFilters, limit: int, cursor: str | None, now: datetime) -> dict:
    """A page of action items, each with its post, holder, unit, status and age (API shape)."""
    from feed.desk import NO_DUE_DATE
    from feed.presenters import present_posts
    from rse.api import keyset_page

    columns, directions = items_order(now)
    post_ids = _page_posts(user, filters, limit, cursor, now)
    page = keyset_page(
        items_query(user, filters, now).where(Post.id.in_(post_ids), PostRecipient.post_id.in_(post_ids)),
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
