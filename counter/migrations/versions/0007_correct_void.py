"""correct and void a dossier (issue 12): first hand-off time, void time and reason

`handed_off_at` (a clerk corrects a dossier only before it) is filled from each dossier's first `transferred`
event that sent it out, so a replay of the events still equals the row.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"

_FIRST_HAND_OFF = (
    "UPDATE dossiers SET handed_off_at = (SELECT e.at FROM dossier_events e WHERE e.dossier_id = dossiers.id "
    "AND e.kind = 'transferred' AND coalesce(json_extract(e.payload, '$.direction'), 'out') = 'out' "
    "ORDER BY e.rowid LIMIT 1)"
)


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("handed_off_at", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("voided_at", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("void_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(_FIRST_HAND_OFF)


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
        batch.drop_column("handed_off_at")
