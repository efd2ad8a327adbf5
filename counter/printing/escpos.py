"""Layout documents to ESC/POS for 80 mm thermal printers (python-escpos).

Thermal printers have no Vietnamese code page worth trusting, so text is drawn as a 1-bit image with DejaVu Sans;
the QR code uses the printer's own command (sharp and small).
"""

from __future__ import annotations

from functools import lru_cache

from escpos.printer import Dummy
from PIL import Image, ImageChops, ImageDraw, ImageFont

from counter.printing.layout import QR, Document, Field, Header, Note, Para, Signatures, Table, Title
from counter.printing.pdf import FONTS, MOTTO

DEFAULT_PROFILE = "TM-T20II"  # a common 80 mm printer: 576 dots at 203 dpi


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


BREAKS = "/.-?&=_"  # where a word too long for a line (a URL) may break: after one of these, else anywhere
SIGN_SPACE = 120  # dots (15 mm at 203 dpi) left blank under a signature's title to sign in


def _split_long(word: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Cut a word wider than the paper into pieces that fit, after a URL's separators where possible: every
    character is printed, none runs off the edge."""
    pieces: list[str] = []
    while font.getlength(word) > width:
        fit = 1
        while fit < len(word) and font.getlength(word[:fit + 1]) <= width:
            fit += 1
        cut = max((i + 1 for i in range(fit) if word[i] in BREAKS), default=fit)
        cut = cut if cut > fit // 2 else fit  # a separator near the start would waste the line
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; each word is measured once (kerning across words is negligible here). A word wider
    than the paper (a tracking URL) is split so that all of it is printed."""
    space = font.getlength(" ")
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for long_word in para.split(" "):
            for word in _split_long(long_word, font, width):
                w = font.getlength(word)
                if not line:
                    line, used = word, w
                elif used + space + w <= width:
                    line, used = f"{line} {word}", used + space + w
                else:
                    lines.append(line)
                    line, used = word, w
        lines.append(line)
    return lines


@lru_cache(maxsize=2048)
def _wrapped(text: str, size: int, bold: bool, width: int) -> tuple[str, ...]:
    """The lines a text wraps to, kept: most of a receipt (the header, the motto, the papers' names, the notes)
    is the same on every job."""
    return tuple(_wrap(text, _font(size, bold), width))


STRIP_TOP = 16  # dots above a line's top that its marks (Ộ, Ỹ) may reach


@lru_cache(maxsize=2048)
def _strip(text: str, size: int, bold: bool, center: bool, width: int) -> Image.Image:
    """One line drawn once on a band of the paper's width, with room above and below (STRIP_TOP) for marks and
    glyphs that reach past the line's height (combined with a logical AND, so nothing of a neighbour is wiped)."""
    font = _font(size, bold)
    img = Image.new("1", (width, STRIP_TOP + 2 * size + 4), 1)
    x = (width - font.getlength(text)) / 2 if center else 0
    ImageDraw.Draw(img).text((x, STRIP_TOP), text, font=font, fill=0)
    return img


class _Canvas:
    """Collects lines of text, then turns them into one image."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[tuple[str, int, bool, bool, int]] = []  # text, size, bold, centred, line height
        self.printed: list[str] = []  # every line of text, in order (what the paper shows; for tests)

    def add(self, text: str, size: int = 22, bold: bool = False, center: bool = False) -> None:
        for line in _wrapped(text, size, bold, self.width):
            self.lines.append((line, size, bold, center, int(size * 1.3)))
            self.printed.append(line)

    def gap(self, height: int = 13) -> None:
        self.lines.append(("", 10, False, False, height))
        self.printed.append("")

    def image(self) -> Image.Image | None:
        if not self.lines:
            return None
        height = sum(h for *_, h in self.lines) + 4
        img = Image.new("1", (self.width, height), 1)
        y = 2
        for text, size, bold, center, h in self.lines:
            if text:
                strip = _strip(text, size, bold, center, self.width)
                top = y - STRIP_TOP
                box = (0, max(0, top), self.width, min(height, top + strip.height))
                band = strip.crop((0, box[1] - top, self.width, box[3] - top))
                img.paste(ImageChops.logical_and(img.crop(box), band), box)
            y += h
        self.lines = []
        return img


def render_escpos(doc: Document, profile: str = DEFAULT_PROFILE, printed: list[str] | None = None) -> bytes:
    """The job's bytes; `printed`, if given, receives the lines of text as they wrap on the paper."""
    p = Dummy(profile=profile)
    width = p.profile.profile_data["media"]["width"]["pixels"]
    if not isinstance(width, int):
        raise ValueError(f"Hồ sơ máy in “{profile}” không cho biết khổ giấy (số điểm ảnh)")
    canvas = _Canvas(width)

    def flush() -> None:
        img = canvas.image()
        if img is not None:
            p.image(img, center=False)

    for b in doc.blocks:
        if isinstance(b, Header):
            for line in b.agency_lines:
                canvas.add(line, 20, bold=True, center=True)
            canvas.add(MOTTO[0], 20, bold=True, center=True)
            canvas.add(MOTTO[1], 20, bold=True, center=True)
            canvas.add(b.place_date, 18, center=True)
            canvas.add(b.number, 24, bold=True, center=True)
        elif isinstance(b, Title):
            canvas.gap()
            canvas.add(b.text, 26, bold=True, center=True)
            if b.subtitle:
                canvas.add(b.subtitle, 20, center=True)
            canvas.gap()
        elif isinstance(b, Para):
            canvas.add(b.text, 22, bold=b.bold, center=b.center)
        elif isinstance(b, Field):
            canvas.add(f"{b.label}: {b.value}" if b.value else b.label, 22)
        elif isinstance(b, Table):
            for row in b.rows:  # too narrow for a grid: one line per row, counts after the name
                counts = " · ".join(f"{h} {v}" for h, v in zip(b.columns[2:], row[2:]) if v not in ("0", ""))
                canvas.add(f"{row[0]}. {row[1]}" + (f" ({counts})" if counts else ""), 20)
        elif isinstance(b, QR):
            flush()
            p.set(align="center")
            p.qr(b.data, native=True, size=7)
            p.set(align="left")
            canvas.add(b.caption, 18, center=True)
        elif isinstance(b, Signatures):
            canvas.gap()
            for pair in (b.left, b.right):
                if pair:  # title, "(Ký và ghi rõ họ tên)", room to sign, then the printed name if any
                    note, _, name = pair[1].partition("\n\n")
                    canvas.add(pair[0], 20, bold=True, center=True)
                    canvas.add(note, 18, center=True)
                    if note.startswith("(Ký"):  # not under "Nơi nhận:" of Mẫu 04/05
                        canvas.gap(SIGN_SPACE)
                    if name.strip():
                        canvas.add(name.strip(), 18, center=True)
                    canvas.gap()
        elif isinstance(b, Note):
            canvas.add(b.text, 16)
    flush()
    p.cut()
    if printed is not None:
        printed += canvas.printed
    return p.output
