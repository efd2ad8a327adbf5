"""Online dossiers on the central server (issue 15): the province's part.

- The office's **online desk**: a station identity the server owns per office (its own station id,
  `tokens.desk_station_id`; station number 9, codes `AGENCY-yyMMdd-9001…9999`; its own station_seq and hash
  chain). Everything it writes (`registered`, `files_added`) goes through `ingest.push`, the same checks as a
  station's push, and reaches every station of the office by the normal pull.
- `POST /api/v1/portal/dossiers`: the national portal's `DongBoHoSoMC` delivery (a portal token).
- `/nop`: the public filing page (no JavaScript needed, 390 px wide); `?assisted=TICKET` for a clerk helping a
  citizen ("hỗ trợ nộp trực tuyến"): the ticket is signed by this server for a station's token (`POST
  /api/v1/online/assist`, 12 hours, its office only), so a citizen cannot mark a dossier assisted by hand.
- `/tra-cuu`: a dossier by its code and the last 4 digits of the owner's phone or ID number; `/t/{token}/bo-sung`
  the citizen's uploads of what the counter asked for; `/t/{token}/mau-01.pdf` the receipt once received.

Files are checked by their bytes (PDF, JPEG, PNG), size-limited, and stored as blobs by SHA-256 through
`put_blob` (the one place). A dossier that fails any check stores nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import io
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload
from sqlalchemy.engine import Connection, Engine

from counter.central import ingest, portal_out
from counter.central import tables as t
from counter.central.blobs import BlobStoreError, CentralBlobs, DatabaseBlobs
from counter.central.tokens import TokenInfo, desk_station_id, lookup
from counter.domain import codes, contracts
from counter.domain.calendar import VN_TZ
from counter.domain.catalogue import ONLINE_LEVELS, ProcedureSpec, parse_catalogue
from counter.domain.clock import Clock
from counter.domain.errors import CounterError
from counter.domain.hashing import GENESIS, canonical_json, chain_hash
from counter.domain.intake import Applicant, clean_applicant
from counter.domain.lifecycle import EventKind, Status
from counter.domain.portal_codes import PortalCodes
from counter.domain.text import fold

log = logging.getLogger("counter.central.online")

DESK_NAME = "Cổng dịch vụ công trực tuyến"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIME_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


class OnlineError(CounterError):
    """A filing, an upload or a delivery that cannot be taken (message in Vietnamese); nothing was stored."""


@dataclass(frozen=True)
class OnlineConfig:
    """[server] settings of the online part (counter/settings.py ServerSection)."""

    file_hosts: tuple[str, ...] = ()  # hosts (host or host:port) the portal's file URLs may point to
    max_file_bytes: int = 10 * 1024 * 1024
    max_dossier_bytes: int = 30 * 1024 * 1024
    max_files: int = 20
    catalogue: str = ""  # a catalogue file (CSV/JSON, docs/catalogue.md); "" = the shipped one
    public_base_url: str = ""  # "" = the request's own address
    nop_rate: float = 0.5  # filings (POST) per second per client after a burst of nop_burst (0 = no limit)
    nop_burst: int = 10
    fetch_timeout: float = 15.0
    upload_lifetime_hours: float = 24.0  # an upload no dossier names is deleted after this (cleanup_uploads)
    cleanup_interval: float = 3600.0  # seconds between the server's cleanups (0: only `serve online cleanup`)


# --- the catalogue the server offers (pure domain parsing of the office's file) ------------------------------

def load_catalogue(path: str = "") -> dict[str, ProcedureSpec]:
    source = Path(path) if path else Path(__file__).resolve().parent.parent / "fixtures" / "procedures.csv"
    specs = parse_catalogue(source.read_text(encoding="utf-8-sig"), source.suffix)
    return {s.code: s for s in specs}


def online_procedures(catalogue: dict[str, ProcedureSpec], query: str = "") -> list[ProcedureSpec]:
    """The procedures filed online (toàn trình or một phần), matching `query` (accent-insensitive)."""
    words = fold(query).split()
    out = [s for s in catalogue.values() if s.online_level is not None
           and all(w in fold(f"{s.code} {s.name} {s.field}") for w in words)]
    return sorted(out, key=lambda s: (fold(s.field), fold(s.name)))


# --- the two mapping points issue 16 replaces with admin-editable tables (counter/domain/portal_codes.py) ----

def portal_procedure(catalogue: dict[str, ProcedureSpec], maps: PortalCodes, portal_code: str) -> ProcedureSpec | None:
    """Our procedure for the portal's MaTTHC through the admin's mapping table (`counter serve portal map`; a code
    not in it is our own), if the catalogue offers it online."""
    spec = catalogue.get(maps.ours("procedure", portal_code.strip()).strip().upper())
    return spec if spec is not None and spec.online_level is not None else None


def portal_status(maps: PortalCodes, portal_code: str) -> int | None:
    """Our status for the portal's TrangThaiHoSo through the mapping table (the national list when unmapped)."""
    try:
        return maps.our_status(portal_code.strip())
    except CounterError:
        return None


# --- files -------------------------------------------------------------------------------------------------

def sniff(name: str, data: bytes) -> tuple[str, int]:
    """(mime, pages) of an uploaded file, by its bytes; OnlineError when it is not a readable PDF, JPEG or PNG."""
    shown = name[:80] or "(không tên)"
    if not data:
        raise OnlineError(f"Tệp “{shown}” rỗng (0 byte).")
    if data.startswith(b"%PDF-"):
        try:
            import pikepdf

            with pikepdf.open(io.BytesIO(data)) as pdf:
                pages = len(pdf.pages)
        except Exception:
            raise OnlineError(f"Tệp “{shown}” là PDF bị hỏng, không đọc được.") from None
        if pages < 1:
            raise OnlineError(f"Tệp “{shown}” là PDF không có trang nào.")
        return "application/pdf", pages
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", 1
    if data.startswith(PNG_MAGIC):
        return "image/png", 1
    raise OnlineError(f"Tệp “{shown}” không phải PDF, JPEG hay PNG (kiểm tra theo nội dung tệp, không theo tên).")


@dataclass
class Upload:
    """One checked file, not yet stored."""

    name: str
    data: bytes
    mime: str
    pages: int
    paper: str | None
    sha256: str = ""

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()

    def ref(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "name": self.name, "mime": self.mime, "size": len(self.data),
                "pages": self.pages, "paper": self.paper}


def check_uploads(files: Iterable[tuple[str, bytes, str | None]], cfg: OnlineConfig) -> list[Upload]:
    """Every file checked (type by bytes, per-file and per-dossier size, count); OnlineError listing all."""
    out: list[Upload] = []
    problems: list[str] = []
    total = 0
    for name, data, paper in files:
        clean = (name or "tep").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "tep"
        clean = "".join(c for c in clean if c.isprintable())
        if len(data) > cfg.max_file_bytes:
            problems.append(f"Tệp “{clean}” quá lớn ({_mb(len(data))}, tối đa {_mb(cfg.max_file_bytes)} mỗi tệp).")
            continue
        total += len(data)
        try:
            mime, pages = sniff(clean, data)
        except OnlineError as exc:
            problems.append(exc.message)
            continue
        out.append(Upload(clean, data, mime, pages, paper))
    if len(out) + len(problems) > cfg.max_files:
        problems.append(f"Tối đa {cfg.max_files} tệp cho một hồ sơ.")
    if total > cfg.max_dossier_bytes:
        problems.append(f"Tổng dung lượng các tệp {_mb(total)} vượt quá {_mb(cfg.max_dossier_bytes)} cho một hồ sơ.")
    if problems:
        raise OnlineError(" ".join(problems))
    return out


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


def _size(n: int) -> str:
    """A file's size as a citizen reads it: "37 KB" under 1 MB (never "0,0 MB"), else "2,4 MB"."""
    return f"{max(1, round(n / 1024))} KB" if n < 1024 * 1024 else _mb(n)


def _shown(kind: str, value: str) -> str:
    """A field's value on the review page: a date as dd/mm/yyyy, the rest as typed; "—" when empty."""
    if kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value or ""):
        y, m, d = value.split("-")
        return f"{d}/{m}/{y}"
    return value or "—"


def put_blob(blobs: CentralBlobs, conn: Connection, upload: Upload, now: datetime) -> bool:
    """Store an upload by its SHA-256 unless the server has it, through the server's blob store ([server]
    blob_url: the database, a folder, S3), its index row in the caller's transaction (the one place this module
    writes blobs). True when it was new."""
    try:
        return blobs.put_bytes(conn, upload.sha256, upload.mime, upload.data, now)
    except BlobStoreError:
        log.exception("the blob store refused an online upload")
        raise OnlineError("Máy chủ tạm thời không lưu được tệp, vui lòng gửi lại sau ít phút.") from None


def hold_uploads(engine: Engine, uploads: Iterable[Upload], now: datetime) -> None:
    """Note the uploads in central_upload_holds, committed before their bytes are stored: whatever happens next
    (the citizen never confirms, the dossier's transaction fails after a folder or S3 store took the bytes),
    `cleanup_uploads` finds them once the lifetime has passed."""
    hashes = sorted({u.sha256 for u in uploads})
    if not hashes:
        return
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO central_upload_holds(sha256, created_at) VALUES (:s, :c) "
                             "ON CONFLICT DO NOTHING"), [{"s": h, "c": now} for h in hashes])


@dataclass(frozen=True)
class Cleanup:
    removed: int  # held blobs no accepted event names: bytes and row dropped
    kept: int  # held blobs a dossier names: released (kept for ever)


def cleanup_uploads(engine: Engine, blobs: CentralBlobs, now: datetime, lifetime_hours: float,
                    batch: int = 500) -> Cleanup:
    """Drop the uploads held longer than `lifetime_hours` that no accepted event of any office names (a /nop
    review never confirmed, a failed supplement); release the held ones a dossier names. A blob an event names
    (central_blob_refs) is never deleted: the row goes only under that condition, in the same statement, and the
    store's bytes only after that row is gone."""
    from datetime import timedelta

    cut = now - timedelta(hours=lifetime_hours)
    writer = engine.execution_options(immediate=True)
    removed = kept = 0
    while True:
        with engine.connect() as conn:
            due = list(conn.execute(sa.select(t.upload_holds.c.sha256).where(t.upload_holds.c.created_at < cut)
                                    .order_by(t.upload_holds.c.created_at).limit(batch)).scalars())
        if not due:
            return Cleanup(removed, kept)
        for sha in due:
            with writer.begin() as conn:
                named = sa.exists().where(t.blob_refs.c.sha256 == sha)
                gone = conn.execute(sa.delete(t.blobs).where(t.blobs.c.sha256 == sha, ~named)).rowcount
                if not gone and conn.execute(sa.select(named)).scalar():
                    kept += 1
                conn.execute(sa.delete(t.upload_holds).where(t.upload_holds.c.sha256 == sha))
            if gone:
                blobs.store.delete(sha)
                removed += 1


class Cleaner:
    """The server's worker deleting orphan uploads every `interval` seconds (a thread; every process may run one:
    each blob is settled in a transaction of its own, a second process finds nothing left to do)."""

    def __init__(self, engine: Engine, blobs: CentralBlobs, clock: Clock, lifetime_hours: float, interval: float):
        import threading

        self.engine, self.blobs, self.clock = engine, blobs, clock
        self.lifetime, self.interval = lifetime_hours, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="online-cleanup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                done = cleanup_uploads(self.engine, self.blobs, self.clock.now(), self.lifetime)
                if done.removed:
                    log.info("online cleanup: %d orphan uploads removed", done.removed)
            except Exception:  # the database or the store away for a while: next time
                log.exception("online cleanup failed")


def attach_cleanup(app: Any, cfg: OnlineConfig) -> None:
    """Run a Cleaner for the app's lifetime (cfg.cleanup_interval seconds apart; 0: none)."""
    from counter.central.ops import run_beside

    if cfg.cleanup_interval <= 0:
        return
    run_beside(app, lambda a: Cleaner(a.state.engine, a.state.blobs, a.state.clock, cfg.upload_lifetime_hours,
                                      cfg.cleanup_interval))


# --- the online desk ---------------------------------------------------------------------------------------

def desk_auth(office_id: str) -> TokenInfo:
    return TokenInfo(0, office_id, codes.ONLINE_DESK_NUMBER, desk_station_id(office_id),
                     datetime(2000, 1, 1, tzinfo=UTC), None, desk=True)


def desk_append(conn: Connection, office_id: str, dossier_id: str, kind: str, payload: dict[str, Any],
                now: datetime, touched: set[str] | None = None) -> dict[str, Any]:
    """Write one event of the office's online desk inside the caller's transaction, through `ingest.push`
    (its checks, its office_seq and chains). OnlineError with the server's reason when it is not accepted
    (the caller rolls back: nothing of it stays)."""
    auth = desk_auth(office_id)
    ingest._lock_office(conn, office_id)
    station = ingest._lock_station(conn, auth.station_id or "", office_id)
    head = conn.execute(sa.select(t.dossiers.c.head).where(t.dossiers.c.id == dossier_id)).scalar()
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()), "dossier_id": dossier_id, "office_id": office_id, "station_id": auth.station_id,
        "station_seq": int(station["last_seq"]) + 1, "parent": head, "kind": kind, "actor_id": None,
        "at": now.astimezone(UTC).isoformat(), "payload": json.loads(canonical_json(payload)),
    }
    prev = station["last_hash"] or GENESIS
    wire = {**body, "prev_hash": prev, "hash": chain_hash(prev, body),
            "actor": {"username": "", "full_name": DESK_NAME}}
    result = ingest.push(conn, auth, {"station_id": auth.station_id, "events": [wire]}, now, touched)[0]
    if result["status"] != "accepted":
        raise OnlineError(result.get("reason") or "Máy chủ không nhận hồ sơ.")
    return result


def next_desk_code(conn: Connection, office_id: str, now: datetime) -> str:
    """The next code of the office's online desk today (its block 9001…9999), under the office's lock (the
    caller's)."""
    day = now.astimezone(VN_TZ).date()
    prefix = codes.format_code(office_id, day, 0)[:-4]
    first, _ = codes.block(codes.ONLINE_DESK_NUMBER)
    last = conn.execute(sa.select(sa.func.max(t.dossiers.c.code)).where(
        t.dossiers.c.office_id == office_id,
        t.dossiers.c.code.like(prefix + str(codes.ONLINE_DESK_NUMBER) + "___"))).scalar()
    n = int(last[-4:]) - first + 2 if last else 1
    return codes.format_code(office_id, day, codes.seq_for(codes.ONLINE_DESK_NUMBER, n))


def applicant_values(values: dict[str, str], today: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The owner's details as a `registered` payload holds them, checked by the intake rules; (values, errors)."""
    errors: dict[str, str] = {}
    a = clean_applicant(Applicant(kind=int(values.get("owner_kind") or 1), name=values.get("owner_name", ""),
                                  id_number=values.get("owner_id_number"), birth_date=values.get("owner_birth_date"),
                                  address=values.get("owner_address"), phone=values.get("owner_phone"),
                                  email=values.get("owner_email")), "owner", today, errors)
    out = {"owner_kind": a.kind, "owner_name": a.name, "owner_id_number": a.id_number,
           "owner_birth_date": a.birth_date, "owner_address": a.address, "owner_phone": a.phone,
           "owner_email": a.email}
    return {k: v for k, v in out.items() if v not in (None, "")}, errors


def registered_payload(office_id: str, spec: ProcedureSpec, owner: dict[str, Any], files: list[dict[str, Any]],
                       *, code: str, assisted: bool = False, source: str = "web", digest: str | None = None,
                       dossier_id: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "dossier_id": dossier_id or str(uuid.uuid4()), "code": code, "token": codes.new_token(),
        "office_id": office_id, "procedure_code": spec.code, "procedure_name": spec.name, "field": spec.field,
        "channel": 2, **owner, "working_days": spec.working_days, "fee": spec.fee,
        "papers": [{"name": p.name, "originals": p.originals, "certified_copies": p.certified_copies,
                    "photocopies": p.photocopies} for p in spec.papers],
        "files": files, "assisted": assisted, "source": source,
    }
    if digest:
        payload["portal_digest"] = digest
    return payload


def file_dossier(blobs: CentralBlobs, conn: Connection, payload: dict[str, Any], uploads: list[Upload],
                 now: datetime, touched: set[str] | None = None) -> dict[str, Any]:
    """Store the uploads and the desk's `registered` event in the caller's transaction (OnlineError: roll back)."""
    _, problems = contracts.payload_errors("registered", payload)
    if problems:
        raise OnlineError("Hồ sơ không hợp lệ: " + "; ".join(problems) + ".")
    for u in uploads:
        put_blob(blobs, conn, u, now)
    desk_append(conn, payload["office_id"], payload["dossier_id"], EventKind.REGISTERED, payload, now, touched)
    return payload


# --- reading dossiers ----------------------------------------------------------------------------------------

def _state_row(conn: Connection, token: str) -> Any:
    return conn.execute(sa.select(t.dossiers.c.id, t.dossiers.c.office_id, t.dossiers.c.state, t.dossiers.c.code)
                        .where(t.dossiers.c.token == token)).first()


def _state_of(conn: Connection, token: str) -> tuple[Any, Any] | None:
    """The dossier's row (_state_row) and its state, by its tracking token; None: no such dossier."""
    row = _state_row(conn, token)
    return None if row is None else (row, ingest.state_from_json(row.state))


def _events_of(conn: Connection, dossier_id: str, kinds: Iterable[str]) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(t.events.c.wire).where(
        t.events.c.dossier_id == dossier_id, t.events.c.status == "accepted", t.events.c.kind.in_(list(kinds)))
        .order_by(t.events.c.office_seq)).scalars()
    return [json.loads(w) for w in rows]


def missing_papers(conn: Connection, dossier_id: str) -> list[dict[str, str]]:
    """What the counter's last request (online_incomplete) asked for."""
    asked = _events_of(conn, dossier_id, [EventKind.ONLINE_INCOMPLETE])
    return list(asked[-1]["payload"].get("papers", [])) if asked else []


def find_by_code(conn: Connection, code: str, last4: str) -> str | None:
    """The tracking token of the dossier with this code whose owner's phone or ID number ends in `last4`."""
    rows = conn.execute(sa.select(t.dossiers.c.token, t.dossiers.c.state).where(t.dossiers.c.code == code)).all()
    for r in rows:
        state = ingest.state_from_json(r.state)
        for value in (state.owner_phone, state.owner_id_number):
            if value and len(last4) == 4 and value.endswith(last4):
                return str(r.token)
    return None


# --- the portal's delivery ------------------------------------------------------------------------------------

PORTAL_STRINGS = ("MaHoSo", "MaTTHC", "TenTTHC", "KenhThucHien", "ChuHoSo", "LoaiDoiTuong", "MaDoiTuong",
                  "Email", "SoDienThoai", "TrichYeuHoSo", "TrangThaiHoSo", "NgayNopHoSo", "NgayTiepNhan",
                  "ThongTinKhac", "GhiChu", "NoiNopHoSo")
MAX_PORTAL_BATCH = 1000


@dataclass
class PortalDossier:
    code: str
    spec: ProcedureSpec
    owner: dict[str, Any]
    files: list[tuple[str, str, str | None]]  # (url, name, paper)
    digest: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def _paper_for(spec: ProcedureSpec, component: str) -> str | None:
    """The checklist paper a portal file is for: MaThanhPhanHoSo as the paper's name or its position."""
    text = component.strip()
    if text.isdigit() and 1 <= int(text) <= len(spec.papers):
        return spec.papers[int(text) - 1].name
    for p in spec.papers:
        if fold(p.name) == fold(text):
            return p.name
    return None


def parse_portal_dossier(obj: Any, office_id: str, catalogue: dict[str, ProcedureSpec], now: datetime,
                         maps: PortalCodes | None = None) -> PortalDossier:
    """One dossier object of DongBoHoSoMC, checked field by field (OnlineError naming each bad field)."""
    if not isinstance(obj, dict):
        raise OnlineError("Hồ sơ không phải một đối tượng JSON.")
    problems: list[str] = []
    for key in PORTAL_STRINGS:
        if key in obj and not isinstance(obj[key], str):
            problems.append(f"{key} phải là chuỗi")
    get = lambda k: obj[k].strip() if isinstance(obj.get(k), str) else ""  # noqa: E731
    code = get("MaHoSo").upper()
    if not code:
        problems.append("thiếu MaHoSo")
    elif not codes.looks_like_code(code):
        problems.append(f"MaHoSo “{code[:60]}” không đúng dạng MÃCQ-yyMMdd-NNNN")
    spec = None
    if not get("MaTTHC"):
        problems.append("thiếu MaTTHC")
    else:
        spec = portal_procedure(catalogue, maps or PortalCodes.from_rows(()), get("MaTTHC"))
        if spec is None:
            problems.append(f"thủ tục {get('MaTTHC')[:60]} không có trong danh mục trực tuyến của cơ quan")
    status = portal_status(maps or PortalCodes.from_rows(()), get("TrangThaiHoSo") or "1")
    if status is None:
        problems.append(f"TrangThaiHoSo “{get('TrangThaiHoSo')[:20]}” không hợp lệ")
    elif status != Status.NEW:
        problems.append(f"chỉ nhận hồ sơ mới đăng ký (TrangThaiHoSo 1), nhận được {status}")
    if get("KenhThucHien") not in ("", "2"):
        problems.append(f"KenhThucHien phải là 2 (trực tuyến), nhận được “{get('KenhThucHien')[:10]}”")
    kind = get("LoaiDoiTuong") or "1"
    if kind not in ("1", "2", "3", "4"):
        problems.append(f"LoaiDoiTuong “{kind[:10]}” không hợp lệ (1–4)")
        kind = "1"
    when = get("NgayNopHoSo")
    if when:
        try:
            datetime.strptime(when, "%Y%m%d%H%M%S")
        except ValueError:
            problems.append(f"NgayNopHoSo “{when[:20]}” không đúng dạng yyyyMMddHHmmss")
    if not get("ChuHoSo"):
        problems.append("thiếu ChuHoSo")
    owner, errors = applicant_values({"owner_kind": kind, "owner_name": get("ChuHoSo"),
                                      "owner_id_number": get("MaDoiTuong") if kind == "1" else "",
                                      "owner_phone": get("SoDienThoai"), "owner_email": get("Email")},
                                     now.astimezone(VN_TZ).date())
    labels = {"owner_name": "ChuHoSo", "owner_id_number": "MaDoiTuong", "owner_phone": "SoDienThoai",
              "owner_email": "Email"}
    problems += [f"{labels.get(k, k)}: {v}" for k, v in errors.items() if not (k == "owner_name" and not get("ChuHoSo"))]
    files: list[tuple[str, str, str | None]] = []
    docs = obj.get("TaiLieuNop", [])
    if not isinstance(docs, list):
        problems.append("TaiLieuNop phải là danh sách")
        docs = []
    for i, doc in enumerate(docs, start=1):
        if not isinstance(doc, dict):
            problems.append(f"TaiLieuNop mục {i} không phải đối tượng")
            continue
        if any(not isinstance(v, str) for k, v in doc.items() if k in ("DuongDanTaiTepTin", "TenTepDinhKem",
                                                                     "MaThanhPhanHoSo", "IsDeleted")):
            problems.append(f"TaiLieuNop mục {i}: các trường phải là chuỗi")
            continue
        if doc.get("IsDeleted", "").strip().lower() in ("1", "true"):
            continue
        url = doc.get("DuongDanTaiTepTin", "").strip()
        if not url:
            problems.append(f"TaiLieuNop mục {i}: thiếu DuongDanTaiTepTin")
            continue
        name = doc.get("TenTepDinhKem", "").strip() or url.rsplit("/", 1)[-1]
        paper = _paper_for(spec, doc.get("MaThanhPhanHoSo", "")) if spec is not None else None
        files.append((url, name, paper))
    if not files and not problems:
        problems.append("TaiLieuNop không có tệp nào")
    if problems:
        raise OnlineError("Hồ sơ không hợp lệ: " + "; ".join(problems) + ".")
    assert spec is not None
    digest = hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()
    return PortalDossier(code, spec, owner, files, digest, obj)


def fetch_file(client: Any, url: str, cfg: OnlineConfig) -> bytes:
    """A portal file by its URL, from a configured host only, at most max_file_bytes (OnlineError otherwise)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    hostport = f"{host}:{parts.port}" if parts.port else host
    if parts.scheme not in ("http", "https") or not host:
        raise OnlineError(f"Đường dẫn tệp “{url[:100]}” không hợp lệ (chỉ http/https).")
    allowed = {h.strip().lower() for h in cfg.file_hosts if h.strip()}
    if host not in allowed and hostport not in allowed:
        raise OnlineError(f"Máy chủ {hostport[:80]} không nằm trong danh sách được phép tải tệp ([server] "
                          "portal_file_hosts).")
    import httpx

    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise OnlineError(f"Không tải được tệp {url[:100]} (HTTP {response.status_code}).")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cfg.max_file_bytes:
                raise OnlineError(f"Tệp {url[:100]} quá lớn ({_mb(int(declared))}, tối đa {_mb(cfg.max_file_bytes)}).")
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > cfg.max_file_bytes:
                    raise OnlineError(f"Tệp {url[:100]} quá lớn (tối đa {_mb(cfg.max_file_bytes)}).")
            return bytes(data)
    except httpx.HTTPError as exc:
        raise OnlineError(f"Không tải được tệp {url[:100]} ({type(exc).__name__}).") from None


def _existing(conn: Connection, office_id: str, code: str) -> str | bool | None:
    """For a MaHoSo the office has: the portal digest its registration kept (None: not from the portal);
    False when the office has no such dossier."""
    row = conn.execute(sa.select(t.dossiers.c.id).where(t.dossiers.c.office_id == office_id,
                                                       t.dossiers.c.code == code)).first()
    if row is None:
        return False
    first = _events_of(conn, row.id, [EventKind.REGISTERED])
    return first[0]["payload"].get("portal_digest") if first else None


#: dossiers whose files are fetched at once (8 fetches in flight) and written in one transaction, each in a
#: savepoint of its own (a rejected one leaves nothing): memory stays at a window's files
WINDOW = 16
FETCHERS = 8


def portal_intake(engine: Engine, auth: TokenInfo, body: Any, cfg: OnlineConfig,
                  catalogue: dict[str, ProcedureSpec], clock: Clock,
                  forget: Callable[[str], None] = lambda _t: None,
                  blobs: CentralBlobs | None = None) -> list[dict[str, Any]]:
    """Settle a DongBoHoSoMC body: each dossier accepted, duplicate or rejected on its own (a rejected one
    stores nothing), in the order given."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    if not isinstance(body, dict):
        raise OnlineError("Thân yêu cầu phải là một đối tượng JSON.")
    if body.get("service") != "DongBoHoSoMC":
        raise OnlineError("“service” phải là “DongBoHoSoMC”.")
    if body.get("isUpdating", False) not in (False, "false", 0):
        raise OnlineError("Chưa hỗ trợ cập nhật hồ sơ (isUpdating phải là false).")
    data = body.get("data")
    if not isinstance(data, list):
        raise OnlineError("“data” phải là danh sách hồ sơ.")
    if len(data) > MAX_PORTAL_BATCH:
        raise OnlineError(f"Mỗi lần gửi tối đa {MAX_PORTAL_BATCH} hồ sơ.")
    writer = engine.execution_options(immediate=True)
    blobs = blobs or CentralBlobs(engine, DatabaseBlobs(engine))
    results: list[dict[str, Any]] = []
    with httpx.Client(timeout=cfg.fetch_timeout, follow_redirects=False) as client, \
            ThreadPoolExecutor(FETCHERS) as pool:
        for start in range(0, len(data), WINDOW):
            results += _intake_window(writer, blobs, client, pool, auth, data[start:start + WINDOW], cfg,
                                      catalogue, clock, forget)
    return results


def _rejected(code: Any, message: str) -> dict[str, Any]:
    return {"MaHoSo": code, "outcome": "rejected", "message": message}


def _known_outcome(known: str | bool | None, d: PortalDossier) -> dict[str, Any] | None:
    if known is False:
        return None
    if known == d.digest:
        return {"MaHoSo": d.code, "outcome": "duplicate", "message": "Hồ sơ đã nhận trước đó (trùng nội dung)."}
    return _rejected(d.code, f"Mã hồ sơ {d.code} đã có với nội dung khác: không nhận lần nữa.")


def _intake_window(writer: Engine, blobs: CentralBlobs, client: Any, pool: Any, auth: TokenInfo, window: list[Any],
                   cfg: OnlineConfig,
                   catalogue: dict[str, ProcedureSpec], clock: Clock,
                   forget: Callable[[str], None]) -> list[dict[str, Any]]:
    now = clock.now()
    out: list[dict[str, Any] | None] = []
    todo: list[tuple[int, PortalDossier, list[Any]]] = []
    with writer.connect() as conn:
        maps = portal_out.codes(conn)  # the admin's mapping tables, shared with the push (issue 16)
        for obj in window:
            shown = obj.get("MaHoSo") if isinstance(obj, dict) and isinstance(obj.get("MaHoSo"), str) else None
            try:
                d = parse_portal_dossier(obj, auth.office_id, catalogue, now, maps)
            except OnlineError as exc:
                out.append(_rejected(shown, exc.message))
                continue
            done = _known_outcome(_existing(conn, auth.office_id, d.code), d)
            out.append(done)
            if done is None:  # its files, fetched while the others are checked
                todo.append((len(out) - 1, d, [pool.submit(fetch_file, client, url, cfg) for url, _, _ in d.files]))
    touched: set[str] = set()
    if todo:
        with writer.begin() as conn:
            for i, d, fetches in todo:
                try:
                    got = [f.result() for f in fetches]
                    uploads = check_uploads(((name, data, paper) for (_, name, paper), data in zip(d.files, got)),
                                            cfg)
                    with conn.begin_nested():  # a savepoint: a rejected dossier leaves nothing
                        again = _known_outcome(_existing(conn, auth.office_id, d.code), d)  # twice in one batch
                        if again is not None:
                            out[i] = again
                            continue
                        payload = registered_payload(auth.office_id, d.spec, d.owner, [u.ref() for u in uploads],
                                                     code=d.code, source="portal", digest=d.digest)
                        mine: set[str] = set()
                        file_dossier(blobs, conn, payload, uploads, now, mine)
                    touched |= mine
                    out[i] = {"MaHoSo": d.code, "outcome": "accepted", "message": "Đã nhận hồ sơ."}
                except OnlineError as exc:
                    out[i] = _rejected(d.code, exc.message)
                except (ingest.Forbidden, ingest.BadRequest) as exc:
                    out[i] = _rejected(d.code, exc.message)
    for token in touched:
        forget(token)
    return [r for r in out if r is not None]


# --- HTML ----------------------------------------------------------------------------------------------------

_CSS = ("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f6f8;"
        "color:#1b1f23;font-size:16px;line-height:1.45}main{max-width:40rem;margin:0 auto;padding:1rem}"
        "h1{font-size:1.2rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:.2rem 0 .5rem}"
        ".card{background:#fff;border-radius:.6rem;padding:1rem;margin-bottom:.8rem;"
        "box-shadow:0 1px 2px rgba(0,0,0,.08)}label{display:block;margin:.6rem 0 .2rem;font-weight:600}"
        "input,select,button{font:inherit;box-sizing:border-box;max-width:100%}"
        "input[type=text],input[type=email],input[type=tel],input[type=date],input[type=search],select"
        "{width:100%;padding:.5rem;border:1px solid #b7c0c8;border-radius:.4rem}"
        "input[type=file]{width:100%;margin:.2rem 0}button{background:#0b5394;color:#fff;border:0;"
        "border-radius:.4rem;padding:.65rem 1.1rem;margin-top:.8rem;width:100%}"
        ".err{color:#a61b1b;font-weight:600}.ok{color:#1e7b34;font-weight:700}.muted{color:#5a6470;"
        "font-size:.9rem}ul{padding-left:1.2rem}li{margin:.3rem 0}a{color:#0b5394}"
        "table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.3rem;border-bottom:"
        "1px solid #e3e7eb;font-size:.92rem;word-break:break-word}th{word-break:normal}"
        "td.pages,td.size{white-space:nowrap}.file{overflow-wrap:anywhere}.code{font-size:1.3rem;font-weight:700}")
CSP = (f"default-src 'none'; style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
       "img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
e = html.escape


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>")
    return HTMLResponse(text, status_code=status, headers=_HEADERS)


def _input(name: str, label: str, values: dict[str, str], errors: dict[str, str], kind: str = "text",
           required: bool = False, extra: str = "") -> str:
    err = f"<div class=\"err\" id=\"err-{name}\">{e(errors[name])}</div>" if name in errors else ""
    req = " required" if required else ""
    star = " *" if required else ""
    return (f"<label for=\"{name}\">{e(label)}{star}</label><input type=\"{kind}\" id=\"{name}\" name=\"{name}\" "
            f"value=\"{e(values.get(name, ''))}\"{req}{extra}>{err}")


_APPLICANT = (("owner_name", "Họ và tên", "text", True), ("owner_id_number", "Số định danh cá nhân (CCCD)", "text", True),
              ("owner_birth_date", "Ngày sinh", "date", False), ("owner_address", "Địa chỉ", "text", False),
              ("owner_phone", "Số điện thoại", "tel", True), ("owner_email", "Email", "email", False))
ASSIST_SECONDS = 12 * 3600  # a clerk's assisted-filing ticket lasts a working day
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


# --- the router ----------------------------------------------------------------------------------------------

def make_router(engine: Engine, clock: Clock, cfg: OnlineConfig, forget: Callable[[str], Any],
                blobs: CentralBlobs | None = None) -> APIRouter:
    """The routes of this module; `forget(token)` drops a tracking page from the app's cache; `blobs`: the
    server's blob store (app.state.blobs; default: the database's table)."""
    from counter.central.track import RateLimiter

    router = APIRouter()
    writer = engine.execution_options(immediate=True)
    blobs = blobs or CentralBlobs(engine, DatabaseBlobs(engine))
    catalogue = load_catalogue(cfg.catalogue)
    filings = RateLimiter(cfg.nop_rate, cfg.nop_burst)
    secret_box: dict[str, bytes] = {}

    def secret() -> bytes:
        """The key that signs a filing's draft between review and confirmation (kept in the database, so every
        server process knows it)."""
        if "k" not in secret_box:
            with writer.begin() as conn:
                row = conn.execute(sa.select(t.meta.c.value).where(t.meta.c.key == "nop_secret")).scalar()
                if row is None:
                    row = secrets.token_hex(32)
                    conn.execute(sa.insert(t.meta).values(key="nop_secret", value=row))
            secret_box["k"] = bytes.fromhex(row)
        return secret_box["k"]

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "?"

    def base_url(request: Request) -> str:
        return (cfg.public_base_url or str(request.base_url)).rstrip("/")

    def offices() -> list[tuple[str, str]]:
        with engine.connect() as conn:
            return [(r.id, r.name or r.id) for r in conn.execute(sa.select(t.offices.c.id, t.offices.c.name)
                                                                  .order_by(t.offices.c.id))]

    def too_many(wait: float) -> HTMLResponse:
        resp = page("Quá nhiều yêu cầu", "<h1>Quá nhiều yêu cầu</h1><div class=\"card\">Vui lòng thử lại sau "
                    "ít phút.</div>", 429)
        resp.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return resp

    def over_limit(limiter: Any, request: Request) -> HTMLResponse | None:
        """The 429 page when this client has used up `limiter`'s allowance, else None (the request goes on)."""
        wait = limiter.take(client_of(request))
        return too_many(wait) if wait else None

    async def small_form(request: Request) -> Any | None:
        """The posted fields of a form without files; None: not a readable form."""
        try:
            return await request.form(max_files=0, max_fields=10)
        except Exception:
            return None

    # ---- "hỗ trợ nộp trực tuyến": only staff mark a dossier assisted ----

    def assist_ok(ticket: str, office: str) -> bool:
        """The ticket is this server's, for a station of `office`, and not expired."""
        value = _unsign(ticket, secret())
        return (value is not None and value.get("kind") == "assist" and value.get("office") == office
                and isinstance(value.get("exp"), int) and value["exp"] > time.time())

    def assist_q(ticket: str) -> str:
        return f"&amp;assisted={quote(ticket)}" if ticket else ""

    def not_staff() -> HTMLResponse:
        return page("Không được phép", "<h1>Chỉ cán bộ của cơ quan mới dùng được chế độ hỗ trợ nộp trực tuyến</h1>"
                    "<div class=\"card err\" id=\"not-staff\">Đường dẫn hỗ trợ nộp không hợp lệ hoặc đã hết hạn. Cán bộ "
                    "mở lại trang từ quầy (màn hình Tiếp nhận, phím Hỗ trợ nộp trực tuyến); công dân tự nộp tại "
                    "<a href=\"/nop\">trang nộp hồ sơ trực tuyến</a>.</div>", 403)

    @router.post("/api/v1/online/assist", include_in_schema=False)
    async def assist_ticket(request: Request) -> Response:
        """A ticket for the /nop pages in assisted mode, for the calling station's office (its token)."""
        from counter.central.app import _run

        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return JSONResponse({"detail": "Thiếu mã truy cập (Authorization: Bearer ...)."}, status_code=401)

        def auth() -> TokenInfo | None:
            with engine.connect() as conn:
                return lookup(conn, token)

        info = await _run(auth)
        if info is None:
            return JSONResponse({"detail": "Mã truy cập sai hoặc đã bị thu hồi."}, status_code=401)
        if info.portal:
            return JSONResponse({"detail": "Mã truy cập của Cổng DVCQG không dùng để hỗ trợ nộp hồ sơ."},
                                status_code=403)
        ticket = _sign({"kind": "assist", "office": info.office_id, "station": info.station_number,
                        "exp": int(time.time()) + ASSIST_SECONDS}, await _run(secret))
        return JSONResponse({"ticket": ticket, "office_id": info.office_id, "expires_in": ASSIST_SECONDS},
                            headers={"Cache-Control": "no-store"})

    # ---- the portal ----

    @router.post("/api/v1/portal/dossiers", include_in_schema=False)
    async def portal_dossiers(request: Request) -> Response:
        from counter.central.app import _json_body, _run

        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _portal_error(401, "Thiếu mã truy cập (Authorization: Bearer ...).")

        def auth() -> TokenInfo | None:
            with engine.connect() as conn:
                return lookup(conn, token)

        info = await _run(auth)
        if info is None:
            return _portal_error(401, "Mã truy cập sai hoặc đã bị thu hồi.")
        if not info.portal:
            return _portal_error(403, "Mã truy cập của máy trạm không dùng để gửi hồ sơ của Cổng DVCQG.")
        try:
            body = _json_body(await request.body())
        except Exception as exc:
            return _portal_error(422, getattr(exc, "detail", "Thân yêu cầu không phải JSON hợp lệ."))
        try:
            results = await _run(lambda: portal_intake(engine, info, body, cfg, catalogue, clock, forget, blobs))
        except OnlineError as exc:
            return _portal_error(422, exc.message)
        return JSONResponse({"error_code": 0, "result": results})

    # ---- /nop: the public filing page ----

    @router.get("/nop", response_class=HTMLResponse, include_in_schema=False)
    def nop_list(request: Request, q: str = "", office: str = "", assisted: str = "") -> HTMLResponse:
        known = offices()
        if assisted and not office:  # a clerk's ticket names its office
            office = str((_unsign(assisted, secret()) or {}).get("office") or "")
        office = office if any(o == office for o, _ in known) else (known[0][0] if len(known) == 1 else "")
        if assisted and not assist_ok(assisted, office):
            return not_staff()
        helper = _assisted_banner(assisted)
        office_field = "".join(f"<option value=\"{e(o)}\"{' selected' if o == office else ''}>{e(n)}</option>"
                               for o, n in known)
        found = online_procedures(catalogue, q[:200])
        items = "".join(
            f"<li><a href=\"/nop/{quote(s.code)}?office={quote(office)}{assist_q(assisted)}\">"
            f"{e(s.name)}</a><div class=\"muted\">{e(s.code)} · {e(s.field)} · trực tuyến "
            f"{e(ONLINE_LEVELS[s.online_level or ''])}</div></li>" for s in found) if office else ""
        body = (f"<h1>Nộp hồ sơ trực tuyến</h1>{helper}<div class=\"card\"><form method=\"get\" action=\"/nop\">"
                f"<label for=\"office\">Cơ quan tiếp nhận</label><select id=\"office\" name=\"office\">{office_field}"
                f"</select><label for=\"q\">Tìm thủ tục</label><input type=\"search\" id=\"q\" name=\"q\" "
                f"value=\"{e(q[:200])}\" placeholder=\"ví dụ: khai sinh\">"
                + (f"<input type=\"hidden\" name=\"assisted\" value=\"{e(assisted)}\">" if assisted else "")
                + "<button type=\"submit\">Tìm</button></form></div>"
                + (f"<div class=\"card\"><h2>Thủ tục nộp trực tuyến</h2><ul id=\"procedures\">{items}</ul></div>"
                   if found and office else
                   "<div class=\"card\">Không có thủ tục nào khớp. Thử từ khóa khác.</div>" if office else
                   "<div class=\"card\">Chọn cơ quan tiếp nhận rồi bấm Tìm.</div>")
                + "<div class=\"card\"><a href=\"/tra-cuu\">Tra cứu hồ sơ đã nộp</a></div>")
        return page("Nộp hồ sơ trực tuyến", body)

    def _spec_or_404(code: str) -> ProcedureSpec | None:
        spec = catalogue.get(code.upper())
        return spec if spec is not None and spec.online_level is not None else None

    def _form(spec: ProcedureSpec, office: str, assisted: str, values: dict[str, str], errors: dict[str, str],
              status: int = 200) -> HTMLResponse:
        fields = "".join(_input(n, label, values, errors, kind, req) for n, label, kind, req in _APPLICANT)
        papers = "".join(
            f"<label for=\"paper_{i}\">{i}. {e(p.name)}{' *' if p.required else ' (nếu có)'}</label>"
            f"<input type=\"file\" id=\"paper_{i}\" name=\"paper_{i}\" accept=\"{ACCEPT}\" multiple>"
            + (f"<div class=\"err\">{e(errors[f'paper_{i}'])}</div>" if f"paper_{i}" in errors else "")
            for i, p in enumerate(spec.papers, start=1))
        files_err = f"<div class=\"err\" id=\"err-files\">{e(errors['files'])}</div>" if "files" in errors else ""
        top = ("<div class=\"card err\" id=\"errors\">Hồ sơ chưa nộp được: hãy sửa các mục báo lỗi dưới đây rồi chọn "
               "lại tệp.</div>" if errors else "")
        body = (f"<h1>{e(spec.name)}</h1>{_assisted_banner(assisted)}{top}"
                f"<form method=\"post\" action=\"/nop/{quote(spec.code)}\" enctype=\"multipart/form-data\">"
                f"<input type=\"hidden\" name=\"office\" value=\"{e(office)}\">"
                f"<input type=\"hidden\" name=\"assisted\" value=\"{e(assisted)}\">"
                f"<div class=\"card\"><h2>Thông tin người nộp</h2>{fields}</div>"
                f"<div class=\"card\"><h2>Thành phần hồ sơ</h2><p class=\"muted\">Tệp PDF, JPEG hoặc PNG; tối đa "
                f"{_mb(cfg.max_file_bytes)} mỗi tệp, {_mb(cfg.max_dossier_bytes)} cả hồ sơ.</p>{papers}{files_err}"
                "</div><button type=\"submit\" id=\"next\">Tiếp tục: xem lại hồ sơ</button></form>")
        return page(spec.name, body, status)

    @router.get("/nop/{code}", response_class=HTMLResponse, include_in_schema=False)
    def nop_form(code: str, office: str = "", assisted: str = "") -> HTMLResponse:
        spec = _spec_or_404(code)
        if spec is None or office not in {o for o, _ in offices()}:
            return page("Không tìm thấy", "<h1>Không tìm thấy thủ tục</h1><div class=\"card\">Thủ tục này không "
                        "nộp trực tuyến được tại cơ quan đã chọn. <a href=\"/nop\">Chọn lại</a></div>", 404)
        if assisted and not assist_ok(assisted, office):
            return not_staff()
        return _form(spec, office, assisted, {}, {})

    @router.post("/nop/{code}", response_class=HTMLResponse, include_in_schema=False)
    async def nop_upload(code: str, request: Request) -> HTMLResponse:
        from counter.central.app import _run

        if (refused := over_limit(filings, request)) is not None:
            return refused
        spec = _spec_or_404(code)
        if spec is None:
            return page("Không tìm thấy", "<h1>Không tìm thấy thủ tục</h1>", 404)
        if int(request.headers.get("content-length") or 0) > cfg.max_dossier_bytes + 1024 * 1024:
            return page("Quá lớn", f"<h1>Hồ sơ quá lớn</h1><div class=\"card err\">Tổng dung lượng vượt quá "
                        f"{_mb(cfg.max_dossier_bytes)}. <a href=\"/nop\">Nộp lại</a></div>", 413)
        try:
            form = await request.form(max_files=cfg.max_files + 50, max_fields=100)
        except Exception:
            return page("Không hợp lệ", "<h1>Dữ liệu gửi lên không hợp lệ</h1>", 400)
        values = {n: str(form.get(n) or "")[:400] for n, *_ in _APPLICANT}
        office = str(form.get("office") or "")
        assisted = str(form.get("assisted") or "")[:1000]
        if office not in {o for o, _ in offices()}:
            return page("Không hợp lệ", "<h1>Cơ quan tiếp nhận không hợp lệ</h1>", 422)
        if assisted and not assist_ok(assisted, office):
            return not_staff()
        files: list[tuple[str, bytes, str | None]] = []
        errors: dict[str, str] = {}
        for i, p in enumerate(spec.papers, start=1):
            got = [f for f in form.getlist(f"paper_{i}") if isinstance(f, StarletteUpload) and f.filename]
            if p.required and not got:
                errors[f"paper_{i}"] = "Chưa chọn tệp cho giấy tờ bắt buộc này."
            for f in got:
                data = await f.read(cfg.max_file_bytes + 1)
                files.append((f.filename or "tep", data, p.name))
        owner, problems = applicant_values(values, clock.now().astimezone(VN_TZ).date())
        errors.update(problems)
        for required in ("owner_id_number", "owner_phone"):
            if not values.get(required, "").strip() and required not in errors:
                errors[required] = "Không được để trống."
        uploads: list[Upload] = []
        if files:
            try:
                uploads = check_uploads(files, cfg)
            except OnlineError as exc:
                errors["files"] = exc.message
        if errors:
            return _form(spec, office, assisted, values, errors, 422)
        # the uploads are stored now (by hash: a second upload of the same file costs nothing); the dossier
        # only when the citizen confirms the review below
        now = clock.now()

        def store() -> None:
            hold_uploads(writer, uploads, now)  # until the confirmation names them (cleanup_uploads)
            with writer.begin() as conn:
                for u in uploads:
                    put_blob(blobs, conn, u, now)

        try:
            await _run(store)
        except OnlineError as exc:
            return page("Chưa nộp được", f"<h1>Chưa nộp được hồ sơ</h1><div class=\"card err\">{e(exc.message)}"
                        "</div><p><a href=\"/nop\">Nộp lại</a></p>", 503)
        draft = {"office": office, "procedure": spec.code, "owner": owner, "files": [u.ref() for u in uploads],
                 "assisted": bool(assisted), "dossier_id": str(uuid.uuid4()), "at": int(time.time())}
        signed = _sign(draft, secret())
        # on a 390 px phone: the paper with its file name under it, then two short columns
        rows = "".join(f"<tr><td>{e(u.paper or '')}<br><span class=\"muted file\">{e(u.name)}</span></td>"
                       f"<td class=\"pages\">{u.pages}</td><td class=\"size\">{_size(len(u.data))}</td></tr>"
                       for u in uploads)
        shown = "".join(f"<dt>{e(label)}</dt><dd>{e(_shown(kind, str(owner.get(n) or '')))}</dd>"
                        for n, label, kind, *_ in _APPLICANT)
        body = (f"<h1>Xem lại hồ sơ: {e(spec.name)}</h1>{_assisted_banner(assisted)}"
                f"<div class=\"card\"><h2>Người nộp</h2><dl>{shown}</dl></div>"
                f"<div class=\"card\"><h2>Tệp đã tải lên</h2><table id=\"files\"><tr><th>Giấy tờ / tệp</th>"
                f"<th>Số trang</th><th>Dung lượng</th></tr>{rows}</table>"
                f"<p>Tổng số trang: <b id=\"total-pages\">{sum(u.pages for u in uploads)}</b></p></div>"
                "<form method=\"post\" action=\"/nop-xac-nhan\">"
                f"<input type=\"hidden\" name=\"draft\" value=\"{e(signed)}\">"
                "<button type=\"submit\" id=\"confirm\">Xác nhận nộp hồ sơ</button></form>"
                f"<p><a href=\"/nop/{quote(spec.code)}?office={quote(office)}{assist_q(assisted)}\">"
                "Sửa lại</a></p>")
        return page("Xem lại hồ sơ", body)

    @router.post("/nop-xac-nhan", response_class=HTMLResponse, include_in_schema=False)
    async def nop_confirm(request: Request) -> HTMLResponse:
        from counter.central.app import _run

        if (refused := over_limit(filings, request)) is not None:
            return refused
        form = await small_form(request)
        if form is None:
            return page("Không hợp lệ", "<h1>Dữ liệu gửi lên không hợp lệ</h1>", 400)
        draft = _unsign(str(form.get("draft") or ""), secret())
        if draft is None or time.time() - int(draft.get("at", 0)) > 6 * 3600:
            return page("Hết hạn", "<h1>Phiên nộp hồ sơ không hợp lệ hoặc đã hết hạn</h1><div class=\"card\">"
                        "Vui lòng <a href=\"/nop\">nộp lại</a>.</div>", 422)
        spec = _spec_or_404(str(draft.get("procedure", "")))
        if spec is None:
            return page("Không tìm thấy", "<h1>Không tìm thấy thủ tục</h1>", 404)

        def file_it() -> dict[str, Any]:
            now = clock.now()
            touched: set[str] = set()
            with writer.begin() as conn:
                again = conn.execute(sa.select(t.dossiers.c.code, t.dossiers.c.token)
                                     .where(t.dossiers.c.id == draft["dossier_id"])).first()
                if again is not None:  # the same confirmation sent twice: the dossier it made
                    return {"code": again.code, "token": again.token}
                ingest._lock_office(conn, draft["office"])
                missing = [f["name"] for f in draft["files"] if not blobs.has_row(conn, f["sha256"])]
                if missing:
                    raise OnlineError("Không tìm thấy tệp đã tải lên: " + ", ".join(missing) + ". Vui lòng nộp lại.")
                payload = registered_payload(draft["office"], spec, draft["owner"], draft["files"],
                                             code=next_desk_code(conn, draft["office"], now),
                                             assisted=bool(draft["assisted"]), dossier_id=draft["dossier_id"])
                file_dossier(blobs, conn, payload, [], now, touched)
            for tok in touched:
                forget(tok)
            return {"code": payload["code"], "token": payload["token"]}

        try:
            done = await _run(file_it)
        except (OnlineError, codes.CodeError, ingest.Forbidden, ingest.BadRequest) as exc:
            return page("Chưa nộp được", f"<h1>Chưa nộp được hồ sơ</h1><div class=\"card err\">{e(exc.message)}"
                        "</div><p><a href=\"/nop\">Nộp lại</a></p>", 422)
        link = f"{base_url(request)}/t/{done['token']}"
        body = ("<h1>Đã nộp hồ sơ</h1><div class=\"card\"><p class=\"ok\">Hồ sơ của Ông/Bà đã được gửi tới cơ quan "
                "tiếp nhận.</p><div>Mã hồ sơ</div>"
                f"<div class=\"code\" id=\"code\">{e(done['code'])}</div>"
                f"<p>Theo dõi hồ sơ tại: <a id=\"track\" href=\"{e(link)}\">{e(link)}</a></p>"
                "<p class=\"muted\">Giữ lại mã hồ sơ và đường dẫn này. Có thể tra cứu bằng mã hồ sơ và 4 số cuối "
                "số điện thoại tại <a href=\"/tra-cuu\">trang tra cứu</a>.</p></div>")
        return page("Đã nộp hồ sơ", body)

    # ---- tracking by code ----

    def _lookup_form(message: str = "", code: str = "", status: int = 200) -> HTMLResponse:
        err = f"<div class=\"err\" id=\"err\">{e(message)}</div>" if message else ""
        body = ("<h1>Tra cứu hồ sơ</h1><div class=\"card\"><form method=\"post\" action=\"/tra-cuu\">"
                f"<label for=\"code\">Mã hồ sơ</label><input type=\"text\" id=\"code\" name=\"code\" value=\"{e(code)}\" "
                "required><label for=\"last4\">4 số cuối số điện thoại hoặc số định danh của người nộp</label>"
                "<input type=\"text\" id=\"last4\" name=\"last4\" inputmode=\"numeric\" maxlength=\"4\" required>"
                f"{err}<button type=\"submit\">Tra cứu</button></form></div>")
        return page("Tra cứu hồ sơ", body, status)

    @router.get("/tra-cuu", response_class=HTMLResponse, include_in_schema=False)
    def lookup_page() -> HTMLResponse:
        return _lookup_form()

    @router.post("/tra-cuu", include_in_schema=False)
    async def lookup_post(request: Request) -> Response:
        from counter.central.app import _run

        limiter = request.app.state.limiter  # the same limit as the token page
        if (refused := over_limit(limiter, request)) is not None:
            return refused
        form = await small_form(request)
        if form is None:
            return _lookup_form("Dữ liệu gửi lên không hợp lệ.", status=400)
        code = str(form.get("code") or "").strip().upper()[:64]
        last4 = str(form.get("last4") or "").strip()
        if not codes.looks_like_code(code) or not (len(last4) == 4 and last4.isdigit()):
            return _lookup_form("Nhập đúng mã hồ sơ (dạng MÃCQ-yyMMdd-NNNN) và 4 chữ số.", code, 422)

        def find() -> str | None:
            with engine.connect() as conn:
                return find_by_code(conn, code, last4)

        token = await _run(find)
        if token is None:
            return _lookup_form("Không tìm thấy hồ sơ khớp mã và 4 số đã nhập.", code, 404)
        return RedirectResponse(f"/t/{token}", status_code=303)

    # ---- the citizen's uploads of what the counter asked for ----

    def _supplement_page(token: str, row: Any, missing: list[dict[str, str]], error: str = "",
                         status: int = 200) -> HTMLResponse:
        items = "".join(f"<li><b>{e(m.get('name', ''))}</b>: {e(m.get('reason', ''))}</li>" for m in missing)
        inputs = "".join(f"<label for=\"f{i}\">{e(m.get('name', ''))}</label><input type=\"file\" id=\"f{i}\" "
                         f"name=\"f{i}\" accept=\"{ACCEPT}\" multiple>" for i, m in enumerate(missing, start=1))
        err = f"<div class=\"card err\" id=\"err\">{e(error)}</div>" if error else ""
        body = (f"<h1>Bổ sung hồ sơ {e(row.code)}</h1>{err}<div class=\"card\"><h2>Cơ quan yêu cầu bổ sung</h2>"
                f"<ul id=\"missing\">{items}</ul></div><form method=\"post\" action=\"/t/{token}/bo-sung\" "
                f"enctype=\"multipart/form-data\"><div class=\"card\">{inputs}</div>"
                "<button type=\"submit\" id=\"send\">Gửi tệp bổ sung</button></form>"
                f"<p><a href=\"/t/{token}\">Quay lại trang tra cứu</a></p>")
        return page("Bổ sung hồ sơ", body, status)

    def _awaiting(token: str) -> tuple[Any, list[dict[str, str]]] | None:
        parsed = codes.parse_token(token)
        if parsed is None:
            return None
        with engine.connect() as conn:
            found = _state_of(conn, parsed)
            if found is None:
                return None
            row, state = found
            return row, missing_papers(conn, row.id) if state.awaiting_citizen else []

    @router.get("/t/{token}/bo-sung", response_class=HTMLResponse, include_in_schema=False)
    async def supplement_form(token: str, request: Request) -> HTMLResponse:
        from counter.central.app import _run

        if (refused := over_limit(request.app.state.limiter, request)) is not None:
            return refused
        found = await _run(lambda: _awaiting(token))
        if found is None:
            return page("Không tìm thấy", "<h1>Không tìm thấy hồ sơ</h1>", 404)
        row, missing = found
        if not missing:
            return page("Không cần bổ sung", f"<h1>Hồ sơ {e(row.code)} không chờ bổ sung</h1>"
                        f"<p><a href=\"/t/{codes.parse_token(token)}\">Quay lại</a></p>", 409)
        return _supplement_page(codes.parse_token(token) or "", row, missing)

    @router.post("/t/{token}/bo-sung", include_in_schema=False)
    async def supplement_upload(token: str, request: Request) -> Response:
        from counter.central.app import _run

        if (refused := over_limit(filings, request)) is not None:
            return refused
        found = await _run(lambda: _awaiting(token))
        if found is None:
            return page("Không tìm thấy", "<h1>Không tìm thấy hồ sơ</h1>", 404)
        row, missing = found
        token = codes.parse_token(token) or ""
        if not missing:
            return page("Không cần bổ sung", f"<h1>Hồ sơ {e(row.code)} không chờ bổ sung</h1>", 409)
        if int(request.headers.get("content-length") or 0) > cfg.max_dossier_bytes + 1024 * 1024:
            return _supplement_page(token, row, missing, f"Tổng dung lượng vượt quá {_mb(cfg.max_dossier_bytes)}.", 413)
        try:
            form = await request.form(max_files=cfg.max_files + 50, max_fields=100)
        except Exception:
            return _supplement_page(token, row, missing, "Dữ liệu gửi lên không hợp lệ.", 400)
        files: list[tuple[str, bytes, str | None]] = []
        for i, m in enumerate(missing, start=1):
            for f in form.getlist(f"f{i}"):
                if isinstance(f, StarletteUpload) and f.filename:
                    files.append((f.filename or "tep", await f.read(cfg.max_file_bytes + 1), m.get("name")))
        if not files:
            return _supplement_page(token, row, missing, "Chưa chọn tệp nào.", 422)
        try:
            uploads = check_uploads(files, cfg)
        except OnlineError as exc:
            return _supplement_page(token, row, missing, exc.message, 422)

        def add() -> None:
            now = clock.now()
            touched: set[str] = set()
            hold_uploads(writer, uploads, now)  # a failed append below leaves them to cleanup_uploads
            with writer.begin() as conn:
                for u in uploads:
                    put_blob(blobs, conn, u, now)
                desk_append(conn, row.office_id, row.id, EventKind.FILES_ADDED,
                            {"files": [u.ref() for u in uploads]}, now, touched)
            for tok in touched:
                forget(tok)

        try:
            await _run(add)
        except (OnlineError, ingest.Forbidden, ingest.BadRequest) as exc:
            return _supplement_page(token, row, missing, exc.message, 409)
        return RedirectResponse(f"/t/{token}", status_code=303)

    # ---- Mẫu 01 of an online dossier, once received ----

    @router.get("/t/{token}/mau-01.pdf", include_in_schema=False)
    async def receipt_pdf(token: str, request: Request) -> Response:
        from counter.central.app import _run

        if (refused := over_limit(request.app.state.limiter, request)) is not None:
            return refused
        parsed = codes.parse_token(token)
        pdf = await _run(lambda: receipt_of(engine, parsed, base_url(request))) if parsed else None
        if pdf is None:
            return page("Không có", "<h1>Chưa có giấy tiếp nhận</h1><div class=\"card\">Hồ sơ chưa được tiếp nhận."
                        "</div>", 404)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": "inline; filename=\"mau-01.pdf\"", "Cache-Control": "no-store"})

    return router


def _assisted_banner(assisted: str) -> str:
    return ("<div class=\"card\" id=\"assisted\"><b>Hỗ trợ nộp trực tuyến</b>: cán bộ giúp công dân nộp; nhập thông "
            "tin liên hệ của chính công dân.</div>") if assisted else ""


def _portal_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error_code": 1, "message": message, "detail": message}, status_code=status)


def _sign(draft: dict[str, Any], key: bytes) -> str:
    raw = base64.urlsafe_b64encode(canonical_json(draft).encode("utf-8")).decode("ascii")
    mac = hmac.new(key, raw.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{raw}.{mac}"


def _unsign(signed: str, key: bytes) -> dict[str, Any] | None:
    raw, _, mac = signed.partition(".")
    if not raw or not hmac.compare_digest(hmac.new(key, raw.encode("ascii", "replace"), hashlib.sha256).hexdigest(),
                                          mac):
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def receipt_of(engine: Engine, token: str | None, base: str) -> bytes | None:
    """Mẫu 01 of a received online dossier as a PDF (counter/printing, the same form a counter prints)."""
    from counter.printing import forms
    from counter.printing.pdf import render_pdf

    if token is None:
        return None
    with engine.connect() as conn:
        found = _state_of(conn, token)
        if found is None or found[1].received_at is None or found[1].channel != 2:
            return None
        row, state = found
        received = _events_of(conn, row.id, [EventKind.RECEIVED])
        office = conn.execute(sa.select(t.offices).where(t.offices.c.id == state.office_id)).mappings().first()
    event: dict[str, Any] = received[-1] if received else {}
    papers = tuple(forms.Paper(p.get("name", ""), p.get("originals", 0), p.get("certified_copies", 0),
                               p.get("photocopies", 0), len(p.get("blobs") or []))
                   for p in event.get("payload", {}).get("papers", []))
    clerk = (event.get("actor") or {}).get("full_name", "")
    info: dict[str, Any] = dict(office) if office else {}
    name = info.get("name") or state.office_id
    r = forms.ReceiptData(
        # the office as its stations send it; before a station sent the parent and the place: the name, the address
        parent_name=info.get("parent_name") or name, office_name=name,
        place_name=info.get("place_name") or info.get("address") or "",
        office_phone=info.get("phone") or "", code=state.code, book=state.book, book_no=state.book_no,
        owner_name=state.owner_name, owner_address=state.owner_address or "", owner_phone=state.owner_phone or "",
        owner_email=state.owner_email or "", owner_id_number=state.owner_id_number or "",
        submitter_name=state.submitter_name or "", procedure_name=state.procedure_name,
        procedure_code=state.procedure_code, papers=papers, sets=state.sets,
        time_label="Trong ngày" if state.working_days == 0 else f"{state.working_days} ngày làm việc",
        received_at=state.received_at, due_at=state.due_at,
        return_label="Bộ phận tiếp nhận và trả kết quả" if state.return_method == "counter" else "Qua bưu chính",
        channel=state.channel, tracking_url=f"{base}/t/{token}", clerk_name=clerk,
        original_due_at=state.original_due_at)
    return render_pdf(forms.receipt(r))
