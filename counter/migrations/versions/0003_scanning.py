"""digitization (issue 5): OCR text of stored files, for search only"""
import sqlalchemy as sa
from alembic import op

from counter.migrations.columns import references, text, utc

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table("blob_texts", text("sha256", 64), text("folded"), utc("created_at"),
                    references("sha256", "blobs.sha256"), sa.PrimaryKeyConstraint("sha256"))


def downgrade() -> None:
    op.drop_table("blob_texts")
