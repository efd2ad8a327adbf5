"""`counter run` quits when its terminal is gone (the window closed, the SSH link dropped) even when the hang-up
signal does not reach it, as under `make run`: it went on, Textual's input thread spinning on the dead terminal at
a whole core, until someone killed it."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import sys
import termios
import time

import pytest

from tests.conftest import make_store

pytestmark = pytest.mark.process


def _own_terminal() -> None:
    """In the child: the pty becomes its controlling terminal, and the hang-up signal is ignored (as when a shell
    in between takes it)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _read(master: int, seconds: float) -> bytes:
    """What the app draws for that long (read, so that its writes never wait for a full terminal)."""
    seen, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([master], [], [], 0.2)[0]:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def test_the_app_quits_when_its_terminal_hangs_up_without_a_signal(tmp_path):
    make_store(tmp_path / "store").close()
    master, slave = os.openpty()
    os.set_blocking(master, False)
    proc = subprocess.Popen([sys.executable, "-m", "counter", "run", "--data-dir", str(tmp_path / "store")],
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"},
                            preexec_fn=_own_terminal)
    os.close(slave)
    try:
        seen = _read(master, 15)  # the login screen painted, and a check of the live terminal passed (every 5 s)
        assert len(seen) >= 4000 and proc.poll() is None, seen[-400:]
        os.close(master)  # the terminal hangs up; SIGHUP is ignored, so only the app's own check can notice
        assert proc.wait(timeout=30) != 0  # it quit (within its 5-second check), not killed here
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
