"""Print the forms of a dossier after its transaction has committed. A failed print keeps the dossier and can be
retried (`counter print receipt CODE`, or "In lại" in the app)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from counter.settings import load_settings
from counter.domain.codes import rating_url, tracking_url
from counter.domain.errors import CounterError
from counter.domain.lifecycle import EventKind
from counter.domain.reprint import FormChoice
from counter.domain.reprint import printable_forms as reprint_rule
from counter.models import Dossier, DossierDocument, DossierEvent, Office, User
from counter.printing import forms
from counter.printing.escpos import render_escpos
from counter.printing.layout import Document
from counter.printing.pdf import render_pdf
from counter.printing.targets import PrinterConfig, deliver
from counter.services.store import NotFound, Store

RETURN_LABELS = {"counter": "Bộ phận tiếp nhận và trả kết quả", "post": "Nhà riêng / trụ sở (qua bưu chính công ích)"}


@dataclass(frozen=True)
class PrintResult:
    form: str
    where: str  # a file path or a printer's name
    is_file: bool


def receipt_data(session: Session, code: str) -> tuple[forms.ReceiptData, dict]:
    """The data of Mẫu 01–03 for a dossier, from its row and its creating event."""
    row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”")
    office = session.get(Office, row.office_id)
    assert office is not None
    creating = session.exec(select(DossierEvent).where(DossierEvent.dossier_id == row.id,
                                                       col(DossierEvent.kind).in_(["received", "refused",
                                                                                   "registered"]))
                            .order_by(sa.literal_column("dossier_events.rowid"))).all()
    # an online dossier: `registered` by the server's online desk, then `received`/`refused` at the counter
    # (issue 15); the receipt is the latter's
    first = next((e for e in reversed(creating) if e.kind != "registered"), creating[0] if creating else None)
    assert first is not None
    payload = json.loads(first.payload)
    docs = session.exec(select(DossierDocument).where(DossierDocument.dossier_id == row.id)
                        .order_by(col(DossierDocument.position))).all()
    clerk = session.get(User, first.actor_id) if first.actor_id else None
    address = row.return_address if row.return_method == "post" and row.return_address else ""
    data = forms.ReceiptData(
        parent_name=office.parent_name or office.name, office_name=office.name, place_name=office.place_name,
        office_phone=office.phone, code=row.code, book=row.book, book_no=row.book_no,
        owner_name=row.owner_name, owner_address=row.owner_address or "", owner_phone=row.owner_phone or "",
        owner_email=row.owner_email or "", owner_id_number=row.owner_id_number or "",
        submitter_name=row.submitter_name or "", procedure_name=row.procedure_name,
        procedure_code=row.procedure_code,
        papers=tuple(forms.Paper(d.name, d.originals, d.certified_copies, d.photocopies,
                                 len(json.loads(d.blobs or "[]")) if row.channel == 2 else 0) for d in docs),
        sets=row.sets, time_label="Trong ngày" if row.working_days == 0 else f"{row.working_days} ngày làm việc",
        received_at=row.received_at or first.at, due_at=row.due_at,
        return_label=RETURN_LABELS.get(row.return_method, row.return_method) + (f": {address}" if address else ""),
        channel=row.channel, tracking_url=tracking_url(office.public_base_url, row.token),
        clerk_name=clerk.full_name if clerk else "", reason=payload.get("reason") or "",
        original_due_at=row.original_due_at, submitter_id_number=row.submitter_id_number or "",
        rating_url=rating_url(office.public_base_url, row.token), **_fee_fields(payload))
    return data, {"kind": first.kind, "form": payload.get("form"), "papers": payload.get("papers", []),
                  "voided_at": row.voided_at}


def _fee_fields(payload: dict) -> dict:
    """Mẫu 01's fee lines, from the intake event (issue 18; none for a dossier from before)."""
    from counter.domain.fees import GROUNDS

    lines = tuple((c["name"], c.get("detail", ""), int(c["amount"])) for c in payload.get("charges") or ())
    ex = payload.get("exemption")
    exemption = (GROUNDS[ex["ground"]][0] + (f" ({ex['paper']})" if ex.get("paper") else "")) if ex else ""
    return {"fee_lines": lines, "fee_total": sum(a for _, _, a in lines), "fee_exemption": exemption}


def documents_for(store: Store, code: str, form: str = "auto") -> tuple[str, list[Document]]:
    """The form a dossier's intake calls for (01 receipt, 02 list of papers to add, 03 refusal), as layouts; and
    the forms of its progress (02 supplement request, 04 apology, 05 stop notice, 06 control slip, BG hand-over)."""
    with store.read() as session:
        data, first = receipt_data(session, code)
    if form == "auto":
        form = "01" if first["kind"] == EventKind.RECEIVED else first["form"] or "03"
    form = form.upper()
    if form in ("04", "05", "06", "BG") or (form in ("02", "03") and first["kind"] == EventKind.RECEIVED):
        from counter.services.progress import progress_documents  # Mẫu 02 (later), 04, 05, 06, hand-over

        return form, progress_documents(store, data, form)
    if form == "01":
        if first["kind"] != EventKind.RECEIVED:
            raise CounterError(f"Hồ sơ {data.code} không được tiếp nhận: không có giấy tiếp nhận để in")
        if first["voided_at"] is not None:
            raise CounterError(f"Hồ sơ {data.code} đã bị hủy (tiếp nhận nhầm): không in lại giấy tiếp nhận")
        return form, forms.receipt(data)
    if form == "02":
        missing = tuple(forms.Paper(p["name"], p.get("originals", 0), p.get("certified_copies", 0),
                                    p.get("photocopies", 0)) for p in first["papers"])
        return form, forms.supplement_request(data, missing)
    if form == "03":
        return form, forms.refusal(data)
    raise CounterError(f"Không có mẫu {form} cho hồ sơ này")


def warm_up() -> None:
    """Ahead of the first print (called in a worker once the store is open): reportlab's modules are imported with
    this one, and here its fonts are read, so the first receipt does not stall the screen for 0.6 s."""
    from counter.printing.pdf import _fonts

    _fonts()


def render(docs: list[Document], fmt: str, profile: str = "TM-T20II") -> bytes:
    if fmt == "escpos":
        return b"".join(render_escpos(d, profile) for d in docs[-1:])  # the citizen's copy on a thermal roll
    return render_pdf(docs, "A4" if fmt == "pdf-a4" else "A5")


def printer_config(store: Store, fmt: str | None = None) -> PrinterConfig:
    cfg = load_settings(store.data_dir).printer
    if fmt is not None and fmt != cfg.format:
        cfg = PrinterConfig(**{**cfg.__dict__, "format": fmt})
    return cfg


def print_dossier(store: Store, code: str, form: str = "auto", fmt: str | None = None,
                  out: Path | None = None) -> PrintResult:
    """Render and deliver; raises PrintError (nothing in the store changes) when the printer fails."""
    cfg = printer_config(store, fmt)
    form, docs = documents_for(store, code, form)
    data = render(docs, cfg.format, cfg.escpos_profile)
    where = deliver(data, cfg, f"{code.strip().upper()}-mau{form}", out)
    return PrintResult(form, where, out is not None or cfg.target == "file")


def printable_forms(store: Store, code: str) -> list[FormChoice]:
    """The forms this dossier can reprint now (the rule: domain.reprint.printable_forms)."""
    with store.read() as session:
        row = session.exec(select(Dossier).where(Dossier.code == code.strip().upper())).first()
        if row is None:
            raise NotFound(f"Không tìm thấy hồ sơ “{code.strip()}”")
        events = session.exec(select(DossierEvent.kind, DossierEvent.payload)
                              .where(DossierEvent.dossier_id == row.id)).all()
    intake = next((json.loads(p).get("form") for k, p in events if k == EventKind.REFUSED), None)
    return reprint_rule([k for k, _ in events], intake)


def print_guidance(store: Store, actor: Any, procedure_code: str, owner: Any, reason: str,
                   missing: tuple[Any, ...], fmt: str | None = None, out: Path | None = None) -> PrintResult:
    """Mẫu 02 as guidance only (issue 17: postal staff may guide, not decide): the papers to add, printed for the
    citizen with no dossier code taken and nothing written to the store."""
    from datetime import datetime

    from counter.domain.calendar import VN_TZ
    from counter.domain.intake import ValidationError, clean_applicant
    from counter.domain.text import nfc
    from counter.services.dossiers import _procedure

    if not reason.strip():
        raise ValidationError({"reason": "Phải ghi rõ lý do"})
    if not missing:
        raise CounterError("Chưa chọn giấy tờ cần bổ sung")
    now: datetime = store.clock.now()
    errors: dict[str, str] = {}
    owner = clean_applicant(owner, "owner", now.astimezone(VN_TZ).date(), errors)
    if errors:
        raise ValidationError(errors)
    with store.read() as session:
        proc = _procedure(session, actor, procedure_code, 3 if actor.role == "postal" else 1)
        office = session.get(Office, actor.office_id)
        assert office is not None
    data = forms.ReceiptData(
        parent_name=office.parent_name or office.name, office_name=office.name, place_name=office.place_name,
        office_phone=office.phone, code="", book="", book_no="", owner_name=owner.name,
        owner_address=owner.address or "", owner_phone=owner.phone or "", owner_email=owner.email or "",
        owner_id_number=owner.id_number or "", submitter_name="", procedure_name=proc.name, procedure_code=proc.code,
        papers=(), sets=1, time_label="", received_at=now, due_at=None, return_label="", channel=3,
        tracking_url=office.public_base_url, clerk_name=actor.full_name, reason=nfc(reason))
    docs = forms.supplement_request(data, tuple(forms.Paper(p.name, p.originals, p.certified_copies, p.photocopies)
                                                for p in missing))
    cfg = printer_config(store, fmt)
    where = deliver(render(docs, cfg.format, cfg.escpos_profile), cfg, f"huong-dan-{now:%Y%m%d%H%M%S}-mau02", out)
    return PrintResult("02", where, out is not None or cfg.target == "file")
