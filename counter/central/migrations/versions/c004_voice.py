"""the citizen's voice (issue 19): notices and their attempts, ratings, complaints"""
from alembic import op

from counter.central import tables as t

revision = "c004_voice"
down_revision = "c004_online"

_TABLES = (t.notices, t.notice_attempts, t.ratings, t.complaints)


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:  # the tables as declared (columns, keys, indexes), created once
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)
