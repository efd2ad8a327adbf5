"""progress and return (issue 6): who holds the file, postal return, the office's supplement clock rule"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("held_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("return_tracking", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.String(length=26), nullable=True))
    with op.batch_alter_table("offices") as batch:
        batch.add_column(sa.Column("supplement_clock", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                   server_default="restart"))


def downgrade() -> None:
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("supplement_clock")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("delivered_at")
        batch.drop_column("return_tracking")
        batch.drop_column("held_by")
