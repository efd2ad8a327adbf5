"""The national public-service portal's dossier payload (domain.md, "Portal payloads"): our clear English
model mapped to the portal's field names (Vietnamese without diacritics), dates as yyyyMMddHHmmss in
Vietnam time. Pure: the service gathers the rows, this shapes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from counter.domain.calendar import VN_TZ

FIELDS = ("MaHoSo", "MaTTHC", "TenTTHC", "MaLinhVuc", "KenhThucHien", "ChuHoSo", "SoGiayToChuHoSo",
          "LoaiDoiTuong", "SoDienThoai", "TrichYeuHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayTra",
          "TaiLieuNop", "DanhSachLePhi", "DanhSachGiayToKetQua")


def portal_time(value: datetime | None) -> str:
    """yyyyMMddHHmmss in Vietnam time ("" when absent)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(VN_TZ).strftime("%Y%m%d%H%M%S")


def dossier_record(d: Mapping[str, Any], documents: Sequence[Mapping[str, Any]] = (),
                   result_papers: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """One dossier for the portal. `d` holds the dossier row's fields (code, procedure_code, …, datetimes
    aware); `documents` the papers submitted (name, originals, certified_copies, photocopies, digitization,
    blobs); `result_papers` the papers handed back with the result (name, count…)."""
    fee = int(d.get("fee") or 0)
    return {
        "MaHoSo": d["code"],
        "MaTTHC": d["procedure_code"],
        "TenTTHC": d.get("procedure_name") or "",
        "MaLinhVuc": d.get("field") or "",
        "KenhThucHien": int(d.get("channel") or 1),
        "ChuHoSo": d["owner_name"],
        "SoGiayToChuHoSo": d.get("owner_id_number") or "",
        "LoaiDoiTuong": int(d.get("owner_kind") or 1),
        "SoDienThoai": d.get("owner_phone") or "",
        "TrichYeuHoSo": f"{d.get('procedure_name') or d['procedure_code']} — {d['owner_name']}",
        "NgayTiepNhan": portal_time(d.get("received_at")),
        "NgayHenTra": portal_time(d.get("due_at")),
        "TrangThaiHoSo": int(d["status"]),
        "NgayTra": portal_time(d.get("returned_at")),
        "TaiLieuNop": [
            {"MaThanhPhanHoSo": int(doc.get("position", i)), "TenTepDinhKem": doc["name"],
             "SoBanChinh": int(doc.get("originals") or 0), "SoBanSao": int(doc.get("certified_copies") or 0),
             "SoBanPhoto": int(doc.get("photocopies") or 0), "MucDoSoHoa": int(doc.get("digitization") or 0),
             "DuongDanTaiTepTin": list(doc.get("blobs") or [])}
            for i, doc in enumerate(documents, start=1)],
        "DanhSachLePhi": ([{"TenPhiLePhi": "Phí, lệ phí", "MucPhi": fee, "DaNop": bool(d.get("fee_paid"))}]
                          if fee else []),
        "DanhSachGiayToKetQua": [
            {"TenGiayTo": p["name"], "SoLuong": int(p.get("count") or p.get("originals") or 1)}
            for p in result_papers],
    }
