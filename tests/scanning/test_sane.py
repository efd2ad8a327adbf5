"""SANE through scanimage, against SANE's own `test` device (CI installs sane-utils)."""

from __future__ import annotations

import shutil
import threading

import pytest

from counter.scanning import files, sane

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="sane-utils (scanimage) not installed")


def test_flatbed_scans_one_page_with_the_configured_resolution_and_mode(tmp_path):
    settings = sane.ScanSettings(device="test", resolution=100, mode="Gray", source=sane.FLATBED, format="png")
    paths = sane.scan(settings, tmp_path)
    assert len(paths) == 1
    (page,) = files.load_file(paths[0])
    assert page.kind == "png" and page.dpi == 100 and page.width > 100


def test_feeder_batch_gives_every_sheet_in_order_and_reports_progress(tmp_path):
    settings = sane.ScanSettings(device="test", resolution=75, mode="Color", source=sane.FEEDER, format="jpeg",
                                 extra=("--test-picture", "Color pattern"))
    seen: list[int] = []
    paths = sane.scan(settings, tmp_path, max_pages=4, on_page=seen.append)
    assert [p.name[-8:] for p in paths] == ["0001.jpg", "0002.jpg", "0003.jpg", "0004.jpg"]
    assert seen and seen[-1] == 4
    pages = files.load_files(paths)
    assert all(p.kind == "jpeg" and p.dpi == 75 for p in pages)


def test_feeder_runs_until_the_tray_is_empty(tmp_path):
    """The test device's feeder holds 10 sheets: a batch without a count stops there, without an error."""
    settings = sane.ScanSettings(device="test", resolution=50, mode="Gray", source=sane.FEEDER, format="png")
    assert len(sane.scan(settings, tmp_path)) == 10


def test_an_unknown_device_is_a_clear_vietnamese_error_and_leaves_no_file(tmp_path):
    settings = sane.ScanSettings(device="khongco:may-quet", resolution=75, format="png")
    with pytest.raises(sane.ScanError) as err:
        sane.scan(settings, tmp_path)
    assert "Không mở được máy quét “khongco:may-quet”" in err.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_device_error_is_reported_in_vietnamese(tmp_path):
    settings = sane.ScanSettings(device="test", resolution=50, format="png",
                                 extra=("--read-return-value", "SANE_STATUS_JAMMED"))
    with pytest.raises(sane.ScanError) as err:
        sane.scan(settings, tmp_path)
    assert "Kẹt giấy" in err.value.message
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_the_batch_and_returns_complete_pages_only(tmp_path):
    cancel = threading.Event()
    settings = sane.ScanSettings(device="test", resolution=50, mode="Gray", source=sane.FEEDER, format="png",
                                 extra=("--read-delay=yes", "--read-delay-duration", "200000"))
    with pytest.raises(sane.ScanCancelled) as err:
        sane.scan(settings, tmp_path, on_page=lambda n: cancel.set(), cancel=cancel)
    assert 1 <= len(err.value.pages) < 10
    for p in err.value.pages:
        files.load_file(p)  # every page handed back is whole
