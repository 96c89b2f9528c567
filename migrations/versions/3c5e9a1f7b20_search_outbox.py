"""search outbox: pending index changes written with the content

Revision ID: 3c5e9a1f7b20
Revises: 8f1a6e28b7f2
Create Date: 2026-11-27 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import rse.db_types


# revision identifiers, used by Alembic.
revision = '3c5e9a1f7b20'
down_revision = '8f1a6e28b7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('created_at', rse.db_types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('post', 'comment', 'community', 'author')", name=op.f('ck_search_outbox_known_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox')),
    )


def downgrade():
    op.drop_table('search_outbox')
