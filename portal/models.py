"""The portal (sections of curated items), its comments and reactions, and curation proposals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feed.models import Post
from rse.accounts.models import User
from rse.db_types import UTCDateTime, utcnow
from rse.extensions import db

PROPOSAL_STATUSES = ("pending", "approved", "published", "declined")


class PortalSection(db.Model):
    """A rubrique of the portal, managed by curators."""

    __tablename__ = "portal_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalItem(db.Model):
    """A post promoted onto the portal: the curator's headline and standfirst over a snapshot of it.

    The body is copied from the source post when published and changes only when a curator edits it
    or refreshes it from the source: editing the source later sets ``source_changed`` instead.
    """

    __tablename__ = "portal_items"
    __table_args__ = (
        # A section's live items in display order (pinned first, then position, then newest).
        Index("ix_portal_items_section_order", "section_id", "pinned", "position", "published_at"),
        Index("ix_portal_items_source_changed", "source_changed", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("portal_sections.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    headline: Mapped[str] = mapped_column(String(200))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower comes first among items of the same pin state; 0 unless a curator reorders.
    position: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Unpublished items stay for their history; they are gone for every reader.
    unpublished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship(lazy="joined")
    section: Mapped[PortalSection] = relationship()


class PortalItemRevision(db.Model):
    """One change to a portal item: publication, edit, pin, reorder, refresh, unpublication."""

    __tablename__ = "portal_item_revisions"
    __table_args__ = (Index("ix_portal_item_revisions_item_id", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("portal_items.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    by: Mapped[User | None] = relationship()


class PortalComment(db.Model):
    """A comment under a portal item, open to every reader of the portal (one level of replies)."""

    __tablename__ = "portal_comments"
    __table_args__ = (Index("ix_portal_comments_item_id_id", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("portal_items.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("portal_comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()

    @property
    def portal_item_id(self) -> int:
        return self.item_id

    @property
    def post_id(self) -> None:
        return None


class PortalReaction(db.Model):
    __tablename__ = "portal_reactions"

    item_id: Mapped[int] = mapped_column(ForeignKey("portal_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CurationProposal(db.Model):
    """A member's suggestion to put a post on the portal, with a note for the curators.

    A post of a restricted or secret community needs an animator of that community to approve it
    before it may be published; ``needs_approval`` records that when the proposal is made.
    """

    __tablename__ = "curation_proposals"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'published', 'declined')", name="known_proposal_status"
        ),
        Index("ix_curation_proposals_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    by_animator: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("portal_items.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship(lazy="joined")
    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id])


class PostView(db.Model):
    """A person's reading of a post on one day: how many times they opened it and for how long.

    One row per person, post and day, so that counts of readers stay cheap and a reloading reader
    cannot inflate them; reading time is capped per view and per day. Authors' own views are not
    recorded. The curation queue ranks its suggestions by these figures.
    """

    __tablename__ = "post_views"
    __table_args__ = (Index("ix_post_views_day_post", "day", "post_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(default=1)
    seconds: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalItemView(db.Model):
    """A person's reading of a portal item on one day, counted like ``PostView``.

    Kept apart from the source post's views: the portal shows the curated snapshot to everyone, and
    the curators want to know how the item did, not how the thread did in its community.
    """

    __tablename__ = "portal_item_views"
    __table_args__ = (Index("ix_portal_item_views_day_item", "day", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("portal_items.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(default=1)
    seconds: Mapped[int] = mapped_column(default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
