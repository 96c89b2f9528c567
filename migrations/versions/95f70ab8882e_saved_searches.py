"""saved searches (veille), their matches, personal desk actions, portal items in the search outbox

Revision ID: 95f70ab8882e
Revises: 3c5e9a7d2b14
Create Date: 2026-11-27 05:49:38.255307

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '95f70ab8882e'
down_revision = '3c5e9a7d2b14'
branch_labels = None
depends_on = None


OUTBOX_KINDS_BEFORE = "kind IN ('post', 'comment', 'community', 'author')"
OUTBOX_KINDS_AFTER = "kind IN ('post', 'comment', 'portal_item', 'community', 'author')"


def upgrade():
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_search_outbox_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', OUTBOX_KINDS_AFTER)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('alert', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_match_id', sa.Integer(), nullable=False),
    sa.Column('digested_match_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("alert IN ('immediate', 'daily')", name=op.f('ck_saved_searches_known_alert')),
    sa.CheckConstraint("level IN ('opportunity', 'watch', 'risk', 'high_risk')", name=op.f('ck_saved_searches_known_level')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index('ix_saved_searches_user_id_id', ['user_id', 'id'], unique=False)

    op.create_table('saved_search_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('saved_search_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_saved_search_matches_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'], name=op.f('fk_saved_search_matches_saved_search_id_saved_searches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search_matches')),
    sa.UniqueConstraint('saved_search_id', 'post_id', name='uq_saved_search_matches_search_post')
    )
    with op.batch_alter_table('saved_search_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_matches_post_id'), ['post_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('saved_search_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('match_count', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_saved_search_id'), ['saved_search_id'], unique=False)

    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    op.execute("DELETE FROM search_outbox WHERE kind = 'portal_item'")
    with op.batch_alter_table('search_outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_search_outbox_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', OUTBOX_KINDS_BEFORE)

    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.drop_column('personal')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_saved_search_id'))
        batch_op.drop_column('match_count')
        batch_op.drop_column('saved_search_id')

    with op.batch_alter_table('saved_search_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_search_matches_post_id'))

    op.drop_table('saved_search_matches')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_searches_user_id_id')

    op.drop_table('saved_searches')
