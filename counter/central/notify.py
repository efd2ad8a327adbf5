"""Citizens' notices (issue 19): made once the central server accepted an event, sent after, retried.

- `enqueue` runs inside the accepting transaction (ingest.push): for each accepted event that the law makes
  a notice of (domain.voice.notice_kind) and each recipient the citizen chose at intake, one row of
  central_notices, unique per (event, channel, recipient). A station that was offline for a day pushes its
  events when it comes back: they are accepted then, and their notices made then, once.
- `dispatch_once` sends the due notices through the `Notifier` of their channel; each attempt is a row of
  central_notice_attempts (shown in the dossier's history: "đã gửi SMS 0912…678 lúc …"); a failure moves
  the notice's next try by full-jitter exponential backoff, and it is tried again until it goes. A notice is
  claimed (its next try pushed an hour ahead) in its own short transaction before it is sent, so two server
  processes never send the same one; a crash between the send and the record can repeat that one send.
- One `Notifier` interface: e-mail over SMTP (`SmtpNotifier`), SMS through an HTTP gateway
  (`SmsGatewayNotifier`). Another channel (a chat app's business messages) is one more adapter.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

import httpx
import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection, Engine

from counter.central import tables as t
from counter.domain import voice as v
from counter.domain.clock import Clock
from counter.domain.codes import rating_url, tracking_url
from counter.domain.lifecycle import DossierState

log = logging.getLogger("counter.central.notify")
_STATE: TypeAdapter[DossierState] = TypeAdapter(DossierState)
CLAIM = timedelta(hours=1)


class NotifyError(Exception):
    """A send failed; the message (shown in the dossier's history) says why, in Vietnamese where we can."""


class Notifier(Protocol):
    """One channel. `send` delivers one message to one address or raises NotifyError."""

    channel: str

    def send(self, recipient: str, message: v.Message) -> None: ...


# --- adapters -----------------------------------------------------------------------------------------------

@dataclass
class SmtpNotifier:
    """E-mail over SMTP: `tls` "starttls" (port 587), "ssl" (465) or "none" (a relay on the same machine);
    login when `user` is set. `cafile`: a CA to trust (tests, a private relay)."""

    host: str
    port: int = 587
    sender: str = ""
    user: str = ""
    password: str = ""
    tls: str = "starttls"
    cafile: str | None = None
    timeout: float = 20.0
    channel: str = "email"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cafile)

    def send(self, recipient: str, message: v.Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = recipient
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=(self.sender.partition("@")[2] or None))
        mail.set_content(message.text, charset="utf-8")
        try:
            if self.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=self._context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=self._context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(f"máy chủ thư {self.host}:{self.port} báo lỗi: {exc}") from None


@dataclass
class SmsGatewayNotifier:
    """SMS through the provider's HTTP gateway: a POST to `url` of `template` (JSON with $account, $secret,
    $to, $text placeholders, the provider's own field names) with the account's secret. Any 2xx is sent."""

    url: str
    account: str = ""
    secret: str = ""
    template: str = '{"account": "$account", "secret": "$secret", "to": "$to", "text": "$text"}'
    timeout: float = 15.0
    channel: str = "sms"

    def body(self, recipient: str, text: str) -> Any:
        enc = lambda s: json.dumps(s, ensure_ascii=False)[1:-1]  # noqa: E731  # inside the template's quotes
        filled = string.Template(self.template).safe_substitute(
            account=enc(self.account), secret=enc(self.secret), to=enc(recipient), text=enc(text))
        return json.loads(filled)

    def send(self, recipient: str, message: v.Message) -> None:
        try:
            r = httpx.post(self.url, json=self.body(recipient, message.text), timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise NotifyError(f"không kết nối được cổng SMS ({type(exc).__name__})") from None
        if not 200 <= r.status_code < 300:
            raise NotifyError(f"cổng SMS trả lời {r.status_code}: {r.text[:200]}")


def notifiers_from_settings(server: Any) -> dict[str, Notifier]:
    """The channels [server] configures (counter.settings.ServerSection); none when nothing is set."""
    out: dict[str, Notifier] = {}
    if server.smtp_host:
        out["email"] = SmtpNotifier(server.smtp_host, server.smtp_port, server.mail_from, server.smtp_user,
                                    server.smtp_password, server.smtp_tls)
    if server.sms_url:
        out["sms"] = SmsGatewayNotifier(server.sms_url, server.sms_account, server.sms_secret,
                                        server.sms_template or SmsGatewayNotifier.template)
    return out


# --- making them ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NoticeOptions:
    public_url: str = ""  # the tracking page's base address (e.g. https://motcua.tinh.gov.vn)
    sms_ascii: bool = True  # send SMS without diacritics (most gateways bill Unicode SMS as two)


_OPTIONS: dict[str, NoticeOptions] = {}  # per database, set by create_app from the server's settings


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def set_options(engine: Engine, options: NoticeOptions) -> None:
    _OPTIONS[_key(engine)] = options


def options_for(conn: Connection) -> NoticeOptions:
    return _OPTIONS.get(_key(conn.engine), NoticeOptions())


def _choice(conn: Connection, dossier_id: str, batch: dict[str, str | None]) -> str | None:
    if dossier_id in batch:
        return batch[dossier_id]
    row = conn.execute(sa.select(t.events.c.wire).where(
        t.events.c.dossier_id == dossier_id, t.events.c.status == "accepted",
        t.events.c.kind.in_(("registered", "received", "refused"))).order_by(t.events.c.office_seq)).first()
    choice = json.loads(row.wire).get("payload", {}).get("notify") if row else None
    batch[dossier_id] = choice
    return choice


def _office(conn: Connection, office_id: str) -> tuple[str, str]:
    row = conn.execute(sa.select(t.offices.c.name, t.offices.c.phone).where(t.offices.c.id == office_id)).first()
    return (row.name or office_id, row.phone or "") if row else (office_id, "")


def enqueue(conn: Connection, accepted: list[tuple[dict[str, Any], Any, DossierState]], now: datetime) -> int:
    """The notices of a push's accepted events, in its transaction. Returns how many were made."""
    opts = options_for(conn)
    choices: dict[str, str | None] = {}
    rows: list[dict[str, Any]] = []
    for e, before, state in accepted:
        kind = v.notice_kind(e["kind"], before, state)
        if kind is None:
            continue
        payload = e.get("payload") or {}
        if e["kind"] in ("registered", "received", "refused"):
            choices.setdefault(state.id, payload.get("notify"))
        targets = v.recipients(_choice(conn, state.id, choices), state.owner_phone, state.owner_email)
        if not targets:
            continue
        office, phone = _office(conn, state.office_id)
        link = tracking_url(opts.public_url, state.token)
        values = {"code": state.code, "procedure": state.procedure_name, "due": v.when(state.due_at),
                  "link": link, "rate_link": rating_url(opts.public_url, state.token), "office": office, "phone": phone,
                  "reason": payload.get("reason"),
                  "papers": [p.get("name", "") for p in payload.get("papers") or [] if isinstance(p, dict)]}
        for channel, address in targets:
            msg = v.render(kind, channel, values, sms_ascii=opts.sms_ascii)
            rows.append({"office_id": state.office_id, "dossier_id": state.id, "event_id": e["id"], "kind": kind,
                         "channel": channel, "recipient": address, "subject": msg.subject, "body": msg.text,
                         "status": "pending", "attempts": 0, "next_at": now, "created_at": now})
    if rows:
        conn.execute(sa.insert(t.notices), rows)
    return len(rows)


# --- sending them ---------------------------------------------------------------------------------------------

def _claim(engine: Engine, now: datetime, limit: int) -> list[Any]:
    writer = engine.execution_options(immediate=True)
    n = t.notices.c
    with writer.begin() as conn:
        stmt = (sa.select(t.notices).where(n.status == "pending", n.next_at <= now).order_by(n.next_at, n.id)
                .limit(limit))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(conn.execute(stmt).all())
        if rows:
            conn.execute(sa.update(t.notices).where(n.id.in_([r.id for r in rows])).values(next_at=now + CLAIM))
    return rows


def dispatch_once(engine: Engine, notifiers: dict[str, Notifier], now: datetime, *, limit: int = 50,
                  base: float = v.BACKOFF_BASE) -> tuple[int, int]:
    """Send the notices due at `now`: (sent, failed). A channel with no notifier configured is a failure
    too (recorded, retried later: configuring it later sends what waited)."""
    sent = failed = 0
    for row in _claim(engine, now, limit):
        notifier = notifiers.get(row.channel)
        error: str | None = None
        try:
            if notifier is None:
                raise NotifyError(f"chưa cấu hình kênh {v.CHANNEL_LABELS.get(row.channel, row.channel)}")
            notifier.send(row.recipient, v.Message(row.subject, row.body))
        except NotifyError as exc:
            error = str(exc)
        except Exception as exc:  # an adapter's bug must not stop the others
            log.exception("notice %s", row.id)
            error = f"lỗi không lường trước ({type(exc).__name__})"
        attempts = row.attempts + 1
        with engine.execution_options(immediate=True).begin() as conn:
            conn.execute(sa.insert(t.notice_attempts).values(notice_id=row.id, at=now, ok=error is None, error=error))
            if error is None:
                conn.execute(sa.update(t.notices).where(t.notices.c.id == row.id)
                             .values(status="sent", attempts=attempts, sent_at=now, last_error=None))
                sent += 1
            else:
                conn.execute(sa.update(t.notices).where(t.notices.c.id == row.id)
                             .values(attempts=attempts, last_error=error,
                                     next_at=now + v.backoff(attempts, base=base)))
                failed += 1
    return sent, failed


class Dispatcher:
    """The server's sending loop: a daemon thread calling dispatch_once every `interval` seconds."""

    def __init__(self, engine: Engine, notifiers: dict[str, Notifier], clock: Clock, interval: float = 5.0):
        self.engine, self.notifiers, self.clock, self.interval = engine, notifiers, clock, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.notifiers:
            self._thread = threading.Thread(target=self._run, name="counter-notify", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                dispatch_once(self.engine, self.notifiers, self.clock.now())
            except Exception:  # the database away for a moment: try again next round
                log.exception("notice dispatch")
            self._stop.wait(self.interval)


# --- the dossier's history -------------------------------------------------------------------------------------

def history(conn: Connection, dossier_id: str) -> list[dict[str, Any]]:
    """Every attempt of the dossier's notices, oldest first, in words: "đã gửi SMS 0912…678 lúc …"."""
    n, a = t.notices.c, t.notice_attempts.c
    rows = conn.execute(sa.select(n.kind, n.channel, n.recipient, a.at, a.ok, a.error)
                        .join(t.notice_attempts, a.notice_id == n.id)
                        .where(n.dossier_id == dossier_id).order_by(a.at, a.id)).all()
    out = []
    for r in rows:
        channel = v.CHANNEL_LABELS.get(r.channel, r.channel)
        to = v.mask_address(r.channel, r.recipient)
        label = v.NOTICE_LABELS.get(r.kind, r.kind)
        text = (f"đã gửi {channel} {to} lúc {v.when(r.at)} ({label})" if r.ok
                else f"gửi {channel} {to} lỗi lúc {v.when(r.at)} ({label}): {r.error}")
        out.append({"at": v.aware(r.at).isoformat(), "kind": r.kind, "channel": r.channel, "ok": r.ok, "text": text})
    return out
