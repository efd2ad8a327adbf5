"""digital signatures and electronic results (issue 20): results attached, what the return handed over"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_sign"
down_revision = "0009_fees"


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("results_issued", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("return_form", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute("UPDATE dossiers SET return_form = 'paper' WHERE returned_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("return_form")
        batch.drop_column("results_issued")
