"""Layout documents to PDF with reportlab (A5 forms, A4 ledgers), DejaVu Sans embedded for every Vietnamese mark."""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle

from counter.printing.layout import QR, Document, Field, Header, Note, Para, Signatures, Table, Title

FONTS = Path(__file__).parent / "fonts"
PAPERS = {"A5": A5, "A4": A4, "A4-landscape": landscape(A4)}  # landscape: the ledger (Mẫu 07)
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@lru_cache(maxsize=64)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of a text (error correction M); both copies of a receipt share one computation."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


class QRFlowable(Flowable):
    """A QR code drawn as vector runs of dark modules (fast, sharp at any printer resolution)."""

    def __init__(self, data: str, side: float):
        super().__init__()
        self.matrix = qr_matrix(data)
        self.width = self.height = side

    def draw(self) -> None:
        n = len(self.matrix)
        cell = self.width / n
        c = self.canv
        c.setFillColor(colors.black)
        for y, row in enumerate(self.matrix):
            x = 0
            while x < n:
                if row[x]:
                    start = x
                    while x < n and row[x]:
                        x += 1
                    c.rect(start * cell, (n - 1 - y) * cell, (x - start) * cell, cell, stroke=0, fill=1)
                x += 1


#: held while a PDF is built (render_pdf)
_RENDERING = threading.Lock()


@lru_cache(maxsize=1)
def _fonts() -> None:
    rl_config.useA85 = 0  # binary streams: smaller files, no slow ASCII85 pass
    pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVu-Oblique", str(FONTS / "DejaVuSans-Oblique.ttf")))
    pdfmetrics.registerFontFamily("DejaVu", normal="DejaVu", bold="DejaVu-Bold", italic="DejaVu-Oblique",
                                  boldItalic="DejaVu-Bold")


@lru_cache(maxsize=8)
def _styles(size: float) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName="DejaVu", fontSize=size, leading=size * 1.3)
    return {
        "base": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "bold_center": ParagraphStyle("bc", parent=base, fontName="DejaVu-Bold", alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontName="DejaVu-Bold", fontSize=size + 3,
                                leading=(size + 3) * 1.3, alignment=TA_CENTER, spaceBefore=size),
        "note": ParagraphStyle("note", parent=base, fontSize=size - 1.5, leading=(size - 1.5) * 1.25,
                               alignment=TA_JUSTIFY, fontName="DejaVu-Oblique", spaceBefore=size / 2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=size - 1, leading=(size - 1) * 1.2),
        "cell_head": ParagraphStyle("ch", parent=base, fontSize=size - 1, leading=(size - 1) * 1.2,
                                    fontName="DejaVu-Bold", alignment=TA_CENTER),
    }


CELL_PADDING = 6  # reportlab's default left + right padding of a table cell, each side


def column_widths(columns: tuple[str, ...], weights: tuple[float, ...], width: float,
                  style: ParagraphStyle, rows: tuple[tuple[str, ...], ...] = (),
                  cell_style: ParagraphStyle | None = None) -> list[float]:
    """Split the width by the weights, but never narrower than a column's longest word: a header or a cell
    wraps between words, never inside one ("Người nhận", not "Ngườ/i nhận"; "AA-26P", not "AA-26/P"). When
    the cells' words cannot all fit, the headers' still do. The room the narrow columns take comes from the
    others, in proportion to what each has to spare."""
    total = sum(weights)
    widths = [width * w / total for w in weights]

    def longest(texts: list[str], st: ParagraphStyle) -> float:
        return max((stringWidth(word, st.fontName, st.fontSize) for t in texts for word in t.split()), default=0)

    heads = [longest([c], style) + 2 * CELL_PADDING + 0.5 for c in columns]
    cells = [max(h, longest([r[i] for r in rows if i < len(r)], cell_style or style) + 2 * CELL_PADDING + 0.5)
             for i, h in enumerate(heads)]
    floor = cells if sum(cells) <= width else heads
    if sum(floor) > width:  # cannot be helped at this size: keep the weights
        return widths
    for _ in range(len(widths)):
        short = sum(f - w for w, f in zip(widths, floor) if w < f)
        if short <= 0:
            break
        widths = [max(w, f) for w, f in zip(widths, floor)]
        spare = [w - f for w, f in zip(widths, floor)]
        room = sum(spare)
        widths = [w - short * s / room for w, s in zip(widths, spare)]
    return widths


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _cells(row: tuple[str, ...], struck: bool, st: dict[str, ParagraphStyle]) -> list[Paragraph]:
    """One table row's cells; a struck row (a voided dossier) draws a line through every word."""
    if not struck:
        return [_p(c, st["cell"]) for c in row]
    return [Paragraph("<strike>" + escape(c).replace("\n", "<br/>") + "</strike>", st["cell"]) if c else
            _p(c, st["cell"]) for c in row]


def _flowables(doc: Document, width: float, st: dict[str, ParagraphStyle]) -> list:
    out: list = []
    for b in doc.blocks:
        if isinstance(b, Header):
            left = [_p(line, st["bold_center"]) for line in b.agency_lines] + [_p(b.number, st["center"])]
            right = [_p(MOTTO[0], st["bold_center"]), _p(MOTTO[1], st["bold_center"]),
                     Paragraph(f"<i>{escape(b.place_date)}</i>", st["center"])]
            t = RLTable([[left, right]], colWidths=[width * 0.45, width * 0.55])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            out.append(t)
        elif isinstance(b, Title):
            out.append(_p(b.text, st["title"]))
            if b.subtitle:
                out.append(Paragraph(f"<i>{escape(b.subtitle)}</i>", st["center"]))
            out.append(Spacer(1, 2 * mm))
        elif isinstance(b, Para):
            text = escape(b.text)
            text = f"<b>{text}</b>" if b.bold else text
            text = f"<i>{text}</i>" if b.italic else text
            out.append(Paragraph(text, st["center"] if b.center else st["base"]))
        elif isinstance(b, Field):
            out.append(Paragraph(f"{escape(b.label)}: <b>{escape(b.value)}</b>" if b.value else
                                 f"<b>{escape(b.label)}</b>", st["base"]))
        elif isinstance(b, Table):
            data = [[_p(c, st["cell_head"]) for c in b.columns]] + [_cells(row, i in b.struck, st)
                                                                   for i, row in enumerate(b.rows)]
            t = RLTable(data, colWidths=column_widths(b.columns, b.widths, width, st["cell_head"], b.rows, st["cell"]),
                        repeatRows=1)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                   ("ALIGN", (2, 1), (-1, -1), "CENTER")]))
            out += [Spacer(1, 1 * mm), t, Spacer(1, 1 * mm)]
        elif isinstance(b, QR):
            side = 24 * mm
            t = RLTable([[QRFlowable(b.data, side), _p(b.caption, st["cell"])]], colWidths=[side + 4 * mm, width - side - 4 * mm])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
            out.append(KeepTogether([Spacer(1, 2 * mm), t]))
        elif isinstance(b, Signatures):
            cells = [[_p(pair[0], st["bold_center"]), _p(pair[1], st["center"])] if pair else ""
                     for pair in (b.left, b.right)]
            t = RLTable([cells], colWidths=[width / 2, width / 2])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            out.append(KeepTogether([Spacer(1, 2 * mm), t, Spacer(1, 4 * mm)]))
        elif isinstance(b, Note) and b.text.startswith(SIGNATURE_NOTE):
            out.append(SignatureNote(escape(b.text), st["note"]))
        elif isinstance(b, Note):
            out.append(_p(b.text, st["note"]))
    return out


#: the note every form prints for the e-signature (forms.DIGITAL_SIGNATURE): an empty signature field goes with it
SIGNATURE_NOTE = "Chữ ký số"
SIGNATURE_FIELD = "ChuKySo"  # the fields' names: ChuKySo1, ChuKySo2 … (counter/signing signs into the last one)
SIGNATURE_BOX = (200.0, 48.0)  # points: the visible signature


class SignatureNote(Paragraph):
    """The form's “Chữ ký số …” note and, just under it, an empty signature field (PDF /Sig widget, nothing
    printed) for the official's visible signature; when the page has no room below, on the note's line right of
    its words. counter/signing signs into the field, so nothing has to find the note in the PDF again."""

    def draw(self) -> None:
        super().draw()
        from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFString

        c = self.canv
        page_w = float(c._pagesize[0])
        x, bottom = c.absolutePosition(0, 0)  # the note's lower left corner, on the page
        w, h = SIGNATURE_BOX
        x1 = max(8.0, min(x, page_w - w - 8))
        top = bottom - 2
        if top - h < 4:  # no room under the note: on its line, right of its words, to the margin
            text_w = max(self.getActualLineWidths0() or [0.0])
            x1 = min(x + text_w + 8, page_w - 150)
            rect = (x1, 3.0, page_w - 6, max(bottom + 10, 30.0))
        else:
            rect = (x1, top - h, x1 + w, top)
        form = c.acroForm
        form.sigFlags = 1  # the document has signature fields
        field = PDFDictionary({"FT": PDFName("Sig"), "Type": PDFName("Annot"), "Subtype": PDFName("Widget"),
                               "Rect": PDFArray([round(v, 2) for v in rect]), "F": 4,
                               "T": PDFString(f"{SIGNATURE_FIELD}{len(form.fields) + 1}"), "P": c._doc.thisPageRef()})
        c._addAnnotation(field)
        form.fields.append(form.getRef(field))


FIT_SIZES = (8, 7.5, 7)  # an A5 form that overflows its page is set again in these sizes, the first that fits


def _build(docs: list[Document], size: tuple[float, float], margin: float, font_sizes: list[float]) -> tuple[bytes, int]:
    buf = io.BytesIO()
    tpl = SimpleDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=docs[0].blocks[1].text if docs and len(docs[0].blocks) > 1
                            and isinstance(docs[0].blocks[1], Title) else "counter", author="counter",
                            invariant=1)
    story: list = []
    for i, (doc, font_size) in enumerate(zip(docs, font_sizes)):
        if i:
            story.append(PageBreak())
        story += _flowables(doc, size[0] - 2 * margin, _styles(font_size))
    tpl.build(story)
    return buf.getvalue(), tpl.page


def render_pdf(docs: list[Document], paper: str = "A5") -> bytes:
    """Each document starts on a new page of the given size (A5 for forms, A4 for ledgers or on request).
    An A5 form that would spill onto a second page (a long office name, many papers) is set a little smaller
    so that each copy stays one sheet; one that cannot fit even so keeps the normal size and runs on.
    One render at a time: reportlab's fonts keep the subsets of the documents being built in shared state,
    and two prints at once (a fee receipt beside a Mẫu 01) broke one of them (IndexError)."""
    with _RENDERING:
        return _render_pdf(docs, paper)


def _render_pdf(docs: list[Document], paper: str) -> bytes:
    _fonts()
    size = PAPERS[paper]
    margin = 8 * mm if paper == "A5" else 10 * mm if paper == "A4-landscape" else 15 * mm
    base = 8.5 if paper == "A5" else 8 if paper == "A4-landscape" else 10.5
    pdf, pages = _build(docs, size, margin, [base] * len(docs))
    if paper != "A5" or pages <= len(docs):
        return pdf
    fitted = []
    for doc in docs:
        fitted.append(next((s for s in (base, *FIT_SIZES) if _build([doc], size, margin, [s])[1] == 1), base))
    return _build(docs, size, margin, fitted)[0]
