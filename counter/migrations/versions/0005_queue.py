"""supervisor queue and reports (issue 7): indexes for the queue buckets and the per-period figures

(status, due_at) and (assignee_id, status) already exist since 0001. No index on due_at alone: the planner
would walk it to skip the sort and read every old dossier (the open ones are a few percent).
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"

INDEXES = {
    "ix_dossiers_returned_at": ["returned_at"],
    "ix_dossiers_resolved_at": ["resolved_at"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "dossiers", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="dossiers")
