"""online dossiers (issue 15): the procedure's online level and whether originals are shown at return; the
dossier's assisted mark, whether it waits for the citizen's uploads, and its count of requests for papers

`supplement_requests` of an existing dossier is its `supplement_requested` events (the only kind that asked
for papers before), so a replay of the events still equals the row.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_online"
down_revision = "0008"


def upgrade() -> None:
    # plain ADD COLUMN (a batch would rebuild `dossiers` and lose its FTS triggers)
    op.add_column("procedures", sa.Column("online_level", sa.String(length=16), nullable=True))
    op.add_column("procedures", sa.Column("originals_at_return", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("dossiers", sa.Column("assisted", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("dossiers", sa.Column("awaiting_citizen", sa.Boolean(), nullable=False, server_default="0"))
    op.add_column("dossiers", sa.Column("supplement_requests", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE dossiers SET supplement_requests = (SELECT count(*) FROM dossier_events e "
               "WHERE e.dossier_id = dossiers.id AND e.kind = 'supplement_requested')")


def downgrade() -> None:
    for column in ("supplement_requests", "awaiting_citizen", "assisted"):
        op.drop_column("dossiers", column)  # SQLite 3.35+: DROP COLUMN
    for column in ("originals_at_return", "online_level"):
        op.drop_column("procedures", column)
