"""progress and return (issue 6): who holds the file, postal return, the office's supplement clock rule"""
from counter.migrations.columns import add_columns, drop_columns, text, utc

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    add_columns("dossiers", text("held_by", nullable=True), text("return_tracking", nullable=True),
                utc("delivered_at", nullable=True))
    add_columns("offices", text("supplement_clock", server_default="restart"))


def downgrade() -> None:
    drop_columns("offices", "supplement_clock")
    drop_columns("dossiers", "delivered_at", "return_tracking", "held_by")
