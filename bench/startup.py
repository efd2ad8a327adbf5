"""Start-up as whole processes, against bare ones in the same run (the median of --reps each):

- process start to the login screen painted (wall and CPU), against a bare Textual app painting one label;
- `counter --help` and `counter search nguyen` on a demo store, against `python -c pass` (wall, and the CPU time
  of each process, which a loaded machine changes far less).

Textual runs headless (no terminal to draw on; the rest is the same). Prints one JSON line.

    .venv/bin/python bench/startup.py [--reps 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/

from bench._results import emit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# the child reports the moment the first screen is painted: wall from the parent's clock before the fork, CPU its own
PAINTED = """
import json, os, resource, sys, time
from pathlib import Path
t0 = float(os.environ["T0"])
if sys.argv[1] == "bare":
    from textual.app import App
    from textual.widgets import Label
    class Bare(App):
        def compose(self):
            yield Label("Đăng nhập")
    app, want = Bare(), None
else:
    from counter.app import build_app
    from counter.screens.login import LoginScreen
    app, want = build_app(data_dir=Path(sys.argv[1])), LoginScreen
seen = []
def painted():  # called after the screen's first refresh: the moment it is on the terminal
    r = resource.getrusage(resource.RUSAGE_SELF)
    seen.append({"wall": time.time() - t0, "cpu": r.ru_utime + r.ru_stime})
async def auto(pilot):
    while want is not None and not isinstance(pilot.app.screen, want):
        await pilot.pause(0.001)
    pilot.app.screen.call_after_refresh(painted)
    while not seen:
        await pilot.pause(0.001)
    print(json.dumps(seen[0]), flush=True)
    pilot.app.exit()
app.run(headless=True, auto_pilot=auto)
"""


def painted(arg: str) -> dict:
    env = {**os.environ, "T0": repr(time.time()), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PAINTED, arg], env=env, capture_output=True, text=True, timeout=120)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")]
    if not line:
        raise SystemExit(out.stdout + out.stderr)
    return json.loads(line[-1])


def wall(args: list[str], cpu: list[float] | None = None) -> float:
    """The process's wall time; its CPU time (user + system) appended to `cpu` (the same on a loaded machine)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COUNTER_USER": "canbo", "COUNTER_PASSWORD": "canbo123"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(args, env=env, capture_output=True, timeout=120, check=True)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        demo = tmp / "demo"
        py = sys.executable
        subprocess.run([py, "-m", "counter", "demo", "--data-dir", str(demo)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, check=True, timeout=300)
        runs: dict[str, list[float]] = {k: [] for k in ("login_wall", "login_cpu", "bare_wall", "bare_cpu", "help",
                                                         "search", "python", "help_cpu", "search_cpu",
                                                         "python_cpu")}
        painted(str(demo)), painted("bare")  # warm the file cache for both alike
        for _ in range(a.reps):
            p, b = painted(str(demo)), painted("bare")
            runs["login_wall"].append(p["wall"]), runs["login_cpu"].append(p["cpu"])
            runs["bare_wall"].append(b["wall"]), runs["bare_cpu"].append(b["cpu"])
            runs["help"].append(wall([py, "-m", "counter", "--help"], runs["help_cpu"]))
            runs["search"].append(wall([py, "-m", "counter", "search", "nguyen", "--data-dir", str(demo)],
                                       runs["search_cpu"]))
            runs["python"].append(wall([py, "-c", "pass"], runs["python_cpu"]))
        m = {k: round(statistics.median(v), 3) for k, v in runs.items()}
        emit({"bench": "startup", "reps": a.reps, **m},
             [("login_painted_wall", m["login_wall"], m["bare_wall"], "s"),
              ("login_painted_cpu", m["login_cpu"], m["bare_cpu"], "s"),
              ("cli_help", m["help"], m["python"], "s"), ("cli_search_nguyen", m["search"], m["python"], "s"),
              ("cli_help_cpu", m["help_cpu"], m["python_cpu"], "s"),
              ("cli_search_nguyen_cpu", m["search_cpu"], m["python_cpu"], "s")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
