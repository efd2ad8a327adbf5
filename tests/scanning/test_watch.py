"""The watched folder of network scanners: a file is taken only once it stopped growing."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from counter.scanning.watch import DONE_DIR, WatchError, WatchFolder


def test_a_file_is_ready_after_two_looks_with_the_same_size(tmp_path):
    folder = WatchFolder(tmp_path)
    Image.new("L", (200, 300), 255).save(tmp_path / "scan1.png")
    assert folder.poll() == []  # first sight: maybe still being written
    assert [p.name for p in folder.poll()] == ["scan1.png"]


def test_a_growing_file_waits_and_partial_or_foreign_files_are_ignored(tmp_path):
    folder = WatchFolder(tmp_path)
    growing = tmp_path / "scan2.pdf"
    growing.write_bytes(b"%PDF-1.7\n")
    for name in ("scan3.pdf.part", ".hidden.jpg", "readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    folder.poll()
    with open(growing, "ab") as fh:
        fh.write(b"more bytes")
    os.utime(growing, ns=(1, 2))  # a different time too, as a writer leaves it
    assert folder.poll() == []
    assert [p.name for p in folder.poll()] == ["scan2.pdf"]


def test_done_moves_files_aside_without_overwriting(tmp_path):
    folder = WatchFolder(tmp_path)
    (tmp_path / DONE_DIR).mkdir()
    (tmp_path / DONE_DIR / "a.jpg").write_bytes(b"old")
    (tmp_path / "a.jpg").write_bytes(b"new")
    folder.done([tmp_path / "a.jpg"])
    assert not (tmp_path / "a.jpg").exists()
    assert (tmp_path / DONE_DIR / "a.jpg").read_bytes() == b"old"
    assert (tmp_path / DONE_DIR / "a-1.jpg").read_bytes() == b"new"
    assert folder.candidates() == []


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(WatchError, match="Không tìm thấy thư mục quét"):
        WatchFolder(tmp_path / "khong-co").poll()
