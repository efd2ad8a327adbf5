"""The citizens' notices (issue 19) against a real SMTP server (aiosmtpd, STARTTLS and login) and an HTTP SMS
gateway on 127.0.0.1: one message per step per channel with the right words, a gateway down then up, a
station that syncs after a day offline."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import sqlalchemy as sa

from counter.central import notify
from counter.central import tables as t
from counter.central.app import create_app
from counter.domain.clock import FixedClock
from counter.domain.intake import Applicant, ReceiveRequest
from counter.services import dossiers, progress
from counter.services.dossiers import receive_in
from tests.central.conftest import add_token, auth, push_body, wire_events
from tests.conftest import NOW, actor_for, default_papers

pytestmark = pytest.mark.process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(tmp_path):
    """(SmtpNotifier, received messages): aiosmtpd on 127.0.0.1 requiring STARTTLS and a login."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.smtp import AuthResult

    if shutil.which("openssl") is None:
        pytest.skip("openssl không có trên máy này")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    got: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content, policy=policy.default)))
            return "250 OK"

    def check(server, session, envelope, mechanism, data):
        ok = data.login == b"motcua" and data.password == b"mat-khau-thu"
        return AuthResult(success=ok)

    port = _free_port()
    ctl = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=ctx, require_starttls=True,
                              auth_required=True, authenticator=check)
    ctl.start()
    try:
        yield notify.SmtpNotifier("127.0.0.1", port, "motcua@xa.gov.vn", "motcua", "mat-khau-thu", "starttls",
                                  cafile=str(cert)), got
    finally:
        ctl.stop()


class Gateway:
    """An SMS provider's HTTP gateway on 127.0.0.1: records each POST; `stop()` then `start()` on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.got: list[dict] = []
        self.status = 200  # another status: the gateway is up but refuses (nothing delivered)
        self.refused = 0
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        gateway = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if gateway.status != 200:
                    gateway.refused += 1
                    self.send_response(gateway.status)
                    self.end_headers()
                    self.wfile.write(b'{"error":"busy"}')
                    return
                gateway.got.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"status":"queued"}')

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def gateway():
    g = Gateway()
    g.start()
    yield g
    g.stop()


def sms_notifier(g: Gateway) -> notify.SmsGatewayNotifier:
    return notify.SmsGatewayNotifier(f"http://127.0.0.1:{g.port}/send", "UBND-PL", "bi-mat",
                                     '{"user": "$account", "key": "$secret", "phone": "$to", "message": "$text"}')


def receive_with(store, actor, *, notify_by: str, phone=None, email=None, name="Nguyễn Văn An") -> str:
    with store.write() as s:
        row = receive_in(s, actor, ReceiveRequest("1.004873", Applicant(name=name, phone=phone, email=email),
                                                  default_papers(s, "1.004873"), notify=notify_by), store.clock.now())
        return row.code


class Central:
    def __init__(self, url, engine, notifiers, clock):
        self.app = create_app(url, clock=clock, migrate=False, track_rate=0, pool_size=2, notifiers=notifiers,
                              public_url="https://motcua.example")
        self.engine, self.notifiers, self.clock = engine, notifiers, clock
        self.token = add_token(engine)
        self.seq = 0

    async def sync(self, store) -> list[dict]:
        evs = wire_events(store, self.seq)
        if not evs:
            return []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://c") as client:
            r = await client.post("/api/v1/events", json=push_body(store, evs), headers=auth(self.token))
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert {x["status"] for x in results} <= {"accepted", "duplicate"}, results
        self.seq = evs[-1]["station_seq"]
        return evs

    def send(self, later: timedelta = timedelta(0)) -> tuple[int, int]:
        return notify.dispatch_once(self.engine, self.notifiers, self.clock.now() + later, base=1.0)

    def history(self, store, code: str) -> list[str]:
        with store.read() as s:
            did = s.execute(sa.text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar_one()
        with self.engine.connect() as conn:
            return [h["text"] for h in notify.history(conn, did)]


async def test_each_step_sends_one_message_per_channel_with_the_right_words(central_url, central_engine,
                                                                            station_store, smtp, gateway):
    mailer, mails = smtp
    server = Central(central_url, central_engine, {"email": mailer, "sms": sms_notifier(gateway)},
                     FixedClock(NOW + timedelta(minutes=5)))
    clerk, boss = actor_for(station_store, "canbo"), actor_for(station_store, "giamsat")
    by_sms = receive_with(station_store, clerk, notify_by="sms", phone="0912345678")
    by_mail = receive_with(station_store, clerk, notify_by="email", phone="0987654321", email="an.nguyen@mail.vn",
                           name="Trần Thị Bình")
    silent = receive_with(station_store, clerk, notify_by="none", phone="0911111111", name="Lê Văn Cường")

    def step(kind: str, payload: dict, actor=clerk) -> None:
        for code in (by_sms, by_mail, silent):
            progress.record_event(station_store, actor, code, kind, payload)

    steps = [
        (None, "da tiep nhan ho so", "Đã tiếp nhận hồ sơ"),
        (("supplement_requested", {"papers": "Bản sao Giấy chứng sinh", "reason": "Thiếu bản sao"}),
         "can bo sung: Ban sao Giay chung sinh", "cần bổ sung giấy tờ"),
        (("extended", {"days": "2", "reason": "Cần xác minh thêm"}, boss), "xin loi", "Xin lỗi"),
        (("resolved", {"note": "Giấy xác nhận"}), "som hon hen", "sớm hơn ngày hẹn"),
        (("returned", None), "Moi danh gia su hai long: https://motcua.example/t/", "Đã trả kết quả hồ sơ"),
    ]
    for i, (action, sms_words, mail_subject) in enumerate(steps, start=1):
        if action is not None:
            kind, payload, *who = action
            if kind == "extended":  # papers come back first (no notice), then the apology with a new date
                step("supplement_received", {})
            if kind == "returned":
                for code in (by_sms, by_mail, silent):
                    dossiers.record(station_store, clerk, code, "returned", {
                        "receiver_name": "Nguyễn Văn An", "receiver_id_number": "001090123456",
                        "receiver_source": "typed", "papers": [{"name": "Giấy xác nhận", "count": 1}]})
            else:
                step(kind, payload, *(who or [clerk]))
        await server.sync(station_store)
        assert server.send() == (2, 0)
        assert server.send(timedelta(hours=2)) == (0, 0)  # nothing twice
        assert len(gateway.got) == i and len(mails) == i, (gateway.got, [m.get("Subject") for _, m in mails])
        sms, (to, mail) = gateway.got[-1], mails[-1]
        assert sms["phone"] == "0912345678" and sms["user"] == "UBND-PL" and sms["key"] == "bi-mat"
        assert sms_words in sms["message"] and sms["message"].isascii(), sms["message"]
        assert to == ["an.nguyen@mail.vn"] and mail_subject in mail["Subject"], mail["Subject"]
        assert by_mail in mail["Subject"] and by_sms in sms["message"]
    body = mails[1][1].get_content()
    assert "- Bản sao Giấy chứng sinh" in body and "Lý do: Thiếu bản sao" in body  # the full list, with marks
    assert "Ngày hẹn trả mới:" in mails[2][1].get_content()
    assert "Mời ông/bà đánh giá sự hài lòng: https://motcua.example/t/" in mails[4][1].get_content()
    shown = server.history(station_store, by_sms)
    assert len(shown) == 5 and shown[0].startswith("đã gửi SMS 0912…678 lúc ") and "(tiếp nhận hồ sơ)" in shown[0]
    assert server.history(station_store, silent) == []  # the citizen chose no notices


async def test_gateway_down_then_up_each_message_delivered_once(central_url, central_engine, station_store, gateway):
    clock = FixedClock(NOW + timedelta(minutes=5))
    server = Central(central_url, central_engine, {"sms": sms_notifier(gateway)}, clock)
    clerk = actor_for(station_store, "canbo")
    codes = [receive_with(station_store, clerk, notify_by="sms", phone=f"091234567{i}") for i in range(3)]
    gateway.stop()
    await server.sync(station_store)
    assert server.send() == (0, 3)  # refused connection: recorded, retried later
    assert server.send() == (0, 0)  # not before its backoff
    shown = server.history(station_store, codes[0])
    assert len(shown) == 1 and shown[0].startswith("gửi SMS 0912…670 lỗi lúc ") and "cổng SMS" in shown[0]
    clock.advance(hours=2)
    assert server.send() == (0, 3)  # still down: a second attempt each
    gateway.start()
    clock.advance(hours=3)
    assert server.send() == (3, 0)
    clock.advance(days=1)
    assert server.send() == (0, 0)
    assert sorted(g["phone"] for g in gateway.got) == [f"091234567{i}" for i in range(3)]  # each once
    shown = server.history(station_store, codes[2])
    assert len(shown) == 3 and shown[-1].startswith("đã gửi SMS")
    # what the clerk sees in the dossier's screen (key T): the server's record, over the station's token
    from starlette.testclient import TestClient

    from counter.services import sync as sync_service
    from counter.services import voice as station_voice

    sync_service.setup(station_store, "http://central.test", server.token)
    with TestClient(server.app, base_url="http://central.test") as tc:
        assert station_voice.notices(station_store, codes[2], transport=tc._transport) == shown
    with central_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.notices)
                            .where(t.notices.c.status == "sent")).scalar_one() == 3


async def test_a_gateway_that_answers_503_then_recovers_delivers_each_message_once(central_url, central_engine,
                                                                                   station_store, gateway):
    clock = FixedClock(NOW + timedelta(minutes=5))
    server = Central(central_url, central_engine, {"sms": sms_notifier(gateway)}, clock)
    clerk = actor_for(station_store, "canbo")
    codes = [receive_with(station_store, clerk, notify_by="sms", phone=f"098765432{i}") for i in range(2)]
    await server.sync(station_store)
    gateway.status = 503  # up, but refusing: nothing delivered, each attempt recorded with its answer
    assert server.send() == (0, 2) and gateway.refused == 2 and gateway.got == []
    shown = server.history(station_store, codes[0])
    assert len(shown) == 1 and "cổng SMS trả lời 503" in shown[0]
    gateway.status = 200
    clock.advance(hours=1)
    assert server.send() == (2, 0)
    clock.advance(days=1)
    assert server.send() == (0, 0)
    assert sorted(g["phone"] for g in gateway.got) == ["0987654320", "0987654321"]  # each once


async def test_a_station_that_syncs_after_a_day_offline_notifies_once(central_url, central_engine, station_store,
                                                                      gateway):
    clock = FixedClock(NOW + timedelta(days=1, hours=1))  # the server's time when the station comes back
    server = Central(central_url, central_engine, {"sms": sms_notifier(gateway)}, clock)
    clerk = actor_for(station_store, "canbo")
    code = receive_with(station_store, clerk, notify_by="sms", phone="0912345678")  # yesterday, offline
    assert server.send() == (0, 0)  # the server knows nothing yet
    evs = await server.sync(station_store)
    server.seq = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=server.app), base_url="http://c") as client:
        again = await client.post("/api/v1/events", json=push_body(station_store, evs), headers=auth(server.token))
    assert [x["status"] for x in again.json()["results"]] == ["duplicate"]  # a replay after a lost answer
    assert server.send() == (1, 0)
    clock.advance(days=1)
    assert server.send() == (0, 0)
    assert len(gateway.got) == 1 and code in gateway.got[0]["message"]
