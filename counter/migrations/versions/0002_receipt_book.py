"""receipt book and number on the dossier row"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("book", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("book_no", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("book_no")
        batch.drop_column("book")
