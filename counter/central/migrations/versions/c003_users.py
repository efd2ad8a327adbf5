"""the office's users on the central server (issue 14, item 3)"""
import sqlalchemy as sa
from alembic import op

revision = "c003_users"
down_revision = "c002_station_codes"

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "central_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("office_id", sa.String(40), sa.ForeignKey("central_offices.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("office_id", "username", name="uq_central_users_office_username"),
    )
    op.create_index("ix_central_users_office_id", "central_users", ["office_id"])


def downgrade() -> None:
    op.drop_table("central_users")
