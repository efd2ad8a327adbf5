"""Issue 15's contract: online dossiers (registered by the online desk, asked for papers once, completed by
the citizen's uploads, received at the counter), the one-request rule with a supervisor's override, the
catalogue's online level."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counter.domain import catalogue, codes, contracts, lifecycle
from counter.domain.lifecycle import Event, Status, TransitionError
from counter.domain.permissions import PermissionDenied, Role, require_event
from tests.helpers.events import T0, file_ref, registered_payload

DESK = "desk-station"


def ev(kind: str, n: int, payload: dict, station: str = "st1", actor: int | None = 1) -> Event:
    return Event(f"e{n}", kind, T0 + timedelta(hours=n), actor, station, payload)


def registered() -> lifecycle.DossierState:
    return lifecycle.apply(None, ev("registered", 0, registered_payload(assisted=True), DESK, None))


ASK = {"papers": [{"name": "Giấy chứng sinh", "reason": "Thiếu trang 2"},
                  {"name": "Tờ khai đăng ký khai sinh", "reason": "Chưa ký"}]}
RECEIVE = {"due_at": (T0 + timedelta(days=1)).isoformat(), "book": "2026", "book_no": "100001",
           "papers": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1, "blobs": ["1" * 64], "digitization": 1}]}


def test_registered_is_status_1_online_with_its_marks():
    s = registered()
    assert (s.status, s.channel, s.assisted, s.awaiting_citizen, s.supplement_requests) == (Status.NEW, 2, True,
                                                                                            False, 0)
    assert s.received_at is None and s.station_id == DESK


def test_the_online_sequence_registered_asked_completed_received():
    s = registered()
    s = lifecycle.apply(s, ev("online_incomplete", 1, ASK))
    assert (s.status, s.awaiting_citizen, s.supplement_requests) == (Status.NEW, True, 1)
    s = lifecycle.apply(s, ev("files_added", 2, {"files": [file_ref(5, "Giấy chứng sinh")]}, DESK, None))
    assert (s.status, s.awaiting_citizen) == (Status.NEW, False)
    s = lifecycle.apply(s, ev("received", 3, RECEIVE, "st2", 7))
    assert s.status == Status.RECEIVED and s.received_at == T0 + timedelta(hours=3)
    assert s.due_at == s.original_due_at == T0 + timedelta(days=1)
    assert (s.received_by, s.assignee_id, s.station_id, s.book_no) == (7, 7, "st2", "100001")
    assert s.owner_name == "Nguyễn Văn An" and s.assisted and s.code == registered().code
    # replay rebuilds it
    events = [ev("registered", 0, registered_payload(assisted=True), DESK, None), ev("online_incomplete", 1, ASK),
              ev("files_added", 2, {"files": [file_ref(5, "Giấy chứng sinh")]}, DESK, None),
              ev("received", 3, RECEIVE, "st2", 7)]
    assert lifecycle.replay(events) == s


def test_files_added_only_when_asked():
    with pytest.raises(TransitionError, match="không chờ công dân"):
        lifecycle.apply(registered(), ev("files_added", 1, {"files": [file_ref(5)]}, DESK, None))


def test_a_second_request_is_refused_without_an_override():
    s = lifecycle.apply(registered(), ev("online_incomplete", 1, ASK))
    s = lifecycle.apply(s, ev("files_added", 2, {"files": [file_ref(5)]}, DESK, None))
    with pytest.raises(TransitionError, match="đã được yêu cầu bổ sung một lần"):
        lifecycle.apply(s, ev("online_incomplete", 3, ASK))
    # the role: a clerk may not override, a supervisor may (checked where roles are: permissions)
    with pytest.raises(PermissionDenied, match="chỉ lãnh đạo / giám sát"):
        require_event(Role.CLERK, "online_incomplete", 1, "st1", s)
    require_event(Role.SUPERVISOR, "online_incomplete", 1, "st1", s)
    again = lifecycle.apply(s, ev("online_incomplete", 3, {**ASK, "override_reason": "Công dân nộp nhầm tệp"}))
    assert again.supplement_requests == 2 and again.awaiting_citizen


def test_the_rule_holds_after_receiving_too():
    """One request per dossier over its whole life: asked online, then a Mẫu 02 after receiving is the second."""
    s = lifecycle.apply(registered(), ev("online_incomplete", 1, ASK))
    s = lifecycle.apply(s, ev("files_added", 2, {"files": [file_ref(5)]}, DESK, None))
    s = lifecycle.apply(s, ev("received", 3, RECEIVE))
    mau02 = {"reason": "Thiếu giấy tờ", "papers": [{"name": "Giấy chứng sinh", "originals": 1}]}
    with pytest.raises(TransitionError, match="một lần"):
        lifecycle.apply(s, ev("supplement_requested", 4, mau02))
    with pytest.raises(PermissionDenied):
        require_event(Role.CLERK, "supplement_requested", 1, "st1", s)
    done = lifecycle.apply(s, ev("supplement_requested", 4, {**mau02, "override_reason": "Cơ quan chuyên môn yêu cầu"}))
    assert done.status == Status.SUPPLEMENT and done.supplement_requests == 2


def test_paper_dossier_first_request_is_free():
    s = lifecycle.apply(None, ev("received", 0, {**registered_payload(), "due_at": T0.isoformat(), "channel": 1}))
    s = lifecycle.apply(s, ev("supplement_requested", 1, {"reason": "x", "papers": [{"name": "A", "originals": 1}]}))
    assert s.supplement_requests == 1 and s.supplement_count == 1
    require_event(Role.CLERK, "supplement_received", 1, "st1", s)


def test_refuse_an_online_dossier_needs_a_reason():
    with pytest.raises(TransitionError, match="lý do"):
        lifecycle.apply(registered(), ev("refused", 1, {"form": "03"}))
    s = lifecycle.apply(registered(), ev("refused", 1, {"form": "03", "reason": "Không thuộc thẩm quyền"}))
    assert s.status == Status.REFUSED and s.closed_reason == "Không thuộc thẩm quyền"


def test_files_added_is_the_desks_alone():
    s = lifecycle.apply(registered(), ev("online_incomplete", 1, ASK))
    for role in Role:
        with pytest.raises(PermissionDenied):
            require_event(role, "files_added", 1, "st1", s)


@pytest.mark.parametrize("bad, why", [
    ({"papers": []}, "danh sách giấy tờ"),
    ({"papers": [{"name": "A"}]}, "thiếu lý do"),
    ({"papers": [{"name": "", "reason": "x"}]}, "không được để trống"),
])
def test_online_incomplete_payload_is_checked(bad, why):
    with pytest.raises(TransitionError, match=why):
        lifecycle.apply(registered(), ev("online_incomplete", 1, bad))


@pytest.mark.parametrize("change, why", [
    ({"mime": "application/zip"}, "loại tệp"),
    ({"sha256": "xyz"}, "mã băm tệp"),
    ({"size": 0}, "dung lượng tệp"),
    ({"name": ""}, "tên"),
])
def test_file_refs_are_checked(change, why):
    p = registered_payload(files=[{**file_ref(1), **change}])
    with pytest.raises(TransitionError, match=why):
        lifecycle.apply(None, ev("registered", 0, p, DESK, None))


def test_a_portal_code_may_carry_the_portals_agency():
    p = registered_payload(code="000.00.15.H56-261123-0012", source="portal")
    assert lifecycle.apply(None, ev("registered", 0, p, DESK, None)).code == "000.00.15.H56-261123-0012"
    with pytest.raises(TransitionError, match="không mang mã cơ quan"):
        lifecycle.apply(None, ev("registered", 0, {**p, "source": "web"}, DESK, None))


def test_the_desks_block():
    assert codes.seq_for(codes.ONLINE_DESK_NUMBER, 1) == 9001
    assert codes.seq_for(codes.ONLINE_DESK_NUMBER, 999) == 9999
    with pytest.raises(codes.CodeError, match="trực tuyến"):
        codes.seq_for(codes.ONLINE_DESK_NUMBER, 1000)
    assert codes.seq_for(1, 1) == 1001  # the counters' blocks are untouched
    assert codes.seq_for(codes.SINGLE_STATION, 1) == 1  # ... and a single-station office's 0001…: no collision
    with pytest.raises(codes.CodeError, match="dành cho cổng nộp trực tuyến"):
        codes.validate_station(codes.ONLINE_DESK_NUMBER)


def test_declared_kinds():
    assert {"online_incomplete", "files_added"} <= set(contracts.PAYLOADS)
    assert lifecycle.EventKind.ONLINE_INCOMPLETE.label and lifecycle.EventKind.FILES_ADDED.label


HEAD = ("code,name,field,level,working_days,fee,fee_note,channels,postal_allowed,in_person,certification,papers,"
        "online_level,originals_at_return\n")


@pytest.mark.parametrize("cells, level, back", [
    ("1;2,0,0,0,A [1/0/0],toan_trinh,0", "toan_trinh", False),
    ("1;2,0,1,0,A [1/0/0],một phần,1", "mot_phan", True),
    ("1,0,0,0,A [1/0/0],,0", None, False),
])
def test_catalogue_online_level(cells, level, back):
    spec, = catalogue.parse_catalogue(HEAD + f"1.001193,Khai sinh,Hộ tịch,commune,0,0,,{cells}\n", "csv")
    assert (spec.online_level, spec.originals_at_return) == (level, back)


@pytest.mark.parametrize("cells, why", [
    ("1,0,0,0,A [1/0/0],toan_trinh,0", "không có kênh 2"),
    ("1;2,0,0,0,A [1/0/0],muc_4,0", "online_level phải là"),
    ("1;2,0,0,0,A [1/0/0],toan_trinh,1", "chỉ dùng cho thủ tục trực tuyến một phần"),
])
def test_catalogue_online_level_errors(cells, why):
    with pytest.raises(catalogue.CatalogueError, match=why):
        catalogue.parse_catalogue(HEAD + f"1.001193,Khai sinh,Hộ tịch,commune,0,0,,{cells}\n", "csv")


def test_old_catalogues_without_the_columns_still_import():
    spec, = catalogue.parse_catalogue(HEAD.replace(",online_level,originals_at_return", "")
                                      + "1.001193,Khai sinh,Hộ tịch,commune,0,0,,1;2,0,0,0,A [1/0/0]\n", "csv")
    assert spec.online_level is None


def test_the_shipped_catalogue_marks_commune_procedures():
    from counter.services.catalogue import default_specs

    levels = {s.code: s.online_level for s in default_specs()}
    assert levels["1.001193"] == "toan_trinh" and levels["1.000894"] == "mot_phan"
    assert levels["2.000884"] is None  # chứng thực chữ ký: in person only
