"""correct and void a dossier (issue 12): first hand-off time, void time and reason

`handed_off_at` (a clerk corrects a dossier only before it) is filled from each dossier's first `transferred`
event that sent it out, so a replay of the events still equals the row.
"""
from alembic import op

from counter.migrations.columns import add_columns, drop_columns, text, utcs

revision = "0007"
down_revision = "0006"

_FIRST_HAND_OFF = (
    "UPDATE dossiers SET handed_off_at = (SELECT e.at FROM dossier_events e WHERE e.dossier_id = dossiers.id "
    "AND e.kind = 'transferred' AND coalesce(json_extract(e.payload, '$.direction'), 'out') = 'out' "
    "ORDER BY e.rowid LIMIT 1)"
)


def upgrade() -> None:
    add_columns("dossiers", *utcs("handed_off_at", "voided_at", nullable=True), text("void_reason", nullable=True))
    op.execute(_FIRST_HAND_OFF)


def downgrade() -> None:
    drop_columns("dossiers", "void_reason", "voided_at", "handed_off_at")
