"""Planner settings for the current transaction, where PostgreSQL's own choice costs more."""

from __future__ import annotations

from sqlalchemy import text

from rse.extensions import db


def serial_plans() -> None:
    """Plan the rest of this transaction's statements without parallel workers (PostgreSQL).

    The desk's statements each follow one person's index entries to a few thousand posts. The
    planner overestimates those rows and starts two workers, which takes longer than the work
    itself, and longer still when other requests hold the cores the workers wait for. The setting
    ends with the transaction (``set_config(..., true)`` is ``SET LOCAL``); SQLite has no workers.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get("serial_plans") is transaction:
        return
    session.execute(text("SELECT set_config('max_parallel_workers_per_gather', '0', true)"))
    session.info["serial_plans"] = session.get_transaction()
