"""The optional RFC 3161 time-stamp server ([signing] timestamp_url): a signature made with it carries a valid
time-stamp token from the server (PAdES B-T); the server down or answering rubbish says so in Vietnamese and
signs nothing."""

from __future__ import annotations

import io
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest

from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.services.signing import Signing, SigningError, issue_result
from counter.settings import SigningSection
from counter.signing import verify_pdf
from counter.signing.verify import load_roots
from tests.conftest import actor_for, receive
from tests.helpers.printing import DATA
from tests.helpers.store import snapshot
from tests.helpers.tsa import closed_url, serve_tsa


def _validate(signed: bytes, roots):  # type: ignore[no-untyped-def]
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    [sig] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    ctx = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    return validate_pdf_signature(sig, ctx, ts_validation_context=ctx)


@pytest.mark.parametrize("kind", ["pkcs12", "pkcs11"])
def test_a_signature_carries_the_servers_valid_timestamp(keys, kind):
    with serve_tsa(keys.ca) as url:
        cfg = (SigningSection(pkcs12=str(keys.p12), timestamp_url=url) if kind == "pkcs12" else
               SigningSection(pkcs11_lib=keys.lib, token_label=keys.token.label, key_label=keys.token.key_label,
                              timestamp_url=url))
        signing = Signing(lambda: cfg)
        signing.unlock(keys.p12_password if kind == "pkcs12" else keys.pin)
        signed = signing.sign_pdf(render_pdf(forms.receipt(DATA)), "Ký Giấy tiếp nhận")
    roots = load_roots([str(keys.root)])
    status = _validate(signed, roots)
    assert status.bottom_line, status.pretty_print_details()
    ts = status.timestamp_validity
    assert ts is not None and ts.intact and ts.valid and ts.trusted  # the token chains to the test CA
    assert ts.signing_cert.subject.native["common_name"] == "TSA Thử Nghiệm"
    report = verify_pdf(signed, roots)
    assert report.ok and report.signatures[0].timestamped
    assert any("theo dấu thời gian" in line for line in report.lines()), report.lines()


def test_without_a_timestamp_server_the_report_says_so(keys, p12_cfg):
    signing = Signing(lambda: p12_cfg)
    signing.unlock(keys.p12_password)
    report = verify_pdf(signing.sign_pdf(render_pdf(forms.receipt(DATA)), "Ký"), load_roots([str(keys.root)]))
    assert not report.signatures[0].timestamped
    assert any("không có dấu thời gian" in line for line in report.lines())


class _Rubbish(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>captive portal</html>")

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.mark.parametrize("server", ["down", "rubbish"])
def test_a_timestamp_server_down_signs_nothing(store, keys, server):
    rubbish = ThreadingHTTPServer(("127.0.0.1", 0), _Rubbish)
    threading.Thread(target=rubbish.serve_forever, daemon=True).start()
    url = closed_url() if server == "down" else f"http://127.0.0.1:{rubbish.server_address[1]}/tsa"
    try:
        clerk = actor_for(store, "canbo")
        code = receive(store, clerk, id_number="001090123456")
        cfg = SigningSection(pkcs12=str(keys.p12), timestamp_url=url)
        signing = Signing(lambda: cfg, store.clock.now)
        signing.unlock(keys.p12_password, clerk.user_id)  # the key opens: the server is asked only when signing
        files = sorted(store.blob_dir.rglob("*")) if store.blob_dir.exists() else []
        before = snapshot(store)
        with pytest.raises(SigningError) as err:
            issue_result(store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
        assert f"Không lấy được dấu thời gian từ máy chủ {url}: chưa ký" in err.value.message
        assert snapshot(store) == before
        assert signing.unlocked_for(clerk.user_id)  # the PIN is kept: only the server failed
        assert (sorted(store.blob_dir.rglob("*")) if store.blob_dir.exists() else []) == files  # no file stored
    finally:
        rubbish.shutdown()
        rubbish.server_close()
