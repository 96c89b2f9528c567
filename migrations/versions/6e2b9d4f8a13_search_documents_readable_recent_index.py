"""search documents: an index of readable communities by date, with the filter columns

A search for a frequent word reads its documents through the GIN index, then keeps those the
reader may read and asked for. ``ix_search_documents_community_recent`` (community, creation date,
qualification, priority) gives PostgreSQL a second bitmap of the readable documents of a date
window that meet the qualification and priority filters, read from the index alone; ANDed with
the word's bitmap, only the matches themselves are fetched from the table. Portal items belong to
no community: ``ix_search_documents_portal_item`` lets the same plan take the readable ones.

Revision ID: 6e2b9d4f8a13
Revises: 6a1d4c8e2f90
Create Date: 2026-11-27 14:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e2b9d4f8a13'
down_revision = '6a1d4c8e2f90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_search_documents_community_recent',
            ['community_id', 'created_at', 'qualification', 'priority'],
            unique=False,
        )
        batch_op.create_index(
            'ix_search_documents_portal_item',
            ['object_id'],
            unique=False,
            postgresql_where=sa.text("kind = 'portal_item'"),
            sqlite_where=sa.text("kind = 'portal_item'"),
        )
    if op.get_bind().dialect.name == 'postgresql':
        # The search chooses its plan from the planner's estimates: give it the new statistics.
        op.execute('ANALYZE search_documents')


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_search_documents_portal_item',
            postgresql_where=sa.text("kind = 'portal_item'"),
            sqlite_where=sa.text("kind = 'portal_item'"),
        )
        batch_op.drop_index('ix_search_documents_community_recent')
