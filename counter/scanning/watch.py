"""The watched folder where network scanners drop their files (scan-to-folder over SMB/FTP).

A file is ready once its size and time have not changed between two looks (a scanner writes a PDF in pieces);
partial downloads (`.part`, `.tmp`, `~`, hidden files) are skipped. Files taken into a dossier are moved to
`đã nhập/` beside them, so the folder only shows what is still waiting.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from counter.domain.errors import CounterError

DONE_DIR = "đã nhập"
SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf"}
PARTIAL = (".part", ".tmp", ".crdownload", "~")


class WatchError(CounterError):
    pass


@dataclass
class WatchFolder:
    path: Path
    _last: dict[str, tuple[int, int]] = field(default_factory=dict)

    def check(self) -> None:
        if not str(self.path):
            raise WatchError("Chưa cấu hình thư mục quét: đặt watch_dir trong mục [scanner] của config.toml.")
        if not self.path.is_dir():
            raise WatchError(f"Không tìm thấy thư mục quét “{self.path}”.")

    def candidates(self) -> list[Path]:
        self.check()
        out = []
        for entry in os.scandir(self.path):
            name = entry.name
            if not entry.is_file() or name.startswith(".") or name.endswith(PARTIAL):
                continue
            if Path(name).suffix.lower() in SUFFIXES:
                out.append(Path(entry.path))
        return sorted(out, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def poll(self) -> list[Path]:
        """Files whose size and time are unchanged since the previous poll (oldest first)."""
        ready, now = [], {}
        for p in self.candidates():
            st = p.stat()
            sig = (st.st_size, st.st_mtime_ns)
            now[str(p)] = sig
            if st.st_size > 0 and self._last.get(str(p)) == sig:
                ready.append(p)
        self._last = now
        return ready

    def wait_ready(self, interval: float = 0.5, rounds: int = 2) -> list[Path]:
        """Look twice, `interval` apart (a blocking call for a worker thread or the CLI)."""
        ready: list[Path] = []
        for i in range(rounds):
            if i:
                time.sleep(interval)
            ready = self.poll()
        return ready

    def done(self, files: list[Path]) -> None:
        """Move files that went into a dossier to `đã nhập/` (a later name clash gets a number)."""
        target = self.path / DONE_DIR
        target.mkdir(exist_ok=True)
        for f in files:
            dest, n = target / f.name, 1
            while dest.exists():
                dest, n = target / f"{f.stem}-{n}{f.suffix}", n + 1
            try:
                f.rename(dest)
            except OSError:
                pass  # already moved by another counter: nothing to do
