"""The station schema each migration leaves, as text: sqlite_master's SQL with white space folded, in name order.

tests/services/test_migration_schema.py compares it with tests/services/golden/station_schema.txt, dumped once
from main's migrations, so that a migration refactored (counter/migrations/columns.py) is shown to build exactly the
same tables, indexes and triggers at every revision, and to take them down again.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa


def schema_text(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                           "ORDER BY type, name").fetchall()
    finally:
        con.close()
    return "\n".join(f"{t} {n} {tbl}: {_fold(sql)}" for t, n, tbl, sql in rows)


def _fold(sql: str | None) -> str:
    """White space folded; a table's constraints sorted (batch mode on SQLite rewrites them in set order)."""
    text = re.sub(r"\s+", " ", sql or "").strip()
    head, _, body = text.partition("(")
    if not text.startswith("CREATE TABLE") or not body.endswith(")"):
        return text
    parts, depth, start = [], 0, 0
    inner = body[:-1]
    for i, ch in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(inner[start:i].strip())
            start = i + 1
    parts.append(inner[start:].strip())
    kinds = ("UNIQUE", "FOREIGN KEY", "PRIMARY KEY", "CONSTRAINT", "CHECK")
    columns = [x for x in parts if not x.startswith(kinds)]
    constraints = sorted(x for x in parts if x.startswith(kinds))
    return f"{head}({', '.join(columns + constraints)})"


def revisions() -> list[str]:
    """The station revisions, oldest first (the chain is linear)."""
    from alembic.script import ScriptDirectory

    from counter.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def walk(path: Path) -> str:
    """Up one revision at a time to head, then down one at a time to base: the schema after each step."""
    from alembic import command

    from counter.db import alembic_config

    engine = sa.create_engine(f"sqlite:///{path}")
    cfg = alembic_config(engine)
    revs = revisions()
    parts = []
    for rev in revs:
        command.upgrade(cfg, rev)
        parts.append(f"## up {rev}\n{schema_text(path)}")
    for rev in [*reversed(revs[:-1]), "base"]:
        command.downgrade(cfg, rev)
        parts.append(f"## down {rev}\n{schema_text(path)}")
    engine.dispose()
    return "\n".join(parts) + "\n"


# The central server's schema on PostgreSQL, read from the catalog: each relation of the public schema in name
# order; a table's columns in their order (type, NOT NULL, default), its constraints and indexes by name.
_PG_RELATIONS = ("SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY c.relname")
_PG_COLUMNS = ("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
               "pg_get_expr(d.adbin, d.adrelid), a.attidentity FROM pg_attribute a "
               "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
               "WHERE a.attrelid = :oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")
_PG_CONSTRAINTS = ("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = :oid "
                   "ORDER BY conname")
_PG_INDEXES = ("SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
               "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = :oid ORDER BY i.relname")
_PG_SEQUENCE = ("SELECT data_type, start_value, increment_by, min_value, max_value, cycle FROM pg_sequences "
                "WHERE schemaname = 'public' AND sequencename = :name")


def pg_schema_text(conn: sa.Connection) -> str:
    lines = []
    for oid, name, kind in conn.execute(sa.text(_PG_RELATIONS)).all():
        if kind == "S":
            seq = conn.execute(sa.text(_PG_SEQUENCE), {"name": name}).one()
            lines.append(f"sequence {name}: {' '.join(map(str, seq))}")
            continue
        lines.append(f"table {name}")
        for col, type_, notnull, default, identity in conn.execute(sa.text(_PG_COLUMNS), {"oid": oid}).all():
            extra = "".join([" NOT NULL" if notnull else "", f" DEFAULT {default}" if default is not None else "",
                             f" IDENTITY {identity}" if identity else ""])
            lines.append(f"  column {col} {type_}{extra}")
        for con, definition in conn.execute(sa.text(_PG_CONSTRAINTS), {"oid": oid}).all():
            lines.append(f"  constraint {con}: {definition}")
        for index, definition in conn.execute(sa.text(_PG_INDEXES), {"oid": oid}).all():
            lines.append(f"  index {index}: {definition}")
    return "\n".join(lines)


def central_revisions() -> list[str]:
    """The central revisions, oldest first (the chain is linear)."""
    from alembic.script import ScriptDirectory

    from counter.central.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(sa.create_engine("sqlite://")))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def walk_central(engine: sa.Engine) -> str:
    """The central migrations on `engine` (an empty PostgreSQL database), up one revision at a time to head, then
    down one at a time to base: the schema after each step."""
    from alembic import command

    from counter.central.db import alembic_config

    cfg = alembic_config(engine)
    revs = central_revisions()
    parts = []

    def step(label: str) -> None:
        with engine.connect() as conn:
            parts.append(f"## {label}\n{pg_schema_text(conn)}")

    for rev in revs:
        command.upgrade(cfg, rev)
        step(f"up {rev}")
    for rev in [*reversed(revs[:-1]), "base"]:
        command.downgrade(cfg, rev)
        step(f"down {rev}")
    return "\n".join(parts) + "\n"
