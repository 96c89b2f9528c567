"""portal item views

Revision ID: 3c5e9a7d2b14
Revises: 3c5e9a1f7b20
Create Date: 2026-11-27 05:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e9a7d2b14'
down_revision = '3c5e9a1f7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_item_views',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['portal_items.id'], name=op.f('fk_portal_item_views_item_id_portal_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_item_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'user_id', 'day', name=op.f('pk_portal_item_views'))
    )
    with op.batch_alter_table('portal_item_views', schema=None) as batch_op:
        batch_op.create_index('ix_portal_item_views_day_item', ['day', 'item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('portal_item_views', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_item_views_day_item')

    op.drop_table('portal_item_views')
