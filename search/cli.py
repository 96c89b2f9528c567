"""``rse search``: rebuild, check and feed the search index."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup


@click.group("search", cls=AppGroup, help="Search index: reindex, verify, worker; veille digest.")
def search_group():
    pass


@search_group.command("reindex")
def reindex_command():
    """Rebuild the whole index from the database into a new folder and swap it in.

    Searches keep using the old index until the new one is complete. Changes written meanwhile
    wait in the outbox and are applied to the new index right after the swap.
    """
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search.backends import get_backend
    from search.documents import all_documents, count_documents
    from search.outbox import drain, writer_lock

    backend = get_backend()
    started = time.monotonic()
    with writer_lock(block=True), Session(db.engine) as session:
        expected = count_documents(session)
        with click.progressbar(length=expected, label="Indexing", show_pos=True, show_eta=True) as bar:
            indexed = backend.rebuild(
                all_documents(session, by_community=backend.rebuild_by_community), bar.update
            )
    elapsed = time.monotonic() - started
    caught_up = drain(block=True)
    rate = indexed / elapsed if elapsed else 0.0
    click.echo(f"Indexed {indexed} documents in {elapsed:.1f} s ({rate:,.0f} documents/s).")
    if caught_up:
        click.echo(f"Applied {caught_up} changes written during the rebuild.")


@search_group.command("verify")
@click.option("--repair", is_flag=True, help="Index the missing and stale documents, delete the orphans.")
@click.option("--show", default=10, show_default=True, help="How many keys to list per kind of problem.")
def verify_command(repair, show):
    """Compare the index with the database: missing, stale and orphan documents."""
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search.backends import get_backend
    from search.documents import all_documents
    from search.outbox import drain, enqueue, writer_lock

    backend = get_backend()
    indexed = backend.digests()
    with Session(db.engine) as session:
        expected = {document.key: document.digest for document in all_documents(session)}
    missing = sorted(key for key in expected if key not in indexed)
    stale = sorted(key for key, digest in expected.items() if key in indexed and indexed[key] != digest)
    orphans = sorted(key for key in indexed if key not in expected)
    click.echo(f"{len(expected)} documents expected, {len(indexed)} indexed.")
    for label, keys in (("missing", missing), ("stale", stale), ("orphan", orphans)):
        listed = ", ".join(keys[:show]) + (" …" if len(keys) > show else "")
        click.echo(f"{label}: {len(keys)}" + (f" ({listed})" if keys and show else ""))
    if not (missing or stale or orphans):
        click.echo("The index matches the database.")
        return
    if not repair:
        raise click.ClickException("The index differs from the database (run with --repair to fix it).")
    with Session(db.engine) as session:
        for key in [*missing, *stale]:
            kind, object_id = key.split(":", 1)
            enqueue(kind, int(object_id), session=session)
        session.commit()
    if orphans:
        with writer_lock(block=True):
            backend.delete_keys(orphans)
    drain(block=True)
    click.echo(f"Repaired {len(missing) + len(stale) + len(orphans)} documents.")


@search_group.command("worker")
@click.option("--once", is_flag=True, help="Drain what is pending, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between looks at the outbox.")
def worker_command(once, interval):
    """Apply pending index changes (with RSE_SEARCH_WORKER=external, servers leave it to this)."""
    from search.outbox import drain

    while True:
        applied = drain(block=True)
        if applied:
            click.echo(f"Applied {applied} changes.")
        if once:
            return
        time.sleep(interval)


@search_group.command("digest")
def digest_command():
    """Daily veille alerts: one notification per daily saved search with new matches (run from cron)."""
    from sqlalchemy.orm import Session

    from rse.extensions import db
    from search.veille import send_digest

    with Session(db.engine) as session:
        sent = send_digest(session)
        session.commit()
    click.echo(f"Sent {sent} digest notifications.")
