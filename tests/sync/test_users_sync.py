"""Issue 14, item 3: stations receive the office's users from the central server (with their password hashes,
so login works offline, with the server's roles); once they have, users are managed on the server only."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from counter.central import users as central_users
from counter.cli import app
from counter.services import auth
from tests.conftest import NOW, OFFICE, PASSWORD, actor_for, receive

runner = CliRunner()


def test_users_pulled_to_a_station_log_in_offline_with_the_servers_roles(stations, central):
    s1, _ = stations
    central_users.set_role(central.engine, OFFICE, "canbo", "supervisor", NOW)
    central_users.add(central.engine, OFFICE, "nguoimoi", "Phạm Thị Mới", "postal", "matkhau-moi-1", NOW)
    central_users.set_locked(central.engine, OFFICE, "buudien", True, NOW)
    assert auth.login(s1.store, "canbo", PASSWORD).role == "clerk"  # before the sync: the station's own
    s1.sync()
    central.transport.down = True  # offline from here on
    assert auth.login(s1.store, "canbo", PASSWORD).role == "supervisor"
    new = auth.login(s1.store, "nguoimoi", "matkhau-moi-1")
    assert (new.role, new.full_name, new.office_id) == ("postal", "Phạm Thị Mới", OFFICE)
    with pytest.raises(auth.AuthError) as exc:
        auth.login(s1.store, "buudien", PASSWORD)
    assert "bị khóa" in exc.value.message
    # the server's password: a new one there replaces the station's copy at the next sync
    central.transport.down = False
    central_users.set_password(central.engine, OFFICE, "giamsat", "matkhau-doi-2", NOW)
    s1.sync()
    assert auth.login(s1.store, "giamsat", "matkhau-doi-2").role == "supervisor"
    with pytest.raises(auth.AuthError):
        auth.login(s1.store, "giamsat", PASSWORD)


def test_a_user_the_server_lacks_no_longer_logs_in_but_keeps_their_history(stations, central):
    s1, _ = stations
    code = receive(s1.store, actor_for(s1.store, "canbo"))
    with central.engine.begin() as conn:
        from counter.central import tables

        conn.execute(tables.users.delete().where(tables.users.c.username == "canbo"))
    s1.sync()
    with pytest.raises(auth.AuthError):
        auth.login(s1.store, "canbo", PASSWORD)
    from counter.services import dossiers

    assert dossiers.get_detail(s1.store, code).events[0].actor == "Người Dùng Canbo"


def test_a_synced_station_says_users_are_managed_on_the_server(stations, central, store):
    s1, _ = stations
    s1.sync()
    for args in (["users", "add", "moi", "--name", "Lê Văn Mới", "--role", "clerk", "--password", "matkhau123"],
                 ["users", "passwd", "canbo", "--password", "matkhau456"], ["users", "lock", "canbo"]):
        result = runner.invoke(app, [*args, "--user", "quantri", "--data-dir", str(s1.store.data_dir)],
                               env={"COUNTER_PASSWORD": PASSWORD})  # the station's admin, logged in
        assert result.exit_code == 1, result.output
        assert "do máy chủ trung tâm quản lý" in result.output and "counter serve users" in result.output
    assert auth.login(s1.store, "canbo", PASSWORD).role == "clerk"  # nothing changed
    assert "moi" not in {u.username for u in auth.list_users(s1.store)}
    # a store that never synced (a demo, a standalone counter) keeps managing its own users
    assert auth.add_user(store, "moi", "Lê Văn Mới", "clerk", "matkhau123").username == "moi"


def test_an_office_without_users_on_the_server_keeps_the_stations_own(stations, central):
    s1, _ = stations
    with central.engine.begin() as conn:
        from counter.central import tables

        conn.execute(tables.users.delete())
    s1.sync()  # the server has nobody for the office yet: nothing changes at the counter
    assert not auth.users_managed_by_server(s1.store)
    assert auth.add_user(s1.store, "moi", "Lê Văn Mới", "clerk", "matkhau123").username == "moi"


def test_serve_users_add_then_sync_and_the_station_logs_in(stations, central):
    s1, _ = stations
    added = runner.invoke(app, ["serve", "users", "add", "tiepnhan", "--office", OFFICE, "--name", "Đỗ Thị Nhận",
                                "--role", "clerk", "--password", "matkhau-789", "--db", central.url])
    assert added.exit_code == 0, added.output
    assert added.output.strip() == ("Đã thêm tiepnhan (Cán bộ một cửa, hoạt động) của H55.242; "
                                    "các quầy nhận ở lần đồng bộ sau.")
    listed = runner.invoke(app, ["serve", "users", "list", "--office", OFFICE, "--db", central.url])
    assert "tiepnhan" in listed.output and "Đỗ Thị Nhận" in listed.output and "$argon2" not in listed.output
    with pytest.raises(auth.AuthError):
        auth.login(s1.store, "tiepnhan", "matkhau-789")
    s1.sync()
    actor = auth.login(s1.store, "tiepnhan", "matkhau-789")
    assert (actor.role, actor.full_name) == ("clerk", "Đỗ Thị Nhận")
    receive(s1.store, actor)  # and what they do is accepted by the server
    report = s1.sync()
    assert (report.accepted, report.rejected) == (1, 0)
