"""the national portal's outbox, its cursor and the mapping tables (issue 16)"""
import sqlalchemy as sa
from alembic import op

from counter.central.migrations.columns import OFFICE, TZ, UUID, flag, key, last_seq, optional, required, serial_id

revision = "c004_portal_out"
down_revision = "c003_users"


def upgrade() -> None:
    op.create_table(
        "central_portal_outbox",
        serial_id(), required("office_id", OFFICE), required("dossier_id", UUID), required("code", sa.String(64)),
        required("kind", sa.String(8)), required("event_id", UUID), flag("is_updating"), required("body", sa.Text),
        required("status", sa.String(10), server_default="pending"),
        required("attempts", sa.Integer, server_default="0"), flag("in_doubt"), required("next_at", TZ),
        optional("last_error", sa.Text), required("created_at", TZ), optional("confirmed_at", TZ),
        optional("confirmed_by", sa.String(8)),
        sa.UniqueConstraint("event_id", "kind", name="uq_central_portal_outbox_event_kind"),
    )
    op.create_index("ix_central_portal_outbox_status_dossier", "central_portal_outbox",
                    ["status", "dossier_id", "id"])
    op.create_index("ix_central_portal_outbox_office_status", "central_portal_outbox",
                    ["office_id", "status", "confirmed_at"])
    op.create_table("central_portal_cursor", key("office_id", OFFICE), last_seq())
    op.create_table("central_portal_codes", key("kind", sa.String(16)), key("ours", sa.String(300)),
                    required("theirs", sa.String(64)), required("updated_at", TZ))


def downgrade() -> None:
    op.drop_table("central_portal_codes")
    op.drop_table("central_portal_cursor")
    op.drop_table("central_portal_outbox")
