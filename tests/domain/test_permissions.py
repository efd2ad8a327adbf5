import pytest

from counter.domain.lifecycle import EventKind
from counter.domain.permissions import EVENT_ACTIONS, Action, PermissionDenied, Role, can, require


def test_every_event_kind_needs_a_known_action():
    assert set(EVENT_ACTIONS) == {k.value for k in EventKind}


@pytest.mark.parametrize("action", [Action.CERTIFY, Action.DECIDE, Action.EXTEND, Action.VIEW_REPORTS])
def test_postal_staff_may_not_certify_or_decide(action):
    assert not can(Role.POSTAL, action)
    with pytest.raises(PermissionDenied, match="Nhân viên bưu điện không được phép"):
        require("postal", action)


def test_postal_staff_may_receive_collect_fees_hand_over_and_deliver():
    for action in (Action.RECEIVE, Action.COLLECT_FEE, Action.TRANSFER, Action.RETURN_RESULT):
        assert can(Role.POSTAL, action)


def test_supervisor_does_everything_a_clerk_does_and_more():
    clerk = {a for a in Action if can(Role.CLERK, a)}
    supervisor = {a for a in Action if can(Role.SUPERVISOR, a)}
    assert clerk < supervisor
    assert {Action.VIEW_QUEUE, Action.REASSIGN, Action.EXTEND} <= supervisor - clerk


def test_admin_manages_but_does_not_process_dossiers():
    assert can(Role.ADMIN, Action.MANAGE_USERS) and can(Role.ADMIN, Action.MANAGE_CALENDAR)
    assert not can(Role.ADMIN, Action.RECEIVE) and not can(Role.CLERK, Action.MANAGE_USERS)


def test_postal_refusal_names_every_reason():
    from counter.domain.permissions import postal_refusal

    assert postal_refusal(True, False, False) is None
    assert postal_refusal(False, False, True) == "cần chứng thực từ bản chính"
    assert postal_refusal(False, True, False) == "cần người nộp có mặt"
    assert postal_refusal(False, True, True) == "cần người nộp có mặt và cần chứng thực từ bản chính"
    assert postal_refusal(False, False, False) == "thủ tục không nhận qua bưu chính"
