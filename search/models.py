from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

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
