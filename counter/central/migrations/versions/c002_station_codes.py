"""PLACEHOLDER (roles branch): the real c002_station_codes (a unique index on dossiers (office_id, code)) is
another engineer's; this empty revision only lets c003_users run until the branches are merged. Take theirs.

Revision ID: c002_station_codes
Revises: c001
"""

revision = "c002_station_codes"
down_revision = "c001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
