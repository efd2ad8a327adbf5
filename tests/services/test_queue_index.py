"""Issue 21: the queue's bucket counts are read from one partial index (migration 0010), and say the same as the
plain condition (voided_at IS NULL and the bucket's own) on every bucket."""

from __future__ import annotations

import sqlite3

import pytest

from counter.services import progress, queue
from counter.services.dossiers import void
from counter.services.office import calendar_for
from tests.conftest import actor_for, receive

OPEN_BUCKETS = [b for b in queue.BUCKETS if b not in ("returned_today",)]


@pytest.fixture
def filled(store):
    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")
    codes = [receive(store, clerk, name=f"Nguyễn Văn {c}") for c in "ABCDEF"]
    progress.record_event(store, clerk, codes[1], "transferred", {"to": "Tư pháp"})
    progress.record_event(store, clerk, codes[2], "resolved", {})
    void(store, boss, codes[3], "Tiếp nhận nhầm")
    return store, boss


@pytest.mark.parametrize("bucket", OPEN_BUCKETS)
def test_each_open_bucket_is_counted_from_the_index(filled, bucket):
    store, _ = filled
    w = queue.window(calendar_for(store), store.clock.now(), queue.DEFAULT_SOON_DAYS)
    where, args = queue.bucket_where(bucket, w)
    con = sqlite3.connect(store.db_path)
    try:
        # INDEXED BY fails ("no query solution") unless the condition lets SQLite use the partial index
        sql = f"SELECT count(*) FROM dossiers INDEXED BY ix_dossiers_open_buckets WHERE {where}"
        plan = " ".join(str(r[-1]) for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        n_index = con.execute(sql, args).fetchone()[0]
        plain = where.replace(f"{queue.LIVE} AND {queue.OPEN} AND ", f"{queue.LIVE} AND ")
        n_plain = con.execute(f"SELECT count(*) FROM dossiers NOT INDEXED WHERE {plain}", args).fetchone()[0]
    finally:
        con.close()
    assert "COVERING INDEX ix_dossiers_open_buckets" in plan, plan  # the count reads no dossier row
    assert n_index == n_plain


def test_the_counts_of_a_page_are_the_buckets_sizes(filled):
    store, boss = filled
    page = queue.page(store, boss, "overdue")
    for bucket in queue.BUCKETS:
        total, n = 0, 0
        while True:
            p = queue.page(store, boss, bucket, page_no=n, with_counts=False)
            total += len(p.items)
            if not p.has_next:
                break
            n += 1
        assert page.counts[bucket] == total, bucket
