"""conflict resolution (issue 12): a rejected event is redone on top of the server's state or dismissed with a
note; the conflict row stays for ever and says which, when, by whom, and the redo's new event
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

_UTC = sa.String(26)
def _columns() -> list[sa.Column]:  # fresh objects each call (a Column belongs to one table)
    return [
        sa.Column("resolution", sa.String(16), nullable=True),  # NULL (open), "redone" or "dismissed"
        sa.Column("resolved_at", _UTC, nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),  # this station's user id
        sa.Column("resolved_by_name", sa.String(), nullable=True),
        sa.Column("resolution_note", sa.String(), nullable=True),
        sa.Column("redo_event_id", sa.String(36), nullable=True),  # the new event a redo appended
    ]


def upgrade() -> None:
    with op.batch_alter_table("sync_conflicts") as batch:
        for column in _columns():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("sync_conflicts") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
