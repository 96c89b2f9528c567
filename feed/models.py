from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from communities.models import Community
from rse.accounts.models import User
from rse.db_types import UTCDateTime, utcnow
from rse.extensions import db

QUALIFICATIONS = ("action", "information")
PRIORITIES = ("flash", "immediate", "priority", "routine")  # most urgent first
ADDRESSEE_KINDS = ("action", "information")
TARGET_TYPES = ("user", "unit")


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(
            "qualification IS NULL OR qualification IN ('action', 'information')",
            name="known_qualification",
        ),
        CheckConstraint("priority IN ('flash', 'immediate', 'priority', 'routine')", name="known_priority"),
        Index("ix_posts_community_id_id", "community_id", "id"),
        Index("ix_posts_author_id_id", "author_id", "id"),
        # The desk's community broadcasts: recent live information posts of a community, by priority.
        Index(
            "ix_posts_information_community_created",
            "community_id",
            "priority",
            "created_at",
            sqlite_where=text("qualification = 'information' AND deleted_at IS NULL"),
            postgresql_where=text("qualification = 'information' AND deleted_at IS NULL"),
        ),
        # The desk follows each of a person's recipient rows to its post for these columns alone:
        # read from this index, the wide rows (text, HTML) stay on disk. Index-only on PostgreSQL
        # once vacuumed; on SQLite it also spares reading past the body's overflow pages.
        Index(
            "ix_posts_desk_columns",
            "id",
            "priority",
            "qualification",
            "due_at",
            "community_id",
            "deleted_at",
            "author_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    qualification: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16), default="routine")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment_count: Mapped[int] = mapped_column(default=0)

    # Loaded together for a whole page of posts (lists show both for every post).
    community: Mapped[Community] = relationship(lazy="selectin")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="selectin")
    addressees: Mapped[list[PostAddressee]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    tag_rows: Mapped[list[PostTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def tags(self) -> list[str]:
        return sorted(row.tag for row in self.tag_rows)


class PostAddressee(db.Model):
    """One target of a post: a person or a unit (meaning its whole subtree), for action or info."""

    __tablename__ = "post_addressees"
    __table_args__ = (
        CheckConstraint("kind IN ('action', 'information')", name="known_kind"),
        CheckConstraint("target_type IN ('user', 'unit')", name="known_target_type"),
        Index("ix_post_addressees_target", "target_type", "target_id", "post_id"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True)


class PostTag(db.Model):
    __tablename__ = "post_tags"
    __table_args__ = (Index("ix_post_tags_tag_post", "tag", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)


class PostMention(db.Model):
    __tablename__ = "post_mentions"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Comment(db.Model):
    """A comment on a post; replies go one level deep (``parent_id`` names a top-level comment)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()


class PostRecipient(db.Model):
    """A person an addressed post reached, resolved when the post is written.

    Units are expanded to the people of their subtree who can read the community, so that desks,
    receipts and manager views are index ranges instead of tree walks at read time. The rows are a
    snapshot: people who join a unit later do not receive its earlier posts.
    """

    __tablename__ = "post_recipients"
    __table_args__ = (
        CheckConstraint("kind IN ('action', 'information')", name="known_kind"),
        # A desk reads one person's open actions (done_at IS NULL), done ones (latest first) or
        # information from consecutive entries, without visiting the table for the done mark. The
        # notice columns make the person's "asks you to act" notifications, and their unread
        # count, part of the same range: no second index led by the person to write for each of
        # the thousands of people a post to a ministry reaches.
        Index(
            "ix_post_recipients_desk", "user_id", "kind", "done_at", "post_id", "notice_id", "notice_read_at"
        ),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    # No foreign keys on the person and their unit: on PostgreSQL each is a locking lookup per
    # row, which for a post to a whole ministry cost more than the insert itself. The rows are
    # copied from ``users`` by the fan-out; people are deactivated and units kept, never deleted.
    user_id: Mapped[int] = mapped_column(primary_key=True)
    # "action" wins when a person is both an action and an information addressee.
    kind: Mapped[str] = mapped_column(String(16))
    # Not indexed: the manager view reads ``recipient_tallies`` by unit, and one index less is
    # thousands of index entries less to write for a post addressed to a large unit.
    unit_id: Mapped[int | None]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Put on my own desk (from a saved search's match), not addressed: kept when the post is
    # re-addressed, and outside the manager's tallies (``unit_id`` stays NULL).
    personal: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The "asks you to act" notification this person received: one notice row per post and
    # addressing, shared by everyone it reached, instead of one notification per person. NULL when
    # the person was not notified (information, own desk, the author addressing themselves). No
    # foreign key: it would be one more check per person when a post reaches a whole ministry, and
    # the notice goes with the post anyway.
    notice_id: Mapped[int | None]
    notice_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecipientTally(db.Model):
    """How many people of one unit a post reached, and how many of them marked it done or read it.

    A rollup of ``post_recipients`` kept in step by the writes that change them (fan-out, done and
    read marks, edits, deletion), so that a manager's totals over a ministry add up a few rows per
    post and unit instead of one row per person. The post's fields the manager view filters on are
    copied here so that the totals need no join with the posts.
    """

    __tablename__ = "recipient_tallies"
    __table_args__ = (
        CheckConstraint("kind IN ('action', 'information')", name="known_kind"),
        # Covers the manager's totals and page lookups: read by unit, never a detour to the table.
        Index(
            "ix_recipient_tallies_unit_kind_created",
            "unit_id",
            "kind",
            "created_at",
            "community_id",
            "priority",
            "due_at",
            "post_id",
            "reached",
            "done",
            "read",
        ),
        # The manager's items, late part: tallies in the items' order (priority names sort as
        # urgency), so the first page is an index walk with a LIMIT, not a sort of every tally.
        Index(
            "ix_recipient_tallies_late_walk",
            "kind",
            "priority",
            "due_at",
            "post_id",
            "unit_id",
            "created_at",
            "community_id",
            "reached",
            "done",
        ),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    priority: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reached: Mapped[int]
    done: Mapped[int]
    read: Mapped[int]


class PostRead(db.Model):
    """The first time a person read a post."""

    __tablename__ = "post_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reaction(db.Model):
    __tablename__ = "reactions"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Revision(db.Model):
    """What changed in a post or a comment: who, when, and each field's old and new value."""

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint("target_type IN ('post', 'comment')", name="known_target_type"),
        Index("ix_revisions_target", "target_type", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changes: Mapped[dict] = mapped_column(JSON)

    by: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Moderation and other sensitive acts (deletions), kept for administrators."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    details: Mapped[dict] = mapped_column(JSON, default=dict)


SELECTION_STATUSES = ("open", "kept", "closed", "forwarded")


class SelectionItem(db.Model):
    """A post forwarded to one level of the hierarchy: the managers of ``unit_id`` have it."""

    __tablename__ = "selection_items"
    __table_args__ = (
        UniqueConstraint("post_id", "unit_id", name="uq_selection_items_post_unit"),
        CheckConstraint("status IN ('open', 'kept', 'closed', 'forwarded')", name="known_status"),
        CheckConstraint("priority IN ('flash', 'immediate', 'priority', 'routine')", name="known_priority"),
        Index("ix_selection_items_unit_status", "unit_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship()


class SelectionNote(db.Model):
    """One step of the chain: who forwarded, kept or closed an item, from which unit, and why."""

    __tablename__ = "selection_notes"
    __table_args__ = (
        CheckConstraint("action IN ('forward', 'keep', 'close')", name="known_action"),
        Index("ix_selection_notes_item_id", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("selection_items.id", ondelete="CASCADE"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User] = relationship()


NOTIFICATION_KINDS = (
    "action",
    "mention",
    "reply",
    "due_soon",
    "overdue",
    "forward",
    "published",
    "declined",
    "veille",
    "veille_digest",
)


class Notification(db.Model):
    """Something to tell one person (``user_id``), or a shared notice (``user_id`` NULL).

    A notice is the "asks you to act" notification of a post's action recipients: the people it
    reached, and whether each of them read it, are on their ``post_recipients`` rows.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # Set for portal notifications (no foreign key: the portal builds on the feed, not the reverse).
    portal_item_id: Mapped[int | None]
    selection_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("selection_items.id", ondelete="CASCADE")
    )
    # Veille: the saved search that matched, and the number of new matches for a daily digest (no
    # foreign key: search builds on the feed; deleting a saved search deletes its notifications).
    saved_search_id: Mapped[int | None] = mapped_column(index=True)
    match_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
