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


def _note_tops(data: bytes, tmp_path) -> list[tuple[int, float, float]]:
    """(page index, x, PDF y of the bottom of the words) of each “Chữ ký số” note, read back with pdftotext."""
    import re
    import subprocess

    path = tmp_path / "f.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    out = []
    for index, page in enumerate(re.findall(r"<page width=\"[\d.]+\" height=\"([\d.]+)\">(.*?)</page>", html, re.S)):
        words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', page[1])
        for i in range(len(words) - 2):
            if [w[2] for w in words[i:i + 3]] == ["Chữ", "ký", "số"]:
                out.append((index, float(words[i][0]), float(page[0]) - float(words[i][1])))
    return out


def test_visible_field_sits_under_the_forms_e_signature_note(tmp_path, keys, p12_cfg):
    """The form prints an empty signature field under its note (printing/pdf.py): the signature goes into the
    last copy's field, without reading the PDF's text; a second signature into the other copy's."""
    import pikepdf

    data = _receipt()
    notes = _note_tops(data, tmp_path)
    assert len(notes) == 2  # the citizen's copy and the office's
    page, (x1, y1, x2, y2) = signature_box(data)
    note_page, note_x, note_bottom = notes[-1]
    under = abs(x1 - note_x) < 2 and note_bottom - 8 < y2 <= note_bottom  # room under the note
    beside = x1 > note_x + 100 and y1 < note_bottom < y2  # at the page's foot: on its line, right of its words
    assert page == note_page and (under or beside) and y1 >= 0 and x2 > x1, (notes, (x1, y1, x2, y2))
    with open_signer(p12_cfg, keys.p12_password) as signer:
        once = sign_pdf(data, signer, reason="Ký")
        twice = sign_pdf(once, signer, reason="Ký bản thứ hai")
    with pikepdf.open(io.BytesIO(twice)) as pdf:
        fields = {str(f.T): (f.get("/V") is not None, [float(v) for v in f.Rect]) for f in pdf.Root.AcroForm.Fields}
    assert sorted(fields) == ["ChuKySo1", "ChuKySo2"] and all(filled for filled, _ in fields.values())
    assert fields["ChuKySo2"][1] == [round(v, 2) for v in (x1, y1, x2, y2)]
    report = verify_pdf(twice, load_roots([str(keys.root)]))
    assert [s.field for s in report.signatures] == ["ChuKySo2", "ChuKySo1"] and report.ok, report.lines()


def test_a_pdf_without_a_form_field_is_signed_in_the_last_pages_corner(keys, p12_cfg):
    from tests.helpers.images import blank_pdf

    import pikepdf

    data = blank_pdf(pages=2, size=(420, 595))
    page, (x1, y1, x2, _y2) = signature_box(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        right = float(pdf.pages[-1].MediaBox[2])
    assert page == 1 and (x2, y1) == (right - 12, 12) and x2 - x1 == 200
    with open_signer(p12_cfg, keys.p12_password) as signer:
        report = verify_pdf(sign_pdf(data, signer, reason="Chứng thực bản điện tử"), load_roots([str(keys.root)]))
    assert report.ok and report.signatures[0].field == "ChuKySo1"


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


def test_the_stamp_reads_on_three_lines_with_normal_letter_spacing(keys, p12_cfg, tmp_path):
    """The visible stamp: "Ký bởi: NAME", the organisation and "Ngày ký: …" on their own lines, each word whole.
    Before: the lines were joined into one (cut off at the box's edge) and the letters set far apart (DejaVu's
    2048 units per em given to pyHanko as if they were PDF's 1000)."""
    import subprocess

    import pikepdf

    from tests.helpers.images import blank_pdf

    with open_signer(p12_cfg, keys.p12_password) as signer:
        signed = sign_pdf(blank_pdf(pages=1, size=(420, 595)), signer, reason="Chứng thực bản điện tử")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    lines = [" ".join(line.split()) for line in subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout.splitlines()]
    lines = [line for line in lines if line]
    assert lines[0] == "Ký bởi: Nguyễn Văn An" and lines[1] == "UBND xã Thử Nghiệm", lines
    assert lines[2].startswith("Ngày ký: ") and len(lines) == 3, lines
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        [annot] = [a for a in pdf.pages[0].Annots if a.get("/FT") == "/Sig"]
        fonts = []

        def walk(xobject: pikepdf.Object) -> None:
            resources = xobject.get("/Resources", {})
            fonts.extend(resources.get("/Font", {}).values())
            for inner in resources.get("/XObject", {}).values():
                walk(inner)

        walk(annot.AP.N)
        [font] = fonts
        widths = [float(w) for entry in font.DescendantFonts[0].W if isinstance(entry, pikepdf.Array)
                  for w in entry]
    assert widths and max(widths) <= 1100, widths  # glyph widths in thousandths of an em, as PDF reads them
