"""The procedure catalogue in the store: import (all or nothing), search as you type, look up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from counter.domain.catalogue import CatalogueError, ProcedureSpec, parse_catalogue
from counter.domain.text import fold
from counter.models import Procedure, ProcedurePaper
from counter.services.store import NotFound, Store


@dataclass(frozen=True)
class PaperInfo:
    position: int
    name: str
    originals: int
    certified_copies: int
    photocopies: int
    required: bool


@dataclass(frozen=True)
class ProcedureInfo:
    code: str
    name: str
    field: str
    level: str
    working_days: int
    fee: int
    fee_note: str
    channels: tuple[int, ...]
    postal_allowed: bool
    in_person: bool
    certification: bool
    papers: tuple[PaperInfo, ...]

    @property
    def time_label(self) -> str:
        return "Trong ngày" if self.working_days == 0 else f"{self.working_days} ngày làm việc"

    @property
    def fee_label(self) -> str:
        return "Miễn phí" if self.fee == 0 else f"{self.fee:,} đ".replace(",", ".")


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def import_specs(session: Session, specs: list[ProcedureSpec]) -> ImportResult:
    added = updated = 0
    for spec in specs:
        row = session.get(Procedure, spec.code)
        if row is None:
            row = Procedure(code=spec.code, name=spec.name, name_folded="", field=spec.field)
            added += 1
        else:
            updated += 1
            session.execute(sa.delete(ProcedurePaper).where(ProcedurePaper.procedure_code == spec.code))
        row.name, row.name_folded, row.field, row.level = spec.name, fold(spec.name), spec.field, spec.level
        row.working_days, row.fee, row.fee_note = spec.working_days, spec.fee, spec.fee_note
        row.channels = ",".join(str(c) for c in spec.channels)
        row.postal_allowed, row.in_person, row.certification, row.active = (
            spec.postal_allowed, spec.in_person, spec.certification, True)
        session.add(row)
        session.flush()
        for i, p in enumerate(spec.papers, start=1):
            session.add(ProcedurePaper(procedure_code=spec.code, position=i, name=p.name, originals=p.originals,
                                       certified_copies=p.certified_copies, photocopies=p.photocopies,
                                       required=p.required))
    return ImportResult(added, updated)


def import_catalogue(store: Store, path: Path) -> ImportResult:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        raise CatalogueError(f"Tệp danh mục phải là .csv hoặc .json: {path}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"Không đọc được tệp {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CatalogueError(f"Tệp {path} không phải văn bản UTF-8") from None
    specs = parse_catalogue(text, fmt)
    with store.write() as session:
        return import_specs(session, specs)


def default_specs() -> list[ProcedureSpec]:
    """The shipped catalogue (fixtures/procedures.csv): the common commune procedures of domain.md."""
    text = resources.files("counter").joinpath("fixtures/procedures.csv").read_text("utf-8")
    return parse_catalogue(text, "csv")


def load_default_catalogue(store: Store) -> ImportResult:
    with store.write() as session:
        return import_specs(session, default_specs())


def _info(p: Procedure, papers: list[ProcedurePaper]) -> ProcedureInfo:
    return ProcedureInfo(p.code, p.name, p.field, p.level, p.working_days, p.fee, p.fee_note,
                         tuple(int(c) for c in p.channels.split(",") if c), p.postal_allowed, p.in_person,
                         p.certification,
                         tuple(PaperInfo(x.position, x.name, x.originals, x.certified_copies, x.photocopies,
                                         x.required) for x in papers))


def _with_papers(session: Session, procs: list[Procedure]) -> list[ProcedureInfo]:
    if not procs:
        return []
    papers = session.exec(select(ProcedurePaper).where(ProcedurePaper.procedure_code.in_([p.code for p in procs]))
                          .order_by(ProcedurePaper.procedure_code, ProcedurePaper.position)).all()
    by_code: dict[str, list[ProcedurePaper]] = {}
    for x in papers:
        by_code.setdefault(x.procedure_code, []).append(x)
    return [_info(p, by_code.get(p.code, [])) for p in procs]


def search_procedures(store: Store, text: str, limit: int = 20) -> list[ProcedureInfo]:
    """Part of the code ("1193" finds 1.001193), or every word of the folded name; active procedures only."""
    text = text.strip()
    with store.read() as session:
        q = select(Procedure).where(Procedure.active)
        if re.fullmatch(r"[\d.]+", text):
            q = q.where(Procedure.code.contains(text)).order_by(Procedure.code)
        elif text:
            for word in fold(text).split():
                q = q.where(Procedure.name_folded.contains(word))
            q = q.order_by(sa.func.length(Procedure.name), Procedure.name)
        else:
            q = q.order_by(Procedure.field, Procedure.name)
        return _with_papers(session, list(session.exec(q.limit(limit))))


def get_procedure(store: Store, code: str) -> ProcedureInfo:
    with store.read() as session:
        p = session.get(Procedure, code.strip())
        if p is None:
            raise NotFound(f"Không tìm thấy thủ tục có mã “{code.strip()}”")
        return _with_papers(session, [p])[0]
