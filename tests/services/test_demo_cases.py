"""Issue 17: the demo store holds a case of each of the law's workflow rules, in both stations together: a statutory
verification time, a refusal after appraisal, a paper dossier not handed over in time (F6's bucket), a dossier done
on the spot (trả ngay: received, resolved and returned at once, no Mẫu 01) and a processing agency's Mẫu 02 after
its 3 working days (flagged, counted on F6 and in the scorecard CSV)."""

from __future__ import annotations

import pytest

from counter.domain.clock import FixedClock
from counter.domain.scorecard import Period
from counter.services import auth, queue, reports
from counter.services.demo import build_demo, second_station_dir
from counter.services.store import Store
from tests.conftest import NOW

pytestmark = pytest.mark.slow

CASES = {
    "verification": "SELECT count(*) FROM dossier_events WHERE kind = 'verification_extended'",
    "refused_after_appraisal": "SELECT count(*) FROM dossier_events WHERE kind = 'refused_after_appraisal'",
    "on_the_spot": "SELECT count(*) FROM dossiers d JOIN dossier_events e ON e.dossier_id = d.id AND e.kind = "
                   "'received' WHERE json_extract(e.payload, '$.on_the_spot') IS 1 AND d.status = 10 AND "
                   "d.received_at = d.resolved_at AND d.resolved_at = d.returned_at",
    "late_supplement": "SELECT count(*) FROM dossier_events WHERE kind = 'supplement_requested' AND "
                       "json_extract(payload, '$.late_request') IS 1",
}


def test_the_demo_holds_each_case_of_the_law(tmp_path):
    store = Store.open(tmp_path / "demo", clock=FixedClock(NOW), create=True)
    build_demo(store, now=NOW)
    other = Store.open(second_station_dir(store.data_dir), clock=FixedClock(NOW))
    try:
        found = {name: sum(s.query(sql)[0][0] for s in (store, other)) for name, sql in CASES.items()}
        assert all(found.values()), found
        boss = auth.login(store, "giamsat", "giamsat123")
        late = sum(queue.counts(s, auth.login(s, "giamsat", "giamsat123"))["not_handed_over"] for s in (store, other))
        assert late > 0
        month = Period.month(NOW.date())
        sc = reports.scorecard(store, boss, month)
        assert sc.agency_supplements >= sc.late_supplements
    finally:
        other.close()
        store.close()
