"""The [scanner] keys of config.toml (device, resolution, mode, source, watch_dir, ocr), env overrides."""

from __future__ import annotations

import pytest

from counter.settings import load_settings
from counter.domain.errors import CounterError


def test_defaults_keep_ocr_off_and_use_the_sane_test_device(tmp_path):
    cfg = load_settings(tmp_path).scanner
    assert (cfg.device, cfg.resolution, cfg.source, cfg.ocr, cfg.watch_dir) == ("test", 300, "Flatbed", False, "")


def test_keys_from_the_file_and_the_environment(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text(
        '[scanner]\ndevice = "airscan:e0:Canon"\ndevices = ["test", "airscan:e0:Canon"]\nresolution = 200\n'
        'mode = "Gray"\nsource = "Automatic Document Feeder"\nwatch_dir = "scans"\nocr = true\n'
        'qr_serial_port = "/dev/ttyACM0"\n', "utf-8")
    monkeypatch.setenv("COUNTER_SCANNER_RESOLUTION", "150")
    s = load_settings(tmp_path)
    cfg = s.scanner
    assert cfg.device == "airscan:e0:Canon" and cfg.devices == ("test", "airscan:e0:Canon")
    assert (cfg.resolution, cfg.mode, cfg.source, cfg.ocr) == (150, "Gray", "Automatic Document Feeder", True)
    assert cfg.watch_dir == str((tmp_path / "scans").resolve())
    assert s.qr_serial_port == "/dev/ttyACM0"  # the QR reader's key shares the section


def test_a_bad_value_is_a_clear_error(tmp_path):
    (tmp_path / "config.toml").write_text('[scanner]\nresolution = "cao"\n', "utf-8")
    with pytest.raises(CounterError, match="Cấu hình \\[scanner\\] resolution không hợp lệ"):
        load_settings(tmp_path)
