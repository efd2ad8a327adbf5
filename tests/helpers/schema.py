"""The station schema each migration leaves, as text: sqlite_master's SQL with white space folded, in name order.

tests/services/test_migration_schema.py compares it with tests/services/golden/station_schema.txt, dumped once
from main's migrations, so that a migration refactored (counter/migrations/ops.py) is shown to build exactly the
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
