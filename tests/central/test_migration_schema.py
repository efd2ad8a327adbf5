"""The central migrations build on PostgreSQL, revision by revision, exactly the schema main's migrations built (and
take it down again): the golden file was dumped once from main, before counter/central/migrations/columns.py.

Dump it again (only when a new migration is added): COUNTER_DUMP_GOLDEN=1 pytest tests/central/test_migration_schema.py
"""
import os
from pathlib import Path

from counter.central import db as central_db
from tests.helpers.schema import walk_central

GOLDEN = Path(__file__).parent / "golden" / "central_schema.txt"


def test_central_migrations_build_the_golden_schema_at_every_revision(pg_database):
    engine = central_db.make_engine(pg_database(), pool_size=1)
    try:
        text = walk_central(engine)
    finally:
        engine.dispose()
    if os.environ.get("COUNTER_DUMP_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()
