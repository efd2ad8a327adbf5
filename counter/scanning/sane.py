"""Document scanners through SANE's `scanimage` (flatbed, or a batch from the feeder).

The same code path drives a real scanner and SANE's `test` device (`scanimage -d test`), which the tests use.
Pages are written as files into a spool directory; the caller turns them into one PDF per document.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from counter.domain.errors import CounterError

FLATBED = "Flatbed"
FEEDER = "Automatic Document Feeder"
FORMATS = {"jpeg": "jpg", "png": "png", "tiff": "tif"}


class ScanError(CounterError):
    """The scanner could not be reached or stopped with an error (message in Vietnamese)."""


class ScanCancelled(CounterError):
    def __init__(self, pages: list[Path]):
        self.pages = pages
        super().__init__(f"Đã dừng quét ({len(pages)} trang đã quét).")


@dataclass(frozen=True)
class Device:
    name: str  # SANE device name, e.g. "test" or "airscan:e0:Canon"
    vendor: str = ""
    model: str = ""
    kind: str = ""

    @property
    def label(self) -> str:
        what = " ".join(p for p in (self.vendor, self.model) if p)
        return f"{self.name} ({what})" if what else self.name


@dataclass(frozen=True)
class ScanSettings:
    device: str = "test"
    resolution: int = 300
    mode: str = "Color"  # Color | Gray | Lineart (as the device names them)
    source: str = FLATBED  # Flatbed | Automatic Document Feeder (or the device's own name)
    format: str = "jpeg"  # jpeg | png | tiff
    extra: tuple[str, ...] = ()  # more scanimage options, e.g. ("--test-picture", "Grid")

    @property
    def batch(self) -> bool:
        return "feeder" in self.source.lower() or "adf" in self.source.lower()


def scanimage() -> str:
    path = shutil.which("scanimage")
    if path is None:
        raise ScanError("Chưa cài SANE (lệnh “scanimage”): cài gói sane-utils hoặc dùng nhập tệp / thư mục quét.")
    return path


def list_devices(timeout: float = 30) -> list[Device]:
    """Scanners SANE can see (the `test` device is not listed unless enabled in dll.conf)."""
    try:
        out = subprocess.run([scanimage(), "-f", "%d\t%v\t%m\t%t%n"], capture_output=True, text=True,
                             timeout=timeout, check=False).stdout
    except subprocess.TimeoutExpired:
        raise ScanError("Tìm máy quét quá lâu, thử lại hoặc kiểm tra kết nối.") from None
    devices = []
    for line in out.splitlines():
        parts = line.split("\t")
        if parts and parts[0]:
            devices.append(Device(*[*parts, "", "", ""][:4]))
    return devices


def _message(stderr: str, device: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Scann")]
    detail = lines[-1] if lines else ""
    low = stderr.lower()
    if ("invalid argument" in low and "open" in low) or "no such device" in low or "failed to open" in low:
        return f"Không mở được máy quét “{device}”: kiểm tra tên thiết bị trong cấu hình [scanner] và kết nối."
    if "out of documents" in low or "no docs" in low:
        return "Khay nạp giấy trống: đặt giấy vào khay rồi quét lại."
    if "jammed" in low:
        return "Kẹt giấy trong máy quét: gỡ giấy rồi quét lại."
    if "cover" in low and "open" in low:
        return "Nắp máy quét đang mở."
    if "busy" in low:
        return "Máy quét đang bận, thử lại sau ít giây."
    return f"Máy quét “{device}” báo lỗi: {detail or 'không rõ nguyên nhân'}"


def _command(s: ScanSettings) -> list[str]:
    cmd = [scanimage(), "-d", s.device, f"--format={s.format}", "--resolution", str(s.resolution)]
    if s.mode:
        cmd += ["--mode", s.mode]
    if s.source:
        cmd += ["--source", s.source]
    return cmd + list(s.extra)


def scan(settings: ScanSettings, out_dir: Path, *, max_pages: int | None = None,
         on_page: Callable[[int], None] | None = None, cancel: threading.Event | None = None,
         timeout: float = 600) -> list[Path]:
    """Scan into out_dir and return the page files in order.

    Flatbed: one page. Feeder: every sheet in the tray (or `max_pages`) with scanimage's --batch.
    `on_page(n)` is called as pages arrive; setting `cancel` stops the scanner (ScanCancelled carries the pages
    already scanned, which the caller may keep or drop)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = FORMATS.get(settings.format, settings.format)
    stamp = f"{time.monotonic_ns():x}"
    cmd = _command(settings)
    if settings.batch:
        pattern = out_dir / f"scan-{stamp}-%04d.{ext}"
        cmd += [f"--batch={pattern}", "--batch-start=1"]
        if max_pages:
            cmd += [f"--batch-count={max_pages}"]
        target = None
    else:
        target = out_dir / f"scan-{stamp}-0001.{ext}"
    stdout = open(target, "wb") if target is not None else subprocess.DEVNULL  # noqa: SIM115 — closed after the scan
    try:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=out_dir,
                                env={**os.environ, "LC_ALL": "C"})
    except OSError as exc:
        raise ScanError(f"Không chạy được scanimage: {exc.strerror}") from None
    finally:
        if target is not None:
            stdout.close()  # type: ignore[union-attr]
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()

    def pages() -> list[Path]:
        if target is not None:
            return [target] if target.exists() and target.stat().st_size > 0 else []
        return sorted(out_dir.glob(f"scan-{stamp}-*.{ext}"))

    seen = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            reader.join(5)
            done = pages()[:-1] if settings.batch else []  # the last file may be half written
            if cancel is not None and cancel.is_set():
                raise ScanCancelled(done)
            raise ScanError("Máy quét không phản hồi (quá thời gian chờ).")
        n = max(0, len(pages()) - 1) if settings.batch else 0  # a page is complete once the next one starts
        if n != seen and on_page is not None:
            on_page(n)
        seen = n
        time.sleep(0.05)
    reader.join(5)
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    done = pages()
    if not done or (proc.returncode != 0 and not (settings.batch and "out of documents" in stderr.lower())):
        for p in done:
            p.unlink(missing_ok=True)
        if target is not None:
            target.unlink(missing_ok=True)
        raise ScanError(_message(stderr, settings.device))
    if on_page is not None and len(done) != seen:
        on_page(len(done))
    return done
