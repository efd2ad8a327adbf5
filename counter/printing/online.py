"""The online share report (issue 15) as a document (PDF through printing/pdf.py) and an XLSX workbook; the
figures come from services/online_report.py (an OnlineReport: this module only lays them out)."""

from __future__ import annotations

from typing import Any

from counter.domain.catalogue import ONLINE_LEVELS
from counter.domain.scorecard import percent, verdict
from counter.printing.layout import Document, Header, Para, Table, Title

FORM_VERSION = "online-2026.1"
PERIOD_COLUMNS = ("Kỳ", "Tiếp nhận", "Nộp trực tuyến", "Tỷ lệ trực tuyến", "Hỗ trợ nộp", "Tỷ lệ hỗ trợ",
                  "3.x (thủ tục toàn trình)", "Mục tiêu", "Đánh giá")
PROCEDURE_COLUMNS = ("Mã TTHC", "Thủ tục", "Mức trực tuyến", "Tiếp nhận", "Nộp trực tuyến", "Tỷ lệ trực tuyến",
                     "Hỗ trợ nộp", "Tỷ lệ hỗ trợ", "Đánh giá")
LEVELS = {k: v.capitalize() for k, v in ONLINE_LEVELS.items()}


def _ratio_3x(row: Any) -> str:
    return f"{percent(row.share_3x)} ({row.eligible_online}/{row.eligible})" if row.eligible else "—"


def period_cells(row: Any, target: Any) -> tuple[str, ...]:
    return (row.label, str(row.received), str(row.online), percent(row.share), str(row.assisted),
            percent(row.assisted_share), _ratio_3x(row), percent(target, 0) if target else "—",
            verdict(row, target))


def procedure_cells(row: Any, target: Any) -> tuple[str, ...]:
    return (row.key, row.label, LEVELS.get(row.level or "", "Không"), str(row.received), str(row.online),
            percent(row.share), str(row.assisted), percent(row.assisted_share), verdict(row, target))


def online_report(report: Any) -> Document:
    target = report.target
    target_text = (f"Mục tiêu năm của đơn vị: {percent(target, 0)} hồ sơ nộp trực tuyến (chỉ số 3.x, cài đặt "
                   "[scorecard] online_target_percent)" if target else
                   "Đơn vị chưa đặt mục tiêu năm (cài đặt [scorecard] online_target_percent)")
    periods = tuple(period_cells(r, target) for r in (*report.months, report.total))
    procedures = tuple(procedure_cells(r, target) for r in report.procedures) or \
        (("", "(không có hồ sơ tiếp nhận trong kỳ)", "", "", "", "", "", "", ""),)
    blocks = (
        Header((report.office_name.upper(),), "", ""),
        Title("BÁO CÁO TỶ LỆ HỒ SƠ NỘP TRỰC TUYẾN", f"Kỳ báo cáo: {report.period.label}"),
        Para(target_text, italic=True),
        Para("Tính trên hồ sơ tiếp nhận trong kỳ (không tính hồ sơ đã hủy, hồ sơ trực tuyến chưa tiếp nhận hoặc bị "
             "từ chối). Hỗ trợ nộp: hồ sơ trực tuyến cán bộ giúp công dân nộp; tỷ lệ hỗ trợ = hỗ trợ nộp / nộp "
             "trực tuyến.", italic=True),
        Para("1. Theo kỳ", bold=True),
        Table(PERIOD_COLUMNS, periods, (2.2, 1.0, 1.1, 1.1, 1.0, 1.1, 2.0, 1.0, 1.1)),
        Para("2. Theo thủ tục", bold=True),
        Table(PROCEDURE_COLUMNS, procedures, (1.6, 2.8, 1.4, 1.0, 1.0, 1.1, 0.9, 1.2, 1.1)),
    )
    return Document("BC", FORM_VERSION, blocks)


def online_report_xlsx(report: Any) -> bytes:
    from counter.printing.xlsx import fit_columns, report_workbook, workbook_bytes

    wb, ws = report_workbook("Theo kỳ", report.office_name,
                             f"BÁO CÁO TỶ LỆ HỒ SƠ NỘP TRỰC TUYẾN, KỲ {report.period.label}")
    ws.append([f"Mục tiêu năm: {percent(report.target, 0)}" if report.target else "Chưa đặt mục tiêu năm"])
    ws.append([])
    ws.append(list(PERIOD_COLUMNS))
    for r in (*report.months, report.total):
        ws.append([r.label, r.received, r.online, _num(r.share), r.assisted, _num(r.assisted_share),
                   _num(r.share_3x), _num(report.target) if report.target else None, verdict(r, report.target)])
    per = wb.create_sheet("Theo thủ tục")
    per.append(list(PROCEDURE_COLUMNS))
    for r in report.procedures:
        per.append([r.key, r.label, LEVELS.get(r.level or "", "Không"), r.received, r.online, _num(r.share),
                    r.assisted, _num(r.assisted_share), verdict(r, report.target)])
    for sheet in (ws, per):
        for row in sheet.iter_rows():
            for c in row:
                if isinstance(c.value, float):
                    c.number_format = "0.0%"
        fit_columns(sheet, 50, skip=4)
    return workbook_bytes(wb)


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)
