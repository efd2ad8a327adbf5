"""online (issue 15): the uploads of /nop and of the tracking page held until a dossier names them

A file a citizen uploads on /nop is stored before the citizen confirms the review; one never confirmed would
stay for ever. Each such upload is held here (its hash, when) before its bytes are stored; `cleanup_uploads`
(central/online.py: the server's worker, `counter serve online cleanup`) drops the held blobs no accepted event
names once [server] upload_lifetime_hours have passed, and releases the others.
"""
from alembic import op

from counter.central.migrations.columns import SHA256, TZ, key, required

revision = "c005_online"
down_revision = "c004_scale"


def upgrade() -> None:
    op.create_table("central_upload_holds", key("sha256", SHA256), required("created_at", TZ, index=True))


def downgrade() -> None:
    op.drop_table("central_upload_holds")
