"""Files written so that a crash leaves the old file or the new one, never half of one; and the data directory
kept private to the user who runs counter (folders 0700, files 0600, whatever the umask)."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_OTHERS = 0o077  # the group's and the others' bits: none may be set in the data directory


def private_umask() -> None:
    """From now on this process (and what it starts: scanimage, SQLite's -wal/-shm, log files) creates nothing
    that the group or other users can read; the bits the umask already clears stay cleared."""
    old = os.umask(_OTHERS)
    os.umask(old | _OTHERS)


def private_dir(path: Path) -> Path:
    """Make `path` (and missing parents) and set it to 0700; an existing folder is tightened too."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_DIR:
        os.chmod(path, PRIVATE_DIR)
    return path


def write_atomic(data: bytes, path: Path, *, sync_dir: bool = False) -> Path:
    """Write to a temporary file beside `path` (created 0600), fsync it, rename it over `path`; with sync_dir,
    fsync the folder too, so the new name itself survives a power cut (needed before a database row may point at
    the file). Folders it has to make are 0700 (and, with sync_dir, their own names are made durable too)."""
    made = make_folder(path.parent)
    tmp = write_temp(data, path.parent, path.suffix)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        sync_folder(path.parent)
        if made:
            sync_folder(path.parent.parent)
    return path


def make_folder(folder: Path) -> bool:
    """Make `folder` (and its parents) 0700 when it is missing; True when it was made."""
    if folder.is_dir():
        return False
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(folder, PRIVATE_DIR)
    return True


def write_temp(data: bytes, folder: Path, suffix: str = "") -> Path:
    """`data` in a new temporary file of `folder` (mode 0600), written and fsynced; the caller renames it."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), PRIVATE_FILE)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def sync_folder(folder: Path) -> None:
    """fsync a folder: the names just created or renamed in it survive a power cut."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass(frozen=True)
class LooseMode:
    """A folder or file of the data directory that the group or other users may read."""

    path: Path
    mode: int
    wanted: int


def loose_modes(root: Path) -> list[LooseMode]:
    """Every folder and file under `root` (itself included) with a group/other bit set; symlinks are not
    followed (they are reported as they are, never changed)."""
    found: list[LooseMode] = []

    def check(p: Path, st: os.stat_result) -> None:
        mode = stat.S_IMODE(st.st_mode)
        if mode & _OTHERS:
            found.append(LooseMode(p, mode, PRIVATE_DIR if stat.S_ISDIR(st.st_mode) else PRIVATE_FILE))

    if not root.is_dir():
        return found
    check(root, root.stat())
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames) + sorted(filenames):
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            check(p, st)
    return found


def tighten(loose: list[LooseMode]) -> list[tuple[LooseMode, str]]:
    """chmod each to its wanted mode; returns those that could not be changed, with the reason."""
    failed: list[tuple[LooseMode, str]] = []
    for item in loose:
        try:
            os.chmod(item.path, item.wanted)
        except OSError as exc:
            failed.append((item, exc.strerror or str(exc)))
    return failed
