"""receipt book and number on the dossier row"""
from counter.migrations.columns import add_columns, drop_columns, text

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    add_columns("dossiers", text("book", server_default=""), text("book_no", server_default=""))


def downgrade() -> None:
    drop_columns("dossiers", "book_no", "book")
