from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rse.extensions import db


class Unit(db.Model):
    """A node of the organisation tree.

    ``id_path`` materialises the ancestry as ``/1/5/9/`` so that a whole subtree is one indexed
    prefix match (``LIKE '/1/5/%'``), which the desk and manager views lean on.
    """

    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),
        Index("ix_units_id_path", "id_path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    ministry_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(1000), unique=True)
    id_path: Mapped[str] = mapped_column(String(500))
    depth: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_ministry(self) -> bool:
        return self.parent_id is None

    @property
    def ancestor_ids(self) -> list[int]:
        """This unit's id and its ancestors', from the ministry down."""
        return [int(part) for part in self.id_path.strip("/").split("/")]

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.path}>"
