"""The test PKI (a CA made here), a PKCS#12 key and a real SoftHSM2 token, for every test that signs.

A pytest plugin of tests/conftest.py: ONE definition of the session fixture `keys`, so a process makes one token
directory and points SOFTHSM2_CONF at it once, before the PKCS#11 library is loaded (a second definition
imported into a test module made a second directory the loaded library never saw: flaky under xdist)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from counter.settings import SigningSection
from tests.helpers.pki import PIN, SOFTHSM_LIB, SoftToken, TestCA, softhsm_env


@dataclass
class Keys:
    ca: TestCA
    root: Path  # the CA's certificate (PEM), the trusted root of [signing] trust_roots
    p12: Path
    p12_password: str
    token: SoftToken
    pin: str = PIN
    lib: str = SOFTHSM_LIB


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    if not SoftToken.available():
        pytest.fail("SoftHSM2 chưa được cài (apt-get install softhsm2): các kiểm thử ký số cần token thật.")
    root = tmp_path_factory.mktemp("pki")
    os.environ.update(softhsm_env(root / "hsm"))  # before the PKCS#11 library is first loaded in this process
    ca = TestCA.make()
    token = SoftToken.make(ca, "Trần Thị Bình")
    return Keys(ca, ca.write_root(root / "root.pem"), ca.pkcs12(root / "canbo.p12", "Nguyễn Văn An"), "matkhau", token)


@pytest.fixture
def token_cfg(keys: Keys) -> SigningSection:
    return SigningSection(pkcs11_lib=keys.lib, token_label=keys.token.label, key_label=keys.token.key_label)


@pytest.fixture
def p12_cfg(keys: Keys) -> SigningSection:
    return SigningSection(pkcs12=str(keys.p12))
