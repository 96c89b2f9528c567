"""Live events: collected by services on the database session, sent once the transaction commits.

Services call the small functions below (``post_created(post)``, ``desk_changed(ids)``...) while they
write. Each call only records an intent on the session. A rollback throws the intents away, so a
failed request emits nothing. Once the transaction has committed, sockets whose rights shrank are
dropped at once, and the intents go to the process's delivery thread, which builds the payloads from
the committed data in its own session and emits them through Socket.IO, in commit order. Building a
desk count or a notification costs milliseconds per connected recipient: doing it there keeps that
cost out of the writer's request (and out of its transaction). Desk counts go only to recipients
with a socket somewhere, coalesced and in batches (see ``Realtime._work`` in ``rse.realtime``).

Rooms (chosen by the server from ``rse.permissions``, never by a client):
- ``community:<id>`` — every socket of someone who may read the community: posts, edits, deletions;
- ``post:<id>`` — sockets that subscribed to a post they may read: its new comments;
- ``user:<id>`` — every socket of one person: their desk counts and notifications;
- ``portal`` — every socket of an active user: portal items and portal comments.

``selection.updated`` goes to the ``user:<id>`` room of each manager of the item's unit.

Payloads sent to a shared room are the same for everyone in it, so they carry no per-viewer field
(``read_at``, ``done_at``, ``is_action_for_me`` are left null/false; the desk counts tell each person
what is theirs through their own room).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_INTENTS = "rse_live_intents"


def community_room(community_id: int) -> str:
    return f"community:{community_id}"


def post_room(post_id: int) -> str:
    return f"post:{post_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


PORTAL_ROOM = "portal"


@dataclass
class Intents:
    posts: dict[int, str] = field(default_factory=dict)  # post id -> created | updated | deleted
    deleted_posts: dict[int, int] = field(default_factory=dict)  # post id -> community id
    comments: list[int] = field(default_factory=list)
    desk_users: set[int] = field(default_factory=set)
    # Posts whose recipients' counts changed: their recipients are looked up after the commit, and
    # only among the people who have a socket somewhere (a post may reach thousands of people).
    desk_posts: set[int] = field(default_factory=set)
    notifications: list[int] = field(default_factory=list)
    disconnect_users: set[int] = field(default_factory=set)
    portal_items: list[int] = field(default_factory=list)
    selection_items: set[int] = field(default_factory=set)
    portal_comments: list[int] = field(default_factory=list)


def _intents() -> Intents:
    from rse.extensions import db

    info = db.session.info
    if _INTENTS not in info:
        info[_INTENTS] = Intents()
    return info[_INTENTS]


# What services call ----------------------------------------------------------------------------


def post_created(post) -> None:
    _intents().posts[post.id] = "created"
    _intents().desk_posts.add(post.id)


def post_updated(post) -> None:
    intents = _intents()
    intents.posts.setdefault(post.id, "updated")
    intents.desk_posts.add(post.id)


def post_deleted(post) -> None:
    intents = _intents()
    intents.posts[post.id] = "deleted"
    intents.deleted_posts[post.id] = post.community_id
    intents.desk_posts.add(post.id)


def comment_created(comment) -> None:
    _intents().comments.append(comment.id)


def desk_changed(user_ids) -> None:
    _intents().desk_users.update(user_ids)


def notifications_created(notification_ids) -> None:
    ids = list(notification_ids)
    _intents().notifications.extend(ids)


def access_changed(user_id: int | None) -> None:
    """Memberships ended, account deactivated or logged out: the person's sockets are dropped.

    A dropped browser reconnects at once and is then joined to the rooms its new rights allow.
    """
    if user_id is not None:
        _intents().disconnect_users.add(user_id)


def selection_updated(item) -> None:
    """An item arrived in, or changed in, the selection of its unit's managers."""
    _intents().selection_items.add(item.id)


def portal_item_published(item) -> None:
    _intents().portal_items.append(item.id)


def portal_comment_created(comment) -> None:
    _intents().portal_comments.append(comment.id)


# Users per IN (...) list: well under SQLite's bound on parameters, and small enough for the index.
ID_CHUNK = 500


def _connected_recipients(post_ids: set[int]) -> set[int]:
    """The recipients of these posts who have a socket somewhere: one query per chunk of them."""
    from sqlalchemy import select

    from feed.models import PostRecipient
    from rse import realtime
    from rse.extensions import db

    if not post_ids:
        return set()
    online = sorted(realtime.online_users())
    found: set[int] = set()
    for start in range(0, len(online), ID_CHUNK):
        chunk = online[start : start + ID_CHUNK]
        found.update(
            db.session.scalars(
                select(PostRecipient.user_id)
                .where(PostRecipient.post_id.in_(post_ids), PostRecipient.user_id.in_(chunk))
                .distinct()
            )
        )
    return found


# Turning intents into payloads, then sending them ----------------------------------------------


@dataclass
class Outgoing:
    event: str
    payload: dict
    room: str


def build(intents: Intents) -> list[Outgoing]:
    """The events of one committed transaction (in an app context with a fresh session)."""
    outgoing, desk_users = build_immediate(intents)
    return outgoing + desk_counts(desk_users)


def build_immediate(intents: Intents) -> tuple[list[Outgoing], set[int]]:
    """Everything but the desk counts, and the connected people whose counts changed.

    The counts cost a few queries per person: the delivery thread computes them apart, in batches,
    and once for several commits that touch the same person.
    """
    from rse import realtime

    outgoing: list[Outgoing] = []
    outgoing += _post_events(intents)
    outgoing += _comment_events(intents)
    outgoing += _portal_events(intents)
    notified = _notified_users(intents.notifications)
    connected = realtime.connected_users(intents.desk_users | notified) | _connected_recipients(
        intents.desk_posts
    )
    outgoing += _notification_events(intents, connected)
    outgoing += _selection_events(intents)
    return outgoing, connected


def _post_events(intents: Intents) -> list[Outgoing]:
    from sqlalchemy import select

    from feed.live_schemas import PostDeletedEventSchema, PostEventSchema
    from feed.models import Post
    from feed.presenters import present_posts
    from rse.extensions import db

    events = []
    live_ids = [post_id for post_id, what in intents.posts.items() if what != "deleted"]
    posts = db.session.scalars(select(Post).where(Post.id.in_(live_ids), Post.deleted_at.is_(None))).all()
    if posts:
        # Any reader of the community gets the same payload: presented for nobody in particular.
        for payload in present_posts(_Nobody(), list(posts)):
            payload.update(read_at=None, done_at=None, is_action_for_me=False, my_reactions=[])
            name = f"post.{intents.posts[payload['id']]}"
            events.append(
                Outgoing(name, PostEventSchema().dump(payload), community_room(payload["community"]["id"]))
            )
    for post_id, community_id in intents.deleted_posts.items():
        payload = PostDeletedEventSchema().dump({"id": post_id})
        events.append(Outgoing("post.deleted", payload, community_room(community_id)))
        events.append(Outgoing("post.deleted", payload, post_room(post_id)))
    return events


class _Nobody:
    """A viewer with no reads, reactions nor actions: yields the viewer-neutral post object."""

    id = -1


def _comment_events(intents: Intents) -> list[Outgoing]:
    from sqlalchemy import select

    from feed.live_schemas import CommentEventSchema
    from feed.models import Comment
    from rse.accounts.models import User
    from rse.extensions import db

    if not intents.comments:
        return []
    rows = db.session.execute(
        select(Comment, User).join(User, User.id == Comment.author_id).where(Comment.id.in_(intents.comments))
    ).all()
    events = []
    for comment, author in rows:
        if comment.deleted_at is not None:
            continue
        payload = {
            "id": comment.id,
            "post_id": comment.post_id,
            "parent_id": comment.parent_id,
            "author": {"id": author.id, "name": author.name},
            "body": comment.body,
            "body_html": comment.body_html,
            "created_at": comment.created_at,
        }
        events.append(
            Outgoing("comment.created", CommentEventSchema().dump(payload), post_room(comment.post_id))
        )
    return events


def _notified_users(notification_ids: list[int]) -> set[int]:
    from sqlalchemy import select

    from feed.models import Notification
    from rse.extensions import db

    if not notification_ids:
        return set()
    # A shared notice (no user) reaches a post's recipients: found as the post's connected
    # recipients, the post being in ``desk_posts`` of the same commit.
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.id.in_(notification_ids), Notification.user_id.is_not(None)
            )
        )
    )


def _notification_events(intents: Intents, connected: set[int]) -> list[Outgoing]:
    from flask_babel import force_locale
    from sqlalchemy import select

    from feed import notifications
    from feed.live_schemas import NotificationEventSchema
    from rse.accounts.models import User
    from rse.extensions import db

    if not intents.notifications or not connected:
        return []
    events = []
    for user in db.session.scalars(select(User).where(User.id.in_(connected), User.active.is_(True))):
        # The same filter as the notifications list: nothing about content the person cannot read.
        visible = notifications.among(user, intents.notifications)
        if not visible:
            continue
        with force_locale(user.locale or "fr"):
            for payload in notifications.present(list(visible)):
                events.append(
                    Outgoing(
                        "notification.created", NotificationEventSchema().dump(payload), user_room(user.id)
                    )
                )
    return events


def _selection_events(intents: Intents) -> list[Outgoing]:
    """``selection.updated`` to each connected manager of the item's unit who may read its post."""
    from sqlalchemy import select

    from feed import selection
    from feed.live_schemas import SelectionItemEventSchema
    from feed.models import SelectionItem
    from feed.selection_api import present_items
    from rse import realtime
    from rse.accounts.models import ManagedUnit, User
    from rse.extensions import db

    if not intents.selection_items:
        return []
    items = db.session.scalars(
        select(SelectionItem).where(SelectionItem.id.in_(intents.selection_items))
    ).all()
    managers = db.session.execute(
        select(ManagedUnit.unit_id, User)
        .join(User, User.id == ManagedUnit.user_id)
        .where(ManagedUnit.unit_id.in_({item.unit_id for item in items}), User.active.is_(True))
    ).all()
    connected = realtime.connected_users({user.id for _unit_id, user in managers})
    events = []
    for unit_id, manager in managers:
        if manager.id not in connected:
            continue
        ids = [item.id for item in items if item.unit_id == unit_id]
        # The same filter as the manager's selection list: nothing they may not read.
        visible = db.session.scalars(
            selection.selection_query(manager).where(SelectionItem.id.in_(ids)).order_by(SelectionItem.id)
        ).all()
        for payload in present_items(list(visible), viewer=manager) if visible else []:
            events.append(
                Outgoing("selection.updated", SelectionItemEventSchema().dump(payload), user_room(manager.id))
            )
    return events


def desk_counts(user_ids: set[int]) -> list[Outgoing]:
    """``desk.counts`` for these people (active accounts only), with grouped queries."""
    from sqlalchemy import select

    from feed import desk
    from feed.live_schemas import DeskCountsEventSchema
    from rse.accounts.models import User
    from rse.extensions import db

    if not user_ids:
        return []
    users = list(db.session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True))))
    return [
        Outgoing("desk.counts", DeskCountsEventSchema().dump(counts), user_room(user_id))
        for user_id, counts in desk.counts_for_many(users).items()
    ]


def _portal_events(intents: Intents) -> list[Outgoing]:
    if not intents.portal_items and not intents.portal_comments:
        return []
    from portal import live

    return [Outgoing(name, payload, PORTAL_ROOM) for name, payload in live.events(intents)]


# Session hooks ----------------------------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    intents = session.info.pop(_INTENTS, None)
    if intents is None:
        return
    from rse import realtime

    try:
        # Dropped now, before any later commit can emit to rooms these sockets should leave.
        for user_id in intents.disconnect_users:
            realtime.disconnect_user(user_id)
        if realtime.is_live():
            realtime.deliver_later(intents)
    except Exception:  # a live update must never cost the user their write
        log.exception("Could not send live events")


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_INTENTS, None)
