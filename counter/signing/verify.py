"""Check a signed PDF with pyHanko's validator and say, in Vietnamese, whether each signature is intact, who
signed, when, and whether the certificate chains to a trusted root ([signing] trust_roots).

`counter verify FILE.pdf` and the central server's page (central/signatures.py) both print `report.lines()`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from counter.domain.calendar import format_vn
from counter.signing.pades import SignerInfo, cert_info, off_loop

# pyHanko logs every chain it cannot build (an untrusted root, a broken file) as a WARNING with its traceback,
# which reached the terminal of `counter verify`; the report below says each of them in Vietnamese
logging.getLogger("pyhanko.sign.validation").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of the PDF."""

    field: str
    signer: SignerInfo | None
    signed_at: datetime | None  # the time-stamp's time when there is one, else the time the signer claims
    timestamped: bool
    intact: bool  # the signed bytes were not changed
    valid: bool  # the signature over them is cryptographically right
    trusted: bool  # the certificate chains to a trusted root
    covers_all: bool  # nothing was added to the file after this signature
    later_changes: str  # "" or what was added after it (form filling, another signature, other changes)
    problem: str = ""  # why the chain is not trusted, in words

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.later_changes.startswith("đã bị sửa")


@dataclass(frozen=True)
class VerifyReport:
    name: str
    readable: bool
    signatures: list[SignatureCheck] = field(default_factory=list)
    error: str = ""
    roots: int = 0  # trusted roots configured

    @property
    def ok(self) -> bool:
        return self.readable and bool(self.signatures) and all(s.ok for s in self.signatures)

    def lines(self) -> list[str]:
        """The report in Vietnamese, one line per fact."""
        if not self.readable:
            return [f"Tệp {self.name}: {self.error}"]
        if not self.signatures:
            return [f"Tệp {self.name}: không có chữ ký số nào."]
        out = [f"Tệp {self.name}: {len(self.signatures)} chữ ký số."]
        for i, s in enumerate(self.signatures, start=1):
            who = s.signer.label if s.signer else "(không rõ)"
            out.append(f"Chữ ký {i} ({s.field}): {who}")
            if s.signer:
                out.append(f"  Tổ chức cấp chứng thư: {s.signer.issuer}; hiệu lực đến {format_vn(s.signer.not_after)}")
            if s.signed_at:
                how = "theo dấu thời gian" if s.timestamped else "theo máy của người ký, không có dấu thời gian"
                out.append(f"  Ký lúc: {format_vn(s.signed_at)} ({how})")
            if s.intact and s.valid:
                out.append("  Toàn vẹn: nội dung đã ký không bị thay đổi.")
            else:
                out.append("  KHÔNG TOÀN VẸN: tệp đã bị sửa sau khi ký, chữ ký không còn giá trị.")
            if s.later_changes:
                out.append(f"  Sau khi ký: {s.later_changes}")
            if not (s.intact and s.valid):
                pass  # a broken signature proves nothing about its certificate
            elif s.trusted:
                out.append("  Chứng thư số: hợp lệ, thuộc chuỗi tin cậy đến chứng thư gốc trong cấu hình.")
            elif not self.roots:
                out.append("  Chứng thư số: chưa kiểm tra được chuỗi tin cậy (chưa khai báo [signing] trust_roots).")
            else:
                out.append(f"  Chứng thư số: KHÔNG thuộc chuỗi tin cậy đến chứng thư gốc trong cấu hình"
                           f"{' (' + s.problem + ')' if s.problem else ''}.")
        out.append("Kết luận: " + ("tất cả chữ ký hợp lệ." if self.ok else "CÓ chữ ký không hợp lệ hoặc chưa được tin cậy."))
        return out


def load_roots(paths: list[str]) -> list[Any]:
    """asn1crypto certificates from PEM or DER files (a PEM file may hold several)."""
    from asn1crypto import pem, x509

    roots = []
    for p in paths:
        data = Path(p).read_bytes()
        if pem.detect(data):
            for _kind, _headers, der in pem.unarmor(data, multiple=True):
                roots.append(x509.Certificate.load(der))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


_LEVELS = {
    "LTA_UPDATES": "thêm dữ liệu kiểm tra hiệu lực (bình thường)",
    "FORM_FILLING": "thêm chữ ký hoặc điền biểu mẫu (bình thường)",
    "ANNOTATIONS": "thêm ghi chú vào tệp",
    "OTHER": "đã bị sửa nội dung sau khi ký",
}


def _problem(status: Any) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    if indic is None:
        return ""
    name = getattr(indic, "name", str(indic))
    return {"NO_CERTIFICATE_CHAIN_FOUND": "không tìm được chuỗi đến chứng thư gốc tin cậy",
            "EXPIRED": "chứng thư số đã hết hạn", "OUT_OF_BOUNDS_NO_POE": "chứng thư số hết hạn lúc ký",
            "REVOKED": "chứng thư số đã bị thu hồi", "NOT_YET_VALID": "chứng thư số chưa có hiệu lực lúc ký",
            "CHAIN_CONSTRAINTS_FAILURE": "chuỗi chứng thư không đúng ràng buộc",
            "TRY_LATER": "chưa kiểm tra được tình trạng thu hồi"}.get(name, name)


def verify_pdf(data: bytes, roots: list[Any] | None = None, name: str = "PDF") -> VerifyReport:
    """Validate every signature of the PDF against the trusted roots (asn1crypto certificates)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = roots or []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception:
        return VerifyReport(name, False, error="không đọc được: không phải PDF hoặc tệp đã hỏng (bị sửa?).",
                            roots=len(roots))
    checks = []
    for sig in sigs:
        ctx = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = off_loop(lambda sig=sig, ctx=ctx: validate_pdf_signature(sig, ctx))
        except Exception:
            checks.append(SignatureCheck(sig.field_name or "?", None, None, False, False, False, False, False,
                                         "đã bị sửa: không đọc được chữ ký"))
            continue
        ts = status.timestamp_validity
        at = ts.timestamp if ts is not None else status.signer_reported_dt
        level = status.modification_level
        coverage = status.coverage
        whole = coverage is not None and coverage.name == "ENTIRE_FILE"
        later = "" if whole or level is None or level.name == "NONE" else _LEVELS.get(level.name, level.name)
        if coverage is not None and coverage.name in ("UNCLEAR", "CONTIGUOUS_BLOCK_FROM_START") and not later:
            later = _LEVELS["OTHER"]
        checks.append(SignatureCheck(sig.field_name or "?", cert_info(status.signing_cert), at, ts is not None,
                                     status.intact, status.valid, status.trusted, whole, later,
                                     _problem(status)))
    return VerifyReport(name, True, checks, roots=len(roots))
