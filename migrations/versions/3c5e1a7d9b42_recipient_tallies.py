"""recipient tallies: people reached, done and read per post and unit, for the manager view

The recipient rows lose their unit index, which only the manager view used, and their desk index
carries the done mark.

Revision ID: 3c5e1a7d9b42
Revises: 8f8d3508617d
Create Date: 2026-11-27 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e1a7d9b42'
down_revision = '8f8d3508617d'
branch_labels = None
depends_on = None


def upgrade():
    # The manager view now reads the tallies by unit, not the recipient rows.
    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_post_recipients_unit_id')
        batch_op.drop_index('ix_post_recipients_user_kind')
        batch_op.create_index(
            'ix_post_recipients_user_kind_done', ['user_id', 'kind', 'done_at', 'post_id'], unique=False
        )
    op.create_table(
        'recipient_tallies',
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('priority', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reached', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('read', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('action', 'information')", name=op.f('ck_recipient_tallies_known_kind')),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_recipient_tallies_community_id_communities')),
        sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_recipient_tallies_post_id_posts'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_recipient_tallies_unit_id_units')),
        sa.PrimaryKeyConstraint('post_id', 'unit_id', 'kind', name=op.f('pk_recipient_tallies')),
    )
    # Count what is already there, before the index so that it is built once.
    op.execute(
        """
        INSERT INTO recipient_tallies
            (post_id, unit_id, kind, community_id, priority, created_at, due_at, reached, done, read)
        SELECT r.post_id, r.unit_id, r.kind, p.community_id, p.priority, p.created_at, p.due_at,
               count(*), count(r.done_at), count(pr.user_id)
        FROM post_recipients r
        JOIN posts p ON p.id = r.post_id
        LEFT OUTER JOIN post_reads pr ON pr.post_id = r.post_id AND pr.user_id = r.user_id
        WHERE r.unit_id IS NOT NULL AND p.deleted_at IS NULL
        GROUP BY r.post_id, r.unit_id, r.kind, p.community_id, p.priority, p.created_at, p.due_at
        """
    )
    with op.batch_alter_table('recipient_tallies', schema=None) as batch_op:
        batch_op.create_index(
            'ix_recipient_tallies_unit_kind_created',
            ['unit_id', 'kind', 'created_at', 'community_id', 'priority', 'due_at', 'post_id', 'reached',
             'done', 'read'],
            unique=False,
        )
        batch_op.create_index(
            'ix_recipient_tallies_late_walk',
            ['kind', 'priority', 'due_at', 'post_id', 'unit_id', 'created_at', 'community_id', 'reached',
             'done'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('recipient_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_recipient_tallies_late_walk')
        batch_op.drop_index('ix_recipient_tallies_unit_kind_created')
    op.drop_table('recipient_tallies')
    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_post_recipients_user_kind_done')
        batch_op.create_index('ix_post_recipients_user_kind', ['user_id', 'kind', 'post_id'], unique=False)
        batch_op.create_index('ix_post_recipients_unit_id', ['unit_id'], unique=False)
