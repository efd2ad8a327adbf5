"""The Mẫu 07 ledger as an XLSX workbook (openpyxl): Vietnamese headers, dates stored as real dates."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from counter.printing.ledger import COLUMNS, DATE_COLUMNS, TITLE, WIDTHS, Ledger, values

HEADER_ROW = 5  # rows 1-4: agency, title, period, blank
DATE_FORMAT = "DD/MM/YYYY"


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
        ws.column_dimensions[get_column_letter(i)].width = max(6.0, width * 1.6)
    for n, r in enumerate(led.rows, start=HEADER_ROW + 1):
        for i, v in enumerate(values(r)):
            c = ws.cell(row=n, column=i + 1, value=v)
            c.border = border
            if r.voided:  # issue 12: a voided dossier keeps its line, struck through
                c.font = Font(strike=True)
            if i in DATE_COLUMNS:
                c.number_format = DATE_FORMAT
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
