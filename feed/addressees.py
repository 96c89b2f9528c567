"""Addressees of a post: validation against who can read the community, and fan-out to people."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, literal, or_, select, update

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


def replace(post, action: list[tuple[str, int]], information: list[tuple[str, int]]) -> None:
    """Store the addressing rows and (re)compute the people reached, keeping done marks."""
    post.addressees = [
        PostAddressee(kind=kind, target_type=target_type, target_id=target_id)
        for kind, targets in (("action", action), ("information", information))
        for target_type, target_id in targets
    ]
    db.session.flush()
    done = dict(
        db.session.execute(
            select(PostRecipient.user_id, PostRecipient.done_at).where(
                PostRecipient.post_id == post.id,
                PostRecipient.done_at.is_not(None),
                PostRecipient.personal.is_(False),
            )
        ).all()
    )
    # Rows people put on their own desk stay: addressing did not make them.
    db.session.execute(
        delete(PostRecipient).where(PostRecipient.post_id == post.id, PostRecipient.personal.is_(False))
    )
    if post.qualification is not None:
        for kind, targets in (("action", action), ("information", information)):
            if targets:
                _fan_out(post, kind, targets)
        for user_id, done_at in done.items():
            db.session.execute(
                update(PostRecipient)
                .where(
                    PostRecipient.post_id == post.id,
                    PostRecipient.user_id == user_id,
                    PostRecipient.kind == "action",
                )
                .values(done_at=done_at)
            )
    tallies.recount_post(post.id)


def _fan_out(post, kind: str, targets: list[tuple[str, int]]) -> None:
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
    people = (
        select(literal(post.id), User.id, literal(kind), User.unit_id)
        .select_from(User)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(permissions.readers_of_community(post.community), or_(*reached), User.id.not_in(already))
    )
    db.session.execute(insert(PostRecipient).from_select(["post_id", "user_id", "kind", "unit_id"], people))
