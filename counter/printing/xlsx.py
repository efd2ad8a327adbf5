"""The Mẫu 07 ledger as an XLSX workbook (openpyxl): Vietnamese headers, dates stored as real dates."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from counter.printing.ledger import COLUMNS, DATE_COLUMNS, TITLE, WIDTHS, Ledger, values

HEADER_ROW = 5  # rows 1-4: agency, title, period, blank
DATE_FORMAT = "DD/MM/YYYY"
POINTS_PER_CHAR = 4.5  # ledger.WIDTHS are points at 7 pt; a column width counts characters of the default font


def column_width(points: float) -> float:
    """The PDF's column width as a spreadsheet width: the same proportions, a date or a code still fits."""
    return max(5.0, round(points / POINTS_PER_CHAR, 1))


def fit_columns(sheet, cap: int, skip: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Each column as wide as its longest value (the cells below the first `skip` rows, e.g. a report's title
    lines), between 10 and `cap` characters."""
    for col in sheet.columns:
        sheet.column_dimensions[col[0].column_letter].width = max(10, min(cap, max(len(str(c.value or ""))
                                                                                   for c in col[skip:] or col) + 2))


def report_workbook(sheet_title: str, unit: str, heading: str):  # type: ignore[no-untyped-def]
    """A report's workbook and its first sheet (named `sheet_title`): the unit's name on row 1, the report's
    heading in bold on row 2."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append([unit])
    ws.append([heading])
    ws["A2"].font = Font(bold=True)
    return wb, ws


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


LINE_HEIGHT = 15.0  # points per line of the default 11 pt font
CHARS_PER_WIDTH = 1.2  # a width unit is one digit; text letters average narrower (measured in LibreOffice)


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a cell of this width wraps the text into (greedy, at spaces): spreadsheets do not size
    rows by wrapped text on their own, so the row heights are set from this."""
    room = max(1, int(width * CHARS_PER_WIDTH) - 1)
    lines, used = 1, 0
    for word in str(text).split():
        n = len(word)
        if used and used + 1 + n > room:
            lines, used = lines + 1, n
        else:
            used = used + 1 + n if used else n
        while used > room:  # a word longer than the column breaks where the column ends
            lines, used = lines + 1, used - room
    return lines


def _print_setup(ws, last_row: int) -> None:  # type: ignore[no-untyped-def]
    """A4 landscape, every column on one page width (as many pages down as the rows need), the header row
    repeated on each page, long cells wrapped inside their column."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: no limit on the number of pages down
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    widths = [column_width(w) for w in WIDTHS]
    for n, row in enumerate(ws.iter_rows(min_row=HEADER_ROW, max_row=last_row), start=HEADER_ROW):
        if n > HEADER_ROW:
            for c in row:
                c.alignment = Alignment(vertical="top", wrap_text=True)
        texts = [c.value.strftime("%d/%m/%Y") if hasattr(c.value, "strftime") else c.value or "" for c in row]
        ws.row_dimensions[n].height = LINE_HEIGHT * max(wrapped_lines(t, w) for t, w in zip(texts, widths))


def ledger_xlsx(led: Ledger) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "So theo doi ho so"
    last = get_column_letter(len(COLUMNS))
    ws["A1"] = led.parent_name or led.office_name
    ws["A1"].font = Font(bold=True)
    ws["A2"] = TITLE
    ws["A2"].font = Font(bold=True, size=14)
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    ws["A3"] = f"{led.office_name} — từ ngày {led.period.start:%d/%m/%Y} đến ngày {led.period.end:%d/%m/%Y}"
    ws["A3"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A3:{last}3")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, (label, width) in enumerate(zip(COLUMNS, WIDTHS), start=1):
        c = ws.cell(row=HEADER_ROW, column=i, value=label)
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = border
        ws.column_dimensions[get_column_letter(i)].width = column_width(width)
    for n, r in enumerate(led.rows, start=HEADER_ROW + 1):
        for i, v in enumerate(values(r)):
            c = ws.cell(row=n, column=i + 1, value=v)
            c.border = border
            if r.voided:  # issue 12: a voided dossier keeps its line, struck through
                c.font = Font(strike=True)
            if i in DATE_COLUMNS:
                c.number_format = DATE_FORMAT
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    _print_setup(ws, HEADER_ROW + len(led.rows))
    return workbook_bytes(wb)
