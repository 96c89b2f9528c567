"""The ``rse`` command: the Flask CLI of this app plus its own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from rse.errors import DomainError


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.errors.items())
    raise click.ClickException(f"{error.detail} {details}".strip())


@click.group("users", cls=AppGroup, help="Manage accounts.")
def users_group():
    pass


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", "roles", multiple=True, help="curator, manager or admin (repeatable).")
@click.option("--unit", "unit_path", help="The user's unit, e.g. MEAE/DGM/Afrique.")
@click.option("--manages", "managed_paths", multiple=True, help="A unit the user manages.")
@click.option("--locale", default="fr", show_default=True)
def create_user_command(email, name, password, roles, unit_path, managed_paths, locale):
    """Create a user; prints the new id alone on the last line."""
    from rse.accounts.services import create_user
    from rse.extensions import db
    from rse.units.services import ensure_path

    try:
        unit = ensure_path(unit_path) if unit_path else None
        managed = [ensure_path(path) for path in managed_paths]
        user = create_user(
            email=email,
            name=name,
            password=password,
            roles=list(roles),
            unit=unit,
            manages=managed,
            locale=locale,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    click.echo(f"Created {user.email} ({', '.join(user.roles)})")
    click.echo(user.id)


@users_group.command("deactivate")
@click.option("--email", required=True)
def deactivate_user_command(email):
    """Deactivate a user: their sessions and tokens stop working at once."""
    from rse.accounts.services import deactivate_user, find_user_by_email
    from rse.extensions import db

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    deactivate_user(user)
    db.session.commit()
    click.echo(f"Deactivated {user.email}")


@click.group("tokens", cls=AppGroup, help="Manage personal API tokens.")
def tokens_group():
    pass


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli")
def create_token_command(email, name):
    """Create an API token; prints it alone on the last line (it is not shown again)."""
    from rse.accounts.services import create_token, find_user_by_email
    from rse.extensions import db

    user = find_user_by_email(email)
    if user is None or not user.active:
        raise click.ClickException(f"No active user with e-mail {email}.")
    try:
        _token, secret = create_token(user, name)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Token {name!r} for {user.email}:")
    click.echo(secret)


@click.group("units", cls=AppGroup, help="Manage the organisation tree.")
def units_group():
    pass


@units_group.command("create")
@click.argument("path")
def create_unit_command(path):
    """Create every missing unit along PATH; prints the last unit's id alone on the last line."""
    from rse.extensions import db
    from rse.units.services import ensure_path

    try:
        unit = ensure_path(path)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    click.echo(unit.path)
    click.echo(unit.id)


def register_commands(app: Flask) -> None:
    from rse.demo.cli import demo_command
    from rse.serve import serve_command
    from search.cli import search_group

    for command in (users_group, tokens_group, units_group, demo_command, search_group, serve_command):
        app.cli.add_command(command)


def _create_app():
    from rse import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """rse: the enterprise social network (this is the Flask CLI of the app)."""
