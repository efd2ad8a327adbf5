"""Which forms a dossier can (re)print, from its intake and the kinds of events in its history.

One rule for the "In lại" chooser (dossier screen, F4) and anything else that offers a reprint:
- Mẫu 01 (receipt) once received; it always shows the original appointment, so when the dossier was extended
  the chooser says so and offers Mẫu 04 with the new one;
- Mẫu 02 when the intake handed a list of papers to add, or a supplement was asked during processing;
- Mẫu 03 when it was refused at intake, or after appraisal (issue 17);
- Mẫu 04 only if extended; Mẫu 05 only if stopped or withdrawn;
- Mẫu 06 (control slip) once received;
- BG (hand-over note) only if the result was returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FORM_NAMES = {
    "01": "Giấy tiếp nhận và hẹn trả kết quả",
    "02": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "03": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "04": "Văn bản xin lỗi và gia hạn",
    "05": "Thông báo dừng giải quyết hồ sơ",
    "06": "Phiếu kiểm soát quá trình giải quyết",
    "BG": "Phiếu bàn giao kết quả",
}
FORM_ORDER = ("01", "02", "03", "04", "05", "06", "BG")


@dataclass(frozen=True)
class FormChoice:
    form: str  # "01" … "06", "BG": what services.printing.print_dossier takes
    label: str  # what the chooser shows


def printable_forms(kinds: Iterable[str], intake_form: str | None = None) -> list[FormChoice]:
    """The forms of a dossier whose history holds these event kinds (`intake_form`: the form a refusal at
    intake handed out, "02" or "03"), in form order."""
    seen = set(kinds)
    received = "received" in seen
    extended = "extended" in seen
    forms: set[str] = set()
    if received:
        forms |= {"01", "06"}
    if "refused" in seen:
        forms.add("02" if intake_form == "02" else "03")
    if "supplement_requested" in seen:
        forms.add("02")
    if "refused_after_appraisal" in seen:  # issue 17: Mẫu 03 after appraisal, the dossier's result
        forms.add("03")
    if extended:
        forms.add("04")
    if seen & {"stopped", "withdrawn"}:
        forms.add("05")
    if "returned" in seen:
        forms.add("BG")
    out = []
    for form in FORM_ORDER:
        if form not in forms:
            continue
        label = f"{'Phiếu BG' if form == 'BG' else 'Mẫu ' + form} — {FORM_NAMES[form]}"
        if form == "01" and extended:
            label = f"Mẫu 01 (hẹn trả ban đầu) — {FORM_NAMES['01']}"
        elif form == "04":
            label = f"Mẫu 04 (hẹn trả mới) — {FORM_NAMES['04']}"
        out.append(FormChoice(form, label))
    return out
