"""Digital signatures (PAdES baseline, pyHanko): the official's key from a PKCS#12 file or a PKCS#11 token,
a visible signature field in the form's "Chữ ký số" box, and the verification of a signed PDF.

An adapter like printing/ and scanning/: plain bytes in, plain bytes or plain reports out; no store, no screen.
"""

from counter.signing.pades import (
    SignerInfo,
    SigningError,
    open_signer,
    sign_pdf,
    signature_box,
)
from counter.signing.verify import SignatureCheck, VerifyReport, verify_pdf

__all__ = ["SignatureCheck", "SignerInfo", "SigningError", "VerifyReport", "open_signer", "sign_pdf",
           "signature_box", "verify_pdf"]
