"""The procedure catalogue in the store: import (all or nothing), search as you type, look up.

Import parses the whole file first (`counter.domain.catalogue`), so a file with any bad row writes nothing;
the writing itself is one transaction. Re-importing a code updates that procedure in place and replaces its
papers; procedures missing from the file are left as they are. A procedure's internal steps (issue 17,
fixtures/procedure_steps.csv) are imported the same way, all or nothing, and are dropped when a re-import gives
the procedure a processing time its steps no longer add up to.
"""

from __future__ import annotations

import re
import stat
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from counter.domain.errors import unreadable
from counter.domain.catalogue import CatalogueError, ProcedureSpec, parse_catalogue, parse_steps
from counter.domain.fees import Charge, charges_from_json, flat_charges
from counter.domain.law import Step
from counter.domain.text import fold, nfc, search_text
from counter.models import Procedure, ProcedurePaper, ProcedureStep
from counter.services.store import NotFound, Store

DEFAULT_CATALOGUE = "fixtures/procedures.csv"
DEFAULT_STEPS = "fixtures/procedure_steps.csv"
_CHUNK = 500  # codes per IN (...) list, well under SQLite's bound-parameter limit


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
    online_level: str | None = None  # "toan_trinh" | "mot_phan" | None (domain.catalogue.ONLINE_LEVELS)
    originals_at_return: bool = False
    charges: tuple[Charge, ...] = ()  # issue 18: what it charges (fees.quote gives the amount of a dossier)
    on_the_spot: bool = False  # issue 17: "trả ngay": received, resolved and returned in one flow (no Mẫu 01)

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


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def import_specs(session: Session, specs: Sequence[ProcedureSpec]) -> ImportResult:
    """Write parsed procedures inside the caller's write transaction: new codes are added, known codes are
    updated in place (and made active again) with their papers replaced."""
    codes = list(dict.fromkeys(s.code for s in specs))
    existing: dict[str, Procedure] = {}
    for chunk in _chunks(codes):
        existing.update((p.code, p) for p in session.exec(select(Procedure).where(col(Procedure.code).in_(chunk))))
    for chunk in _chunks([c for c in codes if c in existing]):
        session.execute(sa.delete(ProcedurePaper).where(col(ProcedurePaper.procedure_code).in_(chunk)))
    added = 0
    rows: dict[str, Procedure] = {}
    for spec in specs:
        row = rows.get(spec.code) or existing.get(spec.code)
        if row is None:
            row = Procedure(code=spec.code, name=spec.name, name_folded="", field=spec.field)
            session.add(row)
            added += 1
        rows[spec.code] = row
        row.name, row.name_folded, row.field, row.level = spec.name, fold(spec.name), spec.field, spec.level
        row.working_days, row.fee, row.fee_note = spec.working_days, spec.fee, spec.fee_note
        row.channels = ",".join(str(c) for c in spec.channels)
        row.postal_allowed, row.in_person, row.certification = spec.postal_allowed, spec.in_person, spec.certification
        row.online_level, row.originals_at_return = spec.online_level, spec.originals_at_return
        row.verification_days, row.on_the_spot = spec.verification_days, spec.on_the_spot
        row.charges = spec.charges_json
        row.active = True
    session.flush()  # procedures before their papers (foreign key)
    last = {spec.code: spec for spec in specs}  # a code given twice: the last one wins
    papers = [{"procedure_code": spec.code, "position": i, "name": p.name, "originals": p.originals,
               "certified_copies": p.certified_copies, "photocopies": p.photocopies, "required": p.required}
              for spec in last.values() for i, p in enumerate(spec.papers, start=1)]
    if papers:
        session.execute(sa.insert(ProcedurePaper.__table__), papers)  # type: ignore[attr-defined]
    # steps whose days no longer add up to the (new) processing time are dropped, not left to mislead Mẫu 06
    session.execute(sa.text("DELETE FROM procedure_steps WHERE procedure_code IN (SELECT s.procedure_code FROM "
                            "procedure_steps s JOIN procedures p ON p.code = s.procedure_code GROUP BY "
                            "s.procedure_code HAVING SUM(s.working_days) <> MAX(p.working_days))"))
    return ImportResult(added, len(codes) - added)


def import_steps(session: Session, steps: dict[str, tuple[Step, ...]]) -> int:
    """Write parsed steps inside the caller's write transaction: each procedure's steps are replaced. Returns
    how many procedures got steps."""
    for chunk in _chunks(list(steps)):
        session.execute(sa.delete(ProcedureStep).where(col(ProcedureStep.procedure_code).in_(chunk)))
    rows = [{"procedure_code": code, "position": s.number, "name": s.name, "unit": s.unit,
             "working_days": s.working_days, "decides": s.decides} for code, items in steps.items() for s in items]
    if rows:
        session.execute(sa.insert(ProcedureStep.__table__), rows)  # type: ignore[attr-defined]
    return len(steps)


def steps_of_store(session: Session, text: str) -> dict[str, tuple[Step, ...]]:
    """A steps file's text checked against the store's procedures (each code known, the days adding up)."""
    days = dict(session.execute(sa.text("SELECT code, working_days FROM procedures")).all())
    return parse_steps(text, days)


def import_steps_file(store: Store, path: Path | str) -> int:
    """Import a steps CSV (docs/catalogue.md): every line valid, or nothing is written (`CatalogueError`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"Không đọc được tệp các bước xử lý {path}: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
    with store.write() as session:
        return import_steps(session, steps_of_store(session, text))


def default_steps() -> dict[str, tuple[Step, ...]]:
    """The shipped internal steps (fixtures/procedure_steps.csv), checked against the shipped catalogue."""
    text = resources.files("counter").joinpath(DEFAULT_STEPS).read_text("utf-8")
    return parse_steps(text, {s.code: s.working_days for s in default_specs()})


def procedure_steps(session: Session, code: str) -> tuple[Step, ...]:
    """A procedure's internal steps, in order (() when it has none)."""
    rows = session.exec(select(ProcedureStep).where(ProcedureStep.procedure_code == code)
                        .order_by(col(ProcedureStep.position))).all()
    return tuple(Step(r.position, r.name, r.unit, r.working_days, r.decides) for r in rows)


MAX_CATALOGUE_BYTES = 20 * 1024 * 1024  # the national catalogue of every procedure is a few MB


def import_catalogue(store: Store, path: Path | str) -> ImportResult:
    """Import a .csv or .json catalogue file: every row valid, or nothing is written (`CatalogueError`)."""
    specs = read_catalogue(path)
    with store.write() as session:
        return import_specs(session, specs)


def read_catalogue(path: Path | str) -> list[ProcedureSpec]:
    """The procedures of a .csv or .json catalogue file, every row checked (`CatalogueError` lists the bad
    ones); reads nothing but the file."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        raise CatalogueError(f"Tệp danh mục phải có đuôi .csv hoặc .json: {path}")
    try:
        st = path.stat()
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_CATALOGUE_BYTES:
            raise CatalogueError(f"Tệp danh mục {path} quá lớn (tối đa {MAX_CATALOGUE_BYTES // 1024 // 1024} MB)")
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):  # /dev/zero, a FIFO: would never end
            raise CatalogueError(f"{path} không phải một tệp thường (thiết bị hoặc ống dẫn), không phải tệp danh mục")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(unreadable(exc, path, "tệp danh mục")) from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise CatalogueError(f"Tệp {path} không phải văn bản UTF-8 (dòng {line}); hãy lưu lại dưới dạng "
                             "CSV UTF-8 hoặc JSON UTF-8") from None
    return parse_catalogue(text, fmt)


def default_specs() -> list[ProcedureSpec]:
    """The shipped catalogue (fixtures/procedures.csv): the common commune procedures of domain.md."""
    text = resources.files("counter").joinpath(DEFAULT_CATALOGUE).read_text("utf-8")
    return parse_catalogue(text, "csv")


def load_default_catalogue(store: Store) -> ImportResult:
    with store.write() as session:
        result = import_specs(session, default_specs())
        import_steps(session, default_steps())
        return result


# ---- reading (plain SQL on the store's read-only connection: search runs on every keystroke) -------------

_COLUMNS = ("code, name, field, level, working_days, fee, fee_note, channels, postal_allowed, in_person, "
            "certification, online_level, originals_at_return, charges, on_the_spot")


def charges_of(fee: int, charges: str, name: str) -> tuple[Charge, ...]:
    """A procedure row's charges: its `charges` JSON, or (a row from before issue 18) its flat fee."""
    return charges_from_json(charges) if charges else flat_charges(fee, name)


def _infos(store: Store, rows: list[sqlite3.Row]) -> list[ProcedureInfo]:
    if not rows:
        return []
    codes = [r["code"] for r in rows]
    papers: dict[str, list[PaperInfo]] = {c: [] for c in codes}
    marks = ",".join("?" * len(codes))
    for p in store.query(f"SELECT procedure_code, position, name, originals, certified_copies, photocopies, "
                         f"required FROM procedure_papers WHERE procedure_code IN ({marks}) "
                         f"ORDER BY procedure_code, position", tuple(codes)):
        papers[p["procedure_code"]].append(PaperInfo(p["position"], p["name"], p["originals"],
                                                     p["certified_copies"], p["photocopies"], bool(p["required"])))
    return [ProcedureInfo(r["code"], r["name"], r["field"], r["level"], r["working_days"], r["fee"], r["fee_note"],
                          tuple(int(c) for c in r["channels"].split(",") if c), bool(r["postal_allowed"]),
                          bool(r["in_person"]), bool(r["certification"]), tuple(papers[r["code"]]),
                          r["online_level"], bool(r["originals_at_return"]), charges_of(r["fee"], r["charges"], r["name"]),
                          bool(r["on_the_spot"]))
            for r in rows]


def _like(word: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def search_procedures(store: Store, text: str, limit: int = 20) -> list[ProcedureInfo]:
    """Active procedures matching `text`: codes starting with it come first ("1.0011"), then, for a query of
    digits and dots, codes containing it ("1193"), then names holding every word, accents ignored ("dang ky
    khai sinh" finds "Đăng ký khai sinh"); each group by name. Empty text: all, by field then name."""
    text = search_text(text)  # a 100,000-character pattern is refused in Vietnamese, not by SQLite
    limit = max(0, int(limit))
    if not text:
        rows = store.query(f"SELECT {_COLUMNS} FROM procedures WHERE active ORDER BY field, name_folded, code "
                           "LIMIT ?", (limit,))
        return _infos(store, rows)
    code = text.upper()
    words = fold(text).split()
    rank = ["WHEN code LIKE ? ESCAPE '\\' THEN 0"]
    params: list[object] = [_like(code)[1:]]
    matches = ["code LIKE ? ESCAPE '\\'"]
    match_params: list[object] = [_like(code)[1:]]
    if re.fullmatch(r"[\d.]+", text):
        rank.append("WHEN code LIKE ? ESCAPE '\\' THEN 1")
        params.append(_like(code))
        matches.append("code LIKE ? ESCAPE '\\'")
        match_params.append(_like(code))
    if words:
        matches.append("(" + " AND ".join("name_folded LIKE ? ESCAPE '\\'" for _ in words) + ")")
        match_params.extend(_like(w) for w in words)
    rows = store.query(
        f"SELECT {_COLUMNS}, CASE {' '.join(rank)} ELSE 2 END AS rank FROM procedures "
        f"WHERE active AND ({' OR '.join(matches)}) ORDER BY rank, name_folded, code LIMIT ?",
        (*params, *match_params, limit))
    return _infos(store, rows)


def get_procedure(store: Store, code: str) -> ProcedureInfo:
    """One procedure by its code (also an inactive one: old dossiers refer to it)."""
    code = nfc(code or "")
    rows = store.query(f"SELECT {_COLUMNS} FROM procedures WHERE code = ?", (code.upper(),))
    if not rows:
        raise NotFound(f"Không tìm thấy thủ tục có mã “{code}”")
    return _infos(store, rows)[0]
