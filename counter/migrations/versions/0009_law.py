"""the law's workflow rules (issue 17): the lawful due date beside an apology's new one, the statutory
verification time, a refusal after appraisal as the result; the catalogue's verification days and "trả ngay";
an office's single-station numbering

`legal_due_at` of a dossier already extended is the due date its (first) `extended` event replaced, so a replay of
the events still equals the row. The catalogue's verification days start from the Luật Hộ tịch table
(domain/law.VERIFICATION_DAYS).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_law"
down_revision = "0009_online"

_LEGAL_DUE = (
    "SELECT d.id, (SELECT json_extract(e.payload, '$.old_due_at') FROM dossier_events e WHERE e.dossier_id = d.id "
    "AND e.kind = 'extended' ORDER BY e.rowid LIMIT 1) FROM dossiers d WHERE d.extension_count > 0"
)
_VERIFICATION = {"1.000894": 5, "1.001022": 5, "1.004859": 3, "1.000656": 3}  # domain/law.VERIFICATION_DAYS


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("legal_due_at", sa.String(length=26), nullable=True))
        batch.add_column(sa.Column("verification_days", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    with op.batch_alter_table("offices") as batch:
        batch.add_column(sa.Column("single_station", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("verification_days", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("on_the_spot", sa.Boolean(), nullable=False, server_default=sa.false()))
    conn = op.get_bind()
    for dossier_id, old in conn.execute(sa.text(_LEGAL_DUE)).all():
        if old:  # stored as the UTC column type stores it (models.UTCDateTime)
            at = datetime.fromisoformat(old).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            conn.execute(sa.text("UPDATE dossiers SET legal_due_at = :a WHERE id = :i"), {"a": at, "i": dossier_id})
    for code, days in _VERIFICATION.items():
        op.execute(sa.text("UPDATE procedures SET verification_days = :d WHERE code = :c").bindparams(d=days, c=code))


def downgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("single_station")
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("on_the_spot")
        batch.drop_column("verification_days")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("outcome")
        batch.drop_column("verification_days")
        batch.drop_column("legal_due_at")
