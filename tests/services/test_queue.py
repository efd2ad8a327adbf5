"""The supervisor's queue on the hand-built store of tests/reports_store.py (holiday 24/11/2026, extensions)."""

from __future__ import annotations

from datetime import datetime

import pytest

from counter.domain.calendar import VN_TZ
from counter.domain.clock import FixedClock
from counter.domain.errors import CounterError
from counter.domain.permissions import PermissionDenied
from counter.services import auth, dossiers, queue
from counter.services.queue import QueueFilter
from counter.services.store import NotFound
from tests.conftest import actor_for, make_store, receive
from tests.reports_store import ReportStore, build


@pytest.fixture(scope="module")
def rs(tmp_path_factory) -> ReportStore:
    r = build(tmp_path_factory.mktemp("queue") / "data")
    yield r
    r.store.close()


def letters(rs: ReportStore, items) -> list[str]:  # type: ignore[no-untyped-def]
    back = {v: k for k, v in rs.codes.items()}
    return [back[i.code] for i in items]


def test_bucket_counts_by_hand(rs):
    boss = actor_for(rs.store, "giamsat")
    assert queue.counts(rs.store, boss) == {"due_today": 2, "overdue": 2, "due_soon": 4, "waiting": 1, "ready": 1,
                                            "returned_today": 1, "not_handed_over": 8, "online": 0}


def test_each_bucket_lists_the_right_dossiers_sorted_in_sql(rs):
    boss = actor_for(rs.store, "giamsat")
    got = {b: letters(rs, queue.page(rs.store, boss, b).items) for b in queue.BUCKETS}
    assert got == {"due_today": ["D", "F"], "overdue": ["C", "B"], "due_soon": ["A", "K", "M", "E"],
                   "waiting": ["G"], "ready": ["H"], "returned_today": ["I"],
                   # issue 17 (Đ18): paper dossiers still at the desk after their hand-over deadline: all of status 2
                   # received before Fri 20/11 15:00 (D came today, M online)
                   "not_handed_over": ["C", "B", "F", "A", "K", "E", "P", "Q"], "online": []}
    # K was extended (Mẫu 04) from 17/11 to 25/11: it is due soon, not overdue
    assert letters(rs, queue.page(rs.store, boss, "due_soon", sort="due_desc").items) == ["E", "M", "K", "A"]
    assert letters(rs, queue.page(rs.store, boss, "overdue", sort="code").items) == sorted(
        ["C", "B"], key=lambda x: rs.codes[x])


def test_working_days_late_skip_weekends_and_the_24_11_holiday(rs):
    boss = actor_for(rs.store, "giamsat")
    late = {letters(rs, [i])[0]: i.days_late for i in queue.page(rs.store, boss, "overdue").items}
    assert late == {"C": 5, "B": 1}  # C: due Mon 16/11 -> 17,18,19,20,23; B: due Fri 20/11 -> Mon 23
    waiting = queue.page(rs.store, boss, "waiting").items[0]
    assert (waiting.days_late, waiting.waiting_for) == (0, "giấy tờ")  # the citizen holds the clock


def test_due_within_one_working_day_jumps_the_holiday(rs):
    boss = actor_for(rs.store, "giamsat")
    # tomorrow (Tue 24/11) is a holiday: one working day ahead is Wed 25/11 (A, K, M), not Thu 26/11 (E)
    p = queue.page(rs.store, boss, "due_soon", QueueFilter(soon_days=1))
    assert letters(rs, p.items) == ["A", "K", "M"] and p.counts["due_soon"] == 3


def test_filters_by_clerk_procedure_field_and_channel(rs):
    boss = actor_for(rs.store, "giamsat")
    assert letters(rs, queue.page(rs.store, boss, "overdue", QueueFilter(assignee_id=rs.canbo2_id)).items) == ["C"]
    assert queue.counts(rs.store, boss, QueueFilter(channel=2))["due_soon"] == 1
    assert queue.counts(rs.store, boss, QueueFilter(procedure_code="1.001193"))["due_today"] == 1
    residence = queue.counts(rs.store, boss, QueueFilter(field="Cư trú"))
    assert residence.pop("not_handed_over") == 2 and sum(residence.values()) == 0  # P, Q due 1/12, never handed over
    assert queue.counts(rs.store, boss, QueueFilter(field="Hộ tịch"))["overdue"] == 2


def test_paging_in_sql(rs):
    boss = actor_for(rs.store, "giamsat")
    first = queue.page(rs.store, boss, "due_soon", page_size=3)
    second = queue.page(rs.store, boss, "due_soon", page_no=1, page_size=3)
    assert first.has_next and not second.has_next
    assert letters(rs, first.items) + letters(rs, second.items) == ["A", "K", "M", "E"]


def test_the_queue_is_for_supervisors_only(rs):
    for who in ("canbo", "buudien", "quantri"):
        with pytest.raises(PermissionDenied):
            queue.page(rs.store, actor_for(rs.store, who), "overdue")
        with pytest.raises(PermissionDenied):
            queue.counts(rs.store, actor_for(rs.store, who))


def test_reassign_is_an_event_and_moves_the_dossier_between_clerks(tmp_path):
    r = build(tmp_path / "data")
    store, boss = r.store, actor_for(r.store, "giamsat")
    before = queue.change_stamp(store)
    assert queue.reassign(store, boss, r.codes["B"], r.canbo2_id) == "Lê Văn Minh"
    assert queue.change_stamp(store) != before  # the live refresh sees it
    assert letters(r, queue.page(store, boss, "overdue", QueueFilter(assignee_id=r.canbo2_id)).items) == ["C", "B"]
    d = dossiers.get_detail(store, r.codes["B"])
    assert d.assignee == "Lê Văn Minh"
    assert d.events[-1].kind == "reassigned" and "Giao cho: Lê Văn Minh" in d.events[-1].details
    with pytest.raises(CounterError, match="đã được giao"):
        queue.reassign(store, boss, r.codes["B"], r.canbo2_id)
    with pytest.raises(PermissionDenied):  # a clerk may not hand work around
        queue.reassign(store, actor_for(store, "canbo"), r.codes["A"], r.canbo2_id)
    admin_id = next(u.id for u in auth.list_users(store) if u.username == "quantri")
    with pytest.raises(NotFound):  # admins are not assignable, unknown ids neither
        queue.reassign(store, boss, r.codes["A"], admin_id)
    with pytest.raises(NotFound):
        queue.reassign(store, boss, r.codes["A"], 999)
    with pytest.raises(CounterError):  # a returned dossier cannot be reassigned (lifecycle)
        queue.reassign(store, boss, r.codes["I"], r.canbo2_id)
    store.close()


def test_change_stamp_moves_with_a_new_dossier(tmp_path):
    store = make_store(tmp_path / "d")
    a = queue.change_stamp(store)
    receive(store, actor_for(store, "canbo"))
    assert queue.change_stamp(store) > a
    store.close()


def test_overdue_across_new_year_counts_working_days(tmp_path):
    """Due Thu 31/12/2026 17:00, seen on Mon 4/1/2027: 1/1 is a holiday, 2-3/1 a weekend -> 1 working day late."""
    store = make_store(tmp_path / "d", now=datetime(2026, 12, 28, 9, 0, tzinfo=VN_TZ))
    code = receive(store, actor_for(store, "canbo"), procedure="1.004873")  # 3 working days: 29, 30, 31/12
    assert isinstance(store.clock, FixedClock)
    store.clock.at = datetime(2027, 1, 4, 9, 0, tzinfo=VN_TZ)
    items = queue.page(store, actor_for(store, "giamsat"), "overdue").items
    assert [(i.code, i.days_late) for i in items] == [(code, 1)]
    assert items[0].due_at == datetime(2026, 12, 31, 17, 0, tzinfo=VN_TZ)
    store.close()


# ---- "Việc của tôi" (issue 12): the same buckets, for one member of staff -----------------------------------

def mine(rs: ReportStore, who: str) -> dict[str, list[str]]:
    actor = actor_for(rs.store, who)
    return {b: letters(rs, queue.my_page(rs.store, actor, b).items) for b in queue.MY_BUCKETS}


def test_my_work_lists_only_my_dossiers_in_the_right_buckets(tmp_path):
    r = build(tmp_path / "data")
    # canbo received D today (R was refused: not received); D and F are canbo's and due today; B is late;
    # G waits for papers; H is ready. C (late) is canbo2's (Lê Văn Minh). buudien has nothing.
    assert mine(r, "canbo") == {"received_today": ["D"], "due_today": ["D", "F"], "overdue": ["B"], "waiting": ["G"],
                                "ready": ["H"]}
    assert mine(r, "canbo2") == {"received_today": [], "due_today": [], "overdue": ["C"], "waiting": [], "ready": []}
    assert mine(r, "buudien") == {b: [] for b in queue.MY_BUCKETS}
    first = queue.my_page(r.store, actor_for(r.store, "canbo"), "due_today", page_size=1)
    assert first.has_next and len(first.items) == 1  # paged in SQL
    # a supervisor gives B to Minh: it leaves canbo's list (canbo still received it) and joins Minh's
    queue.reassign(r.store, actor_for(r.store, "giamsat"), r.codes["B"], r.canbo2_id)
    assert mine(r, "canbo")["overdue"] == [] and mine(r, "canbo2")["overdue"] == ["C", "B"]
    page = queue.my_page(r.store, actor_for(r.store, "canbo2"), "overdue")
    assert page.counts == {"received_today": 0, "due_today": 0, "overdue": 2, "waiting": 0, "ready": 0}
    assert [i.days_late for i in page.items] == [5, 1]  # the queue's working-days rule
    r.store.close()


def test_my_work_is_refused_to_admins_and_unknown_buckets(rs):
    with pytest.raises(PermissionDenied):
        queue.my_page(rs.store, actor_for(rs.store, "quantri"), "overdue")
    with pytest.raises(CounterError, match="Nhóm việc không hợp lệ"):
        queue.my_page(rs.store, actor_for(rs.store, "canbo"), "returned_today")


def test_not_handed_over_bucket_at_15_00_and_15_01(store):
    """Issue 17 (Đ18): received 14:59 must leave the desk by 17:00 the same day; received at 15:00 or 15:01, by the
    next working day's morning. Handed over: out of the bucket; online dossiers never in it."""
    from datetime import datetime

    from counter.domain.calendar import VN_TZ
    from counter.services import progress
    from tests.conftest import receive

    clerk, boss = actor_for(store, "canbo"), actor_for(store, "giamsat")

    def at(d: int, h: int, mi: int = 0) -> datetime:
        return datetime(2026, 11, d, h, mi, tzinfo=VN_TZ)

    early = receive(store, clerk, "Nguyễn Văn Sớm", "1.004873", at(25, 14, 59))
    on_cut = receive(store, clerk, "Nguyễn Văn Chốt", "1.004873", at(25, 15, 0))
    late = receive(store, clerk, "Nguyễn Văn Muộn", "1.004873", at(25, 15, 1))
    handed = receive(store, clerk, "Nguyễn Văn Chuyển", "1.004873", at(25, 9))

    def bucket(now: datetime) -> set[str]:
        store.clock.at = now
        return {i.code for i in queue.page(store, boss, "not_handed_over").items}

    store.clock.at = at(25, 10)
    progress.record_event(store, clerk, handed, "transferred", {"to": "Tư pháp"})
    assert bucket(at(25, 17)) == set()  # the deadline itself: still in time
    assert bucket(at(25, 17, 1)) == {early}
    assert bucket(at(26, 11, 30)) == {early}
    assert bucket(at(26, 11, 31)) == {early, on_cut, late}
