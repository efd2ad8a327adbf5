"""the office's users on the central server (issue 14, item 3)"""
import sqlalchemy as sa
from alembic import op

from counter.central.migrations.columns import TZ, flag, office_id, required, serial_id

revision = "c003_users"
down_revision = "c002_station_codes"


def upgrade() -> None:
    op.create_table("central_users", serial_id(), office_id(), required("username", sa.String(64)),
                    required("full_name", sa.Text), required("role", sa.String(16)),
                    required("password_hash", sa.Text), flag("locked"), required("created_at", TZ),
                    required("updated_at", TZ),
                    sa.UniqueConstraint("office_id", "username", name="uq_central_users_office_username"))
    op.create_index("ix_central_users_office_id", "central_users", ["office_id"])


def downgrade() -> None:
    op.drop_table("central_users")
