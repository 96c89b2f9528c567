"""Forwarding up the hierarchy: each level's managers keep, close or forward the few that matter.

"The level above" (API contract): for someone who manages no unit, the managers of their own
unit; for a manager, the managers of the nearest ancestor of the unit they manage; in both cases,
where a unit has no manager, the nearest ancestor that has one. Forwarding never widens who may
read a post: it is refused when no manager of the level above may read it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from feed import notifications
from feed.models import PRIORITIES, Post, SelectionItem, SelectionNote
from rse import events, permissions
from rse.accounts.models import ManagedUnit, User
from rse.db_types import utcnow
from rse.errors import Conflict, Forbidden, Invalid, NotFound, _l
from rse.extensions import db
from rse.units.models import Unit

DEFAULT_FUNNEL_PERIOD = timedelta(days=7)


def _managers_of(unit: Unit) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(ManagedUnit, ManagedUnit.user_id == User.id)
            .where(ManagedUnit.unit_id == unit.id, User.active.is_(True))
        )
    )


def _nearest_managed(ancestor_ids: list[int], excluding: User) -> Unit | None:
    """The nearest of these units (listed from the top down) that has a manager other than ``excluding``."""
    for unit_id in reversed(ancestor_ids):
        unit = db.session.get(Unit, unit_id)
        if any(manager.id != excluding.id for manager in _managers_of(unit)):
            return unit
    return None


def level_above_for(user: User) -> Unit | None:
    managed = sorted(user.managed_units, key=lambda unit: unit.depth)
    if managed:
        return _nearest_managed(managed[0].ancestor_ids[:-1], user)
    if user.unit is None:
        return None
    return _nearest_managed(user.unit.ancestor_ids, user)


def _item_priority(item: SelectionItem | None, base: str, asked: str | None) -> str:
    candidates = [asked or base]
    if item is not None:
        candidates.append(item.priority)
    return min(candidates, key=PRIORITIES.index)


def _send_up(
    user: User, post: Post, target: Unit | None, note: str, priority: str | None, from_unit_id, base: str
):
    """Create or join the item at ``target``; ``base`` is the priority it carries unless one is asked."""
    if target is None:
        raise Conflict(_l("There is no level above to forward to."))
    receivers = [manager for manager in _managers_of(target) if manager.id != user.id]
    readers = [manager for manager in receivers if permissions.can_read_post(manager, post)]
    if not readers:
        raise Invalid(
            _l("The post was not forwarded: the managers of the level above cannot read it."),
            {
                "post": [
                    _l(
                        "The managers of %(unit)s cannot read this post; forwarding never widens who reads it.",
                        unit=target.path,
                    )
                ]
            },
        )
    item = db.session.scalar(
        select(SelectionItem).where(SelectionItem.post_id == post.id, SelectionItem.unit_id == target.id)
    )
    now = utcnow()
    if item is None:
        item = SelectionItem(
            post_id=post.id, unit_id=target.id, priority=_item_priority(None, base, priority)
        )
        item.created_at = now
        db.session.add(item)
    else:
        item.priority = _item_priority(item, base, priority)
        if item.status in ("closed", "forwarded"):
            item.status = "open"  # it is news again at this level
    item.updated_at = now
    db.session.flush()
    db.session.add(
        SelectionNote(
            item_id=item.id,
            by_id=user.id,
            unit_id=from_unit_id,
            action="forward",
            note=note,
            priority=priority,
            at=now,
        )
    )
    notifications.notify([m.id for m in readers], "forward", actor=user, post=post, selection_item_id=item.id)
    events.selection_updated(item)
    return item


def forward_post(user: User, post: Post, note: str, priority: str | None = None) -> SelectionItem:
    """A reader sends a post to the level above them."""
    if not permissions.can_read_post(user, post):
        raise NotFound()
    managed = sorted(user.managed_units, key=lambda unit: unit.depth)
    from_unit = managed[0] if managed else user.unit
    return _send_up(
        user, post, level_above_for(user), note, priority, from_unit.id if from_unit else None, post.priority
    )


def get_item_or_404(user: User, item_id: int) -> SelectionItem:
    item = db.session.get(SelectionItem, item_id)
    if item is None or item.unit_id not in {unit.id for unit in user.managed_units}:
        raise NotFound()
    if not permissions.can_read_post(user, item.post):
        raise NotFound()
    return item


def level_above_unit(unit: Unit, user: User) -> Unit | None:
    """Where the managers of ``unit`` forward to: its nearest ancestor that has another manager."""
    return _nearest_managed(unit.ancestor_ids[:-1], user)


def forward_item(user: User, item: SelectionItem, note: str, priority: str | None = None) -> SelectionItem:
    """A manager sends an item of their selection one level further up."""
    unit = db.session.get(Unit, item.unit_id)
    target = level_above_unit(unit, user)
    # A priority raised on the way up stays raised unless this level says otherwise.
    forwarded = _send_up(user, item.post, target, note, priority, unit.id, item.priority)
    item.status = "forwarded"
    item.updated_at = utcnow()
    events.selection_updated(item)
    return forwarded


def _decide(user: User, item: SelectionItem, action: str, status: str, note: str) -> SelectionItem:
    now = utcnow()
    item.status = status
    item.updated_at = now
    db.session.add(
        SelectionNote(item_id=item.id, by_id=user.id, unit_id=item.unit_id, action=action, note=note, at=now)
    )
    events.selection_updated(item)
    return item


def keep_item(user: User, item: SelectionItem, note: str) -> SelectionItem:
    return _decide(user, item, "keep", "kept", note)


def close_item(user: User, item: SelectionItem, note: str) -> SelectionItem:
    return _decide(user, item, "close", "closed", note)


def selection_query(user: User, status: str | None = None):
    managed_ids = [unit.id for unit in user.managed_units]
    if not managed_ids:
        raise Forbidden("Only managers have a selection.")
    stmt = (
        select(SelectionItem)
        .join(Post, Post.id == SelectionItem.post_id)
        .where(SelectionItem.unit_id.in_(managed_ids), permissions.readable_posts(user))
    )
    if status:
        stmt = stmt.where(SelectionItem.status == status)
    return stmt


def open_count(user: User) -> int:
    if not user.managed_units:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(
            selection_query(user, "open").with_only_columns(SelectionItem.id).subquery()
        )
    )


def chain(items: list[SelectionItem]) -> dict[int, list[SelectionNote]]:
    """For each item, every note about its post at its level and below, oldest first."""
    post_ids = {item.post_id for item in items}
    rows = db.session.execute(
        select(SelectionNote, SelectionItem.post_id, Unit.id_path)
        .options(joinedload(SelectionNote.by))
        .join(SelectionItem, SelectionItem.id == SelectionNote.item_id)
        .join(Unit, Unit.id == SelectionItem.unit_id)
        .where(SelectionItem.post_id.in_(post_ids))
        .order_by(SelectionNote.at, SelectionNote.id)
    ).all()
    paths = dict(
        db.session.execute(select(Unit.id, Unit.id_path).where(Unit.id.in_({i.unit_id for i in items}))).all()
    )
    # The notes that brought the post to this level, from this level and every level below it.
    return {
        item.id: [
            note
            for note, post_id, id_path in rows
            if post_id == item.post_id and id_path.startswith(paths[item.unit_id])
        ]
        for item in items
    }


def funnel(user: User, unit_id: int | None, after: datetime | None, before: datetime | None) -> list[dict]:
    """For each unit of the subtree whose managers received items in the period: what came and went."""
    managed = sorted(user.managed_units, key=lambda unit: unit.depth)
    if not managed:
        raise Forbidden("Only managers see the funnel.")
    root = managed[0]
    if unit_id is not None:
        root = db.session.get(Unit, unit_id)
        if root is None or not any(root.id_path.startswith(unit.id_path) for unit in managed):
            raise Forbidden("This unit is outside the units you manage.")
    now = utcnow()
    after = after or now - DEFAULT_FUNNEL_PERIOD
    before = before or now
    rows = db.session.execute(
        select(Unit.id, Unit.path, Unit.depth, SelectionItem.status, func.count())
        .join(SelectionItem, SelectionItem.unit_id == Unit.id)
        .join(Post, Post.id == SelectionItem.post_id)
        .where(
            Unit.id_path.startswith(root.id_path, autoescape=True),
            SelectionItem.created_at >= after,
            SelectionItem.created_at < before,
            permissions.readable_posts(user),
        )
        .group_by(Unit.id, Unit.path, Unit.depth, SelectionItem.status)
    ).all()
    levels: dict[int, dict] = {}
    for unit, path, depth, status, count in rows:
        level = levels.setdefault(
            unit,
            {"unit": {"id": unit, "path": path}, "depth": depth - root.depth, "arrived": 0,
             "forwarded": 0, "kept": 0, "closed": 0, "open": 0},
        )  # fmt: skip
        level["arrived"] += count
        level[status] += count
    return sorted(levels.values(), key=lambda level: (level["depth"], level["unit"]["path"]))
