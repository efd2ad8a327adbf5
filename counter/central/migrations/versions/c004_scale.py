"""the province's scale (issue 22): blobs outside the database, blob references per office, shared rate limits"""
import json

import sqlalchemy as sa
from alembic import op

from counter.central.migrations.columns import OFFICE, SHA256, key, required

revision = "c004_scale"
down_revision = "c004_voice"

_SHA_CHARS = set("0123456789abcdef")


def upgrade() -> None:
    with op.batch_alter_table("central_blobs") as batch:  # SQLite rebuilds the table; PostgreSQL alters it
        batch.alter_column("data", existing_type=sa.LargeBinary, nullable=True)
    op.create_table("central_blob_refs", key("office_id", OFFICE), key("sha256", SHA256))
    op.create_table("central_rate_limits", key("key", sa.String(80)), required("tokens", sa.Float),
                    required("at", sa.Float))
    # the files the offices' events accepted so far name (their stations may download them)
    conn = op.get_bind()
    refs = set()
    for office, wire in conn.execute(sa.text("SELECT office_id, wire FROM central_events WHERE status = 'accepted' "
                                             "AND kind IN ('document_scanned', 'returned')")):
        payload = json.loads(wire).get("payload") or {}
        for h in payload.get("blobs") or []:
            if isinstance(h, str) and len(h) == 64 and set(h) <= _SHA_CHARS:
                refs.add((office, h))
    if refs:
        conn.execute(sa.text("INSERT INTO central_blob_refs(office_id, sha256) VALUES (:o, :s)"),
                     [{"o": o, "s": s} for o, s in sorted(refs)])


def downgrade() -> None:
    op.drop_table("central_rate_limits")
    op.drop_table("central_blob_refs")
