"""Signing time (issue 20). Prints one JSON line per (pages, key): our path (Signing.sign_pdf: key opened, field
placed in the form's "Chữ ký số" box, visible stamp with the Vietnamese font) against pyHanko signing the same
file bare (key opened once, invisible signature). Targets: one page < 300 ms, 20 pages < 1 s.

    .venv/bin/python bench/sign.py [--reps 10]

The PKCS#12 key and the SoftHSM2 token (Debian `softhsm2`) are made here, in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/

from counter.printing import forms  # noqa: E402
from counter.printing.pdf import render_pdf  # noqa: E402
from tests.helpers.pki import PIN, SOFTHSM_LIB, SoftToken, TestCA, softhsm_env  # noqa: E402
from tests.helpers.printing import DATA  # noqa: E402


def pdf(pages: int) -> bytes:
    docs = forms.receipt(DATA)[:1]
    return render_pdf(docs * pages)


def timed(fn, reps: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fn()  # warm up (fonts, the PKCS#11 module)
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="counter-bench-sign-"))
    os.environ.update(softhsm_env(tmp / "hsm"))
    ca = TestCA.make()
    p12 = ca.pkcs12(tmp / "canbo.p12", "Nguyễn Văn An")
    token = SoftToken.make(ca, "Trần Thị Bình")

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
    from pyhanko.config.pkcs11 import TokenCriteria

    from counter.services.signing import Signing
    from counter.settings import SigningSection

    keys = {
        "pkcs12": (SigningSection(pkcs12=str(p12)), "matkhau"),
        "pkcs11": (SigningSection(pkcs11_lib=SOFTHSM_LIB, token_label=token.label, key_label=token.key_label), PIN),
    }
    bare_p12 = signers.SimpleSigner.load_pkcs12_data(p12.read_bytes(), (), b"matkhau")
    session = open_pkcs11_session(SOFTHSM_LIB, token_criteria=TokenCriteria(label=token.label), user_pin=PIN)
    bare_p11 = PKCS11Signer(session, cert_label=token.key_label, key_label=token.key_label)
    bare = {"pkcs12": bare_p12, "pkcs11": bare_p11}
    for pages in (1, 20):
        data = pdf(pages)
        for kind, (cfg, secret) in keys.items():
            signing = Signing(lambda cfg=cfg: cfg)
            signing.unlock(secret)
            ours = timed(lambda: signing.sign_pdf(data, "Ký số"), a.reps)  # noqa: B023 (called at once)
            meta = signers.PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256")
            raw = timed(lambda: signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta,  # noqa: B023
                                                 signer=bare[kind]), a.reps)  # noqa: B023
            target = 300 if pages == 1 else 1000
            print(json.dumps({"bench": "sign", "pages": pages, "key": kind, "bytes": len(data), "ours": ours,
                              "pyhanko_bare": raw, "target_ms": target, "met": ours["median_ms"] < target}))
    session.close()


if __name__ == "__main__":
    main()
