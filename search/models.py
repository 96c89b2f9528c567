from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from rse.db_types import UTCDateTime, utcnow
from rse.extensions import db

OUTBOX_KINDS = ("post", "comment", "community", "author")


class SearchOutbox(db.Model):
    """A pending index change, written in the same transaction as the content it follows.

    ``post`` refreshes a post and its comments, ``comment`` one comment; ``community`` and
    ``author`` (renames) fan out into ``post``/``comment`` rows when drained. Rows are deleted once
    the index has them, so a rolled-back write leaves nothing to index.
    """

    __tablename__ = "search_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('post', 'comment', 'community', 'author')", name="known_kind"),
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
    the weighted ``tsvector`` (title A, tags B, body C, author and community names D).
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
        Index("ix_search_documents_created_at", "created_at"),
        Index("ix_search_documents_post_id", "post_id"),
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
