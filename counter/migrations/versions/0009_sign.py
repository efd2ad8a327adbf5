"""digital signatures and electronic results (issue 20): results attached, what the return handed over"""
from alembic import op

from counter.migrations.columns import add_columns, count, drop_columns, text

revision = "0009_sign"
down_revision = "0009_fees"


def upgrade() -> None:
    add_columns("dossiers", count("results_issued"), text("return_form", nullable=True))
    op.execute("UPDATE dossiers SET return_form = 'paper' WHERE returned_at IS NOT NULL")


def downgrade() -> None:
    drop_columns("dossiers", "return_form", "results_issued")
