"""fees and charges (issue 18): a procedure's charges (JSON), what a dossier has paid and what was refunded

`paid_amount` of a dossier already marked paid is its fee (what the reducer gives an old `fee_paid` event), so
a replay of the events still equals the row. Receipts live in their events (`fee_paid`, `receipt_cancelled`);
this migration adds no table.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_fees"
down_revision = "0009_law"


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("charges", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("paid_amount", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("refunded_amount", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE dossiers SET paid_amount = fee WHERE fee_paid")
    op.create_index("ix_dossier_events_kind_at", "dossier_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_events_kind_at", "dossier_events")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("refunded_amount")
        batch.drop_column("paid_amount")
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("charges")
