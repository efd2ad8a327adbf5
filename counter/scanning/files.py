"""Pages from files (scanned, dropped in the watched folder, or imported) and one PDF per document.

A page is one JPEG/PNG image or one page of a PDF. Files are checked by their content (not their name): a
corrupt or foreign file raises PageError with a Vietnamese message. JPEG pages go into the PDF as they are
(img2pdf embeds the JPEG stream, no re-compression); PDF pages are joined with pikepdf (img2pdf's own PDF library).
"""

from __future__ import annotations

import contextlib
import io
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from counter.domain.errors import CounterError, unreadable

MAX_FILE_BYTES = 200 * 1024 * 1024


class PageError(CounterError):
    """A file that cannot become a page (message in Vietnamese)."""


@dataclass(frozen=True)
class Page:
    path: Path
    kind: str  # jpeg | png | pdf
    index: int = 0  # page number inside a PDF (from 0)
    width: int = 0  # pixels (images) or points (PDF pages)
    height: int = 0
    dpi: int = 0  # 0 = unknown (PDF pages, images without a density)
    size: int = 0  # bytes of the file
    source: str = "tệp"  # máy quét | thư mục quét | tệp

    @property
    def mm(self) -> tuple[int, int] | None:
        if self.kind == "pdf":
            return round(self.width * 25.4 / 72), round(self.height * 25.4 / 72)
        if self.dpi:
            return round(self.width * 25.4 / self.dpi), round(self.height * 25.4 / self.dpi)
        return None

    def short(self) -> str:
        """A few words for a list row: kind, paper size, resolution, file size."""
        mm = self.mm
        paper = f" {mm[0]}×{mm[1]}mm" if mm else f" {self.width}×{self.height}px"
        what = f"PDF tr.{self.index + 1}" if self.kind == "pdf" else self.kind.upper()
        return f"{what}{paper}" + (f" {self.dpi}dpi" if self.dpi else "") + f" {human_size(self.size)}"

    def describe(self) -> str:
        """One line for the text preview: kind, size in pixels and mm, resolution, file size."""
        mm = self.mm
        paper = f" ≈ {mm[0]}×{mm[1]} mm" if mm else ""
        if self.kind == "pdf":
            what = f"PDF trang {self.index + 1}{paper}"
        else:
            what = f"{self.kind.upper()} {self.width}×{self.height} px{paper}" + (f", {self.dpi} dpi" if self.dpi else "")
        return f"{what}, {human_size(self.size)}"


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB".replace(".", ",")
    return f"{n / 1024 / 1024:.1f} MB".replace(".", ",")


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    return None


def load_file(path: Path | str, source: str = "tệp") -> list[Page]:
    """The pages of one file, checked: raises PageError for a missing, empty, corrupt or foreign file."""
    path = Path(path)
    name = path.name
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):  # /dev/zero, a FIFO, a terminal: reading would never end
            raise PageError(f"“{path}” không phải một tệp thường (thiết bị hoặc ống dẫn): chỉ nhận tệp ảnh quét "
                            "JPEG, PNG hoặc PDF.")
        size = st.st_size
        with open(path, "rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, size - 32))
            tail = fh.read()
    except OSError as exc:
        raise PageError(unreadable(exc, path)) from None
    if size == 0:
        raise PageError(f"Tệp “{name}” rỗng (0 byte).")
    if size > MAX_FILE_BYTES:
        raise PageError(f"Tệp “{name}” quá lớn ({human_size(size)}; tối đa {human_size(MAX_FILE_BYTES)}).")
    kind = sniff(head)
    if kind is None:
        raise PageError(f"Tệp “{name}” không phải ảnh JPEG/PNG hay tệp PDF: chỉ nhận ảnh quét JPEG, PNG hoặc PDF.")
    if kind == "pdf":
        return _pdf_pages(path, size, source)
    # truncated images are the common corruption (a copy or a network drop cut short): check the end marker
    if kind == "jpeg" and b"\xff\xd9" not in tail:
        raise PageError(f"Ảnh “{name}” bị hỏng hoặc chưa ghi xong (thiếu phần cuối tệp JPEG).")
    if kind == "png" and b"IEND" not in tail:
        raise PageError(f"Ảnh “{name}” bị hỏng hoặc chưa ghi xong (thiếu phần cuối tệp PNG).")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height = im.size
            dpi = im.info.get("dpi") or im.info.get("jfif_density")
            if kind == "png":
                im.verify()  # CRCs of every chunk: cheap for PNG
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PageError(f"Ảnh “{name}” bị hỏng, không đọc được ({exc}).") from None
    if width < 16 or height < 16:
        raise PageError(f"Ảnh “{name}” quá nhỏ ({width}×{height} điểm ảnh), không phải trang giấy quét.")
    d = round(float(dpi[0])) if dpi and dpi[0] else 0
    return [Page(path, kind, 0, width, height, d if d > 1 else 0, size, source)]


def _pdf_pages(path: Path, size: int, source: str) -> list[Page]:
    import pikepdf

    locked = PageError(f"Tệp PDF “{path.name}” có mật khẩu: mở khóa rồi nhập lại.")
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise locked
            pages = []
            for i, p in enumerate(pdf.pages):
                x0, y0, x1, y1 = (float(v) for v in p.mediabox)
                pages.append(Page(path, "pdf", i, round(abs(x1 - x0)), round(abs(y1 - y0)), 0, size, source))
    except PageError:
        raise
    except pikepdf.PasswordError:
        raise locked from None
    except (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PageError(f"Tệp PDF “{path.name}” bị hỏng, không đọc được ({type(exc).__name__}).") from None
    if not pages:
        raise PageError(f"Tệp PDF “{path.name}” không có trang nào.")
    return pages


def load_files(paths: Iterable[Path | str], source: str = "tệp") -> list[Page]:
    """Every file checked before any is used: one bad file stops the whole import."""
    pages: list[Page] = []
    for path in paths:
        pages.extend(load_file(path, source))
    return pages


def _image_bytes(page: Page) -> bytes:
    data = page.path.read_bytes()
    if page.kind == "png" and len(data) > 25 and data[25] in (4, 6):  # IHDR colour type with alpha
        from PIL import Image  # img2pdf refuses alpha: flatten on white (lossless, PNG stays PNG)

        with Image.open(io.BytesIO(data)) as im:
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", im.size, "white")
            flat.paste(rgba, mask=rgba.split()[-1])
            out = io.BytesIO()
            flat.save(out, "PNG", **({"dpi": (page.dpi, page.dpi)} if page.dpi else {}))
            return out.getvalue()
    return data


def build_pdf(pages: list[Page]) -> tuple[bytes, int]:
    """One PDF of the pages in order, and its page count. JPEGs are embedded unchanged (img2pdf). No date and
    no random id: the same pages give the same bytes, so a paper stored by its SHA-256 is stored once."""
    if not pages:
        raise PageError("Chưa có trang nào để lưu.")
    import img2pdf

    try:
        if all(p.kind != "pdf" for p in pages):
            return img2pdf.convert([_image_bytes(p) for p in pages], nodate=True, engine=img2pdf.Engine.internal), len(pages)
        import pikepdf

        with contextlib.ExitStack() as opened:
            writer = opened.enter_context(pikepdf.new())
            readers: dict[Path, pikepdf.Pdf] = {}
            run: list[Page] = []

            def flush() -> None:
                if run:
                    images = io.BytesIO(img2pdf.convert([_image_bytes(x) for x in run], nodate=True))
                    writer.pages.extend(opened.enter_context(pikepdf.open(images)).pages)
                    run.clear()

            for page in pages:
                if page.kind == "pdf":
                    flush()
                    if page.path not in readers:
                        readers[page.path] = opened.enter_context(pikepdf.open(page.path))
                    writer.pages.append(readers[page.path].pages[page.index])
                else:
                    run.append(page)
            flush()
            out = io.BytesIO()
            writer.save(out, deterministic_id=True)  # the same pages, the same bytes (stored once)
            return out.getvalue(), len(pages)
    except PageError:
        raise
    except FileNotFoundError as exc:
        raise PageError(f"Trang đã chọn không còn: không tìm thấy tệp “{exc.filename}”.") from None
    except Exception as exc:  # img2pdf/pikepdf raise many kinds; the clerk needs one clear line
        raise PageError(f"Không ghép được các trang thành PDF: {type(exc).__name__}: {exc}") from None


def thumbnail(page: Page, cols: int = 17, rows: int = 12) -> list[list[tuple[tuple[int, int, int], tuple[int, int, int]]]]:
    """The page shrunk to cols × (2·rows) pixels, as (top, bottom) RGB pairs per terminal cell (half blocks).

    Images only (a PDF page gives []): JPEGs are decoded at a reduced scale (draft mode), so this stays cheap."""
    if page.kind == "pdf":
        return []
    from PIL import Image

    with Image.open(page.path) as im:
        if page.kind == "jpeg":
            im.draft("RGB", (cols * 8, rows * 16))
        small = im.convert("RGB")
        small.thumbnail((cols, rows * 2))
        w, h = small.size
        rgb: list[tuple[int, int, int]] = list(small.getdata())  # RGB: a 3-tuple a pixel, row by row
        return [[(rgb[y * w + x], rgb[(y + 1) * w + x]) for x in range(w)] for y in range(0, h - 1, 2)]
