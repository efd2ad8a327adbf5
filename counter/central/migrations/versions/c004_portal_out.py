"""the national portal's outbox, its cursor and the mapping tables (issue 16)"""
import sqlalchemy as sa
from alembic import op

revision = "c004_portal_out"
down_revision = "c003_users"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "central_portal_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("office_id", sa.String(40), nullable=False),
        sa.Column("dossier_id", sa.String(36), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("is_updating", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("in_doubt", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("confirmed_by", sa.String(8), nullable=True),
        sa.UniqueConstraint("event_id", "kind", name="uq_central_portal_outbox_event_kind"),
    )
    op.create_index("ix_central_portal_outbox_status_dossier", "central_portal_outbox",
                    ["status", "dossier_id", "id"])
    op.create_index("ix_central_portal_outbox_office_status", "central_portal_outbox",
                    ["office_id", "status", "confirmed_at"])
    op.create_table(
        "central_portal_cursor",
        sa.Column("office_id", sa.String(40), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "central_portal_codes",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("ours", sa.String(300), primary_key=True),
        sa.Column("theirs", sa.String(64), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("central_portal_codes")
    op.drop_table("central_portal_cursor")
    op.drop_table("central_portal_outbox")
