"""The name-search index (issue 21): prefixes of 2 to 7 letters, so a word of the query is read from the index
newest-first instead of merging every matching term; the migration rebuilds it and every search finds the same."""

from __future__ import annotations

import sqlalchemy as sa

from counter import db
from counter.services import dossiers
from tests.conftest import actor_for, receive

NAMES = ["Nguyễn Văn An", "Nguyễn Thị Phương", "Trần Thị Lan", "Đặng Văn An", "Lê Minh Hoàng", "Bùi Thanh Hải",
         "Nguyên Văn Bình", "Hoàng Ngọc Lan"]
QUERIES = ["nguyen", "Nguyễn Văn", "nguyen van an", "dang van an", "ng", "ngu", "nguy", "phuong", "phuon",
           "tran thi", "lan", "hoang ngoc lan", "0912", "binh", "xyz", "an"]


def fts_sql(store) -> str:
    with store.engine.connect() as c:
        return c.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'dossier_fts'")).scalar_one()


def found(store) -> dict[str, list[str]]:
    return {q: [d.code for d in dossiers.search(store, q).items] for q in QUERIES}


def test_the_index_holds_prefixes_of_two_to_seven_letters(store):
    assert "prefix='2 3 4 5 6 7'" in fts_sql(store)


def test_the_migration_rebuilds_the_index_and_every_search_finds_the_same(store):
    from alembic import command

    clerk = actor_for(store, "canbo")
    for i, name in enumerate(NAMES * 3):
        receive(store, clerk, name=name, phone=f"0912{i:06d}")
    from alembic.script import ScriptDirectory

    config = db.alembic_config(store.engine)
    before = ScriptDirectory.from_config(config).get_revision("0009_speed").down_revision  # the index of 2–3
    command.downgrade(config, before)
    assert "prefix='2 3'" in fts_sql(store)
    before = found(store)
    assert before["nguyen"] and before["dang van an"] and not before["xyz"]
    db.upgrade(store.engine)
    assert db.current_revision(store.engine) == db.HEAD and "prefix='2 3 4 5 6 7'" in fts_sql(store)
    assert found(store) == before
    with store.engine.begin() as c:  # the index agrees with its content table
        c.execute(sa.text("INSERT INTO dossier_fts(dossier_fts, rank) VALUES ('integrity-check', 1)"))
    # the triggers still keep it in step: a new dossier is found at once
    code = receive(store, clerk, name="Nguyễn Văn An")
    assert dossiers.search(store, "nguyen van an").items[0].code == code
