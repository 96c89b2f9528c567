"""Alembic migrations are the only way the schema is made: they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_autogenerate_finds_no_difference(app):
    from rse.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []


def test_schema_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    from rse.extensions import db

    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        assert len(heads) == 1
        assert set(current) == set(heads)
