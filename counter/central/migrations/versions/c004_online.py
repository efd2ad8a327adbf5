"""online dossiers (issue 15): the national portal's credential of an office is a token of its own kind"""
import sqlalchemy as sa
from alembic import op

revision = "c004_online"
down_revision = "c004_portal_out"


def upgrade() -> None:
    op.add_column("central_tokens", sa.Column("portal", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("central_tokens") as batch:
        batch.drop_column("portal")
