"""Bulk writing shared by both worlds: explicit ids, Core inserts in batches.

Rows get their ids here rather than from the database so that posts, their addressees, tags and
comments can be built together and written with plain executemany, without a round trip per row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from sqlalchemy import exists, func, select, text

from rse.accounts.models import User
from rse.accounts.passwords import hash_password
from rse.extensions import db

# One documented password for every demo account (the README lists it with the showcase logins).
DEMO_PASSWORD = "demo-rse-2026"

# Tables that take explicit ids from these loaders; PostgreSQL sequences must catch up afterwards.
SQLITE_CACHE_KIB = 512 * 1024
ID_TABLES = ("users", "communities", "posts", "comments", "audit_events", "selection_items")


@functools.cache
def demo_password_hash() -> str:
    """Hashed once: argon2 costs ~0.1 s, far too much to repeat for thousands of accounts that share it."""
    return hash_password(DEMO_PASSWORD)


def has_demo_data() -> bool:
    return bool(db.session.scalar(select(exists().where(User.is_demo.is_(True)))))


def table(name: str):
    return db.metadata.tables[name]


class IdCounter:
    """The next free id of a table, handed out in increasing order."""

    def __init__(self, name: str):
        self.next = (db.session.scalar(select(func.max(table(name).c.id))) or 0) + 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class BatchWriter:
    """Buffers rows per table and writes them parents first, whenever the buffers grow large."""

    def __init__(self, batch_rows: int = 5000):
        self.batch_rows = batch_rows
        self.order = {t.name: position for position, t in enumerate(db.metadata.sorted_tables)}
        self.buffers: dict[str, list[dict]] = {}
        self.written: dict[str, int] = {}
        self._pending = 0

    def add(self, name: str, row: dict) -> None:
        self.buffers.setdefault(name, []).append(row)
        self._pending += 1
        if self._pending >= self.batch_rows:
            self.flush()

    def add_all(self, name: str, rows: Iterable[dict]) -> None:
        for row in rows:
            self.add(name, row)

    def flush(self) -> None:
        # Every buffer at once and parents first: a comment may sit in one buffer while its
        # post still waits in another, and foreign keys are checked row by row on SQLite.
        connection = db.session.connection()
        if connection.dialect.name == "sqlite":
            # The default 2 MB page cache thrashes on index inserts once tables pass a few
            # hundred thousand rows; this only lasts as long as the loading connection.
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        for name in sorted(self.buffers, key=self.order.__getitem__):
            rows = self.buffers[name]
            if rows:
                insert_rows(connection, name, rows)
                self.written[name] = self.written.get(name, 0) + len(rows)
                rows.clear()
        self._pending = 0

    def commit(self) -> None:
        self.flush()
        db.session.commit()


def insert_rows(connection, name: str, rows: list[dict]) -> None:
    """Insert rows that all have the same keys, straight through the driver.

    Core's executemany spends more time preparing parameters than SQLite spends inserting them;
    here each column's bind processor (UTC datetimes, JSON) is applied once per value and the
    driver gets plain tuples (through COPY on PostgreSQL).
    """
    target = table(name)
    dialect = connection.dialect
    keys = list(rows[0])
    defaults = _model_defaults(target, keys)
    columns = []
    for key in keys + list(defaults):
        values = [row[key] for row in rows] if key in rows[0] else [defaults[key]] * len(rows)
        process = target.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            columns.append(values)
        elif process(None) is None:  # most nullable datetimes are NULL: skip the call for them
            columns.append([None if value is None else process(value) for value in values])
        else:
            columns.append(list(map(process, values)))
    params = list(zip(*columns, strict=True))
    keys += list(defaults)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(key) for key in keys)
    if dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {quote(name)} ({names}) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
        return
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(keys))
    connection.exec_driver_sql(f"INSERT INTO {quote(name)} ({names}) VALUES ({marks})", params)


def _model_defaults(target, keys: list[str]) -> dict:
    """The Python-side defaults of the columns a row leaves out, as the ORM would fill them, so
    that a column added to a model later does not break the loaders (evaluated once a batch)."""
    defaults = {}
    for column in target.columns:
        default = column.default
        if column.key in keys or default is None:
            continue
        if default.is_scalar:
            defaults[column.key] = default.arg
        elif default.is_callable:
            defaults[column.key] = default.arg(None)
    return defaults


def sync_sequences() -> None:
    """Move PostgreSQL id sequences past the ids written explicitly (SQLite needs nothing)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in ID_TABLES:
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )
