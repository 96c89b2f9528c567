"""Creating and looking up units."""

from __future__ import annotations

from sqlalchemy import select

from rse.errors import Invalid, _l
from rse.extensions import db
from rse.units.models import Unit

MAX_DEPTH = 8


def split_path(path: str) -> list[str]:
    parts = [part.strip() for part in path.strip().strip("/").split("/")]
    if not parts or any(not part for part in parts):
        raise Invalid("A unit path names each level, separated by '/'.", {"path": ["Empty level."]})
    if len(parts) > MAX_DEPTH:
        raise Invalid("Too many levels.", {"path": [_l("At most %(count)d levels.", count=MAX_DEPTH)]})
    if any(len(part) > 120 for part in parts):
        raise Invalid("A level name is too long.", {"path": ["At most 120 characters a level."]})
    return parts


def ensure_path(path: str) -> Unit:
    """Create every missing unit along ``MINISTRY/DIRECTORATE/...`` and return the last one."""
    parent: Unit | None = None
    for depth, name in enumerate(split_path(path)):
        full_path = f"{parent.path}/{name}" if parent else name
        unit = db.session.scalar(select(Unit).where(Unit.path == full_path))
        if unit is None:
            unit = Unit(
                name=name,
                parent_id=parent.id if parent else None,
                path=full_path,
                id_path="",
                depth=depth,
            )
            db.session.add(unit)
            db.session.flush()
            unit.id_path = f"{parent.id_path if parent else '/'}{unit.id}/"
            unit.ministry_id = parent.ministry_id if parent else unit.id
            db.session.flush()
        parent = unit
    assert parent is not None
    return parent
