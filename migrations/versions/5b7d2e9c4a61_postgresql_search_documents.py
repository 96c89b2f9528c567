"""search documents for the PostgreSQL full-text backend

Revision ID: 5b7d2e9c4a61
Revises: 95f70ab8882e
Create Date: 2026-11-27 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5b7d2e9c4a61'
down_revision = '95f70ab8882e'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # French stemming over accent-folded words: the unaccent dictionary runs before the stemmer,
        # so documents, queries and ts_headline all fold accents the same way.
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
        op.execute('CREATE TEXT SEARCH CONFIGURATION rse_french (COPY = french)')
        op.execute(
            'ALTER TEXT SEARCH CONFIGURATION rse_french '
            'ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem'
        )
    op.create_table('search_documents',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('qualification', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_name', sa.Text(), nullable=False),
    sa.Column('community_name', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=40), nullable=False),
    sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_search_documents_document', ['document'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_post_id', ['post_id'], unique=False)


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_post_id')
        batch_op.drop_index('ix_search_documents_document', postgresql_using='gin')
        batch_op.drop_index('ix_search_documents_created_at')

    op.drop_table('search_documents')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS rse_french')
