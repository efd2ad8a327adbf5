"""Issue 14: two stations with one number, duplicate codes, a station restored from an older backup, and a
`sync status` that shows the real last error. Against the real central server (PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from counter.central import ingest, tokens
from counter.domain.clock import FixedClock
from counter.services import audit
from counter.services import sync as sync_service
from counter.services.store import Store
from tests.conftest import NOW, OFFICE, actor_for, receive
from tests.sync.conftest import Station, make_station


def codes_on_server(central) -> list[str]:
    with central.engine.connect() as c:
        return list(c.execute(sa.text("SELECT code FROM central_dossiers ORDER BY code")).scalars())


def test_second_station_with_the_same_number_is_refused_and_the_first_keeps_syncing(tmp_path, central):
    first = Station(make_station(tmp_path / "a", 1), central, 1)
    second = Station(make_station(tmp_path / "b", 1), central, 1)  # `counter init --station 1` twice
    try:
        code_a = receive(first.store, actor_for(first.store, "canbo"), name="Nguyễn Văn An")
        code_b = receive(second.store, actor_for(second.store, "canbo"), name="Trần Thị Bình")
        assert code_a == code_b  # both made H55.242-…-1001
        first.sync()
        with pytest.raises(sync_service.SyncError) as refused:
            second.sync()
        assert "Quầy số 1 của H55.242 đang do một máy trạm khác dùng" in refused.value.message
        assert "Quầy số 1" in (sync_service.status(second.store).last_error or "")
        assert sync_service.status(second.store).pending == 1  # kept, nothing lost
        # the first station carries on, in both directions
        receive(first.store, actor_for(first.store, "canbo"), name="Lê Văn Cường")
        report = first.sync()
        assert report.accepted == 1 and sync_service.status(first.store).pending == 0
        assert codes_on_server(central) == sorted([code_a, code_a[:-4] + "1002"])
    finally:
        first.store.close()
        second.store.close()


def test_a_station_under_another_number_than_its_token_has_its_dossiers_rejected(tmp_path, central):
    """Store initialised as station 1, token issued for station 2: each new dossier is refused with a reason
    (on the conflicts screen); the station's queue goes on and the other station is untouched."""
    one = Station(make_station(tmp_path / "a", 1), central, 1)
    two = Station(make_station(tmp_path / "b", 1), central, 2)
    wrong = two.store
    try:
        code = receive(one.store, actor_for(one.store, "canbo"))
        one.sync()
        receive(wrong, actor_for(wrong, "canbo"))
        report = two.sync()
        assert report.rejected == 1
        [conflict] = sync_service.conflicts(wrong)
        assert "thuộc dãy số của quầy 1, nhưng mã truy cập của máy này cấp cho quầy 2" in conflict.reason
        assert codes_on_server(central) == [code]
        one.sync()
        assert sync_service.status(one.store).pending == 0
    finally:
        one.store.close()
        wrong.close()


def test_a_duplicate_code_is_rejected_and_later_events_of_that_station_still_go(tmp_path, central):
    """Station 2's machine replaced (old token revoked) by a new one that starts its numbers again: its first
    dossier reuses a code the server has; refused with a reason, the next dossier is accepted."""
    old = Station(make_station(tmp_path / "old", 2), central, 2)
    try:
        code = receive(old.store, actor_for(old.store, "canbo"))
        old.sync()
    finally:
        old.store.close()
    tokens.revoke(central.engine, office_id=OFFICE, station_number=2, now=NOW)
    new = Station(make_station(tmp_path / "new", 2), central, 2)
    try:
        again = receive(new.store, actor_for(new.store, "canbo"), name="Phạm Thị Dung")
        assert again == code
        following = receive(new.store, actor_for(new.store, "canbo"), name="Hoàng Văn Em")
        report = new.sync()
        assert (report.accepted, report.rejected) == (1, 1)
        [conflict] = sync_service.conflicts(new.store)
        assert conflict.dossier_code == code and "đã được dùng cho một hồ sơ khác của cơ quan" in conflict.reason
        assert codes_on_server(central) == [code, following]
        assert sync_service.status(new.store).pending == 0
        new.sync()  # and the next cycles are clean
    finally:
        new.store.close()


def _own_events(store: Store) -> list[tuple[int, str]]:
    with store.read() as s:
        sid = s.execute(sa.text("SELECT value FROM sync_state WHERE key = 'station_id'")).scalar_one()
        return [tuple(r) for r in s.execute(sa.text(
            "SELECT station_seq, id FROM dossier_events WHERE station_id = :s ORDER BY station_seq"), {"s": sid})]


def test_a_station_restored_from_an_older_backup_recovers(tmp_path, central):
    from counter.services import backup

    s1 = Station(make_station(tmp_path / "s1", 1), central, 1)
    s2 = Station(make_station(tmp_path / "s2", 2), central, 2)
    clerk = actor_for(s1.store, "canbo")
    receive(s1.store, clerk, name="Nguyễn Văn An")
    s1.sync()
    saved = backup.backup(s1.store, tmp_path / "quay1.tar")
    assert oct(saved.path.stat().st_mode & 0o777) == "0o600" and saved.dossiers == 1
    lost = [receive(s1.store, clerk, name=n) for n in ("Trần Thị Bình", "Lê Văn Cường")]  # after the backup
    s1.sync()
    s2.sync()
    s1.store.close()
    # the machine dies; the backup is restored into a new folder
    with pytest.raises(backup.BackupError, match="đã có dữ liệu"):
        backup.restore(saved.path, s2.store.data_dir)
    _, aside, last = backup.restore(saved.path, tmp_path / "restored")
    assert aside is None and last == 1
    restored = Store.open(tmp_path / "restored", clock=FixedClock(NOW))
    s1.store = restored
    try:
        clerk = actor_for(restored, "canbo")
        made = [receive(restored, clerk, name=n) for n in ("Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang")]
        assert made[:2] == lost  # the restored counter reuses the lost dossiers' codes
        report = s1.sync()
        # the lost dossiers came back, the new ones got fresh codes, nothing twice on the server
        day = made[2][:-4]
        assert report.renumbered == [(lost[0], day + "1005"), (lost[1], day + "1006")]
        new_codes = [day + "1005", day + "1006", day + "1004"]  # the third kept its number: nobody had it
        with restored.read() as s:
            codes = dict(s.execute(sa.text("SELECT owner_name, code FROM dossiers")).all())
        assert codes["Trần Thị Bình"] == lost[0] and codes["Lê Văn Cường"] == lost[1]
        assert [codes[n] for n in ("Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang")] == new_codes
        server = codes_on_server(central)
        assert len(server) == len(set(server)) == 6
        assert sync_service.status(restored).pending == 0
        assert [seq for seq, _ in _own_events(restored)] == [1, 2, 3, 4, 5, 6]
        # the clerk is told: a notice per changed code on the conflicts screen
        notices = [c for c in sync_service.conflicts(restored) if c.reason.startswith("Mã hồ sơ đổi từ")]
        assert [c.dossier_code for c in notices] == sorted(new_codes[:2], reverse=True)
        # the next dossier takes the next free number; the chains verify on the station and the server
        assert receive(restored, clerk, name="Đặng Văn Hùng") == day + "1007"
        s1.sync()
        s2.sync()
        assert audit.verify(restored).ok, audit.verify(restored).problems
        with central.engine.connect() as c:
            assert ingest.verify_office_chain(c, OFFICE) == (7, None)
        with s2.store.read() as s:
            assert s.execute(sa.text("SELECT count(*) FROM dossiers")).scalar_one() == 7
    finally:
        restored.close()
        s2.store.close()


def test_sync_status_shows_the_real_last_error(stations, central):
    """A cycle that fails on something else than the network (here a pulled page the station cannot read) is
    recorded: `sync status` does not say "không có" while every sync fails."""
    s1, s2 = stations
    receive(s2.store, actor_for(s2.store, "canbo"))
    s2.sync()

    def broken(request, forward):
        response = forward(request)
        body = response.json()
        for e in body["events"]:
            del e["prev_hash"]
        return httpx.Response(200, json=body)

    central.transport.faults.append(("GET /api/v1/events", broken))
    with pytest.raises((KeyError, sync_service.SyncError)):  # a bad page: whatever the reader says of it
        s1.sync()
    status = sync_service.status(s1.store)
    assert status.last_error  # what went wrong, not "không có"
    s1.sync()  # the fault passed: the next cycle succeeds and clears it
    assert sync_service.status(s1.store).last_error is None


def test_cli_sync_once_prints_the_error_without_a_traceback(stations, central, monkeypatch):
    from typer.testing import CliRunner

    from counter.cli import app

    s1, s2 = stations
    receive(s2.store, actor_for(s2.store, "canbo"))
    s2.sync()

    def broken(request, forward):
        body = forward(request).json()
        for e in body["events"]:
            del e["prev_hash"]
        return httpx.Response(200, json=body)

    central.transport.faults.append(("GET /api/v1/events", broken))
    monkeypatch.setattr(sync_service, "client_for",
                        lambda store, transport=None: sync_service.SyncClient(
                            "http://central.test", sync_service.settings(store).token, transport=central.transport))
    r = CliRunner().invoke(app, ["sync", "--once", "--data-dir", str(s1.store.data_dir)])
    assert (r.exit_code == 1 and r.exception is None) or isinstance(r.exception, SystemExit), r.output
    assert "Traceback" not in r.output and "không thành công" in r.output
    error = sync_service.status(s1.store).last_error
    assert error and error in r.output
    r = CliRunner().invoke(app, ["sync", "status", "--data-dir", str(s1.store.data_dir)])
    assert f"): {error}" in r.output and "Lỗi gần nhất: không có" not in r.output, r.output


def _restored_by_copy(tmp_path, s1):
    """s1 synced 1 dossier, was backed up, made 2 more and synced them; then its folder is replaced by the
    backup's files without `counter restore` (a file copy: no restored mark)."""
    from counter.services import backup

    clerk = actor_for(s1.store, "canbo")
    receive(s1.store, clerk, name="Nguyễn Văn An")
    s1.sync()
    saved = backup.backup(s1.store, tmp_path / "quay1.tar")
    lost = [receive(s1.store, clerk, name=n) for n in ("Trần Thị Bình", "Lê Văn Cường")]
    s1.sync()
    s1.store.close()
    backup.restore(saved.path, tmp_path / "copied")
    store = Store.open(tmp_path / "copied", clock=FixedClock(NOW))
    with store.write() as s:  # as if the files had been copied back by hand
        s.execute(sa.text("DELETE FROM sync_state WHERE key = 'sync_restored_seq'"))
    s1.store = store
    return lost


def test_a_station_copied_back_by_hand_with_new_dossiers_is_caught_by_the_server(tmp_path, stations, central):
    s1, _ = stations
    lost = _restored_by_copy(tmp_path, s1)
    try:
        made = receive(s1.store, actor_for(s1.store, "canbo"), name="Phạm Thị Dung")
        assert made == lost[0]
        report = s1.sync()  # the server answers "behind"; the station recovers in the same cycle
        assert report.renumbered == [(lost[0], lost[0][:-4] + "1004")]
        assert sync_service.status(s1.store).pending == 0
        assert len(set(codes_on_server(central))) == len(codes_on_server(central)) == 4
        assert audit.verify(s1.store).ok, audit.verify(s1.store).problems
    finally:
        s1.store.close()


def test_a_station_copied_back_by_hand_takes_its_next_numbers_after_what_the_pull_brought_back(
        tmp_path, stations, central):
    s1, _ = stations
    lost = _restored_by_copy(tmp_path, s1)
    try:
        s1.sync()  # nothing made since: the pull brings the lost dossiers back
        with s1.store.read() as s:
            assert set(s.execute(sa.text("SELECT code FROM dossiers")).scalars()) >= set(lost)
        code = receive(s1.store, actor_for(s1.store, "canbo"), name="Phạm Thị Dung")
        assert code == lost[0][:-4] + "1004"
        assert s1.sync().accepted == 1
        assert audit.verify(s1.store).ok, audit.verify(s1.store).problems
    finally:
        s1.store.close()
