"""The public tracking page behind the receipt's QR: what a citizen may see, and nothing more.

The page shows the dossier code, procedure, received and due dates, the status in words, the public steps,
the office and its phone, and the owner's name masked ("Ng*** V** A*"). Never the ID number, the address or
the phone: they are not even copied into the public projection this page reads.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import threading
import time
import unicodedata
from datetime import datetime
from typing import Any

from counter.domain.calendar import format_vn
from counter.domain.lifecycle import STATUS_LABELS, DossierState, EventKind, Status

# Vietnamese initial consonant clusters shown whole (two letters at most: "Ngh" shows as "Ng")
_CLUSTERS = ("ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr")

#: steps the citizen sees (by kind); scans, notes and reassignments are the office's business
PUBLIC_STEP_LABELS: dict[str, str] = {
    "registered": "Đăng ký trực tuyến",
    "received": "Tiếp nhận hồ sơ",
    "refused": "Không tiếp nhận hồ sơ",
    "transferred": "Chuyển hồ sơ giải quyết",
    "supplement_requested": "Yêu cầu bổ sung giấy tờ",
    "supplement_received": "Đã nhận giấy tờ bổ sung",
    "fee_requested": "Yêu cầu nộp phí, lệ phí",
    "fee_paid": "Đã nộp phí, lệ phí",
    "extended": "Gia hạn, hẹn lại ngày trả kết quả",
    "withdrawn": "Công dân rút hồ sơ",
    "stopped": "Dừng xử lý",
    "resolved": "Đã có kết quả, chờ trả",
    "returned": "Đã trả kết quả",
    "delivered": "Bưu chính đã phát kết quả",
    "voided": "Hủy hồ sơ (tiếp nhận nhầm)",
    "online_incomplete": "Yêu cầu bổ sung hồ sơ trực tuyến",
    "files_added": "Công dân đã nộp bổ sung tệp",
    "fee_refunded": "Hoàn trả phí, lệ phí",
    "receipt_cancelled": "Hủy và cấp lại biên lai",
    "result_issued": "Đã có kết quả điện tử có chữ ký số",
}
PUBLIC_KINDS = frozenset(PUBLIC_STEP_LABELS)
VOIDED_LABEL = "Đã hủy (tiếp nhận nhầm)"


def mask_word(word: str) -> str:
    """"Nguyễn" -> "Ng***", "Văn" -> "V**", "An" -> "A*": the first letter (or a two-letter initial
    consonant) and up to three stars, so neither the rest nor the word's length shows. A word of one letter
    shows nothing but a star."""
    word = unicodedata.normalize("NFC", word)
    if len(word) <= 1:
        return "*"
    keep = 2 if len(word) > 2 and word[:2].lower() in _CLUSTERS else 1
    return word[:keep] + "*" * min(3, len(word) - keep)


def mask_name(name: str) -> str:
    return " ".join(mask_word(w) for w in name.split())


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def public_view(state: DossierState, history: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page may show, built in the accepting transaction. No ID number, address or phone."""
    return {
        "code": state.code, "procedure": state.procedure_name, "status": int(state.status),
        "status_label": VOIDED_LABEL if state.voided_at else STATUS_LABELS[state.status],
        "owner": mask_name(state.owner_name),
        "received_at": _iso(state.received_at), "due_at": _iso(state.due_at),
        "resolved_at": _iso(state.resolved_at), "returned_at": _iso(state.returned_at),
        "history": history,
        # issue 15: an online dossier's page links its uploads (while asked) and its Mẫu 01 (once received)
        "channel": state.channel, "awaiting_citizen": state.awaiting_citizen,
        # issue 18: what is owed and whether it is paid (the page's fee card, the receipt link); the token is
        # the one the reader already holds (it is in the page's own address)
        "fee": state.fee, "fee_paid": state.fee_paid, "token": state.token,
        "receipt": any(h.get("kind") in ("fee_paid", "receipt_cancelled") for h in history),
    }


def public_step(kind: str, at: datetime, state: DossierState) -> dict[str, Any] | None:
    if kind not in PUBLIC_KINDS:
        return None
    step: dict[str, Any] = {"at": at.isoformat(), "kind": kind, "label": PUBLIC_STEP_LABELS[kind],
                            "status_label": VOIDED_LABEL if state.voided_at else STATUS_LABELS[state.status]}
    if kind == EventKind.EXTENDED and state.due_at is not None:
        step["due_at"] = state.due_at.isoformat()
    if kind == EventKind.RESULT_ISSUED:  # issue 20: downloaded after a second check (central/results.py)
        step["href"] = f"/t/{state.token}/ket-qua"
    return step


# --- HTML ---------------------------------------------------------------------------------------------------

_CSS = ("body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f6f8;"
        "color:#1b1f23;font-size:16px;line-height:1.45}main{max-width:34rem;margin:0 auto;padding:1rem}"
        "h1{font-size:1.15rem;margin:.2rem 0 .8rem}.card{background:#fff;border-radius:.6rem;padding:1rem;"
        "margin-bottom:.8rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}.st{font-size:1.3rem;font-weight:700;"
        "color:#0b5394}.st.done{color:#1e7b34}dl{margin:0}dt{color:#5a6470;font-size:.85rem;margin-top:.5rem}"
        "dd{margin:0;font-weight:600}ol{padding-left:1.2rem;margin:.2rem 0}li{margin:.35rem 0}"
        "time{color:#5a6470;font-size:.85rem;display:block}footer{color:#5a6470;font-size:.85rem}"
        "a{color:#0b5394}"
        # the rating and complaint forms (central/voice.py)
        "h2{font-size:1rem;margin:0 0 .5rem}.opt{display:block;padding:.45rem 0}label{display:block;margin-top:.5rem}"
        "select,textarea{width:100%;box-sizing:border-box;font:inherit;padding:.4rem}button{margin-top:.7rem;"
        "font:inherit;padding:.55rem 1rem;background:#0b5394;color:#fff;border:0;border-radius:.4rem;width:100%}"
        ".ok{color:#1e7b34}.answer{white-space:pre-wrap}")


#: the pages' only inline content is the <style> above: the policy allows exactly that, and nothing else
CSP = (f"default-src 'none'; style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
       "img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>{body}</main></body></html>")


def _when(value: str | None) -> str:
    return format_vn(datetime.fromisoformat(value)) if value else "—"


def _fee_card(view: dict[str, Any]) -> str:
    from counter.central.fees import fee_card  # issue 18

    return fee_card(view)


def render_page(view: dict[str, Any], office: dict[str, Any]) -> str:
    e = html.escape
    done = view["status"] in (Status.RESOLVED, Status.RETURNED)
    steps = "".join(
        f"<li><time>{e(_when(s['at']))}</time>{e(s['label'])}"
        + (f" (hẹn trả mới: {e(_when(s['due_at']))})" if s.get("due_at") else "")
        + (f" — <a id=\"ketqua\" href=\"{e(s['href'])}\">Tải kết quả</a>" if s.get("href") else "") + "</li>"
        for s in view["history"])
    office_bits = e(office.get("name") or office.get("id") or "")
    if office.get("phone"):
        phone = e(office["phone"])
        office_bits += f"<br>Điện thoại: <a href=\"tel:{phone}\">{phone}</a>"
    body = (
        "<h1>Tra cứu tiến độ hồ sơ</h1>"
        f"<div class=\"card\"><div>Trạng thái</div><div class=\"st{' done' if done else ''}\" id=\"status\">"
        f"{e(view['status_label'])}</div></div>"
        "<div class=\"card\"><dl>"
        f"<dt>Mã hồ sơ</dt><dd id=\"code\">{e(view['code'])}</dd>"
        f"<dt>Thủ tục</dt><dd>{e(view['procedure'])}</dd>"
        f"<dt>Người nộp</dt><dd>{e(view['owner'])}</dd>"
        f"<dt>Ngày tiếp nhận</dt><dd>{e(_when(view['received_at']))}</dd>"
        f"<dt>Ngày hẹn trả kết quả</dt><dd>{e(_when(view['due_at']))}</dd>"
        + (f"<dt>Ngày trả kết quả</dt><dd>{e(_when(view['returned_at']))}</dd>" if view.get("returned_at") else "")
        + "</dl></div>"
        + _online_cards(view)
        + _fee_card(view)
        + f"<div class=\"card\"><div>Các bước đã thực hiện</div><ol>{steps}</ol></div>"
        f"<footer>{office_bits}</footer>")
    return _page(f"Hồ sơ {view['code']}", body)


def _online_cards(view: dict[str, Any]) -> str:
    """An online dossier (issue 15): what the counter asks for, with the upload page; the receipt once received
    (the pages of central/online.py, relative to this page's /t/{token})."""
    if view.get("channel") != 2 or not view.get("token"):
        return ""
    out = ""
    base = f"/t/{html.escape(view['token'])}"
    if view.get("awaiting_citizen"):
        out += ("<div class=\"card\" id=\"asked\"><b>Cơ quan yêu cầu bổ sung hồ sơ.</b> "
                f"<a id=\"upload\" href=\"{base}/bo-sung\">Xem giấy tờ cần bổ sung và nộp tệp</a></div>")
    if view.get("received_at") and view.get("status") != Status.REFUSED:
        out += f"<div class=\"card\"><a id=\"receipt\" href=\"{base}/mau-01.pdf\">Giấy tiếp nhận hồ sơ (Mẫu 01, PDF)</a></div>"
    return out


NOT_FOUND_HTML = _page("Không tìm thấy", "<h1>Không tìm thấy hồ sơ</h1><div class=\"card\">Không tìm thấy hồ sơ "
                       "với mã tra cứu này. Vui lòng kiểm tra lại mã QR trên giấy tiếp nhận.</div>")
TOO_MANY_HTML = _page("Quá nhiều yêu cầu", "<h1>Quá nhiều yêu cầu</h1><div class=\"card\">Vui lòng thử lại "
                      "sau ít giây.</div>")


class RateLimiter:
    """A token bucket per client address, in memory: `burst` requests at once, then `rate` per second."""

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000,
                 monotonic=time.monotonic):  # type: ignore[no-untyped-def]
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._now = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float:
        """0 when the request may go on, else the seconds to wait before the next one."""
        if not self.enabled:
            return 0.0
        now = self._now()
        with self._lock:
            if len(self._buckets) >= self.max_clients and client not in self._buckets:
                # forget the clients gone quiet (their buckets are full again: nothing is lost)
                full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * self.rate >= self.burst]
                for k in full:
                    del self._buckets[k]
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return max(0.001, (1.0 - tokens) / self.rate)

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
