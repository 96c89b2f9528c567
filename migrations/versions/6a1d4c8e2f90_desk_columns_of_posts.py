"""an index of the posts' columns the desk reads

Revision ID: 6a1d4c8e2f90
Revises: 4d8e2f6a1c37
Create Date: 2026-11-27 15:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6a1d4c8e2f90'
down_revision = '4d8e2f6a1c37'
branch_labels = None
depends_on = None

COLUMNS = ['id', 'priority', 'qualification', 'due_at', 'community_id', 'deleted_at', 'author_id']


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_desk_columns', COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_desk_columns')
