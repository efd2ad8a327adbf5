"""One Settings object: the platform's config file < the data dir's config.toml < COUNTER_* variables (nested
with __) < CLI flags; and the services the app and `counter sync` build from it (one sync runner, one blob store)."""

from __future__ import annotations

import asyncio

import pytest

from counter import compose
from counter import settings as settings_module
from counter.domain.errors import CounterError
from counter.services.blobs import BlobStore, FolderBlobStore
from counter.services.sync_runner import SyncRunner
from counter.settings import Settings


@pytest.fixture
def platform_file(tmp_path, monkeypatch):
    """The platform's config dir (platformdirs.user_config_dir) moved to a temporary folder."""
    folder = tmp_path / "platform-config"
    folder.mkdir()
    monkeypatch.setattr(settings_module, "user_config_dir", lambda *a, **k: str(folder))
    for name in ("COUNTER_SCANNER__RESOLUTION", "COUNTER_SCANNER__MODE", "COUNTER_SCANNER_RESOLUTION",
                 "COUNTER_SCANNER_MODE", "COUNTER_SYNC__INTERVAL", "COUNTER_KEYMAP__HELP"):
        monkeypatch.delenv(name, raising=False)
    return folder / "config.toml"


def test_each_source_overrides_the_one_before(tmp_path, monkeypatch, platform_file):
    data = tmp_path / "data"
    data.mkdir()
    platform_file.write_text('[scanner]\ndevice = "may-chung"\nresolution = 100\nmode = "Gray"\nsource = "ADF"\n'
                             '[sync]\ninterval = 60\n[keymap]\nhelp = "f1"\n', "utf-8")
    s = Settings.load(data)
    assert (s.scanner.device, s.scanner.resolution, s.scanner.mode, s.sync.interval) == ("may-chung", 100, "Gray", 60)

    (data / "config.toml").write_text('[scanner]\nresolution = 200\nmode = "Lineart"\n[sync]\ninterval = 30\n', "utf-8")
    s = Settings.load(data)  # the data dir's file wins key by key; the platform's other keys stay
    assert (s.scanner.device, s.scanner.resolution, s.scanner.mode, s.sync.interval) == ("may-chung", 200, "Lineart", 30)

    monkeypatch.setenv("COUNTER_SCANNER__MODE", "Color")  # nested with __
    monkeypatch.setenv("COUNTER_SYNC__INTERVAL", "20")
    monkeypatch.setenv("COUNTER_KEYMAP__HELP", "f12")
    s = Settings.load(data)
    assert (s.scanner.device, s.scanner.resolution, s.scanner.mode, s.sync.interval) == ("may-chung", 200, "Color", 20)
    assert s.keymap == {"help": "f12"}

    s = Settings.load(data, sync={"interval": 5}, scanner={"mode": "Gray", "resolution": None})  # CLI flags
    assert (s.scanner.resolution, s.scanner.mode, s.sync.interval) == (200, "Gray", 5)  # an unset flag changes nothing
    assert s.scanner.source == "ADF"


def test_keymap_dotted_ids_and_lists(tmp_path, platform_file):
    (tmp_path / "config.toml").write_text('[keymap]\nreceive.save = "ctrl+w"\nhelp = ["f1", "ctrl+h"]\n', "utf-8")
    assert Settings.load(tmp_path).keymap == {"receive.save": "ctrl+w", "help": "f1,ctrl+h"}


def test_the_older_variable_names_still_work_and_bad_files_say_so(tmp_path, monkeypatch, platform_file):
    monkeypatch.setenv("COUNTER_PRINTER_USB_VENDOR", "0x04b8")
    monkeypatch.setenv("COUNTER_CENTRAL_DB", "postgresql+psycopg://u@h/db")
    s = Settings.load(tmp_path)
    assert s.printer.usb_vendor == 0x04B8 and s.server.db == "postgresql+psycopg://u@h/db"
    assert s.printer.out_dir == (tmp_path / "prints").resolve()
    platform_file.write_text("[scanner\n", "utf-8")
    with pytest.raises(CounterError, match=r"Tệp cấu hình .*platform-config.*không hợp lệ"):
        Settings.load(tmp_path)


def test_the_server_settings_go_to_its_worker_processes(tmp_path, monkeypatch, platform_file):
    """`counter serve --workers N`: what the flags chose reaches each worker's Settings (uvicorn's factory)."""
    s = Settings.load(tmp_path, server={"db": "sqlite:///x.db", "track_rate": 0.5, "workers": 3})
    for name, value in s.server.environment().items():
        monkeypatch.setenv(name, value)
    again = Settings.load(tmp_path).server
    assert (again.db, again.track_rate, again.workers, again.track_burst) == ("sqlite:///x.db", 0.5, 3, 20)


def test_the_station_builds_one_runner_and_a_blob_store(store, platform_file):
    (store.data_dir / "config.toml").write_text("[sync]\ninterval = 4\n", "utf-8")
    services = compose.station(store=store)
    assert isinstance(services.sync, SyncRunner) and services.sync.interval == 4
    assert isinstance(services.blobs, BlobStore) and isinstance(services.blobs, FolderBlobStore)
    sha = services.blobs.put(b"%PDF-1.7 test")
    assert services.blobs.has(sha) and services.blobs.get(sha) == b"%PDF-1.7 test"
    assert (store.blob_dir / sha[:2] / sha[2:]).is_file()


async def test_the_app_runs_the_same_runner_as_counter_sync(store, platform_file):
    """The app's sync worker and `counter sync` (cli_sync.sync: compose.station(...).sync) run SyncRunner."""
    from counter.app import build_app

    (store.data_dir / "config.toml").write_text("[sync]\ninterval = 4\n", "utf-8")
    app = build_app(store)
    async with app.run_test():
        for _ in range(200):
            if app.services is not None:
                break
            await asyncio.sleep(0.05)
        assert type(app.services.sync) is type(compose.station(store=store).sync) is SyncRunner
        assert app.services.sync.interval == 4
