"""central server tables (issue 8)

Revision ID: c001
Revises:
"""
import secrets

import sqlalchemy as sa
from alembic import op

from counter.central.migrations.columns import (OFFICE, SHA256, TZ, UUID, blank_text, chain_head, key, office_id,
                                                optional, required, serial_id)

revision = "c001"
down_revision = None


def upgrade() -> None:
    meta = op.create_table("central_meta", key("key", sa.String(64)), required("value", sa.Text))
    op.create_table("central_offices", key("id", OFFICE), *map(blank_text, ("name", "phone", "address")),
                    *chain_head(), optional("updated_at", TZ))
    op.create_table("central_tokens", serial_id(), required("token_hash", SHA256, unique=True), office_id(),
                    required("station_number", sa.Integer), optional("station_id", UUID), required("created_at", TZ),
                    optional("revoked_at", TZ))
    op.create_index("ix_central_tokens_office_id", "central_tokens", ["office_id"])
    op.create_table("central_stations", key("id", UUID), office_id(), *chain_head())
    op.create_index("ix_central_stations_office_id", "central_stations", ["office_id"])
    op.create_table(
        "central_events",
        key("id", UUID), required("office_id", OFFICE), required("station_id", UUID),
        required("station_seq", sa.BigInteger), required("dossier_id", UUID), required("kind", sa.String(32)),
        required("status", sa.String(10)), optional("reason", sa.Text), optional("office_seq", sa.BigInteger),
        optional("office_prev_hash", SHA256), optional("office_hash", SHA256), optional("base", UUID),
        required("content", SHA256), required("wire", sa.Text), required("received_at", TZ),
        sa.UniqueConstraint("station_id", "station_seq", name="uq_central_events_station_seq"),
        sa.UniqueConstraint("office_id", "office_seq", name="uq_central_events_office_seq"),
    )
    op.create_index("ix_central_events_dossier_id", "central_events", ["dossier_id"])
    op.create_table("central_dossiers", key("id", UUID), required("office_id", OFFICE),
                    required("token", sa.String(40), unique=True), required("code", sa.String(64)),
                    required("head", UUID), required("state", sa.Text), required("public", sa.Text),
                    required("updated_at", TZ))
    op.create_index("ix_central_dossiers_office_id", "central_dossiers", ["office_id"])
    op.create_table("central_blobs", key("sha256", SHA256),
                    required("mime", sa.String(100), server_default="application/octet-stream"),
                    required("size", sa.BigInteger), required("data", sa.LargeBinary), required("created_at", TZ))
    # a new database is a new epoch: stations that held a cursor of another epoch pull from zero
    op.bulk_insert(meta, [{"key": "epoch", "value": secrets.token_hex(4)}])


def downgrade() -> None:
    for name in ("central_blobs", "central_dossiers", "central_events", "central_stations", "central_tokens",
                 "central_offices", "central_meta"):
        op.drop_table(name)
