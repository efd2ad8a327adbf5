"""A test PKI made in the test: a root CA, officials' certificates it issues, a PKCS#12 file and a real
SoftHSM2 token holding a key (generated on the token) with its certificate.

    ca = TestCA.make()
    p12 = ca.pkcs12(tmp_path / "canbo.p12", "Nguyễn Văn A", password="matkhau")
    token = SoftToken.make(tmp_path / "hsm", ca, "Trần Thị B")     # label "counter-test", PIN 123456
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TEST_CLOCK = datetime(2026, 11, 1, tzinfo=UTC)  # before tests/conftest.NOW: the stores' fixed clock
SOFTHSM_LIB = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "123456"
SO_PIN = "87654321"


def _name(cn: str, org: str = "UBND xã Thử Nghiệm") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class TestCA:
    __test__ = False  # not a test class (pytest)

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def make(cls, cn: str = "CA Thử Nghiệm Gốc") -> TestCA:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = min(datetime.now(UTC), TEST_CLOCK)
        name = _name(cn, "Tổ chức chứng thực thử nghiệm")
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=True, crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    def issue(self, public_key: object, cn: str, *, days: int = 3650, start_days_ago: int = 1) -> x509.Certificate:
        """An official's signing certificate, valid from before the test clock (tests/conftest NOW) and the real
        time; `days` < 0 gives one that expired that many days ago."""
        now = datetime.now(UTC)
        start = min(now, TEST_CLOCK) - timedelta(days=start_days_ago)
        return (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())  # type: ignore[arg-type]
                .not_valid_before(start).not_valid_after(start + timedelta(days=days) if days > 0 else now + timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=False, crl_sign=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))

    def pkcs12(self, path: Path, cn: str, password: str = "matkhau", **kw: int) -> Path:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = self.issue(key.public_key(), cn, **kw)
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"canbo", key, cert, [self.cert], serialization.BestAvailableEncryption(password.encode())))
        return path

    def write_root(self, path: Path) -> Path:
        path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        return path


def softhsm_env(root: Path) -> dict[str, str]:
    """SOFTHSM2_CONF for a token directory under `root` (set it before the library is first loaded)."""
    (root / "tokens").mkdir(parents=True, exist_ok=True)
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    return {"SOFTHSM2_CONF": str(conf)}


@dataclass
class SoftToken:
    """A SoftHSM2 token with one RSA key generated on it and its certificate (same label and id)."""

    label: str
    key_label: str
    cert: x509.Certificate

    @staticmethod
    def available() -> bool:
        return Path(SOFTHSM_LIB).exists() and shutil.which("softhsm2-util") is not None

    @classmethod
    def make(cls, ca: TestCA, cn: str, *, label: str = "counter-test", key_label: str = "canbo",
             **kw: int) -> SoftToken:
        """A new token in the token directory of SOFTHSM2_CONF (already in os.environ)."""
        import pkcs11
        from pkcs11 import Attribute, KeyType, ObjectClass
        from pkcs11.util.rsa import encode_rsa_public_key

        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
                        "--so-pin", SO_PIN], check=True, capture_output=True, env=os.environ.copy())
        lib = pkcs11.lib(SOFTHSM_LIB)
        lib.reinitialize()  # the new token's slot (the library read the slots when it was first loaded)
        token = lib.get_token(token_label=label)
        with token.open(user_pin=PIN, rw=True) as session:
            pub, _priv = session.generate_keypair(KeyType.RSA, 2048, label=key_label, id=b"\x01", store=True)
            der = encode_rsa_public_key(pub)
            from cryptography.hazmat.primitives.serialization import load_der_public_key

            from asn1crypto import keys

            spki = keys.PublicKeyInfo({"algorithm": {"algorithm": "rsa"}, "public_key": keys.RSAPublicKey.load(der)})
            cert = ca.issue(load_der_public_key(spki.dump()), cn, **kw)
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.LABEL: key_label, Attribute.ID: b"\x01",
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: cert.subject.public_bytes(),
            })
        return cls(label, key_label, cert)

    def remove(self) -> None:
        """Pull the token out (delete it from SoftHSM's token directory)."""
        subprocess.run(["softhsm2-util", "--delete-token", "--token", self.label], check=True, capture_output=True,
                       env=os.environ.copy())
