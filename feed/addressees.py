"""Addressees of a post: validation against who can read the community, and fan-out to people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, case, delete, exists, insert, literal, null, or_, select, update

from communities.models import Community
from feed import tallies
from feed.models import PostAddressee, PostRecipient
from rse import permissions
from rse.accounts.models import User
from rse.errors import _l
from rse.extensions import db
from rse.units.models import Unit


def validate(community: Community, field: str, items: list[dict]) -> tuple[list[tuple[str, int]], dict]:
    """Check each ``{"type", "id"}``; return the distinct targets and the errors by dotted field."""
    targets: list[tuple[str, int]] = []
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        key = (item["type"], item["id"])
        if key in targets:
            continue
        if item["type"] == "user":
            person = db.session.get(User, item["id"])
            if person is None or not person.active:
                errors[f"{field}.{index}.id"] = [_l("Unknown person.")]
            elif not permissions.can_read_community(person, community):
                errors[f"{field}.{index}.id"] = [_l("%(name)s cannot read this community.", name=person.name)]
        else:
            unit = db.session.get(Unit, item["id"])
            if unit is None:
                errors[f"{field}.{index}.id"] = [_l("Unknown unit.")]
            elif not _unit_has_readers(unit, community):
                errors[f"{field}.{index}.id"] = [
                    _l("Nobody in %(unit)s can read this community.", unit=unit.path)
                ]
        targets.append(key)
    return targets, errors


def _unit_has_readers(unit: Unit, community: Community) -> bool:
    return db.session.scalar(
        select(
            exists()
            .where(User.unit_id == Unit.id)
            .where(Unit.id_path.startswith(unit.id_path, autoescape=True))
            .where(permissions.readers_of_community(community))
        )
    )


ID_CHUNK = 500


@dataclass(frozen=True)
class Notice:
    """The "asks you to act" notification shared by the people an addressing reaches."""

    id: int
    actor_id: int


def replace(
    post, action: list[tuple[str, int]], information: list[tuple[str, int]], notice: Notice | None = None
) -> None:
    """Store the addressing rows and (re)compute the people reached, keeping done marks.

    People newly asked to act get ``notice`` (not its actor); those who were already asked keep
    the notice they had, read or not.
    """
    post.addressees = [
        PostAddressee(kind=kind, target_type=target_type, target_id=target_id)
        for kind, targets in (("action", action), ("information", information))
        for target_type, target_id in targets
    ]
    db.session.flush()
    before = db.session.execute(
        select(
            PostRecipient.user_id,
            PostRecipient.done_at,
            PostRecipient.notice_id,
            PostRecipient.notice_read_at,
        ).where(
            PostRecipient.post_id == post.id,
            PostRecipient.kind == "action",
            PostRecipient.personal.is_(False),
        )
    ).all()
    # Rows people put on their own desk stay: addressing did not make them.
    db.session.execute(
        delete(PostRecipient).where(PostRecipient.post_id == post.id, PostRecipient.personal.is_(False))
    )
    if post.qualification is not None:
        for kind, targets in (("action", action), ("information", information)):
            if targets:
                _fan_out(post, kind, targets, notice if kind == "action" else None)
        _restore(post, before, notice)
    tallies.recount_post(post.id)


def _restore(post, before, notice: Notice | None) -> None:
    """Give the people still asked to act their done mark and their notice back."""
    still_acting = (
        update(PostRecipient)
        .where(PostRecipient.post_id == post.id, PostRecipient.kind == "action")
        .execution_options(synchronize_session=False)
    )
    by_notice: dict[int | None, list[int]] = {}
    for row in before:
        by_notice.setdefault(row.notice_id, []).append(row.user_id)
    # A handful of statements (one per earlier notice), not one per person of a large unit.
    for notice_id, user_ids in by_notice.items():
        if notice is None and notice_id is None:
            continue
        for start in range(0, len(user_ids), ID_CHUNK):
            chunk = user_ids[start : start + ID_CHUNK]
            db.session.execute(
                still_acting.where(PostRecipient.user_id.in_(chunk)).values(notice_id=notice_id)
            )
    marked = [
        {"person": row.user_id, "done": row.done_at, "read": row.notice_read_at}
        for row in before
        if row.done_at is not None or row.notice_read_at is not None
    ]
    if marked:
        db.session.connection().execute(
            still_acting.where(PostRecipient.user_id == bindparam("person")).values(
                done_at=bindparam("done"), notice_read_at=bindparam("read")
            ),
            marked,
        )


def _fan_out(post, kind: str, targets: list[tuple[str, int]], notice: Notice | None = None) -> None:
    """One INSERT ... SELECT per kind, whatever the size of the addressed units."""
    user_ids = [target_id for target_type, target_id in targets if target_type == "user"]
    unit_ids = [target_id for target_type, target_id in targets if target_type == "unit"]
    reached = []
    if user_ids:
        reached.append(User.id.in_(user_ids))
    if unit_ids:
        prefixes = db.session.scalars(select(Unit.id_path).where(Unit.id.in_(unit_ids))).all()
        in_units = or_(*[Unit.id_path.startswith(prefix, autoescape=True) for prefix in prefixes])
        # The author does not receive what they send to their own unit.
        reached.append(in_units & (User.id != post.author_id))
    already = select(PostRecipient.user_id).where(PostRecipient.post_id == post.id)
    # Whoever addresses the post is not notified of their own request.
    notice_id = (
        case((User.id == notice.actor_id, null()), else_=literal(notice.id)) if notice is not None else null()
    )
    people = (
        select(literal(post.id), User.id, literal(kind), User.unit_id, notice_id)
        .select_from(User)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(permissions.readers_of_community(post.community), or_(*reached), User.id.not_in(already))
    )
    db.session.execute(
        insert(PostRecipient).from_select(["post_id", "user_id", "kind", "unit_id", "notice_id"], people)
    )
