"""Post rules and state changes: write, qualify, edit with history, delete, read and done marks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from communities.models import Community
from feed import addressees as addressing
from feed import notifications, tallies
from feed.models import (
    PRIORITIES,
    QUALIFICATIONS,
    AuditEvent,
    Post,
    PostMention,
    PostRead,
    PostRecipient,
    PostTag,
    Revision,
)
from feed.rendering import parse_mentions, parse_tags, render_markdown
from rse import events, permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Forbidden, Invalid, NotFound, _l
from rse.extensions import db
from rse.units.models import Unit
from search.outbox import enqueue as enqueue_for_search

MAX_TAGS = 20
TRACKED_FIELDS = (
    "title",
    "body",
    "qualification",
    "priority",
    "due_at",
    "tags",
    "action_addressees",
    "info_addressees",
)


def get_post_or_404(user: User, post_id: int) -> Post:
    """A post the caller may read; 403 inside a restricted community they know, 404 otherwise."""
    post = db.session.get(Post, post_id)
    if (
        post is None
        or post.deleted_at is not None
        or not permissions.can_know_community(user, post.community)
    ):
        raise NotFound()
    if not permissions.can_read_post(user, post):
        raise Forbidden("Only members may see the content of this community.")
    return post


def posts_query(
    user: User,
    community: Community,
    *,
    qualification: str | None = None,
    priority: str | None = None,
    tag: str | None = None,
):
    if not permissions.can_read_community(user, community):
        raise Forbidden("Only members may see the content of this community.")
    stmt = select(Post).where(Post.community_id == community.id, Post.deleted_at.is_(None))
    if qualification == "none":
        stmt = stmt.where(Post.qualification.is_(None))
    elif qualification:
        stmt = stmt.where(Post.qualification == qualification)
    if priority:
        stmt = stmt.where(Post.priority == priority)
    if tag:
        stmt = stmt.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag == tag.lower().lstrip("#"))))
    return stmt


def _normalise_tags(explicit: list[str], body: str) -> list[str]:
    tags: dict[str, None] = {}
    for tag in [*explicit, *parse_tags(body)]:
        cleaned = tag.strip().lstrip("#").lower()
        if cleaned:
            tags.setdefault(cleaned[:64], None)
    return list(tags)


def _check_rules(fields: dict, community: Community) -> tuple[list, list, dict]:
    """The rules of a qualified post; returns the validated targets and the errors by field."""
    errors: dict[str, list[str]] = {}
    qualification = fields["qualification"]
    if qualification not in (None, *QUALIFICATIONS):
        errors["qualification"] = ["One of action, information or null."]
    if fields["priority"] not in PRIORITIES:
        errors["priority"] = [f"One of {', '.join(PRIORITIES)}."]
    action, action_errors = addressing.validate(community, "action_addressees", fields["action_addressees"])
    information, info_errors = addressing.validate(community, "info_addressees", fields["info_addressees"])
    errors.update(action_errors)
    errors.update(info_errors)
    if qualification == "action" and not fields["action_addressees"]:
        errors.setdefault("action_addressees", [_l("An action post needs at least one action addressee.")])
    if qualification != "action" and fields["action_addressees"]:
        errors.setdefault("action_addressees", [_l("Only action posts have action addressees.")])
    if qualification is None and fields["info_addressees"]:
        errors.setdefault("info_addressees", [_l("Qualify the post to address it.")])
    if fields["due_at"] is not None and qualification != "action":
        errors["due_at"] = [_l("Only action posts have a due date.")]
    if len(fields["tags"]) > MAX_TAGS:
        errors["tags"] = [_l("At most %(count)d tags.", count=MAX_TAGS)]
    return action, information, errors


def _set_tags_and_mentions(post: Post, tags: list[str]) -> set[int]:
    """Store the tags and the mentions written in the body; return the mentioned people's ids."""
    post.tag_rows = [PostTag(tag=tag) for tag in tags]
    handles = parse_mentions(post.body)
    db.session.query(PostMention).filter(PostMention.post_id == post.id).delete()
    if not handles:
        return set()
    mentioned = set(
        db.session.scalars(select(User.id).where(User.handle.in_(handles), User.active.is_(True))).all()
    )
    db.session.add_all(PostMention(post_id=post.id, user_id=user_id) for user_id in mentioned)
    return mentioned


def _notify_mentions(post: Post, actor: User, user_ids: set[int]) -> None:
    """Only people who can read the post hear about it."""
    readers = [
        user.id
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids)))
        if permissions.can_read_post(user, post)
    ]
    notifications.notify(readers, "mention", actor=actor, post=post)


def create_post(
    author: User,
    community: Community,
    *,
    title: str,
    body: str,
    qualification: str | None = None,
    priority: str = "routine",
    action_addressees: list[dict] | None = None,
    info_addressees: list[dict] | None = None,
    due_at: datetime | None = None,
    tags: list[str] | None = None,
) -> Post:
    if not permissions.can_contribute(author, community):
        raise Forbidden("Only members may write in this community.")
    fields = {
        "qualification": qualification,
        "priority": priority,
        "action_addressees": action_addressees or [],
        "info_addressees": info_addressees or [],
        "due_at": due_at,
        "tags": _normalise_tags(tags or [], body),
    }
    action, information, errors = _check_rules(fields, community)
    if errors:
        raise Invalid("The post cannot be written.", errors)
    now = utcnow()
    post = Post(
        community_id=community.id,
        author_id=author.id,
        title=title.strip(),
        body=body,
        body_html=render_markdown(body),
        qualification=qualification,
        priority=priority,
        due_at=due_at,
        created_at=now,
        updated_at=now,
    )
    post.community = community
    db.session.add(post)
    db.session.flush()
    mentioned = _set_tags_and_mentions(post, fields["tags"])
    notice = notifications.action_notice(post, author) if action else None
    addressing.replace(post, action, information, notice)
    if notice is not None:
        notifications.announce(post, notice)
    _notify_mentions(post, author, mentioned)
    enqueue_for_search("post", post.id)
    db.session.flush()
    events.post_created(post)
    return post


def addressee_refs(post: Post, kind: str) -> list[dict]:
    return sorted(
        ({"type": row.target_type, "id": row.target_id} for row in post.addressees if row.kind == kind),
        key=lambda ref: (ref["type"], ref["id"]),
    )


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def update_post(user: User, post: Post, changes: dict) -> Post:
    """Edit, re-qualify or re-address a post; the change is kept in its history."""
    if not permissions.can_edit_post(user, post):
        raise Forbidden("Only the author or an animator may change this post.")
    current = {
        "title": post.title,
        "body": post.body,
        "qualification": post.qualification,
        "priority": post.priority,
        "due_at": post.due_at,
        "tags": post.tags,
        "action_addressees": addressee_refs(post, "action"),
        "info_addressees": addressee_refs(post, "information"),
    }
    wanted = {**current, **changes}
    if "tags" in changes or "body" in changes:
        wanted["tags"] = _normalise_tags(changes.get("tags", current["tags"]), wanted["body"])
    if wanted["qualification"] != "action" and "due_at" not in changes:
        wanted["due_at"] = None  # a due date belongs to an action
    if wanted["qualification"] != "action" and "action_addressees" not in changes:
        wanted["action_addressees"] = []
    for key in ("action_addressees", "info_addressees"):
        wanted[key] = sorted(
            ({"type": ref["type"], "id": ref["id"]} for ref in wanted[key]),
            key=lambda ref: (ref["type"], ref["id"]),
        )
    action, information, errors = _check_rules(wanted, post.community)
    if errors:
        raise Invalid("The post was not changed.", errors)
    diff = {
        field: [_jsonable(current[field]), _jsonable(wanted[field])]
        for field in TRACKED_FIELDS
        if current[field] != wanted[field]
    }
    if not diff:
        return post
    post.title = wanted["title"].strip()
    post.body = wanted["body"]
    post.body_html = render_markdown(post.body)
    post.qualification = wanted["qualification"]
    post.priority = wanted["priority"]
    post.due_at = wanted["due_at"]
    post.updated_at = utcnow()
    mentioned_before = set(
        db.session.scalars(select(PostMention.user_id).where(PostMention.post_id == post.id))
    )
    mentioned = _set_tags_and_mentions(post, wanted["tags"])
    _notify_mentions(post, user, mentioned - mentioned_before)
    if {"qualification", "action_addressees", "info_addressees"} & diff.keys():
        notice = notifications.action_notice(post, user) if action else None
        addressing.replace(post, action, information, notice)
        if notice is not None:
            notifications.announce(post, notice)
    elif {"priority", "due_at"} & diff.keys():
        tallies.copy_post_fields(post)
    db.session.add(Revision(target_type="post", target_id=post.id, by_id=user.id, changes=diff))
    if {"title", "body"} & diff.keys():
        _tell_the_portal(post, "edited")
    enqueue_for_search("post", post.id)
    db.session.flush()
    events.post_updated(post)
    return post


def _tell_the_portal(post: Post, what: str) -> None:
    """Portal items keep their snapshot of the post; their curators are told it changed."""
    from portal.services import source_post_changed  # the portal builds on posts, not the reverse

    source_post_changed(post, what)


def delete_post(user: User, post: Post) -> None:
    if not permissions.can_delete_post(user, post):
        raise Forbidden("Only the author, an animator or an administrator may delete this post.")
    post.deleted_at = utcnow()
    post.deleted_by_id = user.id
    tallies.forget_post(post.id)
    enqueue_for_search("post", post.id)
    db.session.add(
        AuditEvent(
            actor_id=user.id,
            action="post.deleted",
            target_type="post",
            target_id=post.id,
            details={"community_id": post.community_id, "author_id": post.author_id, "title": post.title},
        )
    )
    _tell_the_portal(post, "deleted")
    events.post_deleted(post)


def history(user: User, post: Post):
    return select(Revision).where(Revision.target_type == "post", Revision.target_id == post.id)


def mark_read(user: User, post: Post) -> datetime:
    existing = db.session.get(PostRead, (user.id, post.id))
    if existing is not None:
        return existing.read_at
    read = PostRead(user_id=user.id, post_id=post.id, read_at=utcnow())
    db.session.add(read)
    db.session.flush()
    tallies.add_reads(user.id, [post.id])
    events.desk_changed([user.id])
    return read.read_at


def _action_row(user: User, post: Post) -> PostRecipient:
    row = db.session.get(PostRecipient, (post.id, user.id))
    if row is None or row.kind != "action":
        raise Forbidden("Only the action's addressees mark it done.")
    return row


def mark_done(user: User, post: Post) -> datetime:
    row = _action_row(user, post)
    if row.done_at is None:
        row.done_at = utcnow()
        tallies.add_done(row, 1)
        mark_read(user, post)
        events.desk_changed([user.id])
    return row.done_at


def mark_not_done(user: User, post: Post) -> None:
    row = _action_row(user, post)
    if row.done_at is not None:
        row.done_at = None
        tallies.add_done(row, -1)
    events.desk_changed([user.id])


def receipts(user: User, post: Post) -> dict:
    """Who among the addressees has read and done the post, per person and per unit."""
    if not permissions.can_see_receipts(user, post):
        raise Forbidden("Only the author and the animators see the receipts.")
    rows = db.session.execute(
        select(User.id, User.name, User.unit_id, PostRead.read_at, PostRecipient.done_at, PostRecipient.kind)
        .select_from(PostRecipient)
        .join(User, User.id == PostRecipient.user_id)
        .outerjoin(PostRead, (PostRead.post_id == PostRecipient.post_id) & (PostRead.user_id == User.id))
        # Rows people put on their own desk (veille) are theirs: the author addressed nobody there.
        .where(PostRecipient.post_id == post.id, PostRecipient.personal.is_(False))
        .order_by(User.name, User.id)
    ).all()
    unit_paths = dict(
        db.session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_({row.unit_id for row in rows if row.unit_id}))
        ).all()
    )
    by_unit: dict[int | None, dict] = {}
    for row in rows:
        bucket = by_unit.setdefault(
            row.unit_id,
            {
                "unit": {"id": row.unit_id, "path": unit_paths.get(row.unit_id)} if row.unit_id else None,
                "addressees": 0,
                "read": 0,
                "done": 0,
            },
        )
        bucket["addressees"] += 1
        bucket["read"] += row.read_at is not None
        bucket["done"] += row.done_at is not None
    return {
        "addressees": len(rows),
        "read": sum(row.read_at is not None for row in rows),
        "done": sum(row.done_at is not None for row in rows),
        "by_unit": sorted(by_unit.values(), key=lambda b: (b["unit"] or {}).get("path") or ""),
        "people": [
            {
                "user": {"id": row.id, "name": row.name},
                "unit_id": row.unit_id,
                "kind": row.kind,
                "read_at": row.read_at,
                "done_at": row.done_at,
            }
            for row in rows
        ],
    }
