"""Số hóa: 300-dpi JPEG pages from files to a stored PDF, against bare img2pdf, and OCR seconds per page.

Ours: check every file (load_file), one PDF per document (img2pdf, JPEGs unchanged), SHA-256, the blob written
with fsync, and the blob row + `document_scanned` event in one SQLite transaction (synchronous=FULL).
Bare: img2pdf.convert on the same files and a plain write of the PDF (and the same with fsync of the file and
its folder, since our blob must be durable before the event naming it commits). Target: at least 20 pages/s,
within 1.5× bare img2pdf with that durability.

    .venv/bin/python bench/scan.py [--pages 60] [--per-doc 10] [--ocr-pages 2] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (bench/queue.py is not the stdlib queue)

import img2pdf  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from bench._results import emit  # noqa: E402
import counter.printing  # noqa: E402
from counter.services import digitize  # noqa: E402
from counter.services.dossiers import default_papers, receive_in  # noqa: E402
from counter.domain.intake import Applicant, ReceiveRequest  # noqa: E402
from tests.conftest import actor_for, make_store  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "scan-pages"
LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TỜ KHAI ĐĂNG KÝ KHAI SINH",
         "Kính gửi: Ủy ban nhân dân xã Phục Linh", "Họ, chữ đệm, tên người yêu cầu: Nguyễn Văn An",
         "Nơi cư trú: Thôn 2, xã Phục Linh, tỉnh Thái Nguyên", "Quan hệ với người được khai sinh: cha",
         "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:", "Ngày, tháng, năm sinh: 01/11/2026",
         "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật."]


def make_pages(n: int) -> list[Path]:
    """A4 pages at 300 dpi with printed text and scanner noise, as JPEG (cached under bench/out)."""
    OUT.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(str(Path(counter.printing.__file__).parent / "fonts" / "DejaVuSans.ttf"), 42)
    paths = []
    rng = random.Random(5)
    for i in range(n):
        path = OUT / f"page-{i:03d}.jpg"
        paths.append(path)
        if path.exists():
            continue
        im = Image.new("L", (2480, 3508), 250)
        d = ImageDraw.Draw(im)
        y = 250
        for k in range(48):
            d.text((200, y), f"{LINES[(i + k) % len(LINES)]} — trang {i + 1}, dòng {k + 1}", font=font, fill=20)
            y += 64
        for _ in range(3000):  # dust
            x, yy = rng.randrange(2480), rng.randrange(3508)
            d.point((x, yy), fill=rng.randrange(120, 220))
        im.save(path, "JPEG", quality=85, dpi=(300, 300))
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--per-doc", type=int, default=10)
    ap.add_argument("--ocr-pages", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    pages = make_pages(a.pages)
    docs = [pages[i:i + a.per_doc] for i in range(0, len(pages), a.per_doc)]
    mb = sum(p.stat().st_size for p in pages) / 1e6
    tmp = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    try:
        store = make_store(tmp / "store")
        clerk = actor_for(store, "canbo")
        codes = []
        with store.write() as s:
            for _ in docs:
                codes.append(receive_in(s, clerk, ReceiveRequest("1.001193", Applicant("Nguyễn Văn An"),
                                                                 default_papers(s, "1.001193")),
                                        store.clock.now()).code)
        bare_dir = tmp / "bare"
        bare_dir.mkdir()

        def bare(durable: bool = False) -> float:
            t = time.perf_counter()
            for i, doc in enumerate(docs):
                data = img2pdf.convert([str(p) for p in doc])
                with open(bare_dir / f"{i}{'d' if durable else ''}.pdf", "wb") as fh:
                    fh.write(data)
                    if durable:
                        fh.flush()
                        os.fsync(fh.fileno())
                if durable:  # the same durability as a blob's: the file's new name in its folder too
                    fd = os.open(bare_dir, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
            return time.perf_counter() - t

        def ours(position: int) -> float:
            t = time.perf_counter()
            for code, doc in zip(codes, docs):
                digitize.save_pages(store, clerk, code, position, digitize.import_pages(doc))
            return time.perf_counter() - t

        for p in pages:  # warm the page cache for both sides alike
            p.read_bytes()
        t_bare, t_bare_durable, t_ours = bare(), bare(True), ours(1)  # warm-up round (imports, first folders)
        for r in range(a.rounds):  # interleaved, the best of each: other processes load the machine in bursts
            shutil.rmtree(store.blob_dir)  # the same PDFs again must be written again, not skipped as known
            t_bare = min(t_bare, bare())
            t_bare_durable = min(t_bare_durable, bare(True))
            t_ours = min(t_ours, ours(1 + r % 2))
        ocr_s = None
        if a.ocr_pages and shutil.which("tesseract"):
            from counter.scanning.ocr import ocr_image

            t = time.perf_counter()
            for p in pages[:a.ocr_pages]:
                ocr_image(p.read_bytes())
            ocr_s = round((time.perf_counter() - t) / a.ocr_pages, 2)
        n = len(pages)
        emit({
            "bench": "scan", "pages": n, "per_doc": a.per_doc, "mb": round(mb, 1), "dpi": 300,
            "ours_pages_per_s": round(n / t_ours, 1), "bare_img2pdf_pages_per_s": round(n / t_bare, 1),
            "ratio": round(t_ours / t_bare, 2), "target_pages_per_s": 20, "target_ratio": 1.5,
            # the blob must be on disk before the event that names it commits: the same write with fsync
            "bare_img2pdf_fsync_pages_per_s": round(n / t_bare_durable, 1),
            "ratio_vs_fsync": round(t_ours / t_bare_durable, 2),
            "ocr_s_per_page": ocr_s, "ocr_threads": os.environ.get("OMP_THREAD_LIMIT", "1"),
        }, [("scan_to_pdf", round(t_ours, 3), round(t_bare_durable, 3), "s")])
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
