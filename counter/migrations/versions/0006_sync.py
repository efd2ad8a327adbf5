"""sync with the central system (issue 8): confirmed events, conflicts, other stations' actors; user ids
without a foreign key

Pulled events name other stations' users (their own ids), so `dossier_events.actor_id`,
`dossiers.received_by` and `dossiers.assignee_id` lose their foreign key to the local `users` table; the
names come from `sync_actors` (keyed by the writing station and its user id).

Dropping a foreign key in SQLite normally means rebuilding the table, which here would drop the FTS and
append-only triggers and trip the outbox's foreign key (DROP TABLE deletes first). Removing a FOREIGN KEY
clause does not change the file format, so this uses SQLite's documented in-place schema edit
(https://sqlite.org/lang_altertable.html#otheralter: writable_schema + schema_version bump).
"""
import re

from alembic import op

from counter.migrations.columns import integer, text, texts, utcs

revision = "0006"
down_revision = "0005"

_FK = r',\s*(?:CONSTRAINT\s+\S+\s+)?FOREIGN KEY\s*\(\s*"?{col}"?\s*\)\s*REFERENCES\s+"?users"?\s*\(\s*"?id"?\s*\)'
_DROPPED = {"dossier_events": ["actor_id"], "dossiers": ["received_by", "assignee_id"]}


def _drop_user_foreign_keys() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    edits = {}
    for table, cols in _DROPPED.items():
        sql = str(bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,))
                  .scalar_one())
        new = sql
        for col in cols:
            new = re.sub(_FK.format(col=col), "", new)
        if new != sql:
            edits[table] = new
    if not edits:
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table, sql in edits.items():
        bind.exec_driver_sql("UPDATE sqlite_master SET sql=? WHERE type='table' AND name=?", (sql, table))
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    op.create_table("sync_events", text("event_id", 36, primary_key=True), integer("office_seq", nullable=True))
    op.create_index("ix_sync_events_office_seq", "sync_events", ["office_seq"])
    op.create_table("sync_conflicts", text("event_id", 36, primary_key=True), text("dossier_id", 36),
                    text("dossier_code"), text("kind", 32), integer("station_seq"), text("reason"),
                    *utcs("event_at", "rejected_at"))
    op.create_index("ix_sync_conflicts_dossier_id", "sync_conflicts", ["dossier_id"])
    op.create_table("sync_actors", text("station_id", 36, primary_key=True), integer("actor_id", primary_key=True),
                    *texts("username", "full_name", "role"))
    _drop_user_foreign_keys()


def downgrade() -> None:
    op.drop_table("sync_actors")
    op.drop_index("ix_sync_conflicts_dossier_id", "sync_conflicts")
    op.drop_table("sync_conflicts")
    op.drop_index("ix_sync_events_office_seq", "sync_events")
    op.drop_table("sync_events")
