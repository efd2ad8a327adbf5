"""Online dossiers on a station store for the tests: a `registered` event with uploaded files (FileRefs) whose
bytes are in the station's blob store (or left out, to test the fetch)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from counter.domain.intake import Applicant
from counter.services.blobs import blob_store
from counter.services.dossiers import register_online_in
from counter.services.store import Actor, Store

BIRTH_FORM = "Tờ khai đăng ký khai sinh"
BIRTH_CERT = "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)"


def pdf_bytes(pages: int = 1, text: str = "") -> bytes:
    """A real PDF of `pages` pages (a dark box on the first, so its preview draws something)."""
    img = Image.new("RGB", (300, 420), "white")
    for x in range(60, 240):
        for y in range(60, 120):
            img.putpixel((x, y), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PDF", save_all=pages > 1, append_images=[img] * (pages - 1))
    return buf.getvalue() + text.encode()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def file_ref(data: bytes, name: str, paper: str | None, mime: str = "application/pdf", pages: int = 1) -> dict:
    return {"sha256": hashlib.sha256(data).hexdigest(), "name": name, "mime": mime, "size": len(data),
            "pages": pages, "paper": paper}


def online_dossier(store: Store, actor: Actor, name: str = "Nguyễn Thị Mai", *, files: list[tuple[bytes, str,
                   str | None]] | None = None, keep_blobs: bool = True, assisted: bool = False, at=None) -> str:
    """A status-1 online dossier of procedure 1.001193 with uploaded files (bytes, file name, paper)."""
    if files is None:
        files = [(pdf_bytes(1), "to-khai.pdf", BIRTH_FORM), (pdf_bytes(2, "x"), "chung-sinh.pdf", BIRTH_CERT)]
    refs = []
    for data, fname, paper in files:
        mime = "image/png" if fname.endswith(".png") else "application/pdf"
        refs.append(file_ref(data, fname, paper, mime))
        if keep_blobs:
            blob_store(store).put(data)
    at = at or store.clock.now()
    with store.write() as s:
        owner = Applicant(name=name, id_number="001203004567", phone="0912345678", email="mai@example.vn",
                          address="Thôn 2, xã Phục Linh", birth_date="1990-05-04")
        return register_online_in(s, actor, "1.001193", owner, at, files=refs, assisted=assisted).code
