"""the law's workflow rules (issue 17): the lawful due date beside an apology's new one, the statutory
verification time, a refusal after appraisal as the result; the catalogue's verification days and "trả ngay";
an office's single-station numbering

`legal_due_at` of a dossier already extended is the due date its (first) `extended` event replaced, so a replay of
the events still equals the row. The catalogue's verification days start from the Luật Hộ tịch table
(domain/law.VERIFICATION_DAYS).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from counter.migrations.columns import add_columns, count, drop_columns, flag, text, utc

revision = "0009_law"
down_revision = "0009_online"

_LEGAL_DUE = (
    "SELECT d.id, (SELECT json_extract(e.payload, '$.old_due_at') FROM dossier_events e WHERE e.dossier_id = d.id "
    "AND e.kind = 'extended' ORDER BY e.rowid LIMIT 1) FROM dossiers d WHERE d.extension_count > 0"
)
_VERIFICATION = {"1.000894": 5, "1.001022": 5, "1.004859": 3, "1.000656": 3}  # domain/law.VERIFICATION_DAYS


def upgrade() -> None:
    add_columns("dossiers", utc("legal_due_at", nullable=True), count("verification_days"),
                text("outcome", nullable=True))
    add_columns("offices", flag("single_station"))
    add_columns("procedures", count("verification_days"), flag("on_the_spot"))
    conn = op.get_bind()
    for dossier_id, old in conn.execute(sa.text(_LEGAL_DUE)).all():
        if old:  # stored as the UTC column type stores it (models.UTCDateTime)
            at = datetime.fromisoformat(old).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            conn.execute(sa.text("UPDATE dossiers SET legal_due_at = :a WHERE id = :i"), {"a": at, "i": dossier_id})
    for code, days in _VERIFICATION.items():
        op.execute(sa.text("UPDATE procedures SET verification_days = :d WHERE code = :c").bindparams(d=days, c=code))


def downgrade() -> None:
    drop_columns("offices", "single_station")
    drop_columns("procedures", "on_the_spot", "verification_days")
    drop_columns("dossiers", "outcome", "verification_days", "legal_due_at")
