"""The national portal's objects (domain.md, "The national portal's integration"): the dossier object of
`DongBoHoSoMC` and the processing step of `CapNhatTienDoHoSoMC`, built from a dossier's state (the reducer's
DossierState) and its events in order. Every value is a string (lists of objects of strings), dates
`yyyyMMddHHmmss` in Asia/Ho_Chi_Minh, "" when unknown, status and procedure codes through the mapping tables
(domain/portal_codes.py), files as URLs the portal can fetch.

Pure, and the one place: the central server's push (counter/central/portal_out.py) and the station's
`counter export portal` (counter/services/portal.py) both call `dossier_object` and `step_object`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from counter.domain.calendar import VN_TZ
from counter.domain.fees import portal_fee_list
from counter.domain.lifecycle import EVENT_LABELS, DossierState, Event, Status, TransitionError, apply
from counter.domain.portal_codes import PortalCodes

#: the dossier object's keys, in the order domain.md lists them
FIELDS = ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "ChuHoSo", "LoaiDoiTuong",
          "MaDoiTuong", "ThongTinKhac", "Email", "Fax", "SoDienThoai", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra",
          "TrangThaiHoSo", "NgayTra", "ThongTinTra", "HinhThuc", "NgayKetThucXuLy", "DonViXuLy", "GhiChu",
          "NoiNopHoSo", "HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen",
          "NgayTuChoi", "NgayNopHoSo", "DinhDanhCHS", "DSKetNoiCSDL", "TaiLieuNop", "DanhSachLePhi",
          "DanhSachTepDinhKemKhac", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua")
DOCUMENT_FIELDS = ("TepDinhKemId", "TenTepDinhKem", "IsDeleted", "MaThanhPhanHoSo", "DuongDanTaiTepTin",
                   "DuocSoHoa", "DuocTaiSuDung", "DuocLayTuKhoDMQG", "MaKetQuaThayThe")
FEE_FIELDS = ("TenPhiLePhi", "MaPhiLePhi", "HinhThucThu", "Gia", "LoaiPhiLePhi")
SUPPLEMENT_FIELDS = ("HoSoBoSungId", "NguoiYeuCauBoSung", "NoiDungBoSung", "NgayBoSung", "NguoiTiepNhanBoSung",
                     "ThongTinTiepNhan", "NgayTiepNhanBoSung", "TrangThaiBoSung", "DanhSachGiayToBoSung",
                     "DanhSachLePhiBoSung", "NgayHenTraTruoc", "NgayHenTraMoi")
RESULT_FIELDS = ("TenGiayTo", "MaThanhPhanHoSo", "GiayToId", "DuongDanTepTinKetQua", "MaGiayToKetQua")
STEP_FIELDS = ("MaHoSo", "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai",
               "NgayBatDau", "NgayKetThucTheoQuyDinh")

#: the events that are not processing steps the portal is told of (they change the dossier object only)
NOT_STEPS = frozenset({"document_scanned", "note_added", "registered"})
ROLE_TITLES = {"clerk": "Công chức tiếp nhận", "postal": "Nhân viên bưu điện", "supervisor": "Lãnh đạo",
               "admin": "Quản trị"}


def portal_time(value: datetime | None) -> str:
    """yyyyMMddHHmmss in Vietnam time ("" when absent)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class PortalEvent:
    """One event of the dossier as both sides know it: its id, kind, time (aware), payload, who did it and
    the dossier's status right after it."""

    id: str
    kind: str
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    actor_name: str = ""
    actor_role: str = ""
    status: int = 0


@dataclass(frozen=True)
class PortalContext:
    """What the objects need beyond the dossier: the office's name, the mapping tables and the public address
    under which the portal fetches files (`{file_base}/portal/files/{sha256}`)."""

    office_name: str = ""
    codes: PortalCodes = field(default_factory=PortalCodes)
    file_base: str = ""

    def file_url(self, sha: str) -> str:
        return f"{self.file_base.rstrip('/')}/portal/files/{sha}" if sha else ""


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _papers(state: DossierState, events: Sequence[PortalEvent], ctx: PortalContext) -> list[dict[str, str]]:
    """TaiLieuNop: each paper submitted (the creating event's list), one item per file of its latest scan
    (or one item without a file when it was not digitized)."""
    papers: list[str] = []
    scans: dict[int, list[str]] = {}
    for e in events:
        if e.kind in ("received", "registered", "refused") and e.payload.get("papers") is not None:
            papers = [str(p.get("name") or "") for p in e.payload.get("papers") or [] if isinstance(p, Mapping)]
        elif e.kind == "document_scanned":
            position = int(e.payload.get("position") or 0)
            scans[position] = [str(b) for b in e.payload.get("blobs") or []]
            if position > len(papers):
                papers += [""] * (position - len(papers))
                papers[position - 1] = str(e.payload.get("name") or "")
    out = []
    for position, name in enumerate(papers, start=1):
        for sha in scans.get(position) or [""]:
            out.append({"TepDinhKemId": sha, "TenTepDinhKem": name, "IsDeleted": "0",
                        "MaThanhPhanHoSo": str(position), "DuongDanTaiTepTin": ctx.file_url(sha),
                        "DuocSoHoa": "1" if sha else "0", "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0",
                        "MaKetQuaThayThe": ""})
    return out


def _data_store_results(events: Sequence[PortalEvent], ctx: PortalContext) -> list[dict[str, Any]]:
    """The electronic results (result_issued, issue 20) marked for the citizen's data store: the file the
    portal fetches."""
    out = []
    for e in events:
        if e.kind == "result_issued" and e.payload.get("data_store"):
            for sha in e.payload.get("blobs") or []:
                out.append({"TenGiayTo": _s(e.payload.get("name")), "MaThanhPhanHoSo": "", "GiayToId": str(sha),
                            "DuongDanTepTinKetQua": ctx.file_url(str(sha)), "MaGiayToKetQua": ""})
    return out


def _supplements(events: Sequence[PortalEvent]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    due: datetime | None = None
    for e in events:
        if e.kind in ("received", "registered", "extended") and e.payload.get("due_at"):
            due = _when(e.payload.get("due_at"))
        elif e.kind == "supplement_requested":
            out.append({"HoSoBoSungId": e.id, "NguoiYeuCauBoSung": e.actor_name,
                        "NoiDungBoSung": _s(e.payload.get("reason")), "NgayBoSung": portal_time(e.at),
                        "NguoiTiepNhanBoSung": "", "ThongTinTiepNhan": "", "NgayTiepNhanBoSung": "",
                        "TrangThaiBoSung": "0",
                        "DanhSachGiayToBoSung": [{"TenGiayTo": _s(p.get("name")), "SoLuong": _s(
                            p.get("count") or p.get("originals") or 1)}
                            for p in e.payload.get("papers") or [] if isinstance(p, Mapping)],
                        "DanhSachLePhiBoSung": [], "NgayHenTraTruoc": portal_time(due), "NgayHenTraMoi": ""})
        elif e.kind == "supplement_received" and out and out[-1]["TrangThaiBoSung"] == "0":
            new_due = _when(e.payload.get("due_at")) or due
            out[-1].update({"NguoiTiepNhanBoSung": e.actor_name, "NgayTiepNhanBoSung": portal_time(e.at),
                            "ThongTinTiepNhan": "Đã nhận hồ sơ bổ sung", "TrangThaiBoSung": "1",
                            "NgayHenTraMoi": portal_time(new_due)})
            due = new_due
    return out


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def dossier_object(state: DossierState, events: Sequence[PortalEvent], ctx: PortalContext) -> dict[str, Any]:
    """The dossier as `DongBoHoSoMC` carries it (FIELDS, in order)."""
    codes = ctx.codes
    returned = next((e for e in reversed(events) if e.kind == "returned"), None)
    refused = next((e for e in reversed(events) if e.kind == "refused"), None)
    first = events[0].at if events else state.received_at
    papers = _papers(state, events, ctx)
    receiver = ""
    if returned is not None:
        p = returned.payload
        receiver = (f"Gửi qua bưu chính, số hiệu {_s(p.get('tracking'))}" if p.get("method") == "post"
                    else _s(p.get("receiver_name")))
    created = next((e.payload for e in events if e.kind in ("received", "registered")), {})
    paid = next((e.payload for e in reversed(events) if e.kind == "fee_paid"), None)
    fee_list, paid_online = portal_fee_list(created, state.fee, paid, state.fee_paid)
    note = state.void_reason or state.closed_reason or ""
    if state.voided_at is not None:
        note = f"Hủy do tiếp nhận nhầm: {note}"
    obj: dict[str, Any] = {
        "MaHoSo": state.code,
        "MaTTHC": codes.procedure(state.procedure_code),
        "TenTTHC": state.procedure_name,
        "MaLinhVuc": codes.field(state.field),
        "TenLinhVuc": state.field,
        "KenhThucHien": str(state.channel),
        "ChuHoSo": state.owner_name,
        "LoaiDoiTuong": str(state.owner_kind),
        "MaDoiTuong": _s(state.owner_id_number),
        "ThongTinKhac": "",
        "Email": _s(state.owner_email),
        "Fax": "",
        "SoDienThoai": _s(state.owner_phone),
        "TrichYeuHoSo": f"{state.procedure_name or state.procedure_code} — {state.owner_name}",
        "NgayTiepNhan": portal_time(state.received_at) if state.status != Status.NEW else "",
        "NgayHenTra": portal_time(state.due_at),
        "TrangThaiHoSo": codes.status(state.status),
        "NgayTra": portal_time(state.returned_at),
        "ThongTinTra": receiver,
        "HinhThuc": "1" if state.return_method == "post" else "0",
        "NgayKetThucXuLy": portal_time(state.resolved_at),
        "DonViXuLy": state.held_by or ctx.office_name,
        "GhiChu": note,
        "NoiNopHoSo": ctx.office_name,
        "HoSoCoThanhPhanSoHoa": "1" if any(d["DuocSoHoa"] == "1" for d in papers) else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "1" if paid_online else "0",
        "NgayTuChoi": portal_time(refused.at) if refused is not None else "",
        "NgayNopHoSo": portal_time(first),
        "DinhDanhCHS": [state.owner_id_number] if state.owner_id_number else [],
        "DSKetNoiCSDL": [],
        "TaiLieuNop": papers,
        "DanhSachLePhi": fee_list,
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": _supplements(events),
        "DanhSachGiayToKetQua": [
            {"TenGiayTo": _s(p.get("name")), "MaThanhPhanHoSo": "", "GiayToId": "", "DuongDanTepTinKetQua": "",
             "MaGiayToKetQua": ""}
            for p in (returned.payload.get("papers") or [] if returned is not None else []) if isinstance(p, Mapping)]
        + _data_store_results(events, ctx),
    }
    return obj


def step_object(state: DossierState, event: PortalEvent, ctx: PortalContext) -> dict[str, str]:
    """One processing step of `CapNhatTienDoHoSoMC` (STEP_FIELDS): `state` is the dossier right after it."""
    what = EVENT_LABELS.get(event.kind, event.kind)
    detail = event.payload.get("reason") or event.payload.get("text") or ""
    content = what[:1].upper() + what[1:] + (f": {detail}" if detail else "")
    return {
        "MaHoSo": state.code,
        "NguoiXuLy": event.actor_name,
        "ChucDanh": ROLE_TITLES.get(event.actor_role, ""),
        "ThoiDiemXuLy": portal_time(event.at),
        "PhongBanXuLy": state.held_by or ctx.office_name,
        "NoiDungXuLy": content,
        "TrangThai": ctx.codes.status(event.status or state.status),
        "NgayBatDau": portal_time(state.received_at),
        "NgayKetThucTheoQuyDinh": portal_time(state.due_at),
    }


def is_step(kind: str) -> bool:
    return kind not in NOT_STEPS


def strings_only(value: Any) -> bool:
    """Every leaf a string (what the portal reads)."""
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and strings_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(strings_only(v) for v in value)
    return isinstance(value, str)


def fold(items: Sequence[tuple[Event, str, str]]) -> tuple[DossierState | None, list[PortalEvent]]:
    """A dossier's events in order (each with its actor's name and role) through the reducer: the state at
    the end and the events as the portal's objects see them (with the status after each). An event the reducer
    refuses (a station's rejected conflict) is not part of the dossier and is left out."""
    state: DossierState | None = None
    out: list[PortalEvent] = []
    for event, name, role in items:
        try:
            state = apply(state, event)
        except TransitionError:
            continue
        out.append(PortalEvent(event.id, event.kind, event.at, event.payload, name, role, int(state.status)))
    return state, out
