"""fees and charges (issue 18): a procedure's charges (JSON), what a dossier has paid and what was refunded

`paid_amount` of a dossier already marked paid is its fee (what the reducer gives an old `fee_paid` event), so
a replay of the events still equals the row. Receipts live in their events (`fee_paid`, `receipt_cancelled`);
this migration adds no table.
"""
from alembic import op

from counter.migrations.columns import add_columns, count, drop_columns, text

revision = "0009_fees"
down_revision = "0009_law"


def upgrade() -> None:
    add_columns("procedures", text("charges", server_default=""))
    add_columns("dossiers", count("paid_amount"), count("refunded_amount"))
    op.execute("UPDATE dossiers SET paid_amount = fee WHERE fee_paid")
    op.create_index("ix_dossier_events_kind_at", "dossier_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_dossier_events_kind_at", "dossier_events")
    drop_columns("dossiers", "refunded_amount", "paid_amount")
    drop_columns("procedures", "charges")
