"""Deleting the demo data: demo accounts and everything they created, whatever table holds it.

Dependent rows are found from the foreign keys in the metadata rather than from a fixed list, so
that tables added later (notifications, reads...) are purged too. Units stay: they may be shared
with real accounts, and loading the demo again reuses them.
"""

from __future__ import annotations

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint, and_, delete, not_, select, text, update

from rse.demo.bulk import table
from rse.extensions import db


def delete_demo_data() -> dict[str, int]:
    """Delete demo users, the communities they created (with all their content) and their content
    elsewhere. Returns the number of rows deleted per table; the caller commits."""
    helpers = _create_helper_indexes()
    try:
        counts = _purge_demo_rows()
    except Exception:
        # PostgreSQL drops the helpers with the rollback; SQLite's driver committed them at once.
        db.session.rollback()
        _drop(helpers)
        db.session.commit()
        raise
    _drop(helpers)
    return counts


def _purge_demo_rows() -> dict[str, int]:
    counts: dict[str, int] = {}
    users = table("users")
    demo_users = select(users.c.id).where(users.c.is_demo.is_(True))
    communities = table("communities")
    _purge("communities", communities.c.created_by_id.in_(demo_users), counts)
    # Addressees point at users without a foreign key (the target may be a unit too).
    addressees = table("post_addressees")
    result = db.session.execute(
        delete(addressees).where(addressees.c.target_type == "user", addressees.c.target_id.in_(demo_users))
    )
    counts["post_addressees"] = counts.get("post_addressees", 0) + result.rowcount
    _purge("users", users.c.is_demo.is_(True), counts)
    return counts


def _drop(names: list[str]) -> None:
    for name in names:
        db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))


def _create_helper_indexes() -> list[str]:
    """Index every foreign key column that no index leads with, for the time of the purge.

    Deleting a parent row makes the database look for children; without an index that is a scan of
    the child table per deleted row, hours for a scale world (comments.parent_id, posts.deleted_by_id).
    """
    names = []
    for child in db.metadata.sorted_tables:
        leading = {index.columns[0].name for index in child.indexes if index.columns}
        leading |= {constraint.columns[0].name for constraint in child.constraints if _is_key(constraint)}
        for fk in sorted(child.foreign_keys, key=lambda fk: fk.parent.name):
            if fk.parent.name in leading or fk.column.table.name == "units":  # units are kept
                continue
            name = f"ix_demo_reset_{child.name}_{fk.parent.name}"
            db.session.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {child.name} ({fk.parent.name})"))
            names.append(name)
            leading.add(fk.parent.name)
    return names


def _is_key(constraint) -> bool:
    return isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint) and len(constraint.columns) > 0


def _references_to(name: str):
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table.name == name:
                yield child, fk


def _purge(name: str, condition, counts: dict[str, int], depth: int = 0) -> None:
    target = table(name)
    for child, fk in _references_to(name):
        column = fk.parent
        doomed = select(fk.column).where(condition)
        if child is target:
            # A reply to a doomed comment goes with it; replies are one level deep, so the
            # recursion stops at once.
            if depth < 2:
                _purge(name, and_(column.in_(doomed), not_(condition)), counts, depth + 1)
        elif column.nullable and not column.primary_key and (fk.ondelete or "").upper() != "CASCADE":
            # A reference that may outlive its target (who deleted a post, who decided a request).
            db.session.execute(update(child).where(column.in_(doomed)).values({column.name: None}))
        else:
            _purge(child.name, column.in_(doomed), counts, depth)
    result = db.session.execute(delete(target).where(condition))
    counts[name] = counts.get(name, 0) + result.rowcount
