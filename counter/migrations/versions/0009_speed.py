"""speed (issue 21): the name-search index gets prefixes of 2 to 7 letters (it had 2 and 3)

A word of the query is matched as a prefix ("nguyen"*). With only 2- and 3-letter prefixes indexed, FTS5 answers
a longer prefix by merging every matching term into one in-memory list before it can take the newest 21 rows:
for "nguyen" at 1M dossiers that is ~389k rows, 50–150 ms. With the prefix itself in the index (Vietnamese
syllables and the search words are almost all ≤ 7 letters) the list is read newest-first and stops after a page.

Only the FTS5 table is rebuilt (from dossiers.search_text, its external content); the dossiers table and the
triggers that keep the index in step are untouched (their bodies name the table, which is dropped and created
again under the same name inside this one transaction).
"""
from alembic import op

revision = "0009_speed"
down_revision = "0009_sign"


def _index(prefix: str) -> None:
    op.execute("DROP TABLE IF EXISTS dossier_fts")
    op.execute(
        "CREATE VIRTUAL TABLE dossier_fts USING fts5(search_text, content='dossiers', content_rowid='seq', "
        f"tokenize='unicode61 remove_diacritics 2', prefix='{prefix}')"
    )
    op.execute("INSERT INTO dossier_fts(dossier_fts) VALUES ('rebuild')")


def upgrade() -> None:
    _index("2 3 4 5 6 7")


def downgrade() -> None:
    _index("2 3")
