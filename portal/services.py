"""Portal rules and state changes: sections, publication, edits with history, comments, reactions.

Every change to an item is kept in its history (``PortalItemRevision``). The body is a snapshot of
the source post: editing or deleting the source later flags the item (``source_changed``) for the
curators instead of changing what readers see.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from communities.services import slugify
from feed import notifications
from feed.comments import REACTIONS
from feed.models import Post
from feed.rendering import render_markdown
from portal.models import (
    CurationProposal,
    PortalComment,
    PortalItem,
    PortalItemRevision,
    PortalReaction,
    PortalSection,
)
from rse import events, permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.errors import Conflict, Forbidden, Invalid, NotFound, _l
from rse.extensions import db
from search.outbox import enqueue as enqueue_for_search

SECTION_SIZE = 20  # items shown per section on the front page
EDITABLE_FIELDS = (
    "section_id",
    "headline",
    "standfirst",
    "body",
    "published_at",
    "ends_at",
    "pinned",
    "position",
)


def require_curator(user: User) -> None:
    if not permissions.can_curate(user):
        raise Forbidden(_l("Only curators may do this."))


# Sections ---------------------------------------------------------------------------------------


def sections() -> list[PortalSection]:
    return list(db.session.scalars(select(PortalSection).order_by(PortalSection.position, PortalSection.id)))


def create_section(user: User, name: str, slug: str | None = None) -> PortalSection:
    require_curator(user)
    name = name.strip()
    if not name:
        raise Invalid("The section cannot be created.", {"name": [_l("A section needs a name.")]})
    slug = slugify(slug or name)
    if db.session.scalar(select(PortalSection.id).where(PortalSection.slug == slug)) is not None:
        raise Invalid(
            "The section cannot be created.",
            {"slug": [_l("Another section already uses this address.")]},
        )
    last = db.session.scalar(select(func.max(PortalSection.position))) or 0
    section = PortalSection(name=name, slug=slug, position=last + 1, created_by_id=user.id)
    db.session.add(section)
    db.session.flush()
    return section


def _section_or_invalid(section_id: int) -> PortalSection:
    section = db.session.get(PortalSection, section_id)
    if section is None:
        raise Invalid("Unknown section.", {"section_id": [_l("Not a section of the portal.")]})
    return section


# Reading ----------------------------------------------------------------------------------------


def display_order():
    return (
        PortalItem.pinned.desc(),
        PortalItem.position.asc(),
        PortalItem.published_at.desc(),
        PortalItem.id.desc(),
    )


def front_page(user: User) -> list[tuple[PortalSection, list[PortalItem]]]:
    """Every section with its readable items, pinned first, then by position and publication time."""
    if not permissions.can_read_portal(user):
        raise Forbidden()
    result = []
    readable = permissions.readable_portal_items(user)
    for section in sections():
        items = db.session.scalars(
            select(PortalItem)
            .where(PortalItem.section_id == section.id, readable)
            .order_by(*display_order())
            .limit(SECTION_SIZE)
        ).all()
        result.append((section, list(items)))
    return result


def get_item_or_404(user: User, item_id: int) -> PortalItem:
    item = db.session.get(PortalItem, item_id)
    if item is None or not permissions.can_read_portal_item(user, item):
        raise NotFound()
    return item


# Publication ------------------------------------------------------------------------------------


def _open_proposals(post: Post) -> list[CurationProposal]:
    return list(
        db.session.scalars(
            select(CurationProposal).where(
                CurationProposal.post_id == post.id, CurationProposal.status.in_(("pending", "approved"))
            )
        )
    )


def _check_times(published_at: datetime, ends_at: datetime | None, errors: dict) -> None:
    if ends_at is not None and ends_at <= published_at:
        errors["ends_at"] = [_l("The end must come after the publication.")]


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _record(item: PortalItem, user: User | None, action: str, changes: dict) -> None:
    db.session.add(
        PortalItemRevision(item_id=item.id, by_id=user.id if user else None, action=action, changes=changes)
    )


def publish(
    user: User,
    post_id: int,
    *,
    section_id: int,
    headline: str,
    standfirst: str = "",
    body: str | None = None,
    publish_at: datetime | None = None,
    ends_at: datetime | None = None,
    pinned: bool = False,
) -> PortalItem:
    """Put a post on the portal; its author and proposers are told."""
    require_curator(user)
    post = db.session.get(Post, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound()
    proposals = _open_proposals(post)
    if not permissions.can_publish_post(user, post, proposed=bool(proposals)):
        raise NotFound()
    already = db.session.scalar(
        select(PortalItem.id)
        .where(PortalItem.post_id == post.id, PortalItem.unpublished_at.is_(None))
        .limit(1)
    )
    if already is not None:
        raise Conflict(
            _l("This post is already on the portal: unpublish its item first to publish it again.")
        )
    if permissions.needs_animator_approval(post) and not any(p.approved_at for p in proposals):
        raise Conflict(_l("An animator of the source community must approve this post first."))
    errors: dict[str, list[str]] = {}
    if db.session.get(PortalSection, section_id) is None:
        errors["section_id"] = [_l("Not a section of the portal.")]
    if not headline.strip():
        errors["headline"] = [_l("A portal item needs a headline.")]
    now = utcnow()
    published_at = publish_at or now
    _check_times(published_at, ends_at, errors)
    if errors:
        raise Invalid("The item cannot be published.", errors)
    snapshot = post.body if body is None else body
    item = PortalItem(
        section_id=section_id,
        post_id=post.id,
        headline=headline.strip(),
        standfirst=standfirst.strip(),
        body=snapshot,
        body_html=render_markdown(snapshot),
        pinned=pinned,
        position=0,
        published_at=published_at,
        ends_at=ends_at,
        published_by_id=user.id,
        source_changed=False,
        comment_count=0,
        created_at=now,
        updated_at=now,
    )
    item.post = post
    db.session.add(item)
    db.session.flush()
    for proposal in proposals:
        proposal.status = "published"
        proposal.item_id = item.id
        proposal.decided_by_id = user.id
        proposal.decided_at = now
    _record(
        item,
        user,
        "publish",
        {
            "section_id": [None, section_id],
            "headline": [None, item.headline],
            "published_at": [None, _jsonable(published_at)],
            **({"ends_at": [None, _jsonable(ends_at)]} if ends_at else {}),
            **({"pinned": [False, True]} if pinned else {}),
        },
    )
    told = {post.author_id} | {proposal.proposer_id for proposal in proposals}
    notifications.notify(told, "published", actor=user, portal_item_id=item.id)
    db.session.flush()
    events.portal_item_published(item)
    enqueue_for_search("portal_item", item.id)
    return item


def update_item(user: User, item: PortalItem, changes: dict) -> PortalItem:
    """Edit, pin, reorder, reschedule; refresh the snapshot from the source or clear its flag."""
    require_curator(user)
    changes = dict(changes)
    refresh = changes.pop("refresh_from_source", False)
    clear_flag = changes.pop("source_changed", None) is False
    if "publish_at" in changes:
        changes["published_at"] = changes.pop("publish_at")
    errors: dict[str, list[str]] = {}
    if refresh:
        if item.post.deleted_at is not None:
            errors["refresh_from_source"] = [_l("The source post was deleted.")]
        else:
            changes["body"] = item.post.body
    if "section_id" in changes and db.session.get(PortalSection, changes["section_id"]) is None:
        errors["section_id"] = [_l("Not a section of the portal.")]
    if "headline" in changes:
        changes["headline"] = changes["headline"].strip()
        if not changes["headline"]:
            errors["headline"] = [_l("A portal item needs a headline.")]
    if changes.get("published_at", item.published_at) is None:
        errors["publish_at"] = [_l("A portal item needs a publication time.")]
    else:
        _check_times(
            changes.get("published_at", item.published_at), changes.get("ends_at", item.ends_at), errors
        )
    if errors:
        raise Invalid("The item was not changed.", errors)
    diff = {
        field: [_jsonable(getattr(item, field)), _jsonable(changes[field])]
        for field in EDITABLE_FIELDS
        if field in changes and getattr(item, field) != changes[field]
    }
    for field in diff:
        setattr(item, field, changes[field])
    if "body" in diff:
        item.body_html = render_markdown(item.body)
    if (refresh or clear_flag) and item.source_changed:
        diff["source_changed"] = [True, False]
        item.source_changed = False
    if not diff:
        return item
    item.updated_at = utcnow()
    action = "refresh" if refresh else "edit"
    if diff.keys() == {"pinned"}:
        action = "pin" if item.pinned else "unpin"
    elif diff.keys() == {"position"}:
        action = "reorder"
    elif diff.keys() == {"source_changed"}:
        action = "clear_flag"
    _record(item, user, action, diff)
    db.session.flush()
    enqueue_for_search("portal_item", item.id)
    return item


def unpublish(user: User, item: PortalItem) -> None:
    require_curator(user)
    item.unpublished_at = utcnow()
    _record(item, user, "unpublish", {"unpublished_at": [None, _jsonable(item.unpublished_at)]})
    enqueue_for_search("portal_item", item.id)


def history(user: User, item: PortalItem):
    if not permissions.can_see_portal_history(user, item):
        raise Forbidden(_l("Only curators see the history of a portal item."))
    return select(PortalItemRevision).where(PortalItemRevision.item_id == item.id)


def source_post_changed(post: Post, what: str) -> None:
    """The source of portal items was edited or deleted: flag them for the curators, keep the snapshot."""
    items = db.session.scalars(
        select(PortalItem).where(PortalItem.post_id == post.id, PortalItem.unpublished_at.is_(None))
    ).all()
    for item in items:
        if not item.source_changed:
            item.source_changed = True
            _record(item, None, f"source_{what}", {"source_changed": [False, True]})


def changed_items(user: User) -> list[PortalItem]:
    """Items whose source changed since publication, for the curators to decide."""
    if not permissions.can_curate(user):
        return []
    return list(
        db.session.scalars(
            select(PortalItem)
            .where(PortalItem.source_changed.is_(True), PortalItem.unpublished_at.is_(None))
            .order_by(PortalItem.id.desc())
            .limit(100)
        )
    )


# Comments and reactions -------------------------------------------------------------------------


def comments_query(item: PortalItem):
    return select(PortalComment).where(PortalComment.item_id == item.id, PortalComment.deleted_at.is_(None))


def create_comment(user: User, item: PortalItem, body: str, parent_id: int | None = None) -> PortalComment:
    if not permissions.can_comment_portal_item(user, item):
        raise Forbidden(_l("You may not comment on this item."))
    if parent_id is not None:
        parent = db.session.get(PortalComment, parent_id)
        if parent is None or parent.item_id != item.id or parent.deleted_at is not None:
            raise Invalid("Unknown comment to reply to.", {"parent_id": [_l("Not a comment of this item.")]})
        if parent.parent_id is not None:
            parent_id = parent.parent_id  # replies stay one level deep
    now = utcnow()
    comment = PortalComment(
        item_id=item.id,
        parent_id=parent_id,
        author_id=user.id,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
        updated_at=now,
    )
    db.session.add(comment)
    db.session.execute(
        update(PortalItem).where(PortalItem.id == item.id).values(comment_count=PortalItem.comment_count + 1)
    )
    db.session.flush()
    db.session.refresh(item, ["comment_count"])
    events.portal_comment_created(comment)
    return comment


def get_comment_or_404(user: User, comment_id: int) -> tuple[PortalComment, PortalItem]:
    comment = db.session.get(PortalComment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    return comment, get_item_or_404(user, comment.item_id)


def delete_comment(user: User, comment: PortalComment, item: PortalItem) -> None:
    if not permissions.can_delete_portal_comment(user, comment, item):
        raise Forbidden(_l("Only the author, a curator or an administrator may delete this comment."))
    comment.deleted_at = utcnow()
    db.session.execute(
        update(PortalItem).where(PortalItem.id == item.id).values(comment_count=PortalItem.comment_count - 1)
    )


def add_reaction(user: User, item: PortalItem, emoji: str) -> None:
    if not permissions.can_comment_portal_item(user, item):
        raise Forbidden(_l("You may not react to this item."))
    if emoji not in REACTIONS:
        raise Invalid("Unknown reaction.", {"emoji": [f"One of {' '.join(REACTIONS)}."]})
    if db.session.get(PortalReaction, (item.id, user.id, emoji)) is not None:
        raise Conflict(_l("You already reacted with this emoji."))
    db.session.add(PortalReaction(item_id=item.id, user_id=user.id, emoji=emoji))


def remove_reaction(user: User, item: PortalItem, emoji: str) -> None:
    reaction = db.session.get(PortalReaction, (item.id, user.id, emoji))
    if reaction is None:
        raise NotFound()
    db.session.delete(reaction)
