"""`counter export portal`: the office's dossiers received in a date range as the national portal's objects,
built by the same code the central server pushes with (counter.domain.portal: dossier_object, step_object).
The station has no mapping tables (they live on the central server): codes map to themselves here."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, UTC
from typing import Any

from sqlmodel import col, select

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.lifecycle import Event
from counter.domain.portal import PortalContext, dossier_object, fold, is_step, step_object
from counter.models import Dossier, DossierEvent, User
from counter.services.events import state_of
from counter.services.office import office_info
from counter.services.store import Store


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), VN_TZ).astimezone(UTC)


def export(store: Store, start: date, end: date) -> dict[str, Any]:
    """{"MaDonVi", "TuNgay", "DenNgay", "SoLuong", "DanhSachHoSo": [dossier...], "QuaTrinhXuLy": [step...]} for
    dossiers received from `start` to `end` inclusive (Vietnam dates)."""
    if end < start:
        raise CounterError("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu")
    info = office_info(store)
    ctx = PortalContext(office_name=info.name, file_base=info.public_base_url)
    records: list[dict[str, Any]] = []
    steps: list[dict[str, str]] = []
    with store.read() as session:
        rows = session.exec(select(Dossier).where(
            Dossier.office_id == info.id, col(Dossier.received_at) >= _utc(start),
            col(Dossier.received_at) < _utc(end + timedelta(days=1)),
            col(Dossier.voided_at).is_(None))  # issue 12: a dossier received by mistake and voided is not reported
            .order_by(col(Dossier.received_at), col(Dossier.code))).all()
        users = {u.id: (u.full_name, u.role) for u in session.exec(select(User)).all()}
        by_dossier: dict[str, list[DossierEvent]] = {}
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 500):
            for ev in session.exec(select(DossierEvent).where(col(DossierEvent.dossier_id).in_(ids[chunk:chunk + 500]))
                                   .order_by(col(DossierEvent.at), col(DossierEvent.station_seq))).all():
                by_dossier.setdefault(ev.dossier_id, []).append(ev)
        for row in rows:
            items = []
            for ev in by_dossier.get(row.id, []):
                name, role = users.get(ev.actor_id, ("", "")) if ev.station_id == info.station_id else ("", "")
                at = ev.at if ev.at.tzinfo else ev.at.replace(tzinfo=UTC)
                items.append((Event(ev.id, ev.kind, at, ev.actor_id, ev.station_id, json.loads(ev.payload)),
                              name, role))
            _final, portal_events = fold(items)
            state = state_of(row)
            records.append(dossier_object(state, portal_events, ctx))
            steps += [step_object(state, e, ctx) for e in portal_events if is_step(e.kind)]
    return {"MaDonVi": info.id, "TuNgay": start.strftime("%Y%m%d"), "DenNgay": end.strftime("%Y%m%d"),
            "SoLuong": str(len(records)), "DanhSachHoSo": records, "QuaTrinhXuLy": steps}

