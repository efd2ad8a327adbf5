"""Results on the spot ("trả ngay", NĐ 61/2018 Đ17.4): receive, resolve and return a dossier in one flow.

A procedure the catalogue marks `on_the_spot` (chứng thực bản sao, chứng thực chữ ký, bản sao trích lục) is done
while the citizen waits: no Mẫu 01 is printed unless they ask for one, but the dossier is recorded as any other,
as its normal events — `received` (payload `on_the_spot`, `slip_asked`), the fee's `fee_paid` when it has one,
`resolved` and `returned` to the owner at the counter — so it is numbered, counted in the reports and the
scorecard, synced, and checked by the central server as it checks every event. Everything is written in one
transaction: a refused step (domain/law.on_the_spot_problems, the reducer, the payment) leaves the store as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from counter.domain import law
from counter.domain.intake import ReceiveRequest, ValidationError
from counter.domain.lifecycle import DossierState, EventKind
from counter.domain.permissions import Action, can
from counter.domain.text import nfc
from counter.models import Procedure
from counter.services import events as ev
from counter.services.dossiers import default_papers, receive_in
from counter.services.store import Actor, NotFound, Store


@dataclass(frozen=True)
class SpotResult:
    code: str
    token: str
    at: datetime  # received, resolved and returned then
    due_at: datetime | None
    fee: int
    receipt: str  # the fee's receipt, "AA-26P 1000001" ("" when nothing was owed)
    slip: bool  # the citizen asked for Mẫu 01: print it
    result: str  # what was handed over


def default_result(procedure_name: str) -> str:
    """The result handed over when the clerk names none: "Kết quả chứng thực chữ ký trong các giấy tờ"."""
    name = nfc(procedure_name).strip()
    return f"Kết quả {name[:1].lower()}{name[1:]}"


def is_on_the_spot(store: Store, procedure_code: str) -> bool:
    """The catalogue marks this procedure "trả ngay" (F2 offers the one flow)."""
    rows = store.query("SELECT on_the_spot FROM procedures WHERE code = ?", (procedure_code.strip().upper(),))
    return bool(rows and rows[0][0])


def _case(marked: bool, req: ReceiveRequest, missing: tuple[str, ...], fee: int, fee_paid: bool,
          actor: Actor) -> law.SpotCase:
    differs = req.submitter is not None and bool((req.submitter.name or "").strip())
    return law.SpotCase(marked=marked, channel=req.channel, return_method=req.return_method, missing_papers=missing,
                        fee=fee, fee_paid=fee_paid, submitter_differs=differs, owner_id_number=req.owner.id_number,
                        may_decide=can(actor.role, Action.DECIDE) and can(actor.role, Action.RETURN_RESULT))


def receive_on_the_spot_in(session: Session, actor: Actor, req: ReceiveRequest, at: datetime, fees_cfg: Any = None,
                           result: str = "", count: int = 1, slip: bool = False,
                           id_source: str = "typed") -> tuple[DossierState, str]:
    """The one flow inside the caller's write transaction (the demo batches many): the dossier's state after its
    return and the result handed over. Raises (and the caller's transaction rolls back) as `receive_on_the_spot`."""
    from counter.services.giveback import Collector, counter_payload

    if not 1 <= count <= 99:
        raise ValidationError({"spot_result": "Số bản kết quả phải từ 1 đến 99"})
    proc = session.get(Procedure, req.procedure_code.strip().upper())
    if proc is None or not proc.active:
        raise NotFound(f"Không tìm thấy thủ tục có mã “{req.procedure_code}”")
    ticked = {nfc(p.name) for p in req.papers}
    missing = tuple(p.name for p in default_papers(session, proc.code) if nfc(p.name) not in ticked)
    early = law.on_the_spot_problems(_case(proc.on_the_spot, req, missing, 0, True, actor))
    if early:  # before anything is numbered: what the form alone says
        raise ValidationError({"on_the_spot": " ".join(early)})
    state = receive_in(session, actor, req, at, fees_cfg, extra={"on_the_spot": True, "slip_asked": bool(slip)})
    problems = law.on_the_spot_problems(_case(True, req, (), state.fee, state.fee_paid, actor))
    if problems:  # the fee, once the charges have been computed: everything written so far rolls back
        raise ValidationError({"on_the_spot": " ".join(problems)})
    what = nfc(result).strip() or default_result(proc.name)
    state, _ = ev.append(session, actor, state.id, EventKind.RESOLVED, {"note": what}, at, row=state)
    who = Collector("owner", state.owner_name, state.owner_id_number or "", id_source,
                    state.owner_birth_date or "" if id_source == "cccd_qr" else "")
    row = ev.load_row(session, state.id)
    assert row is not None  # just written
    payload, _scan = counter_payload(session, row, who, [{"name": what, "count": count}], 0, "Trả ngay")
    state, _ = ev.append(session, actor, state.id, EventKind.RETURNED, payload, at, row=state)
    return state, what


def receive_on_the_spot(store: Store, actor: Actor, req: ReceiveRequest, result: str = "", count: int = 1,
                        slip: bool = False, id_source: str = "typed") -> SpotResult:
    """Receive `req`, resolve it and hand `result` (`count` copies) to its owner, all in one transaction.
    `slip`: the citizen asked for Mẫu 01 (the caller prints it after commit); `id_source`: how the owner's ID
    number was read ("cccd_qr" from the card's QR, "typed"), as the hand-over records its collector.
    Raises ValidationError (key "on_the_spot": every reason at once) when the dossier cannot be done on the spot."""
    from counter.services.fees import receipt_text_in, settings_of

    with store.write() as session:
        at = store.clock.now()
        state, what = receive_on_the_spot_in(session, actor, req, at, settings_of(store) if req.fee_paid else None,
                                             result, count, slip, id_source)
        receipt = receipt_text_in(session, state.id) if state.fee_paid and state.fee else ""
        return SpotResult(state.code, state.token, at, state.due_at, state.fee, receipt, bool(slip), what)
