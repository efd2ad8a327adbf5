"""online (issue 15): F8's waiting list read in order from an index

The office's online dossiers in status 1, by (office, waiting for the citizen or not, last change, seq): F8's first
page is the index's first 50 entries (no sort of every waiting dossier) and its counts are read from the index
alone. Partial (status = 1): the index holds only the dossiers waiting at the online desk.
"""
from alembic import op

revision = "0010_online"
down_revision = "0009_speed"


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_dossiers_online_wait ON dossiers "
               "(office_id, awaiting_citizen, updated_at, seq) WHERE status = 1")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_dossiers_online_wait")
