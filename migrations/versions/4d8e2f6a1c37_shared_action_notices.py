"""shared action notices: one "asks you to act" notification per addressing, not per person

The people a notice reached, and whether each read it, move to their recipient rows
(``notice_id``, ``notice_read_at``); the per-person action notifications are folded into one notice
per post and moment (the original addressing, then each re-addressing), in a few set-based
statements. The recipient rows lose their foreign keys to the person and the unit (two locking
lookups per row on PostgreSQL), and their desk index carries the notice.

Revision ID: 4d8e2f6a1c37
Revises: 5b7d2e9c4a61
Create Date: 2026-11-27 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4d8e2f6a1c37'
down_revision = '5b7d2e9c4a61'
branch_labels = None
depends_on = None


def upgrade():
    # One pass over the table (a copy on SQLite): the notice columns, no foreign keys on the person
    # and their unit, and the desk index dropped here to be built once, with the notice, at the end.
    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notice_read_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('fk_post_recipients_user_id_users', type_='foreignkey')
        batch_op.drop_constraint('fk_post_recipients_unit_id_units', type_='foreignkey')
        batch_op.drop_index('ix_post_recipients_user_kind_done')
    # The notice of each addressing: the first notification sent for that post at that moment.
    op.create_table(
        'action_notices_upgrade',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('post_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        """
        INSERT INTO action_notices_upgrade (id, post_id, created_at)
        SELECT min(id), post_id, created_at FROM notifications
        WHERE kind = 'action' AND post_id IS NOT NULL
        GROUP BY post_id, created_at
        """
    )
    op.create_index('ix_action_notices_upgrade_moment', 'action_notices_upgrade', ['post_id', 'created_at'])
    # Each person still asked to act points at the notice they were sent, with their read mark.
    op.execute(
        """
        UPDATE post_recipients SET notice_id = a.id, notice_read_at = n.read_at
        FROM notifications n
        JOIN action_notices_upgrade a ON a.post_id = n.post_id AND a.created_at = n.created_at
        WHERE n.kind = 'action'
          AND n.user_id = post_recipients.user_id
          AND n.post_id = post_recipients.post_id
          AND post_recipients.kind = 'action'
        """
    )
    op.execute(
        """
        DELETE FROM notifications
        WHERE kind = 'action'
          AND NOT EXISTS (SELECT 1 FROM action_notices_upgrade a WHERE a.id = notifications.id)
        """
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
    op.execute(
        """
        UPDATE notifications SET user_id = NULL, read_at = NULL
        WHERE id IN (SELECT id FROM action_notices_upgrade)
        """
    )
    op.drop_index('ix_action_notices_upgrade_moment', table_name='action_notices_upgrade')
    op.drop_table('action_notices_upgrade')
    # The desk index carries the notice, so a person's notifications are part of their desk range.
    op.create_index(
        'ix_post_recipients_desk',
        'post_recipients',
        ['user_id', 'kind', 'done_at', 'post_id', 'notice_id', 'notice_read_at'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_post_recipients_desk', table_name='post_recipients')
    op.execute(
        """
        INSERT INTO notifications (user_id, kind, actor_id, post_id, created_at, read_at)
        SELECT r.user_id, 'action', n.actor_id, n.post_id, n.created_at, r.notice_read_at
        FROM post_recipients r
        JOIN notifications n ON n.id = r.notice_id
        WHERE r.notice_id IS NOT NULL
        """
    )
    op.execute("DELETE FROM notifications WHERE user_id IS NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('post_recipients', schema=None) as batch_op:
        batch_op.drop_column('notice_read_at')
        batch_op.drop_column('notice_id')
        batch_op.create_foreign_key(
            batch_op.f('fk_post_recipients_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_foreign_key(batch_op.f('fk_post_recipients_unit_id_units'), 'units', ['unit_id'], ['id'])
        batch_op.create_index(
            'ix_post_recipients_user_kind_done', ['user_id', 'kind', 'done_at', 'post_id'], unique=False
        )
