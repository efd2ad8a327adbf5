"""online dossiers (issue 15): the national portal's credential of an office is a token of its own kind"""
from alembic import op

from counter.central.migrations.columns import flag

revision = "c004_online"
down_revision = "c004_portal_out"


def upgrade() -> None:
    op.add_column("central_tokens", flag("portal"))


def downgrade() -> None:
    with op.batch_alter_table("central_tokens") as batch:
        batch.drop_column("portal")
