"""Digital signatures at the counter (issue 20): the official's key, asked for once per session, signs

- any PDF (`Signing.sign_pdf`: the fee receipt of issue 18 calls this one),
- a form 01–06 of a dossier (`sign_form`), the ledger Mẫu 07 through `counter sign file`,
- a digitized paper (`sign_document`: the official certifies the electronic copy; a new `document_scanned`
  event names the signed file),
- the electronic result (`issue_result`: a `result_issued` event with its signed blob).

The PIN (or the PKCS#12 file's password) lives only in this process's memory (`Signing.unlock`), for the
logged-in user; `lock()` forgets it (logout, idle lock). It is never written anywhere. Signing happens in memory:
the blob and the event are written only after the signature succeeded, in one transaction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from counter.domain.errors import CounterError
from counter.domain.lifecycle import EventKind
from counter.domain.permissions import Action, require
from counter.services import events as ev
from counter.services.blobs import blob_store
from counter.services.store import Actor, Store
from counter.signing import SignerInfo, SigningError, open_signer, sign_pdf

__all__ = [
    "ResultView",
    "SignedFile",
    "Signing",
    "SigningError",
    "issue_result",
    "issue_result_from",
    "receive_reusing",
    "result_source",
    "results_of",
    "reusable_results",
    "sign_document",
    "sign_form",
]


class Signing:
    """The signer of one station process: the [signing] settings and, once unlocked, the PIN in memory."""

    def __init__(self, settings: Callable[[], Any], clock: Callable[[], datetime] | None = None):
        self._settings = settings  # -> SigningSection (read again: a token configured later applies)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._secret: str | None = None
        self._user: int | None = None
        self._info: SignerInfo | None = None
        self._p12: tuple[tuple[Any, str], Any] | None = None  # a PKCS#12 file's key, decrypted once a session
        self._lock = threading.Lock()

    @property
    def config(self) -> Any:
        return self._settings()

    @property
    def configured(self) -> bool:
        return bool(self.config.kind)

    @property
    def secret_label(self) -> str:
        """What the app asks for: the token's PIN or the key file's password."""
        return "mã PIN của token ký số" if self.config.kind == "pkcs11" else "mật khẩu tệp khóa ký số"

    def unlocked_for(self, user_id: int | None) -> bool:
        return self._secret is not None and self._user == user_id

    @property
    def signer(self) -> SignerInfo | None:
        return self._info

    def unlock(self, secret: str, user_id: int | None = None) -> SignerInfo:
        """Open the key with the PIN (checked now: a wrong PIN is said at once) and keep it for this session."""
        from counter.signing.pades import check_validity, signer_info

        with self._lock, open_signer(self.config, secret) as signer:
            info = signer_info(signer)
            check_validity(info, self._clock())
            self._secret, self._user, self._info = secret, user_id, info
        return info

    def lock(self) -> None:
        """Forget the PIN (logout, idle lock, a wrong PIN at signing time)."""
        self._secret = self._user = self._info = None
        self._p12 = None

    def _signer(self, cfg: Any, secret: str) -> Any:
        """The key: a token is opened for each signature (pulled out meanwhile: said); a PKCS#12 file's key is
        decrypted once and kept in memory for the session, like the PIN (the file's KDF costs ~150 ms)."""
        from contextlib import nullcontext

        if cfg.kind != "pkcs12":
            return open_signer(cfg, secret)
        key = (cfg.pkcs12, secret)
        cached = self._p12
        if cached is None or cached[0] != key:
            with open_signer(cfg, secret) as signer:
                cached = self._p12 = (key, signer)
        return nullcontext(cached[1])

    def sign_pdf(self, data: bytes, reason: str, *, location: str = "", user_id: int | None = None,
                 secret: str | None = None) -> bytes:
        """Any PDF signed with the session's key (or with `secret` given now). SigningError, nothing kept, on any
        failure; a PIN refused by the token is forgotten."""
        if secret is None:
            if self._secret is None or (user_id is not None and self._user not in (None, user_id)):
                raise SigningError(f"Chưa nhập {self.secret_label} trong phiên làm việc này.")
            secret = self._secret
        cfg = self.config
        with self._lock:
            try:
                with self._signer(cfg, secret) as signer:
                    return sign_pdf(data, signer, reason=reason, location=location or cfg.location,
                                    now=self._clock(), timestamp_url=cfg.timestamp_url)
            except SigningError as exc:
                if "PIN" in str(exc) or "Mật khẩu" in str(exc):
                    self.lock()
                raise


def sign_any_pdf(signing: Signing, actor: Actor, data: bytes, reason: str) -> bytes:
    """The service issue 18's fee receipt (and anything else) calls: the PDF signed by the logged-in official."""
    require(actor.role, Action.CERTIFY)
    return signing.sign_pdf(data, reason, user_id=actor.user_id)


@dataclass(frozen=True)
class SignedFile:
    code: str
    position: int | None  # the checklist item (a digitized paper), None for a result or a form
    name: str
    sha256: str
    pages: int
    size: int
    signer: str


def _pages(data: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)


def _dossier(session: Any, actor: Actor, code: str) -> Any:
    from counter.services.dossiers import dossier_row

    return dossier_row(session, actor, code, end=".", elsewhere=".")


def sign_document(store: Store, signing: Signing, actor: Actor, code: str, position: int) -> SignedFile:
    """Certify a digitized paper: its PDF signed by the official, stored, and a `document_scanned` event naming
    the signed file (same digitization code, `signed_by`) in one transaction."""
    from counter.services.digitize import _document, _precheck, get_blob, record_blob

    require(actor.role, Action.CERTIFY)
    _precheck(store, actor, code, position)
    with store.read() as session:
        row, doc = _document(session, actor, code, position)
        blobs = json.loads(doc.blobs)
        digitization, dcode = doc.digitization, row.code
    if not blobs or not digitization:
        raise CounterError(f"Thành phần {position} của hồ sơ {dcode} chưa được số hóa: chưa có gì để ký.")
    if len(blobs) != 1:
        raise CounterError(f"Thành phần {position} có {len(blobs)} tệp: hãy số hóa lại thành một tệp PDF rồi ký.")
    data = get_blob(store, blobs[0])
    signed = signing.sign_pdf(data, f"Chứng thực bản điện tử: {doc.name}", user_id=actor.user_id)
    info = signing.signer
    sha = blob_store(store).put(signed)
    pages = _pages(signed)
    with store.write() as session:
        row, doc = _document(session, actor, code, position)
        record_blob(session, store, sha, len(signed), pages)
        payload = {"position": position, "name": doc.name, "blobs": [sha], "pages": pages,
                   "digitization": digitization, "signed_by": info.label if info else actor.full_name,
                   "signed_from": blobs[0]}
        dcode = row.code
        ev.append(session, actor, row.id, EventKind.DOCUMENT_SCANNED, payload, store.clock.now(), row=row)
    return SignedFile(dcode, position, doc.name, sha, pages, len(signed), payload["signed_by"])


def issue_result(store: Store, signing: Signing, actor: Actor, code: str, data: bytes, name: str,
                 data_store: bool = False) -> SignedFile:
    """The electronic result: the PDF (born digital, or the scan of the signed paper) signed by the official,
    stored, and a `result_issued` event in one transaction. Refused (nothing written) before signing when the
    dossier's status does not allow it."""
    from counter.domain import lifecycle
    from counter.services.digitize import record_blob

    require(actor.role, Action.DECIDE)
    name = " ".join((name or "").split()) or "Kết quả giải quyết hồ sơ"
    with store.read() as session:
        row = _dossier(session, actor, code)
        lifecycle.check(ev.state_of(row), EventKind.RESULT_ISSUED, store.clock.now())
        dcode = row.code
    if not data.startswith(b"%PDF"):
        raise CounterError("Kết quả điện tử phải là tệp PDF.")
    signed = signing.sign_pdf(data, f"Kết quả giải quyết hồ sơ {dcode}", user_id=actor.user_id)
    info = signing.signer
    sha = blob_store(store).put(signed)
    pages = _pages(signed)
    with store.write() as session:
        row = _dossier(session, actor, code)
        record_blob(session, store, sha, len(signed), pages)
        payload = {"name": name, "blobs": [sha], "pages": pages,
                   "signed_by": info.label if info else actor.full_name, "data_store": bool(data_store)}
        dcode = row.code
        ev.append(session, actor, row.id, EventKind.RESULT_ISSUED, payload, store.clock.now(), row=row)
    return SignedFile(dcode, None, name, sha, pages, len(signed), str(payload["signed_by"]))


def result_source(store: Store, actor: Actor, code: str, source: str) -> bytes:
    """The PDF a result is issued from (F4's step): a file's path (a born-digital PDF, or a JPEG/PNG/PDF scan of the
    signed paper result), or the number of a paper of this dossier digitized in F3 (the scanned result)."""
    from pathlib import Path

    from counter.scanning import files
    from counter.services.digitize import _document, get_blob, import_pages

    source = source.strip()
    if not source:
        raise CounterError("Chưa chọn kết quả: ghi đường dẫn tệp PDF, hoặc số thứ tự giấy tờ đã quét ở F3.")
    if source.isdigit():
        with store.read() as session:
            row, doc = _document(session, actor, code, int(source))
            blobs, name, dcode = json.loads(doc.blobs), doc.name, row.code
        if not blobs:
            raise CounterError(f"Thành phần số {int(source)} (“{name}”) của hồ sơ {dcode} chưa được quét (F3 Số hóa).")
        if len(blobs) == 1:
            return get_blob(store, blobs[0])
        import io

        import pikepdf

        merged = pikepdf.new()
        for sha in blobs:
            merged.pages.extend(pikepdf.open(io.BytesIO(get_blob(store, sha))).pages)
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    path = Path(source).expanduser()
    if not path.is_file():
        raise CounterError(f"Không thấy tệp “{source}”: ghi đường dẫn đầy đủ của tệp PDF kết quả.")
    try:
        data = path.read_bytes()
    except OSError:
        raise CounterError(f"Không đọc được tệp “{source}”.") from None
    if data.startswith(b"%PDF"):
        return data
    return files.build_pdf(import_pages([path]))[0]  # a JPEG/PNG scan of the signed paper result


def issue_result_from(store: Store, signing: Signing, actor: Actor, code: str, source: str, name: str = "",
                      data_store: bool = False) -> SignedFile:
    """F4's "phát hành kết quả điện tử": the result read from `source` (result_source), signed and attached."""
    require(actor.role, Action.DECIDE)
    return issue_result(store, signing, actor, code, result_source(store, actor, code, source), name, data_store)


def sign_form(store: Store, signing: Signing, actor: Actor, code: str, form: str = "auto") -> tuple[str, bytes]:
    """A dossier's form (01–06, BG) as an A4/A5 PDF signed by the official: (form, signed bytes)."""
    from counter.services.printing import documents_for, render

    require(actor.role, Action.CERTIFY)
    form, docs = documents_for(store, code, form)
    data = render(docs, "pdf")
    return form, signing.sign_pdf(data, f"Mẫu {form} của hồ sơ {code.strip().upper()}", user_id=actor.user_id)


# ---- results: listing, reuse, the portal ------------------------------------------------------------------

@dataclass(frozen=True)
class ResultView:
    code: str  # the dossier that issued it
    name: str
    sha256: str
    pages: int
    signed_by: str
    data_store: bool
    at: datetime
    procedure_code: str = ""
    procedure_name: str = ""


_RESULTS = ("SELECT d.code, d.procedure_code, d.procedure_name, e.payload, e.at FROM dossier_events e "
            "JOIN dossiers d ON d.id = e.dossier_id WHERE e.kind = 'result_issued' ")


def _views(rows: list[Any]) -> list[ResultView]:
    out = []
    for r in rows:
        p = json.loads(r["payload"])
        at = r["at"]
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        out.append(ResultView(r["code"], p["name"], p["blobs"][0], p.get("pages", 0), p.get("signed_by", ""),
                              bool(p.get("data_store")), at, r["procedure_code"], r["procedure_name"]))
    return out


def results_of(store: Store, code: str) -> list[ResultView]:
    """The electronic results a dossier issued, oldest first."""
    return _views(store.query(_RESULTS + "AND d.code = ? ORDER BY e.rowid", (code.strip().upper(),)))


def reusable_results(store: Store, code: str) -> list[ResultView]:
    """Results of the same owner's other dossiers (same ID number), newest first: offered at intake and in F3
    as digitization state 3 ("tái sử dụng từ kết quả hồ sơ khác")."""
    d = store.query("SELECT id, owner_id_number FROM dossiers WHERE code = ?", (code.strip().upper(),))
    if not d or not d[0]["owner_id_number"]:
        return []
    return _views(store.query(_RESULTS + "AND d.owner_id_number = ? AND d.id != ? ORDER BY e.rowid DESC LIMIT 50",
                              (d[0]["owner_id_number"], d[0]["id"])))


def results_for_owner(store: Store, id_number: str) -> list[ResultView]:
    """Results issued to a person (ID number), newest first: what F2 offers before a dossier exists."""
    if not id_number:
        return []
    return _views(store.query(_RESULTS + "AND d.owner_id_number = ? ORDER BY e.rowid DESC LIMIT 50",
                              (id_number.strip(),)))


def _reused(position: int, name: str, res: ResultView) -> dict[str, Any]:
    """The `document_scanned` payload that links an earlier dossier's result to a checklist item."""
    return {"position": position, "name": name, "blobs": [res.sha256], "pages": res.pages, "digitization": 3,
            "from_code": res.code, "from_result": res.name}


def reuse_result(store: Store, actor: Actor, code: str, position: int, from_code: str, sha256: str) -> Any:
    """Link an earlier dossier's electronic result to this checklist item (digitization 3): same owner's ID
    number, the file present and intact; a `document_scanned` event naming it."""
    from counter.services.digitize import ScanResult, _precheck, _summary, get_blob
    from counter.services.digitize import _document

    _precheck(store, actor, code, position)
    mine = [r for r in reusable_results(store, code) if r.code == from_code.strip().upper() and r.sha256 == sha256]
    if not mine:
        raise CounterError("Chỉ tái sử dụng kết quả của hồ sơ khác của cùng một người (số định danh/CCCD trùng).")
    res = mine[0]
    get_blob(store, res.sha256)  # present and intact, or a clear error
    with store.write() as session:
        row, doc = _document(session, actor, code, position)
        payload = _reused(position, doc.name, res)
        ev.append(session, actor, row.id, EventKind.DOCUMENT_SCANNED, payload, store.clock.now(), row=row)
        size = session.execute(sa.text("SELECT size FROM blobs WHERE sha256 = :s"), {"s": res.sha256}).scalar() or 0
        return ScanResult(row.code, position, doc.name, res.sha256, res.pages, size, 3, _summary(session, row.id))


def receive_reusing(store: Store, actor: Actor, req: Any, picks: dict[str, tuple[str, str]]) -> Any:
    """F2: receive a dossier and link, for the papers named in `picks` (paper name -> (earlier dossier's code,
    result's SHA-256)), the owner's earlier electronic results (digitization 3, "tái sử dụng từ kết quả hồ sơ
    khác"), all in one transaction. Every pick is checked first (a result of the same ID number, the file present
    and intact, a paper ticked): a bad one writes nothing."""
    from counter.domain.text import nfc
    from counter.services.digitize import get_blob
    from counter.services.dossiers import ReceiveResult, receive, receive_in

    if not picks:
        return receive(store, actor, req)
    require(actor.role, Action.DIGITIZE)
    owned = {(r.code, r.sha256): r for r in results_for_owner(store, req.owner.id_number or "")}
    ticked = {nfc(p.name) for p in req.papers}
    chosen = []
    for name, (code, sha) in picks.items():
        res = owned.get((code.strip().upper(), sha))
        if res is None:
            raise CounterError("Chỉ tái sử dụng kết quả của hồ sơ khác của cùng một người (số định danh/CCCD trùng).")
        if nfc(name) not in ticked:
            raise CounterError(f"“{name}” chưa được đánh dấu là đã nhận: đánh dấu giấy tờ đó (phím cách) rồi lưu lại.")
        get_blob(store, sha)  # present and intact, or a clear error
        chosen.append((nfc(name), res))
    at = store.clock.now()
    with store.write() as session:
        state = receive_in(session, actor, req, at)
        for name, res in chosen:
            position = session.execute(sa.text("SELECT min(position) FROM dossier_documents WHERE dossier_id = :d "
                                               "AND name = :n"), {"d": state.id, "n": name}).scalar()
            if position is None:
                raise CounterError(f"Hồ sơ không có giấy tờ “{name}” để gắn kết quả của hồ sơ {res.code}.")
            ev.append(session, actor, state.id, EventKind.DOCUMENT_SCANNED, _reused(int(position), name, res), at)
        return ReceiveResult(state.code, state.token, state.due_at, state.book, state.book_no)


# ---- Bộ chỉ số 766: 4.1 and 4.4 (issue 17 wires them into the scorecard) ----------------------------------

def _cohort(period: Any) -> tuple[str, tuple[str, str]]:
    from counter.services.reports import _COHORT, _bounds

    return "d." + _COHORT.replace(" AND ", " AND d."), _bounds(period)  # as reports.scorecard qualifies it


def indicator_4_1(store: Store, period: Any) -> tuple[int, int]:
    """766 4.1 "hồ sơ có kết quả giải quyết điện tử": (finished dossiers of the period's cohort with a signed
    electronic result, finished dossiers of the cohort). Finished: resolved or returned (status 9, 10)."""
    where, args = _cohort(period)
    num, den = store.query(
        "SELECT coalesce(sum(d.results_issued > 0), 0), count(*) FROM dossiers d "
        f"WHERE {where} AND d.status IN (9, 10)", args)[0]
    return int(num), int(den)


def indicator_4_4(store: Store, period: Any) -> tuple[int, int]:
    """766 4.4 "kết quả số hóa đưa vào kho dữ liệu cá nhân": (dossiers of the cohort with a result marked for the
    citizen's data store, dossiers of the cohort with an electronic result)."""
    where, args = _cohort(period)
    num, den = store.query(
        "SELECT coalesce(sum(EXISTS (SELECT 1 FROM dossier_events e WHERE e.dossier_id = d.id AND "
        "e.kind = 'result_issued' AND json_extract(e.payload, '$.data_store') = 1)), 0), count(*) "
        f"FROM dossiers d WHERE {where} AND d.results_issued > 0", args)[0]
    return int(num), int(den)
