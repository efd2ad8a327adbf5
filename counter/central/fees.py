"""Issue 18 on the central server: the fee box of the public tracking page (what is owed, the VietQR transfer
code while unpaid) and the receipt's electronic copy (PDF) downloadable from it, rebuilt from the accepted
events exactly as the station printed it. Included from app.py with one line."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Response

from counter.central import tables as t
from counter.domain import fees
from counter.domain.codes import TOKEN_RE

#: the office's account for VietQR on the tracking page ([fees] of the server's settings), set by create_app
PAYEE: dict[str, str] = {}


def set_payee(section: Any) -> None:
    PAYEE.clear()
    if section is not None:
        PAYEE.update({k: str(getattr(section, k, "") or "") for k in ("bank_bin", "account", "account_name",
                                                                       "bank_name", "unit_name", "tax_code")})


def _svg(data: str) -> str:
    """The QR code as inline SVG (the page's policy allows no image, no script: inline markup only)."""
    from counter.printing.pdf import qr_matrix

    m = qr_matrix(data)
    n = len(m) + 8
    path = "".join(f"M{x + 4} {y + 4}h1v1h-1z" for y, row in enumerate(m) for x, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="220" height="220" '
            f'role="img" aria-label="VietQR"><rect width="{n}" height="{n}" fill="#fff"/>'
            f'<path d="{path}" fill="#000"/></svg>')


def fee_card(view: dict[str, Any]) -> str:
    """The tracking page's fee card ("" for a dossier with nothing to pay)."""
    amount = int(view.get("fee") or 0)
    if amount <= 0:
        return ""
    e = html.escape
    if view.get("fee_paid"):
        link = f'<br><a href="{e(view["token"])}/bien-lai.pdf">Tải biên lai điện tử (PDF)</a>' \
            if view.get("token") and view.get("receipt") else ""
        return f'<div class="card" id="fee">Phí, lệ phí: <b>{e(fees.money(amount))}</b> — đã nộp{link}</div>'
    out = f'<div class="card" id="fee">Phí, lệ phí phải nộp: <b>{e(fees.money(amount))}</b>'
    if PAYEE.get("bank_bin") and PAYEE.get("account"):
        try:
            qr = fees.vietqr(PAYEE["bank_bin"], PAYEE["account"], amount, view["code"])
        except fees.FeeError:
            qr = ""
        if qr:
            out += (f"<br>Chuyển khoản: quét mã VietQR bằng ứng dụng ngân hàng (đúng số tiền, nội dung "
                    f"{e(view['code'])})<br>{e(PAYEE.get('bank_name', ''))} · {e(PAYEE['account'])} · "
                    f"{e(PAYEE.get('account_name', ''))}<br>{_svg(qr)}")
    return out + "</div>"


def router(engine: sa.Engine) -> APIRouter:
    r = APIRouter()
    query = (sa.select(t.dossiers.c.id, t.dossiers.c.state, t.offices.c.name, t.offices.c.address)
             .join(t.offices, t.offices.c.id == t.dossiers.c.office_id)
             .where(t.dossiers.c.token == sa.bindparam("token")))
    events_q = (sa.select(t.events.c.wire).where(t.events.c.dossier_id == sa.bindparam("d"),
                                                 t.events.c.status == "accepted").order_by(t.events.c.office_seq))

    @r.get("/t/{token}/bien-lai.pdf", include_in_schema=False)
    def receipt_pdf(token: str) -> Response:
        from counter.printing import fees as fee_print
        from counter.printing.pdf import render_pdf

        if not TOKEN_RE.match(token):
            return Response("Không tìm thấy biên lai.", status_code=404, media_type="text/plain; charset=utf-8")
        with engine.connect() as conn:
            row = conn.execute(query, {"token": token}).first()
            wires = [json.loads(w) for w in conn.execute(events_q, {"d": row.id}).scalars()] if row else []
        found = receipt_of(wires) if row else None
        if row is None or found is None:
            return Response("Không tìm thấy biên lai.", status_code=404, media_type="text/plain; charset=utf-8")
        state = json.loads(row.state)
        receipt, collector, at, payer, created = found
        lines = tuple(fee_print.FeeLine(c["kind"], c["name"], c.get("detail", ""), int(c["amount"]))
                      for c in created.get("charges") or ())
        data = fee_print.ReceiptPrint(
            PAYEE.get("unit_name") or row.name, PAYEE.get("tax_code", ""), row.address or "", receipt["form"],
            receipt["series"], receipt["number"], payer, "", state["code"], state["procedure_name"], lines,
            int(state.get("paid_amount") or state["fee"]), receipt.get("method", "cash"), at, collector)
        pdf = render_pdf([fee_print.receipt(data)], "A5")
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="bien-lai-{receipt["number"]}.pdf"', "Cache-Control": "no-store"})

    return r


def receipt_of(wires: list[dict[str, Any]]) -> tuple[dict[str, Any], str, datetime, str, dict[str, Any]] | None:
    """The receipt standing now (the last one issued and not cancelled), who issued it, when, the payer, and the
    creating payload (its fee lines)."""
    created: dict[str, Any] = {}
    current: tuple[dict[str, Any], str, datetime, str] | None = None
    for w in wires:
        p, kind = w.get("payload") or {}, w.get("kind")
        who = (w.get("actor") or {}).get("full_name", "")
        at = datetime.fromisoformat(w["at"])
        if kind in ("received", "registered"):
            created = p
        elif kind == "fee_paid" and p.get("receipt"):
            current = ({**p["receipt"], "method": p.get("method")}, who, at, p.get("payer", ""))
        elif kind == "receipt_cancelled" and current is not None and p.get("number") == current[0]["number"]:
            current = ({**p["replacement"], "method": current[0]["method"]}, who, at, p.get("payer") or current[3])
    return (*current, created) if current else None
