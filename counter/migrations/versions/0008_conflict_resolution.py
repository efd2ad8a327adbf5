"""conflict resolution (issue 12): a rejected event is redone on top of the server's state or dismissed with a
note; the conflict row stays for ever and says which, when, by whom, and the redo's new event
"""
import sqlalchemy as sa

from counter.migrations.columns import add_columns, drop_columns, integer, text, utc

revision = "0008"
down_revision = "0007"


def _columns() -> list[sa.Column]:  # fresh objects each call (a Column belongs to one table)
    return [
        text("resolution", 16, nullable=True),  # NULL (open), "redone" or "dismissed"
        utc("resolved_at", nullable=True),
        integer("resolved_by", nullable=True),  # this station's user id
        text("resolved_by_name", nullable=True),
        text("resolution_note", nullable=True),
        text("redo_event_id", 36, nullable=True),  # the new event a redo appended
    ]


def upgrade() -> None:
    add_columns("sync_conflicts", *_columns())


def downgrade() -> None:
    drop_columns("sync_conflicts", *(column.name for column in reversed(_columns())))
