"""Dossier codes, receipt numbers and tracking tokens (design.md, "Codes, numbers and tokens")."""

from __future__ import annotations

import base64
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import date

from counter.domain.errors import CounterError

#: agency identifier (QCVN 102:2016 style, e.g. H55.242 or 000.00.15.H56), date yyMMdd, sequence NNNN
CODE_RE = re.compile(r"^(?P<agency>[A-Z0-9]+(?:\.[A-Z0-9]+)*)-(?P<day>\d{6})-(?P<seq>\d{4})$")
AGENCY_RE = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)*$")
BLOCK_SIZE = 1000
#: the station number the central server's online desk uses for the dossiers filed on its /nop page (issue 15):
#: block 9 (9001 … 9999 of the day), which no counter takes (counters are 1–8; an office numbering as a single
#: station uses block 0); so an online code never collides with a counter's, whatever the office's numbering
ONLINE_DESK_NUMBER = 9
MAX_STATION = ONLINE_DESK_NUMBER - 1


class CodeError(CounterError):
    pass


@dataclass(frozen=True)
class DossierCode:
    agency: str
    day: date
    seq: int

    def __str__(self) -> str:
        return format_code(self.agency, self.day, self.seq)


def validate_agency(agency: str) -> str:
    agency = agency.strip().upper()
    if not AGENCY_RE.match(agency):
        raise CodeError(f"Mã cơ quan không hợp lệ: “{agency}” (ví dụ hợp lệ: H55.242)")
    return agency


def validate_station(station_no: int) -> int:
    if not 1 <= station_no <= MAX_STATION:
        raise CodeError(f"Số quầy phải từ 1 đến {MAX_STATION} (số {ONLINE_DESK_NUMBER} dành cho cổng nộp trực tuyến), "
                        f"nhận được {station_no}")
    return station_no


#: the numbering of an office with a single station (issue 17): 0001, 0002, … each day, as the law reads the
#: code's XXXX; it is block 0, so a station added later with the block scheme (N001…) can never collide with it
SINGLE_STATION = 0


def block(station_no: int) -> tuple[int, int]:
    """The sequence block of a station: station N uses N001 … N999 each day, so counters never collide; an
    office's only station (SINGLE_STATION) uses 0001 … 0999."""
    if station_no not in (SINGLE_STATION, ONLINE_DESK_NUMBER):
        validate_station(station_no)
    return station_no * BLOCK_SIZE + 1, station_no * BLOCK_SIZE + BLOCK_SIZE - 1


def seq_for(station_no: int, n: int) -> int:
    """The n-th (1-based) number of a station's block (ONLINE_DESK_NUMBER: the online desk's); CodeError when
    the block is used up."""
    first, last = block(station_no)
    if n < 1 or first + n - 1 > last:
        if station_no == ONLINE_DESK_NUMBER:
            raise CodeError(f"Cổng nộp trực tuyến đã dùng hết {last - first + 1} số hồ sơ của ngày hôm nay")
        who = "Cơ quan" if station_no == SINGLE_STATION else f"Quầy {station_no}"
        raise CodeError(f"{who} đã dùng hết {last - first + 1} số hồ sơ của ngày hôm nay")
    return first + n - 1


def format_code(agency: str, day: date, seq: int) -> str:
    return f"{agency}-{day:%y%m%d}-{seq:04d}"


@functools.lru_cache(maxsize=4096)
def parse_code(text: str) -> DossierCode:
    """The code's parts, or CodeError. Cached (issue 21): a pushed event's code is parsed by its payload's
    check, the code's office check and the server's block check; a DossierCode is immutable."""
    m = CODE_RE.match(text.strip().upper())
    if not m:
        raise CodeError(f"Mã hồ sơ không hợp lệ: “{text.strip()}” (dạng MÃCQ-yyMMdd-NNNN)")
    d = m["day"]
    try:
        day = date(2000 + int(d[:2]), int(d[2:4]), int(d[4:]))
    except ValueError:
        raise CodeError(f"Ngày trong mã hồ sơ không hợp lệ: “{d}”") from None
    return DossierCode(m["agency"], day, int(m["seq"]))


def looks_like_code(text: str) -> bool:
    return bool(CODE_RE.match(text.strip().upper()))


def new_token() -> str:
    """An unguessable tracking token: 20 random bytes, base32 without padding (32 characters)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


TOKEN_RE = re.compile(r"^[A-Z2-7]{32}$")


def parse_token(text: str) -> str | None:
    """A tracking token as typed or linked (any case, surrounding spaces), upper-cased; None when it cannot be
    one (`new_token`'s form). The one rule: the station's checks and the public pages both use it."""
    token = text.strip().upper()
    return token if TOKEN_RE.match(token) else None


def tracking_url(public_base_url: str, token: str) -> str:
    return f"{public_base_url.rstrip('/')}/t/{token}"


#: the rating and complaint page behind a dossier's tracking page (issue 19): `/t/{token}/y-kien`
RATING_PAGE = "y-kien"


def rating_path(token: str) -> str:
    """The rating page's path on the public server (the central server's route and its links)."""
    return f"{tracking_url('', token)}/{RATING_PAGE}"


def rating_url(public_base_url: str, token: str) -> str:
    """What the hand-over note's QR and the "returned" notice carry: the tracking URL's rating page."""
    return f"{tracking_url(public_base_url, token)}/{RATING_PAGE}"
