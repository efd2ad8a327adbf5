"""Scanned-page images for the tests (a JPEG page of A4 proportions)."""

from __future__ import annotations

from PIL import Image


def jpeg(path, color=(120, 10, 10), dpi=150):
    Image.new("RGB", (620, 877), color).save(path, "JPEG", dpi=(dpi, dpi))
    return path


def blank_pdf(pages: int = 1, size: tuple[int, int] = (200, 200), *, pad: int = 0, title: str = "") -> bytes:
    """A PDF of blank pages (pikepdf). `pad` bytes of metadata make it larger; `title` makes its bytes its own."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=size)
    if pad or title:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            if title:
                meta["dc:title"] = title
        if pad:
            pdf.docinfo["/Padding"] = "x" * pad
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
