"""The longest event-loop stall while each screen's main action runs, driven by Textual's pilot on a demo store
(target: under 100 ms each; a bench, not a timed test). A probe task on the app's loop asks to wake every 5 ms
and keeps how late it woke: the UI thread held that long, nothing could be drawn or typed. Prints one JSON line.

    .venv/bin/python bench/ui_stall.py
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/

from bench._results import emit  # noqa: E402
from counter.app import build_app  # noqa: E402
from counter.services.store import Store  # noqa: E402
from tests.helpers.pilot import login, search, settle  # noqa: E402

TICK = 0.005


class Probe:
    def __init__(self) -> None:
        self.worst = 0.0
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, time.perf_counter() - t - TICK)

    def reset(self) -> float:
        worst, self.worst = self.worst, 0.0
        return round(worst * 1000, 1)


async def drive(store: Store) -> dict[str, float]:
    app = build_app(store)
    out: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        probe = Probe()
        probe.task = asyncio.get_running_loop().create_task(probe.run())
        await settle(app, pilot)
        out["login_screen"] = probe.reset()
        await login(app, pilot, "canbo", "canbo123")
        out["login"] = probe.reset()
        for key, name in (("f7", "search"), ("f2", "receive"), ("f3", "scan"), ("f4", "progress"),
                          ("f5", "return"), ("f6", "mywork")):
            await pilot.press(key)
            await settle(app, pilot)
            if name == "search":
                await search(app, pilot, "nguyen")
            await pilot.pause(0.1)
            out[name] = probe.reset()
        await pilot.press("ctrl+p")  # the command palette
        await settle(app, pilot)
        await pilot.press("escape")
        out["palette"] = probe.reset()
        probe.task.cancel()
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-stall-"))
    try:
        subprocess.run([sys.executable, "-m", "counter", "demo", "--data-dir", str(tmp / "demo")], check=True,
                       capture_output=True, timeout=300)
        store = Store.open(tmp / "demo")
        stalls = asyncio.run(drive(store))
        store.close()
        emit({"bench": "ui_stall", "stall_ms": stalls},
             [("ui_stall_max", max(stalls.values()), None, "ms"),
              *((f"ui_stall_{k}", v, None, "ms") for k, v in stalls.items())])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
