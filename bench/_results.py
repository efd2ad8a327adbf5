"""Every bench's figures as JSON lines in bench/results/: one file per run of `make bench` (BENCH_RUN names it;
a bench run alone gets a file of its own), one line per figure, with the machine's load average at that moment,
so that bench/compare.py can print ours against bare with the targets, and runs can be compared under load.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def run_file() -> Path:
    run = os.environ.get("BENCH_RUN") or time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return RESULTS / f"{run}.jsonl"


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent, capture_output=True,
                              text=True, timeout=5).stdout.strip() or None
    except OSError:
        return None


def emit(result: dict, figures: list[tuple[str, float | None, float | None, str]]) -> None:
    """Print the bench's one JSON line (as before) and append (figure, ours, bare, unit) lines to the run's file."""
    print(json.dumps(result, ensure_ascii=False), flush=True)
    RESULTS.mkdir(exist_ok=True)
    base = {"run": run_file().stem, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "bench": result.get("bench"), "loadavg": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(), "commit": _commit()}
    with run_file().open("a", encoding="utf-8") as f:
        for name, ours, bare, unit in figures:
            ratio = round(ours / bare, 3) if ours is not None and bare else None
            f.write(json.dumps({**base, "figure": name, "ours": ours, "bare": bare, "ratio": ratio, "unit": unit},
                               ensure_ascii=False) + "\n")
