from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from rse.db_types import UTCDateTime, utcnow
from rse.extensions import db

OUTBOX_KINDS = ("post", "comment", "portal_item", "community", "author")


class SearchOutbox(db.Model):
    """A pending index change, written in the same transaction as the content it follows.

    ``post`` refreshes a post and its comments, ``comment`` one comment, ``portal_item`` one item
    of the portal (removed from the index once unpublished); ``community`` and
    ``author`` (renames) fan out into ``post``/``comment`` rows when drained. Rows are deleted once
    the index has them, so a rolled-back write leaves nothing to index.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('post', 'comment', 'portal_item', 'community', 'author')", name="known_kind"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TextVector(TypeDecorator):
    """A ``tsvector`` on PostgreSQL; plain text elsewhere, where the column stays empty.

    Only the PostgreSQL search backend reads or writes it, always with SQL expressions.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())


class SearchDocumentRow(db.Model):
    """One indexed document for the PostgreSQL search backend (``search.postgres``).

    Built from the database by ``search.documents`` like the Whoosh documents; ``document`` holds
    the weighted ``tsvector`` (title A, tags B, body C, author and community names D),
    ``phrase_pairs`` its pairs of neighbouring words (``rse_phrase_pairs``, made by the migration).
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
        Index("ix_search_documents_phrase_pairs", "phrase_pairs", postgresql_using="gin"),
        Index("ix_search_documents_created_at", "created_at"),
        Index("ix_search_documents_post_id", "post_id"),
        # Readable documents of a date window meeting the filters, from the index alone (a bitmap
        # ANDed with the words' GIN bitmap); portal items, which have no community, by their id.
        Index(
            "ix_search_documents_community_recent", "community_id", "created_at", "qualification", "priority"
        ),
        Index(
            "ix_search_documents_portal_item",
            "object_id",
            postgresql_where=text("kind = 'portal_item'"),
            sqlite_where=text("kind = 'portal_item'"),
        ),
    )

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int]
    post_id: Mapped[int | None]
    community_id: Mapped[int | None]
    author_id: Mapped[int]
    qualification: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    tags: Mapped[str] = mapped_column(Text)  # "|mali|niger|": one tag matches "|tag|"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(Text)
    community_name: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(40))
    document: Mapped[str | None] = mapped_column(TextVector)
    # The pairs of neighbouring words of ``document`` ("point situat"), which phrases look up.
    phrase_pairs: Mapped[str | None] = mapped_column(TextVector)


LEVELS = ("opportunity", "watch", "risk", "high_risk")  # from good news to the worst
ALERTS = ("immediate", "daily")


class SavedSearch(db.Model):
    """A query kept by its owner (veille): new posts it matches are recorded and announced.

    ``filters`` holds the search parameters beside the query text (``community_id``, ``tag``...).
    The two watermarks are match ids: matches above ``last_seen_match_id`` are new to the owner,
    those above ``digested_match_id`` wait for the next daily digest.
    """

    __tablename__ = "saved_searches"
    __table_args__ = (
        CheckConstraint("level IN ('opportunity', 'watch', 'risk', 'high_risk')", name="known_level"),
        CheckConstraint("alert IN ('immediate', 'daily')", name="known_alert"),
        Index("ix_saved_searches_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(500))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    level: Mapped[str] = mapped_column(String(16))
    alert: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_match_id: Mapped[int] = mapped_column(default=0)
    digested_match_id: Mapped[int] = mapped_column(default=0)


class SavedSearchMatch(db.Model):
    """A post a saved search matched when it was indexed (once per search and post)."""

    __tablename__ = "saved_search_matches"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "post_id", name="uq_saved_search_matches_search_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
