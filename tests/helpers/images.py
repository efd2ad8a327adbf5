"""Scanned-page images for the tests (a JPEG page of A4 proportions)."""

from __future__ import annotations

from PIL import Image


def jpeg(path, color=(120, 10, 10), dpi=150):
    Image.new("RGB", (620, 877), color).save(path, "JPEG", dpi=(dpi, dpi))
    return path
