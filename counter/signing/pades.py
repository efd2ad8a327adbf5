"""Sign a PDF (PAdES baseline B-B, or B-T with an RFC 3161 time-stamp server) with pyHanko.

    with open_signer(settings.signing, pin) as signer:      # PKCS#12 file or PKCS#11 token; SigningError
        signed = sign_pdf(data, signer, reason="Chứng thực bản điện tử", location="UBND xã A")

Everything happens in memory: the caller stores the signed bytes only when `sign_pdf` returned them, so a wrong
PIN, a token pulled out or an expired certificate leaves nothing half-signed. Every failure is a SigningError
with a Vietnamese message.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

from counter.domain.calendar import VN_TZ
from counter.domain.errors import CounterError
from counter.domain.text import nfc

FONT = Path(__file__).resolve().parent.parent / "printing" / "fonts" / "DejaVuSans.ttf"
BOX_W, BOX_H = 200.0, 48.0  # points: the visible field


class SigningError(CounterError):
    """The PDF could not be signed (message in Vietnamese); nothing was written."""


class KeyConfig(Protocol):
    """What [signing] says about the key (settings.SigningSection)."""

    pkcs12: str
    pkcs11_lib: str
    token_label: str
    key_label: str

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class SignerInfo:
    """Who a certificate names: shown before signing and in the verification report."""

    name: str  # the subject's common name
    organization: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime

    @property
    def label(self) -> str:
        return f"{self.name} ({self.organization})" if self.organization else self.name


def cert_info(cert: Any) -> SignerInfo:
    """A SignerInfo from an asn1crypto certificate."""
    subject = cert.subject.native
    issuer = cert.issuer.native
    return SignerInfo(name=subject.get("common_name", "") or cert.subject.human_friendly,
                      organization=subject.get("organization_name", "") or "",
                      issuer=issuer.get("common_name", "") or cert.issuer.human_friendly,
                      serial=format(cert.serial_number, "x"),
                      not_before=cert.not_valid_before, not_after=cert.not_valid_after)


def _vn_day(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"


def _p11_message(exc: BaseException, cfg: KeyConfig) -> str:
    """A PKCS#11 failure, in words a clerk can act on."""
    from pkcs11 import exceptions as p11

    token = f"“{cfg.token_label}”" if cfg.token_label else ""
    if isinstance(exc, (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange)):
        return "Mã PIN của token ký số không đúng. Kiểm tra lại mã PIN (token có thể bị khóa nếu nhập sai nhiều lần)."
    if isinstance(exc, p11.PinLocked):
        return "Token ký số đã bị khóa do nhập sai mã PIN nhiều lần: liên hệ tổ chức cung cấp chứng thư số."
    if isinstance(exc, p11.PinExpired):
        return "Mã PIN của token ký số đã hết hạn: hãy đổi mã PIN bằng phần mềm của tổ chức cung cấp."
    return (f"Không tìm thấy token ký số {token}: hãy cắm USB token vào máy rồi thử lại."
            .replace("  ", " "))


def _open_session(cfg: KeyConfig, pin: str) -> Any:
    from pkcs11 import exceptions as p11

    if not Path(cfg.pkcs11_lib).exists():
        raise SigningError(f"Không thấy thư viện PKCS#11 “{cfg.pkcs11_lib}” ([signing] pkcs11_lib): cài phần mềm "
                           "của token ký số hoặc sửa đường dẫn trong cấu hình.")
    try:
        from pyhanko.sign.pkcs11 import open_pkcs11_session
        from pyhanko.config.pkcs11 import TokenCriteria

        criteria = TokenCriteria(label=cfg.token_label) if cfg.token_label else None
        try:
            return open_pkcs11_session(cfg.pkcs11_lib, token_criteria=criteria, user_pin=pin)
        except p11.UserAlreadyLoggedIn:  # another session of this process holds the login: share it
            return open_pkcs11_session(cfg.pkcs11_lib, token_criteria=criteria, user_pin=None)
    except (p11.PKCS11Error, OSError, RuntimeError) as exc:
        raise SigningError(_p11_message(exc, cfg)) from None
    except Exception as exc:  # pyHanko's own "no token" error and the library's load errors
        if type(exc).__name__ == "PKCS11Error":
            raise SigningError(_p11_message(exc, cfg)) from None
        raise


@contextmanager
def open_signer(cfg: KeyConfig, secret: str) -> Iterator[Any]:
    """A pyHanko Signer for the configured key; `secret` is the token's PIN or the PKCS#12 file's password.
    The token's session is closed when the block ends."""
    if cfg.kind == "pkcs11":
        from pkcs11 import exceptions as p11
        from pyhanko.sign.pkcs11 import PKCS11Signer

        session = _open_session(cfg, secret)
        try:
            label = cfg.key_label or None
            try:
                signer = PKCS11Signer(session, cert_label=label, key_label=label)
                signer.signing_cert  # noqa: B018  (pulls the certificate now: a missing one fails here)
            except (p11.PKCS11Error, Exception) as exc:
                if isinstance(exc, p11.PKCS11Error) and not isinstance(exc, (p11.NoSuchKey, p11.MultipleObjectsReturned)):
                    raise SigningError(_p11_message(exc, cfg)) from None
                what = f"“{cfg.key_label}”" if cfg.key_label else ""
                raise SigningError(f"Token ký số không có khóa và chứng thư số {what} ([signing] key_label)."
                                   .replace("  ", " ")) from None
            yield signer
        finally:
            try:
                session.close()
            except Exception:  # a token pulled out: nothing left to close
                pass
    elif cfg.kind == "pkcs12":
        from pyhanko.sign.signers import SimpleSigner

        path = Path(cfg.pkcs12)
        try:
            data = path.read_bytes()
        except OSError:
            raise SigningError(f"Không đọc được tệp khóa ký số “{path}” ([signing] pkcs12).") from None
        try:
            signer = SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=secret.encode("utf-8") or None)
        except (ValueError, TypeError):
            signer = None
        if signer is None:
            raise SigningError("Mật khẩu của tệp khóa ký số (.p12) không đúng, hoặc tệp không phải PKCS#12.")
        yield _key_file_signer()(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                                 cert_registry=signer.cert_registry, signature_mechanism=signer.signature_mechanism)
    else:
        raise SigningError("Máy này chưa cấu hình khóa ký số: khai báo [signing] pkcs12 (tệp .p12) hoặc "
                           "pkcs11_lib và token_label (USB token) trong config.toml.")


@lru_cache(maxsize=1)
def _key_file_signer() -> type:
    """pyHanko's SimpleSigner (a PKCS#12 file's key), minus two costs of each signature: it parses the private
    key from DER at every signature (~30 ms for RSA 2048, twice), and signs for real in the dry run that only
    measures the signature's size. An RSA key is parsed once here; the dry run returns zeros of the right size."""
    from pyhanko.sign.signers import SimpleSigner

    class KeyFileSigner(SimpleSigner):  # type: ignore[misc]
        _parsed: Any = None

        def _mechanism(self, digest_algorithm: str) -> str:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                return str(mechanism.signature_algo)
            except ValueError:
                return str(mechanism["algorithm"].native)

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if dry_run and self._mechanism(digest_algorithm) == "rsassa_pkcs1v15":
                return bytes((self.signing_cert.public_key.bit_size + 7) // 8)  # type: ignore[union-attr]
            return self.sign_raw(data, digest_algorithm)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            if self._mechanism(digest_algorithm) != "rsassa_pkcs1v15":
                return bytes(super().sign_raw(data, digest_algorithm))
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            if self._parsed is None:
                self._parsed = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            return bytes(self._parsed.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)))

    return KeyFileSigner


def signer_info(signer: Any) -> SignerInfo:
    return cert_info(signer.signing_cert)


def check_validity(info: SignerInfo, now: datetime) -> None:
    """Refuse a certificate that is expired or not yet valid at `now`."""
    if now > info.not_after:
        raise SigningError(f"Chứng thư số của {info.name} đã hết hạn ngày {_vn_day(info.not_after)}: không ký được. "
                           "Hãy gia hạn chứng thư số với tổ chức cung cấp.")
    if now < info.not_before:
        raise SigningError(f"Chứng thư số của {info.name} chỉ có hiệu lực từ ngày {_vn_day(info.not_before)}.")


#: the empty signature fields the forms carry under their "Chữ ký số" note (printing/pdf.py SignatureNote)
FORM_FIELD = "ChuKySo"


def _empty_form_field(handler: Any) -> tuple[str, Any] | None:
    """(name, widget) of the last empty signature field the form printed (ChuKySo1, ChuKySo2 …), if any."""
    from pyhanko.sign.fields import enumerate_sig_fields

    found = [(name, ref) for name, _value, ref in enumerate_sig_fields(handler, filled_status=False)
             if name and name.startswith(FORM_FIELD)]
    if not found:
        return None
    name, ref = found[-1]
    return name, ref.get_object()


def _corner(handler: Any) -> tuple[int, tuple[float, float, float, float]]:
    """The bottom right corner of the last page (a scanned paper, a result: no form field)."""
    count = int(handler.root["/Pages"]["/Count"])
    page, _ = handler.find_page_for_modification(count - 1)
    node = page.get_object()
    while "/MediaBox" not in node and "/Parent" in node:  # an inherited media box
        node = node["/Parent"].get_object()
    _left, bottom, right, _top = (float(v) for v in node.get("/MediaBox", (0, 0, 420, 595)))
    return count - 1, (right - BOX_W - 12, bottom + 12, right - 12, bottom + 12 + BOX_H)


def signature_box(data: bytes) -> tuple[int, tuple[float, float, float, float]]:
    """Where the visible signature goes: the form's empty field under its “Chữ ký số …” note (forms 01–07 and the
    fee receipt print one), else the bottom right corner of the last page (a scanned paper, a result)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    empty = _empty_form_field(reader)
    if empty is None:
        return _corner(reader)
    widget = empty[1]
    rect = tuple(float(v) for v in widget["/Rect"])
    pages = int(reader.root["/Pages"]["/Count"])
    target = widget.raw_get("/P") if "/P" in widget else None
    index = next((i for i in range(pages) if target is not None
                  and reader.find_page_for_modification(i)[0].idnum == target.idnum), pages - 1)
    return index, rect  # type: ignore[return-value]


def _field_name(data: bytes) -> str:
    """A field name no signature of this PDF uses yet: ChuKySo1, ChuKySo2 ..."""
    names = set(re.findall(rb"/T\s*\((ChuKySo\d+)\)", data))
    n = 1
    while f"ChuKySo{n}".encode() in names:
        n += 1
    return f"ChuKySo{n}"


def off_loop(fn: Any) -> Any:
    """Run `fn()` here, or in a helper thread when this thread runs an asyncio loop (pyHanko's blocking calls
    start their own loop, which a running one forbids: an async test, a server's handler)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


#: the letters a stamp may hold: ASCII and every Vietnamese letter with its marks (both cases)
_VI = ("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư" + "".join(chr(c) for c in range(0x1EA0, 0x1EFA)))


@lru_cache(maxsize=1)
def stamp_font() -> str:
    """DejaVu Sans cut down to ASCII and the Vietnamese letters and scaled to 1000 units per em, once per process
    (a temporary file): pyHanko subsets the stamp's font at each signature, and the whole font makes that three
    times slower."""
    import tempfile

    from fontTools import subset
    from fontTools.ttLib.scaleUpem import scale_upem

    out = Path(tempfile.gettempdir()) / f"counter-stamp-font-{os.getpid()}.ttf"
    options = subset.Options()
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]
    font = subset.load_font(str(FONT), options)
    sub = subset.Subsetter(options)
    sub.populate(text="".join(chr(c) for c in range(0x20, 0x7F)) + _VI + "…–—“”")
    sub.subset(font)
    # pyHanko writes the font's advances into the PDF's /W as they are, and PDF reads them in thousandths of an
    # em: DejaVu's 2048 units per em set the letters twice as far apart as they should be
    scale_upem(font, 1000)
    subset.save_font(font, str(out), options)
    return str(out)


def _escape(text: str) -> str:
    return text.replace("%", "%%")


def sign_pdf(data: bytes, signer: Any, *, reason: str, location: str = "", now: datetime | None = None,
             timestamp_url: str = "", box: tuple[int, tuple[float, float, float, float]] | None = None) -> bytes:
    """The PDF signed (an incremental update: earlier signatures stay valid), with a visible field in the
    form's e-signature box. Raises SigningError, returning nothing, on any failure."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    now = now or datetime.now(UTC)
    info = signer_info(signer)
    check_validity(info, now)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        empty = None if box is not None else _empty_form_field(writer)
        if empty is not None:  # the form's own field under its note: signed in place
            name, spec = empty[0], None
        else:
            name = _field_name(data)
            page, rect = box or _corner(writer)
            # pyHanko annotates the box as ints but takes any PDF coordinates: the floats go through unrounded
            spec = fields.SigFieldSpec(sig_field_name=name, on_page=page, box=cast("tuple[int, int, int, int]", rect))
    except Exception:
        raise SigningError("Tệp không phải PDF hợp lệ (hoặc đã hỏng): không ký được.") from None
    lines = (f"Ký bởi: {info.name}", info.organization, f"Ngày ký: {now.astimezone(VN_TZ):%d/%m/%Y %H:%M}")
    stamp = TextStampStyle(  # nfc line by line: on the whole text it collapsed the line breaks into spaces
        stamp_text=_escape("\n".join(nfc(line) for line in lines if nfc(line))),
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(stamp_font()), font_size=6, leading=8),
        border_width=1)
    timestamper = None
    if timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url, timeout=10)
    meta = signers.PdfSignatureMetadata(field_name=name, reason=reason, location=location or None,
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        use_pades_lta=False)
    try:
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=stamp,
                                       new_field_spec=spec)
        out = off_loop(lambda: pdf_signer.sign_pdf(writer))
    except SigningError:
        raise
    except PdfReadError:
        raise SigningError("Tệp không phải PDF hợp lệ (hoặc đã hỏng): không ký được.") from None
    except Exception as exc:
        raise SigningError(_failure(exc, timestamp_url)) from None
    return out.getvalue()


def _failure(exc: BaseException, timestamp_url: str) -> str:
    """Why pyHanko could not finish a signature (the token went away half-way, the time-stamp server ...)."""
    try:
        from pkcs11 import exceptions as p11

        if isinstance(exc, p11.PKCS11Error):
            return "Mất kết nối với token ký số trong lúc ký (token đã bị rút?): chưa ký, hãy cắm lại rồi thử lại."
    except ImportError:  # pragma: no cover
        pass
    text = f"{type(exc).__name__} {exc}".lower()
    if timestamp_url and ("timestamp" in text or "http" in text or "connect" in text or "tsa" in text):
        return f"Không lấy được dấu thời gian từ máy chủ {timestamp_url}: chưa ký. Kiểm tra mạng hoặc [signing] timestamp_url."
    if "pkcs11" in text or "token" in text or "session" in text:
        return "Mất kết nối với token ký số trong lúc ký (token đã bị rút?): chưa ký, hãy cắm lại rồi thử lại."
    return f"Không ký được tệp PDF ({type(exc).__name__}): chưa có gì được ghi."
