"""`counter export portal`: the office's dossiers received in a date range, in the national portal's shape
(counter.domain.portal does the mapping)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

import sqlalchemy as sa

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.portal import dossier_record
from counter.models import parse_utc
from counter.services.office import this_station
from counter.services.store import Store

_TIMES = ("received_at", "due_at", "original_due_at", "resolved_at", "returned_at", "updated_at")


def _utc_text(day: date) -> str:
    return datetime.combine(day, time(0), VN_TZ).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def export(store: Store, start: date, end: date) -> dict[str, Any]:
    """{"MaDonVi", "TuNgay", "DenNgay", "SoLuong", "DanhSachHoSo": [...]} for dossiers received from `start` to
    `end` inclusive (Vietnam dates)."""
    if end < start:
        raise CounterError("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu")
    with store.read() as session:
        office_id = this_station(session).office_id
        rows = [dict(r._mapping) for r in session.execute(sa.text(
            "SELECT * FROM dossiers WHERE office_id = :o AND received_at >= :a AND received_at < :b "
            "AND voided_at IS NULL "  # issue 12: a dossier received by mistake and voided is not reported
            "ORDER BY received_at, code"), {"o": office_id, "a": _utc_text(start), "b": _utc_text(end + timedelta(days=1))})]
        docs: dict[str, list[dict[str, Any]]] = {}
        results: dict[str, list[dict[str, Any]]] = {}
        ids = [r["id"] for r in rows]
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            params = {f"i{n}": v for n, v in enumerate(part)}
            marks = ", ".join(f":i{n}" for n in range(len(part)))
            for d in session.execute(sa.text(
                    f"SELECT * FROM dossier_documents WHERE dossier_id IN ({marks}) ORDER BY dossier_id, position"),
                    params):
                m = dict(d._mapping)
                m["blobs"] = json.loads(m.get("blobs") or "[]")
                docs.setdefault(m["dossier_id"], []).append(m)
            for e in session.execute(sa.text(
                    f"SELECT dossier_id, payload FROM dossier_events WHERE kind = 'returned' "
                    f"AND dossier_id IN ({marks})"), params):
                results[e.dossier_id] = list(json.loads(e.payload).get("papers") or [])
    records = []
    for r in rows:
        for key in _TIMES:
            if isinstance(r.get(key), str):
                r[key] = parse_utc(r[key])
        records.append(dossier_record(r, docs.get(r["id"], []), results.get(r["id"], [])))
    return {"MaDonVi": office_id, "TuNgay": start.strftime("%Y%m%d"), "DenNgay": end.strftime("%Y%m%d"),
            "SoLuong": len(records), "DanhSachHoSo": records}
