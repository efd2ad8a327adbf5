"""dossier codes unique per office (issue 14: two stations with one number)

A database that already holds one code twice (made before this check) keeps the first accepted dossier under it; the
others' `code` column gets a suffix (their own state keeps the code the station printed) so the index can be
built. The server refuses a second dossier under a code from now on.
"""
import sqlalchemy as sa
from alembic import op

revision = "c002_station_codes"
down_revision = "c001"


def upgrade() -> None:
    conn = op.get_bind()
    dossiers = sa.table("central_dossiers", sa.column("id"), sa.column("office_id"), sa.column("code"))
    events = sa.table("central_events", sa.column("dossier_id"), sa.column("office_seq"))
    first_seq = (sa.select(sa.func.min(events.c.office_seq)).where(events.c.dossier_id == dossiers.c.id)
                 .scalar_subquery())
    dup = (sa.select(dossiers.c.office_id, dossiers.c.code).group_by(dossiers.c.office_id, dossiers.c.code)
           .having(sa.func.count() > 1))
    for office_id, code in conn.execute(dup).all():
        ids = conn.execute(sa.select(dossiers.c.id).where(dossiers.c.office_id == office_id,
                                                          dossiers.c.code == code)
                           .order_by(first_seq, dossiers.c.id)).scalars().all()
        for dossier_id in ids[1:]:
            conn.execute(sa.update(dossiers).where(dossiers.c.id == dossier_id)
                         .values(code=f"{code}~{dossier_id[:8]}"))
    op.create_index("uq_central_dossiers_office_code", "central_dossiers", ["office_id", "code"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_central_dossiers_office_code", table_name="central_dossiers")
