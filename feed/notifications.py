"""Stored notifications: created by the services that cause them, checked again when shown.

A notification about content the user can no longer read is never shown (nor counted), so losing
access to a community silences everything about it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, exists, func, insert, literal, or_, select, update

from feed.models import Notification, Post, PostRecipient
from rse import events, permissions
from rse.accounts.models import User
from rse.db_types import utcnow
from rse.extensions import db

DUE_SOON = timedelta(hours=24)


def notify(user_ids, kind: str, *, actor: User | None = None, post: Post | None = None, **links) -> None:
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "actor_id": actor.id if actor else None,
            "post_id": post.id if post else None,
            "created_at": now,
            **links,
        }
        for user_id in set(user_ids)
        if actor is None or user_id != actor.id
    ]
    if rows:
        events.notifications_created(
            db.session.scalars(insert(Notification).returning(Notification.id), rows)
        )


def notify_action_recipients(post: Post, actor: User, only_new_since: set[int] | None = None) -> None:
    """One notification per person who must act, in one INSERT ... SELECT (units can be large)."""
    recipients = select(
        PostRecipient.user_id,
        literal("action"),
        literal(actor.id),
        literal(post.id),
        literal(utcnow(), type_=Notification.created_at.type),
    ).where(
        PostRecipient.post_id == post.id,
        PostRecipient.kind == "action",
        PostRecipient.user_id != actor.id,
    )
    if only_new_since:
        recipients = recipients.where(PostRecipient.user_id.not_in(only_new_since))
    events.notifications_created(
        db.session.scalars(
            insert(Notification)
            .from_select(["user_id", "kind", "actor_id", "post_id", "created_at"], recipients)
            .returning(Notification.id)
        )
    )


def refresh_due_notifications(user: User, now: datetime | None = None) -> None:
    """Add the due-soon and overdue notices of my open actions that are not stored yet.

    Computed when the user looks (desk or notifications), so no scheduler is needed to store them.
    One query finds both kinds: an action due before ``now`` is overdue, one due within
    ``DUE_SOON`` is due soon.
    """
    now = now or utcnow()
    kind = case((Post.due_at < now, literal("overdue")), else_=literal("due_soon"))
    # NOT EXISTS, an anti-join from my few open actions: NOT IN made PostgreSQL scan every post.
    noticed = exists().where(
        Notification.user_id == user.id, Notification.kind == kind, Notification.post_id == Post.id
    )
    missing = db.session.execute(
        select(Post.id, kind)
        .join(PostRecipient, PostRecipient.post_id == Post.id)
        .where(
            PostRecipient.user_id == user.id,
            PostRecipient.kind == "action",
            PostRecipient.done_at.is_(None),
            Post.due_at.is_not(None),
            Post.due_at <= now + DUE_SOON,
            ~noticed,
            permissions.readable_posts(user),
        )
    ).all()
    if missing:
        db.session.execute(
            insert(Notification),
            [
                {"user_id": user.id, "kind": notice, "post_id": post_id, "created_at": now}
                for post_id, notice in missing
            ],
        )


def _visible(user: User):
    # Checked per notification (a user has few) rather than listing every post they may read.
    from portal.models import PortalItem

    readable = exists().where(Post.id == Notification.post_id, permissions.readable_posts(user))
    # A notification about a portal item follows the item, whoever may read the source post.
    on_portal = exists().where(
        PortalItem.id == Notification.portal_item_id, permissions.readable_portal_items(user)
    )
    return and_(
        Notification.user_id == user.id,
        or_(Notification.post_id.is_(None), readable),
        or_(Notification.portal_item_id.is_(None), on_portal),
    )


def notifications_query(user: User, unread: bool | None = None):
    stmt = select(Notification).where(_visible(user))
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return stmt


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(_visible(user), Notification.read_at.is_(None))
    )


def mark_read(user: User, ids: list[int] | None = None) -> int:
    stmt = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    events.desk_changed([user.id])
    return len(db.session.execute(stmt.returning(Notification.id)).all())


def describe(
    notification: Notification,
    post_titles: dict[int, str],
    actor_names: dict[int, str],
    headlines: dict[int, str] | None = None,
    search_labels: dict[int, str] | None = None,
) -> str:
    """A sentence in the reader's language (a portal item is named by its headline)."""
    title = post_titles.get(notification.post_id) or (headlines or {}).get(notification.portal_item_id, "")
    actor = actor_names.get(notification.actor_id, "")
    label = (search_labels or {}).get(notification.saved_search_id, "")
    count = notification.match_count or 0
    texts = {
        "action": lambda: _("%(actor)s asks you to act: %(title)s", actor=actor, title=title),
        "mention": lambda: _("%(actor)s mentioned you in: %(title)s", actor=actor, title=title),
        "reply": lambda: _("%(actor)s replied in: %(title)s", actor=actor, title=title),
        "due_soon": lambda: _("Due within 24 hours: %(title)s", title=title),
        "overdue": lambda: _("Overdue: %(title)s", title=title),
        "forward": lambda: _("%(actor)s forwarded to your selection: %(title)s", actor=actor, title=title),
        "published": lambda: _("Published on the portal: %(title)s", title=title),
        "declined": lambda: _(
            "%(actor)s declined your proposal for the portal: %(title)s", actor=actor, title=title
        ),
        "veille": lambda: _(
            "New match for your saved search “%(label)s”: %(title)s", label=label, title=title
        ),
        "veille_digest": lambda: ngettext(
            "%(num)d new match for your saved search “%(label)s”",
            "%(num)d new matches for your saved search “%(label)s”",
            count,
            label=label,
        ),
    }
    return texts.get(notification.kind, lambda: title)()


def present(notifications: list[Notification]) -> list[dict]:
    post_ids = {n.post_id for n in notifications if n.post_id}
    actor_ids = {n.actor_id for n in notifications if n.actor_id}
    titles = dict(db.session.execute(select(Post.id, Post.title).where(Post.id.in_(post_ids))).all())
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actor_ids))).all())
    headlines = _portal_headlines({n.portal_item_id for n in notifications if n.portal_item_id})
    labels = _saved_search_labels({n.saved_search_id for n in notifications if n.saved_search_id})
    return [
        {
            "id": n.id,
            "kind": n.kind,
            "read": n.read_at is not None,
            "created_at": n.created_at,
            "actor": {"id": n.actor_id, "name": names.get(n.actor_id)} if n.actor_id else None,
            "post_id": n.post_id,
            "portal_item_id": n.portal_item_id,
            "selection_item_id": n.selection_item_id,
            "saved_search_id": n.saved_search_id,
            "text": describe(n, titles, names, headlines, labels),
        }
        for n in notifications
    ]


def _portal_headlines(item_ids: set[int]) -> dict[int, str]:
    from portal.models import PortalItem

    if not item_ids:
        return {}
    return dict(
        db.session.execute(
            select(PortalItem.id, PortalItem.headline).where(PortalItem.id.in_(item_ids))
        ).all()
    )


def _saved_search_labels(saved_search_ids: set[int]) -> dict[int, str]:
    from search.models import SavedSearch

    if not saved_search_ids:
        return {}
    return dict(
        db.session.execute(
            select(SavedSearch.id, SavedSearch.label).where(SavedSearch.id.in_(saved_search_ids))
        ).all()
    )
