"""The station migrations build, revision by revision, exactly the schema main's migrations built (and take it
down again): the golden file was dumped once from main, before counter/migrations/columns.py."""
from pathlib import Path

from tests.helpers.schema import walk

GOLDEN = Path(__file__).parent / "golden" / "station_schema.txt"


def test_station_migrations_build_the_golden_schema_at_every_revision(tmp_path):
    assert walk(tmp_path / "store.db") == GOLDEN.read_text()
