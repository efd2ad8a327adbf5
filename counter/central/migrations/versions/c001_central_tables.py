"""central server tables (issue 8)

Revision ID: c001
Revises:
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "c001"
down_revision = None

TZ = sa.DateTime(timezone=True)
ZERO = "0" * 64


def upgrade() -> None:
    meta = op.create_table(
        "central_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "central_offices",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("phone", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_hash", sa.String(64), nullable=False, server_default=ZERO),
        sa.Column("updated_at", TZ, nullable=True),
    )
    op.create_table(
        "central_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False),
        sa.Column("station_number", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(36), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_central_tokens_office_id", "central_tokens", ["office_id"])
    op.create_table(
        "central_stations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_hash", sa.String(64), nullable=False, server_default=ZERO),
    )
    op.create_index("ix_central_stations_office_id", "central_stations", ["office_id"])
    op.create_table(
        "central_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("office_id", sa.String(40), nullable=False),
        sa.Column("station_id", sa.String(36), nullable=False),
        sa.Column("station_seq", sa.BigInteger, nullable=False),
        sa.Column("dossier_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("office_seq", sa.BigInteger, nullable=True),
        sa.Column("office_prev_hash", sa.String(64), nullable=True),
        sa.Column("office_hash", sa.String(64), nullable=True),
        sa.Column("base", sa.String(36), nullable=True),
        sa.Column("content", sa.String(64), nullable=False),
        sa.Column("wire", sa.Text, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.UniqueConstraint("station_id", "station_seq", name="uq_central_events_station_seq"),
        sa.UniqueConstraint("office_id", "office_seq", name="uq_central_events_office_seq"),
    )
    op.create_index("ix_central_events_dossier_id", "central_events", ["dossier_id"])
    op.create_table(
        "central_dossiers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("office_id", sa.String(40), nullable=False),
        sa.Column("token", sa.String(40), nullable=False, unique=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("head", sa.String(36), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("public", sa.Text, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_central_dossiers_office_id", "central_dossiers", ["office_id"])
    op.create_table(
        "central_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("mime", sa.String(100), nullable=False, server_default="application/octet-stream"),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    # a new database is a new epoch: stations that held a cursor of another epoch pull from zero
    op.bulk_insert(meta, [{"key": "epoch", "value": secrets.token_hex(4)}])


def downgrade() -> None:
    for name in ("central_blobs", "central_dossiers", "central_events", "central_stations", "central_tokens",
                 "central_offices", "central_meta"):
        op.drop_table(name)
