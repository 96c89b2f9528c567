"""``rse demo``: load the demo world, or a scale world when sizes are given."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import inspect as sa_inspect

SCALE_DEFAULTS = {"users": 20000, "communities": 300, "posts": 1_000_000}


@click.command("demo")
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same world.")
@click.option(
    "--users", type=click.IntRange(min=100), default=None, help="Build a scale world with this many users."
)
@click.option(
    "--communities", type=click.IntRange(min=1), default=None, help="Communities of the scale world."
)
@click.option("--posts", type=click.IntRange(min=0), default=None, help="Posts of the scale world.")
@click.option("--reset", is_flag=True, help="Delete the demo data already present, then load again.")
@with_appcontext
def demo_command(seed, users, communities, posts, reset):
    """Load the demo world (60 demo accounts, 37 communities, a few hundred posts, and a day of
    1,000 MEAE cables forwarded up the hierarchy), or a scale world when --users, --communities or
    --posts is given (defaults 20000, 300, 1000000).

    Does nothing when demo data is already present, unless --reset is given (which also clears
    what an interrupted scale load left: it commits every 50,000 posts).
    """
    from sqlalchemy.exc import IntegrityError

    from rse.demo.bulk import DEMO_PASSWORD, has_demo_data
    from rse.demo.reset import delete_demo_data
    from rse.demo.world import SHOWCASE_LOGINS, load_demo_world
    from rse.errors import DomainError
    from rse.extensions import db

    if "users" not in sa_inspect(db.engine).get_table_names():
        raise click.ClickException("The database has no tables yet: run `rse db upgrade` first.")
    if has_demo_data():
        if not reset:
            click.echo("Demo data is already present: nothing changed (use --reset to load it again).")
            return
        started = time.perf_counter()
        deleted = delete_demo_data()
        db.session.commit()
        summary = ", ".join(f"{name} {count}" for name, count in sorted(deleted.items()) if count)
        click.echo(f"Deleted the demo data in {time.perf_counter() - started:.1f} s: {summary}")

    started = time.perf_counter()
    try:
        if users is None and communities is None and posts is None:
            counts = load_demo_world(seed)
            label = "demo world"
        else:
            from rse.demo.scale import load_scale_world

            sizes = {"users": users, "communities": communities, "posts": posts}
            sizes = {name: SCALE_DEFAULTS[name] if value is None else value for name, value in sizes.items()}
            counts = load_scale_world(seed=seed, progress=click.echo, **sizes)
            label = "scale world"
    except (DomainError, IntegrityError) as error:
        # Real accounts or communities may already use a demo e-mail address or slug.
        db.session.rollback()
        raise click.ClickException(f"The demo data could not be loaded: {error}") from error
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{name} {counts[name]:,}" for name in sorted(counts))
    click.echo(f"Loaded the {label} (seed {seed}) in {elapsed:.1f} s: {summary}")
    click.echo(f"Demo logins (password for every demo account: {DEMO_PASSWORD}):")
    width = max(len(login["email"]) for login in SHOWCASE_LOGINS)
    for login in SHOWCASE_LOGINS:
        click.echo(f"  {login['email']:<{width}}  {login['role']:<8}  {login['description']}")
