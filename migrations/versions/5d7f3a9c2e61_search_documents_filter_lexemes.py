"""search documents: the filtered fields as lexemes of the document's vector

A filter on priority, qualification or a tag was checked on each row the words' GIN index gave:
for `concernant petite priority:immediate`, the 89,602 documents holding both words were read to
keep 3,213. Each document's vector now also holds one lexeme per value of those fields
(``rse_filter_lexemes``), so the GIN index answers the words and the filters together and only
the documents meeting both are read. The lexemes start with a space, which neither a word of a
document nor a word or prefix of a query can hold, and have no position, so phrases, ranking
and the pairs of neighbouring words ignore them. Existing rows are filled here.

Revision ID: 5d7f3a9c2e61
Revises: 3c8e5a7f1b24
Create Date: 2026-11-28 02:00:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5d7f3a9c2e61"
down_revision = "3c8e5a7f1b24"
branch_labels = None
depends_on = None

# ``tags`` is the search_documents column: "|tag one|tag two|", in lower case.
FILTER_LEXEMES_FUNCTION = """
CREATE OR REPLACE FUNCTION rse_filter_lexemes(priority text, qualification text, tags text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_tsvector(
    ARRAY[' priority:' || COALESCE(priority, 'routine'), ' qualification:' || COALESCE(qualification, 'none')]
    || ARRAY(
      SELECT ' tag:' || tag
      FROM unnest(string_to_array(trim(BOTH '|' FROM COALESCE(tags, '')), '|')) AS tag
      WHERE tag <> ''
    )
  )
$$
"""


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(FILTER_LEXEMES_FUNCTION)
    # A rewrite of the table rather than an UPDATE: every row changes, and an UPDATE would leave
    # the table and its indexes twice their size until a vacuum; the indexes are built again.
    op.execute(
        'ALTER TABLE search_documents ALTER COLUMN document TYPE tsvector'
        ' USING document || rse_filter_lexemes(priority, qualification, tags)'
    )
    op.execute('ANALYZE search_documents')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # Every word of a document has a position, and those lexemes none: ts_filter keeps the words.
    op.execute(
        "ALTER TABLE search_documents ALTER COLUMN document TYPE tsvector"
        " USING ts_filter(document, '{a,b,c,d}')"
    )
    op.execute('DROP FUNCTION IF EXISTS rse_filter_lexemes(text, text, text)')
