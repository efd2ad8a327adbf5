"""Looking into and adding to a real store behind the screens' back, for assertions and for set-up."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import sqlalchemy as sa

from counter.services import events
from tests.conftest import NOW, actor_for


def snapshot(store) -> tuple:  # type: ignore[no-untyped-def]
    """Every dossier row and the number of events, outbox entries and documents: equal before and after a refused
    step means nothing was written."""
    con = sqlite3.connect(store.db_path)
    try:
        return (con.execute("SELECT * FROM dossiers ORDER BY seq").fetchall(),
                con.execute("SELECT count(*) FROM dossier_events").fetchone()[0],
                con.execute("SELECT count(*) FROM outbox").fetchone()[0],
                con.execute("SELECT count(*) FROM dossier_documents").fetchone()[0])
    finally:
        con.close()


def dossier(store, code):  # type: ignore[no-untyped-def]
    """The dossier row of `code`, as a mapping of its columns."""
    with store.read() as s:
        return s.execute(sa.text("SELECT * FROM dossiers WHERE code = :c"), {"c": code}).one()._mapping


def append(store, username, code, kind, payload=None, minutes=60):  # type: ignore[no-untyped-def]
    """Append one event of `kind` to the dossier `code` as `username`, `minutes` after NOW."""
    actor = actor_for(store, username)
    row = dossier(store, code)
    with store.write() as s:
        events.append(s, actor, row["id"], kind, payload or {}, NOW + timedelta(minutes=minutes))
