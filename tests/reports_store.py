"""A small hand-built store for the queue and report tests (issue 7), with every figure worked out by hand.

Now = Mon 23/11/2026 09:00 (VN). Tue 24/11/2026 is a public holiday (Ngày Văn hóa Việt Nam), so working days
around now are Thu 19, Fri 20, Mon 23, Wed 25, Thu 26, Fri 27/11. Procedure 1.004873 takes 3 working days,
1.001193 the same day, 1.004222 seven working days with a 20.000 đ fee.

| | received (by) | procedure | due (17:00) | what happened | status |
|---|---|---|---|---|---|
| A | Thu 19/11 10:00 canbo | 3 d | Wed 25/11 | all papers digitized | 2 |
| B | Tue 17/11 10:00 canbo | 3 d | Fri 20/11 | reassigned to canbo2; one paper reused | 2 (1 working day late) |
| C | Wed 11/11 10:00 canbo2 | 3 d | Mon 16/11 | — | 2 (5 working days late) |
| D | Mon 23/11 08:00 canbo | same day | Mon 23/11 | — | 2 (due today) |
| E | Fri 20/11 10:00 canbo | 3 d | Thu 26/11 | — | 2 |
| F | Wed 18/11 10:00 canbo | 3 d | Mon 23/11 | — | 2 (due today) |
| G | Mon 16/11 10:00 canbo | 3 d | Thu 19/11 | papers requested 17/11 | 5 |
| H | Wed 18/11 10:00 canbo | 3 d | Mon 23/11 | resolved Fri 20/11 10:00 | 9 |
| I | Fri 20/11 09:00 canbo | 3 d | Thu 26/11 | resolved 23/11 08:00, returned 23/11 08:30 | 10 |
| J | Tue 10/11 10:00 canbo2 | 3 d | Fri 13/11 | resolved Mon 16/11 10:00 (late), returned 20/11 | 10 |
| K | Thu 12/11 10:00 canbo | 3 d | Tue 17/11 → 25/11 | extended Mon 16/11 (Mẫu 04, the day before) | 2 |
| L | Thu 19/11 10:00 canbo | 3 d | Tue 24/11 | withdrawn 20/11 | 7 |
| M | Thu 19/11 14:00 canbo, online | 3 d | Wed 25/11 | — | 2 |
| P | Thu 19/11 11:00 canbo | 7 d, fee | Tue 1/12 | fee paid online 20/11 | 2 |
| Q | Thu 19/11 11:30 canbo | 7 d, fee | Tue 1/12 | fee paid at the counter 20/11 | 2 |
| R | refused Mon 23/11 08:10 | — | — | Mẫu 03 | 3 |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter.domain.calendar import VN_TZ
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services import auth
from counter.services.dossiers import default_papers, receive_in, record_in, refuse_in
from counter.services.store import Store
from tests.conftest import OFFICE, PASSWORD, actor_for, make_store


RESULT = [{"name": "Kết quả giải quyết (bản chính)", "count": 1}]


def vn(day: int, month: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


@dataclass
class ReportStore:
    store: Store
    codes: dict[str, str]  # letter -> dossier code
    canbo_id: int
    canbo2_id: int


def build(path) -> ReportStore:  # type: ignore[no-untyped-def]
    store = make_store(path)
    with store.write() as s:
        auth.create_user(s, OFFICE, "canbo2", "Lê Văn Minh", "clerk", PASSWORD, store.clock.now())
    clerk, clerk2, boss = actor_for(store, "canbo"), actor_for(store, "canbo2"), actor_for(store, "giamsat")
    codes: dict[str, str] = {}

    def rec(letter: str, at: datetime, who=clerk, procedure: str = "1.004873", channel: int = 1) -> None:  # type: ignore[no-untyped-def]
        with store.write() as s:
            codes[letter] = receive_in(s, who, ReceiveRequest(
                procedure_code=procedure, owner=Applicant(name=f"Chủ Hồ Sơ {letter}"),
                papers=default_papers(s, procedure), channel=channel), at).code

    def ev(letter: str, kind: str, payload: dict, at: datetime, who=clerk) -> None:  # type: ignore[no-untyped-def]
        with store.write() as s:
            record_in(s, who, codes[letter], kind, payload, at)

    rec("A", vn(19, 11, 10))
    rec("B", vn(17, 11, 10))
    rec("C", vn(11, 11, 10), clerk2)
    rec("D", vn(23, 11, 8), procedure="1.001193")
    rec("E", vn(20, 11, 10))
    rec("F", vn(18, 11, 10))
    rec("G", vn(16, 11, 10))
    ev("G", "supplement_requested", {"reason": "Thiếu giấy tờ", "papers": [{"name": "Bản sao CCCD"}]},
       vn(17, 11, 9))
    rec("H", vn(18, 11, 10))
    ev("H", "resolved", {}, vn(20, 11, 10))
    rec("I", vn(20, 11, 9))
    ev("I", "resolved", {}, vn(23, 11, 8))
    ev("I", "returned", {"method": "counter", "receiver": "owner", "receiver_name": "Chủ Hồ Sơ I",
                         "receiver_id_number": "001090123456", "receiver_source": "typed", "papers": RESULT},
       vn(23, 11, 8, 30))
    rec("J", vn(10, 11, 10), clerk2)
    ev("J", "resolved", {}, vn(16, 11, 10), clerk2)
    ev("J", "returned", {"method": "counter", "receiver": "owner", "receiver_name": "Chủ Hồ Sơ J",
                         "receiver_id_number": "001090123457", "receiver_source": "typed", "papers": RESULT},
       vn(20, 11, 10), clerk2)
    rec("K", vn(12, 11, 10))
    ev("K", "extended", {"due_at": vn(25, 11, 17).isoformat(), "reason": "Cần xác minh thêm"}, vn(16, 11, 9), boss)
    rec("L", vn(19, 11, 10))
    ev("L", "withdrawn", {"reason": "Công dân xin rút"}, vn(20, 11, 9))
    rec("M", vn(19, 11, 14), channel=2)
    rec("P", vn(19, 11, 11), procedure="1.004222")
    ev("P", "fee_paid", {"amount": 20000, "method": "online"}, vn(20, 11, 9))
    rec("Q", vn(19, 11, 11, 30), procedure="1.004222")
    ev("Q", "fee_paid", {"amount": 20000, "method": "counter"}, vn(20, 11, 9))
    with store.write() as s:
        codes["R"] = refuse_in(s, clerk, "1.004873", Applicant(name="Chủ Hồ Sơ R"), "Không thuộc thẩm quyền",
                               vn(23, 11, 8, 10)).code
    # the scanning helper's projection writes dossier_documents.digitization; here it is set by hand
    with store.write() as s:
        from sqlalchemy import text

        s.execute(text("UPDATE dossier_documents SET digitization = 1 WHERE dossier_id = "
                       "(SELECT id FROM dossiers WHERE code = :c)"), {"c": codes["A"]})
        s.execute(text("UPDATE dossier_documents SET digitization = 2 WHERE id = (SELECT min(x.id) FROM "
                       "dossier_documents x JOIN dossiers d ON d.id = x.dossier_id WHERE d.code = :c)"),
                  {"c": codes["B"]})
    ids = {u.username: u.id for u in auth.list_users(store)}
    return ReportStore(store, codes, ids["canbo"], ids["canbo2"])
