"""An RFC 3161 time-stamp server on 127.0.0.1 for the signing tests: pyHanko's DummyTimeStamper (its TSA
certificate issued by the test CA, extended key usage timeStamping) answering `application/timestamp-query` POSTs.

    with serve_tsa(ca) as url:          # http://127.0.0.1:PORT/tsa
        cfg = SigningSection(pkcs12=..., timestamp_url=url)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers.pki import TEST_CLOCK, TestCA, _name


def tsa_signer(ca: TestCA) -> Any:
    """A DummyTimeStamper whose certificate (CN "TSA Thử Nghiệm") the test CA issued."""
    from asn1crypto import keys, x509 as ax509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = min(datetime.now(UTC), TEST_CLOCK) - timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(_name("TSA Thử Nghiệm", "Tổ chức chứng thực thử nghiệm"))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return DummyTimeStamper(tsa_cert=ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
                            tsa_key=keys.PrivateKeyInfo.load(der_key))


@contextmanager
def serve_tsa(ca: TestCA) -> Iterator[str]:
    """The time-stamp server's URL while the block runs; `.requests` on the server counts the stamps given."""
    from asn1crypto import tsp

    stamper = tsa_signer(ca)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            except Exception:
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def closed_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a time-stamp server that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"
