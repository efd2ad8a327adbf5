"""office names (the server's Mẫu 01): the office's parent (UBND XÃ …) and the place name of its forms

The server printed Mẫu 01 of an online dossier with the office's name in both header lines and its address as
the place of "…, ngày … tháng … năm". A station now sends the two as it sends the office's name; "" until then.
"""
from alembic import op

from counter.central.migrations.columns import blank_text

revision = "c006_office_names"
down_revision = "c005_online"


def upgrade() -> None:
    with op.batch_alter_table("central_offices") as batch:
        batch.add_column(blank_text("parent_name"))
        batch.add_column(blank_text("place_name"))


def downgrade() -> None:
    with op.batch_alter_table("central_offices") as batch:
        batch.drop_column("place_name")
        batch.drop_column("parent_name")
