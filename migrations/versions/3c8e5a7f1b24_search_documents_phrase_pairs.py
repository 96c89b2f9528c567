"""search documents: the pairs of neighbouring words, for phrases

A GIN index keeps which documents hold a word, not where: a phrase such as "point situation" was
checked by reading the vector of every readable document holding both words (tens of thousands
for two frequent words, most of them without the phrase). ``phrase_pairs`` holds each pair of
neighbouring words of the document's vector, as one lexeme ("point situat"), with its own GIN
index: a phrase's pairs find the documents that may hold it, and only those are checked. The
pairs come from the vector itself (``rse_phrase_pairs``), with the positions the phrase search
reads, so every document holding a phrase holds its pairs. Existing rows are filled here.

Revision ID: 3c8e5a7f1b24
Revises: 6e2b9d4f8a13
Create Date: 2026-11-27 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '3c8e5a7f1b24'
down_revision = '6e2b9d4f8a13'
branch_labels = None
depends_on = None

# Two lexemes at neighbouring positions, joined by a space (a lexeme never holds one); pairs of
# very long words are left out on both sides, staying under the 2 KB a lexeme may take.
PAIRS_FUNCTION = """
CREATE OR REPLACE FUNCTION rse_phrase_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT COALESCE(array_to_tsvector(array_agg(DISTINCT first.lexeme || ' ' || second.lexeme)), '')
  FROM (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS first
  JOIN (SELECT lexeme, unnest(positions) AS position FROM unnest(document)) AS second
    ON second.position = first.position + 1
  WHERE octet_length(first.lexeme) + octet_length(second.lexeme) < 1000
$$
"""


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('phrase_pairs', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True)
        )
    if postgres:
        op.execute(PAIRS_FUNCTION)
        op.execute('UPDATE search_documents SET phrase_pairs = rse_phrase_pairs(document)')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_search_documents_phrase_pairs', ['phrase_pairs'], unique=False, postgresql_using='gin'
        )
    if postgres:
        op.execute('ANALYZE search_documents')


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_phrase_pairs', postgresql_using='gin')
        batch_op.drop_column('phrase_pairs')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS rse_phrase_pairs(tsvector)')
