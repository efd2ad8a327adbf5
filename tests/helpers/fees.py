"""Issue 18's shared test helpers: the office's [fees] settings, a dossier received with its units, and an
independent EMVCo TLV parser with its CRC check for the VietQR strings."""

from __future__ import annotations

import binascii

from counter.domain.intake import Applicant, ReceiveRequest
from counter.services.dossiers import default_papers, receive_in
from counter.services.store import Store
from tests.conftest import actor_for

FEES = """[fees]
unit_name = "UBND xã Phục Linh"
tax_code = "4600123456"
bank_bin = "970415"
bank_name = "VietinBank"
account = "113000123456"
account_name = "UBND XA PHUC LINH"
"""


def take(store: Store, procedure: str = "2.000815", units=None, channel: int = 1, ground: str = "",  # type: ignore[no-untyped-def]
         paper: str = "", name: str = "Nguyễn Văn An") -> str:
    """A dossier of `procedure` received by the clerk with the charges' `units`; its code."""
    actor = actor_for(store, "canbo")
    with store.write() as s:
        req = ReceiveRequest(procedure_code=procedure, owner=Applicant(name=name), papers=default_papers(s, procedure),
                             channel=channel, units=units, exemption_ground=ground, exemption_paper=paper)
        return receive_in(s, actor, req, store.clock.now()).code


def parse_tlv(text: str) -> dict[str, str]:
    out, i = {}, 0
    while i < len(text):
        tag, size = text[i:i + 2], int(text[i + 2:i + 4])
        out[tag] = text[i + 4:i + 4 + size]
        i += 4 + size
    assert i == len(text), "TLV runs past the end"
    return out


def check_vietqr(text: str) -> dict[str, str]:
    """EMVCo merchant-presented: the fields, and the CRC (tag 63, CRC-16/CCITT-FALSE from binascii)."""
    assert text[-8:-4] == "6304"
    expected = binascii.crc_hqx(text[:-4].encode("ascii"), 0xFFFF)
    assert int(text[-4:], 16) == expected, "bad CRC"
    return parse_tlv(text)
