"""OCR with tesseract (`vie` model), one thread per process (OMP_THREAD_LIMIT=1): its text only feeds search.

ID numbers never come from OCR: they come from the citizen's card QR (domain.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from counter.domain.errors import CounterError


class OcrError(CounterError):
    pass


def available(lang: str = "vie") -> bool:
    exe = shutil.which("tesseract")
    if exe is None:
        return False
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False).stdout
    return lang in out.split()


def ocr_image(data: bytes, lang: str = "vie", timeout: float = 120) -> str:
    """Text of one page image (JPEG/PNG bytes)."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrError("Chưa cài tesseract: tắt OCR (ocr = false trong mục [scanner]) hoặc cài tesseract-ocr-vie.")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run([exe, "stdin", "stdout", "-l", lang, "--psm", "3"], input=data,
                              capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise OcrError("Nhận dạng chữ (OCR) quá lâu, đã bỏ qua trang này.") from None
    if proc.returncode != 0:
        raise OcrError(f"OCR lỗi: {proc.stderr.decode('utf-8', 'replace').strip().splitlines()[-1:]}")
    return proc.stdout.decode("utf-8", "replace")


def ocr_pdf(path: Path, lang: str = "vie", dpi: int = 200, timeout: float = 300) -> str:
    """Text of a stored PDF: its text layer if it has one (pdftotext), else each page rendered (pdftoppm) and
    OCR'd."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    texts = []
    for i in range(count):
        text = ""
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(i + 1), "-l", str(i + 1), str(path), "-"],
                                  capture_output=True, timeout=timeout, check=False).stdout.decode("utf-8", "replace").strip()
        if not text and shutil.which("pdftoppm"):
            png = subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(i + 1), "-l", str(i + 1), str(path)],
                                 capture_output=True, timeout=timeout, check=False).stdout
            text = ocr_image(png, lang, timeout) if png else ""
        texts.append(text)
    return "\n".join(texts)
