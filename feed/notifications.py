"""Stored notifications: created by the services that cause them, checked again when shown.

A notification about content the user can no longer read is never shown (nor counted), so losing
access to a community silences everything about it at once.

"Asks you to act" is stored once per addressing (a notice) rather than once per person: a person's
recipient row names the notice and carries its read mark, and the list, the unread count and
"mark read" take both kinds of rows together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)

from feed.addressees import Notice
from feed.models import Notification, Post, PostRecipient
from rse import events, permissions, sql_plans
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


def action_notice(post: Post, actor: User) -> Notice:
    """The one notification that the people this addressing asks to act will share.

    Storing it once instead of once per person keeps a post to a whole ministry to one row per
    person (its recipient row names the notice and says whether the person read it).
    """
    notice_id = db.session.scalar(
        insert(Notification)
        .values(user_id=None, kind="action", actor_id=actor.id, post_id=post.id, created_at=utcnow())
        .returning(Notification.id)
    )
    return Notice(id=notice_id, actor_id=actor.id)


def announce(post: Post, notice: Notice) -> None:
    """Send the notice live, or drop it if the addressing asked nobody new to act."""
    reached = db.session.scalar(
        select(exists().where(PostRecipient.post_id == post.id, PostRecipient.notice_id == notice.id))
    )
    if reached:
        events.notifications_created([notice.id])
    else:
        db.session.execute(delete(Notification).where(Notification.id == notice.id))


def refresh_due_notifications(user: User, now: datetime | None = None) -> int:
    """Add the due-soon and overdue notices of my open actions that are not stored yet; returns
    how many were added (the caller commits only then: a read request stays read-only).

    Computed when the user looks (desk or notifications), so no scheduler is needed to store them.
    One query finds both kinds: an action due before ``now`` is overdue, one due within
    ``DUE_SOON`` is due soon.
    """
    now = now or utcnow()
    sql_plans.serial_plans()
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
    return len(missing)


def _visible(user: User, readable: list[int] | None = None):
    # Checked per notification (a user has few) rather than listing every post they may read.
    from portal.models import PortalItem

    on_post = exists().where(Post.id == Notification.post_id, permissions.readable_posts(user, readable))
    # A notification about a portal item follows the item, whoever may read the source post.
    on_portal = exists().where(
        PortalItem.id == Notification.portal_item_id, permissions.readable_portal_items(user)
    )
    return and_(
        Notification.user_id == user.id,
        or_(Notification.post_id.is_(None), on_post),
        or_(Notification.portal_item_id.is_(None), on_portal),
    )


def _my_notices(user: User, readable: list[int] | None = None):
    """My recipient rows that name a notice, on posts I may still read."""
    on_post = exists().where(Post.id == PostRecipient.post_id, permissions.readable_posts(user, readable))
    # Person and kind first: a range of the recipients' desk index, which carries the notice.
    return and_(
        PostRecipient.user_id == user.id,
        PostRecipient.kind == "action",
        PostRecipient.notice_id.is_not(None),
        on_post,
    )


_SHOWN = (
    Notification.id,
    Notification.kind,
    Notification.actor_id,
    Notification.post_id,
    Notification.portal_item_id,
    Notification.selection_item_id,
    Notification.saved_search_id,
    Notification.match_count,
    Notification.created_at,
)


def _listed(user: User, unread: bool | None = None, ids: list[int] | None = None):
    """My notifications as rows (``id``, ``kind``... ``read_at``): my own, and my notices."""
    own = select(*_SHOWN, Notification.read_at).where(_visible(user))
    notices = (
        select(*_SHOWN, PostRecipient.notice_read_at.label("read_at"))
        .select_from(PostRecipient)
        .join(Notification, Notification.id == PostRecipient.notice_id)
        .where(_my_notices(user))
    )
    if unread is True:
        own = own.where(Notification.read_at.is_(None))
        notices = notices.where(PostRecipient.notice_read_at.is_(None))
    elif unread is False:
        own = own.where(Notification.read_at.is_not(None))
        notices = notices.where(PostRecipient.notice_read_at.is_not(None))
    if ids is not None:
        own = own.where(Notification.id.in_(ids))
        notices = notices.where(PostRecipient.notice_id.in_(ids))
    return union_all(own, notices).subquery("listed")


def page(user: User, unread: bool | None, *, limit: int, cursor: str | None) -> dict:
    """One page of my notifications, newest first."""
    from rse.api import keyset_page

    listed = _listed(user, unread)
    return keyset_page(
        select(listed),
        limit=limit,
        cursor=cursor,
        key_columns=[listed.c.id],
        key_of=lambda row: (row.id,),
        scalars=False,
    )


def among(user: User, ids: list[int]) -> list:
    """Which of these notifications I may see (the live events ask as the list would)."""
    listed = _listed(user, ids=ids)
    return db.session.execute(select(listed).order_by(listed.c.id)).all()


def unread_count(user: User, readable: list[int] | None = None) -> int:
    """``readable``: see ``permissions.readable_posts``."""
    own = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(_visible(user, readable), Notification.read_at.is_(None))
    )
    notices = db.session.scalar(
        select(func.count())
        .select_from(PostRecipient)
        .where(_my_notices(user, readable), PostRecipient.notice_read_at.is_(None))
    )
    return own + notices


def unread_counts(users: list[User]) -> dict[int, int]:
    """``unread_count`` of many people in one grouped query (live desk counts)."""
    from portal.models import PortalItem

    if not users:
        return {}
    counted = dict.fromkeys((user.id for user in users), 0)
    readable = exists().where(
        Post.id == Notification.post_id, permissions.readable_posts_for_each(users, Notification.user_id)
    )
    curators = [user for user in users if permissions.can_curate(user)]
    readers = [user for user in users if permissions.can_read_portal(user) and user not in curators]
    # The portal's rule has two answers (curators, everyone else): one condition for each.
    on_portal = or_(
        and_(
            Notification.user_id.in_([user.id for user in curators]),
            exists().where(
                PortalItem.id == Notification.portal_item_id, permissions.readable_portal_items(curators[0])
            ),
        )
        if curators
        else false(),
        and_(
            Notification.user_id.in_([user.id for user in readers]),
            exists().where(
                PortalItem.id == Notification.portal_item_id, permissions.readable_portal_items(readers[0])
            ),
        )
        if readers
        else false(),
    )
    own = select(Notification.user_id, func.count()).where(
        Notification.user_id.in_(list(counted)),
        Notification.read_at.is_(None),
        or_(Notification.post_id.is_(None), readable),
        or_(Notification.portal_item_id.is_(None), on_portal),
    )
    notices = select(PostRecipient.user_id, func.count()).where(
        PostRecipient.user_id.in_(list(counted)),
        PostRecipient.kind == "action",
        PostRecipient.notice_id.is_not(None),
        PostRecipient.notice_read_at.is_(None),
        exists().where(
            Post.id == PostRecipient.post_id,
            permissions.readable_posts_for_each(users, PostRecipient.user_id),
        ),
    )
    for user_id, count in (
        db.session.execute(own.group_by(Notification.user_id)).all()
        + db.session.execute(notices.group_by(PostRecipient.user_id)).all()
    ):
        counted[user_id] += count
    return counted


def mark_read(user: User, ids: list[int] | None = None) -> int:
    now = utcnow()
    own = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    notices = (
        update(PostRecipient)
        .where(
            PostRecipient.user_id == user.id,
            PostRecipient.kind == "action",
            PostRecipient.notice_id.is_not(None),
            PostRecipient.notice_read_at.is_(None),
        )
        .values(notice_read_at=now)
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        own = own.where(Notification.id.in_(ids))
        notices = notices.where(PostRecipient.notice_id.in_(ids))
    events.desk_changed([user.id])
    marked = len(db.session.execute(own.returning(Notification.id)).all())
    return marked + len(db.session.execute(notices.returning(PostRecipient.post_id)).all())


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


def present(notifications: list) -> list[dict]:
    """Notifications or listed rows (anything with a notification's fields and ``read_at``)."""
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
