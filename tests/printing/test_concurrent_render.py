"""Two prints at once (a fee receipt while Mẫu 01 prints, two clerks' jobs on the server) each get their own
PDF, the same bytes as printed alone: reportlab keeps the font subsets of the documents it is building in shared
state, and concurrent builds raised IndexError/KeyError or, worse, printed one form with another's glyphs."""

from __future__ import annotations

import threading

from counter.printing.pdf import render_pdf
from tests.helpers.printing import every_form

THREADS, RENDERS = 6, 30


def test_pdfs_rendered_in_several_threads_at_once_are_the_ones_rendered_alone():
    forms = list(every_form().items())
    alone = {name: render_pdf(docs) for name, docs in forms}
    problems: list[str] = []

    def prints(start: int) -> None:
        for j in range(RENDERS):
            name, docs = forms[(start + j) % len(forms)]
            try:
                if render_pdf(docs) != alone[name]:  # invariant PDFs: the same document, the same bytes
                    problems.append(f"{name}: other bytes than alone")
            except Exception as exc:  # each failure is a finding, reported below
                problems.append(f"{name}: {exc!r}")

    threads = [threading.Thread(target=prints, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
