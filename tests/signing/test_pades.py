"""Signing with a real SoftHSM2 token and a PKCS#12 file, verified by pyHanko's validator (counter/signing)."""

from __future__ import annotations

import io

import pytest

from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.settings import SigningSection
from counter.signing import SigningError, open_signer, sign_pdf, signature_box, verify_pdf
from counter.signing.verify import load_roots
from tests.helpers.pki import TestCA
from tests.helpers.printing import DATA


def _receipt() -> bytes:
    return render_pdf(forms.receipt(DATA))


def _flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


def test_token_signature_is_intact_trusted_and_names_the_signer(keys, token_cfg):
    data = _receipt()
    with open_signer(token_cfg, keys.pin) as signer:
        signed = sign_pdf(data, signer, reason="Ký Giấy tiếp nhận", location="UBND xã Thử Nghiệm")
    assert signed.startswith(data)  # an incremental update: the form's bytes are kept as they were
    report = verify_pdf(signed, load_roots([str(keys.root)]))
    assert report.ok, report.lines()
    [sig] = report.signatures
    assert sig.signer.name == "Trần Thị Bình" and sig.intact and sig.trusted and sig.covers_all
    text = "\n".join(report.lines())
    assert "Trần Thị Bình" in text and "Toàn vẹn" in text and "tất cả chữ ký hợp lệ" in text


def test_visible_field_sits_under_the_forms_e_signature_note():
    data = _receipt()
    page, (x1, y1, x2, y2) = signature_box(data)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    found = []
    reader.pages[page].extract_text(visitor_text=lambda t, cm, tm, *_: found.append(tm[5] * cm[3] + cm[5])
                                    if "Chữ ký số" in t else None)
    assert found and y2 <= found[-1] + 40 and y1 >= 0 and x2 > x1
    assert page == len(reader.pages) - 1 or page == 0


def test_changed_byte_fails_verification(keys, token_cfg):
    with open_signer(token_cfg, keys.pin) as signer:
        signed = sign_pdf(_receipt(), signer, reason="Ký")
    at = signed.index(b"Tr") if b"Tr" in signed[:2000] else 1500  # a byte of the signed content
    bad = _flip(signed, 1500)
    report = verify_pdf(bad, load_roots([str(keys.root)]))
    assert not report.ok
    assert any("KHÔNG TOÀN VẸN" in line or "không đọc được" in line for line in report.lines()), report.lines()
    assert at >= 0


def test_p12_signature_and_untrusted_root(keys, p12_cfg):
    with open_signer(p12_cfg, keys.p12_password) as signer:
        signed = sign_pdf(_receipt(), signer, reason="Ký")
    assert verify_pdf(signed, load_roots([str(keys.root)])).ok
    other = TestCA.make("CA Khác")
    report = verify_pdf(signed, [__import__("asn1crypto.x509").x509.Certificate.load(
        other.cert.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                           fromlist=["Encoding"]).Encoding.DER))])
    assert not report.ok and report.signatures[0].intact and not report.signatures[0].trusted
    assert any("KHÔNG thuộc chuỗi tin cậy" in line for line in report.lines())


def test_second_signature_keeps_the_first_valid(keys, token_cfg, p12_cfg):
    with open_signer(p12_cfg, keys.p12_password) as signer:
        once = sign_pdf(_receipt(), signer, reason="Ký lần 1")
    with open_signer(token_cfg, keys.pin) as signer:
        twice = sign_pdf(once, signer, reason="Ký lần 2")
    report = verify_pdf(twice, load_roots([str(keys.root)]))
    assert [s.signer.name for s in report.signatures] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert all(s.intact and s.trusted for s in report.signatures), report.lines()


def test_wrong_pin_is_a_clear_message(keys, token_cfg):
    with pytest.raises(SigningError, match="Mã PIN của token ký số không đúng"):
        with open_signer(token_cfg, "000000"):
            pass


def test_wrong_p12_password(keys, p12_cfg):
    with pytest.raises(SigningError, match="Mật khẩu của tệp khóa ký số"):
        with open_signer(p12_cfg, "sai"):
            pass


def test_expired_certificate_is_refused_before_signing(keys, tmp_path):
    p12 = keys.ca.pkcs12(tmp_path / "old.p12", "Lê Văn Cũ", days=-1, start_days_ago=400)
    with open_signer(SigningSection(pkcs12=str(p12)), "matkhau") as signer:
        with pytest.raises(SigningError, match="đã hết hạn ngày"):
            sign_pdf(_receipt(), signer, reason="Ký")


def test_no_key_configured():
    with pytest.raises(SigningError, match="chưa cấu hình khóa ký số"):
        with open_signer(SigningSection(), ""):
            pass


def test_missing_token_label(keys):
    cfg = SigningSection(pkcs11_lib=keys.lib, token_label="khong-co")
    with pytest.raises(SigningError, match="Không tìm thấy token ký số “khong-co”"):
        with open_signer(cfg, keys.pin):
            pass


def test_not_a_pdf(keys, p12_cfg):
    with open_signer(p12_cfg, keys.p12_password) as signer:
        with pytest.raises(SigningError, match="không phải PDF"):
            sign_pdf(b"hello", signer, reason="Ký")
    report = verify_pdf(b"hello", [])
    assert not report.readable and "không đọc được" in report.lines()[0]


def test_token_pulled_out_before_or_while_signing(keys):
    """A token removed before the PIN is asked, or between opening it and signing: a clear message, no bytes."""
    from tests.helpers.pki import SoftToken

    token = SoftToken.make(keys.ca, "Phạm Văn Rút", label="counter-rut")
    cfg = SigningSection(pkcs11_lib=keys.lib, token_label=token.label, key_label=token.key_label)
    out = None
    with pytest.raises(SigningError, match="token"):
        with open_signer(cfg, keys.pin) as signer:
            token.remove()
            out = sign_pdf(_receipt(), signer, reason="Ký")
    assert out is None
    with pytest.raises(SigningError, match="Không tìm thấy token ký số “counter-rut”: hãy cắm USB token"):
        with open_signer(cfg, keys.pin):
            pass
