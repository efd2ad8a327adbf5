"""`counter audit verify`: every station's hash chain, gapless sequences, and projections equal to a replay."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select

from counter.domain import lifecycle
from counter.domain.hashing import GENESIS, chain_hash
from counter.models import CodeSequence, Dossier, DossierEvent
from counter.services.events import domain_event, event_body, row_values
from counter.services.office import this_station
from counter.services.store import Store
from counter.services.sync import fold as sync_fold
from counter.services.sync import has_conflict
from counter.services.sync import history as sync_history


@dataclass
class AuditReport:
    events: int = 0
    stations: int = 0
    dossiers: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(store: Store, replay: bool = True) -> AuditReport:
    report = AuditReport()
    with store.read() as session:
        stations = session.exec(select(DossierEvent.station_id).distinct()).all()
        issued = dict(session.exec(select(CodeSequence.station_id, CodeSequence.last)
                                   .where(CodeSequence.scope == "event")).all())
        own = this_station(session).id
        for station_id in stations:
            report.stations += 1
            prev, expected_seq = GENESIS, 1
            rows = session.exec(select(DossierEvent).where(DossierEvent.station_id == station_id)
                                .order_by(col(DossierEvent.station_seq)))
            for e in rows:
                report.events += 1
                if e.station_seq != expected_seq and station_id != own and e.station_seq > expected_seq:
                    # another station's events arrive by sync, which never delivers the ones the server
                    # rejected: its chain resumes after the gap (the server checked it whole)
                    prev, expected_seq = e.prev_hash, e.station_seq
                if e.station_seq != expected_seq:
                    report.problems.append(f"Quầy {station_id[:8]}: thiếu sự kiện số {expected_seq}"
                                           f"{'' if e.station_seq == expected_seq + 1 else f'–{e.station_seq - 1}'}")
                if e.prev_hash != prev:
                    report.problems.append(f"Sự kiện {e.id} (số {e.station_seq}): không nối với sự kiện trước")
                if chain_hash(e.prev_hash, event_body(e)) != e.hash:
                    report.problems.append(f"Sự kiện {e.id} (số {e.station_seq}): nội dung đã bị sửa")
                prev, expected_seq = e.hash, e.station_seq + 1
            last_issued = issued.get(station_id)
            if last_issued is not None and last_issued >= expected_seq:
                report.problems.append(f"Quầy {station_id[:8]}: thiếu sự kiện cuối (số {expected_seq}–{last_issued})")
        if replay:
            for row in session.exec(select(Dossier).order_by(col(Dossier.seq))):
                report.dossiers += 1
                evs = sync_history(session, row.id)  # confirmed in office order, then pending; no rejected
                try:
                    state = lifecycle.replay([domain_event(e) for e in evs])
                except lifecycle.TransitionError as exc:
                    if not has_conflict(session, row.id):
                        report.problems.append(f"Hồ sơ {row.code}: lịch sử không hợp lệ ({exc.message})")
                        continue
                    # after a rejected event, pending ones standing on it cannot apply either (the server
                    # will refuse them too): the row folds what applies, as sync builds it
                    state = sync_fold(session, row.id)[0]
                expected = row_values(state) if state else None
                actual = {k: getattr(row, k) for k in (expected or {})}
                if expected != actual:
                    diff = sorted(k for k, v in (expected or {}).items() if v != actual.get(k))
                    report.problems.append(f"Hồ sơ {row.code}: bản ghi khác với lịch sử sự kiện ({', '.join(diff)})")
    return report
