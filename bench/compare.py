"""Prints issue 21's table from bench/results/: each figure's ours, bare, ratio, target and whether it is met,
one column group per run (the newest runs last), with each run's load average.

    .venv/bin/python bench/compare.py [--runs 2] [FILE.jsonl ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

# figure -> (what the issue calls it, the target as text, met?(ours, bare))
TARGETS: dict[str, tuple[str, str, object]] = {
    "name_search_p99": ("name search p99, 1M", "< 10 ms", lambda o, b: o < 10),
    "sync_push_events_per_s": ("sync push into PostgreSQL", "≥ 4,000/s and ≥ 35% bare",
                               lambda o, b: o >= 4000 and b is not None and o >= 0.35 * b),
    "sync_push_server_cpu_per_event": ("server CPU per pushed event", "≤ 150 µs", lambda o, b: o <= 150),
    "receive_p50": ("receive p50, 1M", "≤ 2× bare", lambda o, b: b is not None and o <= 2 * b),
    "receive_p99": ("receive p99, 1M", "< 30 ms", lambda o, b: o < 30),
    "progress_p50": ("a progress step p50, 1M", "≤ 3× bare", lambda o, b: b is not None and o <= 3 * b),
    "receipt_pdf_p50": ("receipt PDF (two A5 copies) p50", "≤ 25 ms", lambda o, b: o <= 25),
    "escpos_p50": ("ESC/POS job p50", "≤ 25 ms", lambda o, b: o <= 25),
    "login_painted_wall": ("start to login painted (wall)", "< 1 s", lambda o, b: o < 1),
    "login_painted_cpu": ("start to login painted (CPU)", "< 0.6 s", lambda o, b: o < 0.6),
    "cli_search_nguyen": ("`counter search nguyen`", "≤ 0.4 s", lambda o, b: o <= 0.4),
    "cli_search_nguyen_cpu": ("`counter search nguyen` (CPU, as loaded machines go)", "≤ 0.4 s",
                              lambda o, b: o <= 0.4),
    "cli_help": ("`counter --help`", "≤ 0.3 s", lambda o, b: o <= 0.3),
    "cli_help_cpu": ("`counter --help` (CPU)", "≤ 0.3 s", lambda o, b: o <= 0.3),
    "scan_to_pdf": ("scan → stored PDF vs img2pdf+fsync", "≤ 1.5× bare", lambda o, b: b is not None and o <= 1.5 * b),
    "queue_first_page_p99": ("queue first page p99, 1M", "< 30 ms", lambda o, b: o < 30),
    "ui_stall_max": ("longest UI stall (any screen)", "< 100 ms", lambda o, b: o < 100),
}


def load(files: list[Path]) -> list[tuple[str, dict[str, dict]]]:
    runs = []
    for f in files:
        figs: dict[str, dict] = {}
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                figs[row["figure"]] = row  # a figure measured twice in a run: the last one
        runs.append((f.stem, figs))
    return runs


def newest(n: int) -> list[Path]:
    """The n runs measured last, oldest first: by the time their figures were written (the "at" of a run's last
    line), not by file name ("s29-a" sorts before "stspeed-mid") nor by mtime (a fresh clone sets them all)."""
    def last_at(f: Path) -> str:
        lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
        return json.loads(lines[-1]).get("at", "") if lines else ""

    return sorted(RESULTS.glob("*.jsonl"), key=lambda f: (last_at(f), f.name))[-n:]


def fmt(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}" if abs(x) < 1 else f"{x:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2, help="how many of the newest runs")
    ap.add_argument("files", nargs="*", type=Path)
    a = ap.parse_args()
    files = a.files or newest(a.runs)
    if not files:
        sys.exit("no results yet: make bench (or run a bench) first")
    runs = load(files)
    head = ["figure", "target"]
    for name, figs in runs:
        load_avg = next((r["loadavg"] for r in figs.values()), None)
        head += [f"ours {name}", "bare", "ratio", "met?"]
        print(f"# run {name}: load average {load_avg}")
    lines = [head, ["---"] * len(head)]
    names = list(TARGETS) + sorted({f for _, figs in runs for f in figs} - set(TARGETS))
    for fig in names:
        label, target, ok = TARGETS.get(fig, (fig, "", None))
        row = [label, target]
        for _, figs in runs:
            r = figs.get(fig)
            if r is None or r["ours"] is None:
                row += ["–", "–", "–", "–"]
                continue
            met = "" if ok is None else ("yes" if ok(r["ours"], r["bare"]) else "NO")  # type: ignore[operator]
            unit = r["unit"]
            row += [f"{fmt(r['ours'])} {unit}", fmt(r["bare"]), fmt(r["ratio"]), met]
        lines.append(row)
    for row in lines:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
