"""Fees and charges (phí, lệ phí; issue 18): what a procedure charges, what a dossier owes, the exemptions, the
amount in Vietnamese words, the receipt number and the VietQR transfer code.

A procedure carries a list of `Charge`s (from the catalogue's `charges`, docs/catalogue.md). `quote` gives the
amount a dossier owes, line by line, from the units the charges need (pages, copies, signatures), the channel
and an exemption. Every rule of money lives here; the services, the screens, the printed forms and the
central server call it.

Pure domain code: standard library and counter.domain only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from counter.domain.errors import CounterError
from counter.domain.text import nfc

MAX_AMOUNT = 10**12  # đồng (catalogue.MAX_FEE)
MAX_UNITS = 10_000

KINDS = {"phi": "Phí", "le_phi": "Lệ phí"}
_KIND_WORDS = {"phi": "phi", "phí": "phi", "le_phi": "le_phi", "lệ phí": "le_phi", "le phi": "le_phi",
               "lệ_phí": "le_phi", "lephi": "le_phi"}
#: the unit a charge is counted in -> (Vietnamese, the quantities the clerk is asked for)
UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "dossier": ("hồ sơ", ()),
    "copy": ("bản", ("copies",)),
    "page": ("trang", ("pages", "copies")),
    "signature": ("chữ ký", ("signatures",)),
}
#: the quantities, as the intake screen asks them
QUANTITY_LABELS = {"pages": "Số trang (mỗi bản)", "copies": "Số bản", "signatures": "Số chữ ký"}
#: exemption grounds (Luật Hộ tịch Đ11 for lệ phí hộ tịch; the same personal grounds in other fee circulars):
#: id -> (label, needs the paper that proves it)
GROUNDS: dict[str, tuple[str, bool]] = {
    "merit": ("Người thuộc gia đình có công với cách mạng", True),
    "poor": ("Người thuộc hộ nghèo", True),
    "disability": ("Người khuyết tật", True),
    "on_time": ("Đăng ký khai sinh, khai tử đúng hạn", False),
    "guardianship": ("Đăng ký giám hộ", False),
    "resident_marriage": ("Đăng ký kết hôn của công dân Việt Nam cư trú ở trong nước", False),
}
#: payment methods -> Vietnamese
METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản (VietQR)", "online": "Trực tuyến qua Cổng DVC"}
#: the portal's HinhThucThu (how a fee was collected): 1 at the counter, 2 online, 3 by post
PORTAL_METHOD = {"cash": "1", "transfer": "1", "online": "2"}


def portal_fee_list(created: Mapping[str, Any], fee: int, paid: Mapping[str, Any] | None,
                    fee_paid: bool) -> tuple[list[dict[str, str]], bool]:
    """The portal's DanhSachLePhi (TenPhiLePhi, MaPhiLePhi, HinhThucThu, Gia, LoaiPhiLePhi: every value a string)
    and DuocThanhToanTrucTuyen, from the creating event's charge lines (or a flat fee from before them) and the
    real payment: the one rule the export, the push and the station's fee view share."""
    how = PORTAL_METHOD.get(str((paid or {}).get("method", "")), "")
    lines = [c for c in created.get("charges") or () if isinstance(c, Mapping)]
    items = [{"TenPhiLePhi": str(c.get("name", "")), "MaPhiLePhi": str(c.get("code", "")), "HinhThucThu": how,
              "Gia": str(int(c.get("amount", 0))), "LoaiPhiLePhi": "2" if c.get("kind") == "le_phi" else "1"}
             for c in lines]
    if not items and fee:  # a dossier from before the charge lines, or a fee asked for later (fee_requested)
        items = [{"TenPhiLePhi": "Phí, lệ phí", "MaPhiLePhi": "", "HinhThucThu": how, "Gia": str(int(fee)),
                  "LoaiPhiLePhi": "2"}]
    return items, bool(fee_paid and (paid or {}).get("method") == "online")


class FeeError(CounterError):
    """A fee rule, an amount or an exemption that cannot be used (message in Vietnamese)."""


def money(amount: int) -> str:
    """20000 -> "20.000 đ"."""
    return f"{amount:,} đ".replace(",", ".")


# ---- the charge ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tier:
    start: int  # from this unit on (1-based: 3 = from the 3rd page)
    amount: int  # đồng per unit


@dataclass(frozen=True)
class Charge:
    kind: str  # "phi" | "le_phi"
    name: str
    code: str  # the portal's MaPhiLePhi
    unit: str  # UNITS
    amount: int  # đồng per unit (from the first unit)
    tiers: tuple[Tier, ...] = ()  # later rates, by start
    cap: int = 0  # the most one copy (unit "page") or the whole charge (other units) costs; 0 = no cap
    by_channel: Mapping[int, int] = field(default_factory=dict)  # channel -> first-tier amount (0 = free there)
    exemptions: tuple[str, ...] = ()  # GROUNDS that make it free

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name, "code": self.code, "unit": self.unit,
                               "amount": self.amount}
        if self.tiers:
            out["tiers"] = [{"from": t.start, "amount": t.amount} for t in self.tiers]
        if self.cap:
            out["cap"] = self.cap
        if self.by_channel:
            out["by_channel"] = {str(k): v for k, v in sorted(self.by_channel.items())}
        if self.exemptions:
            out["exemptions"] = list(self.exemptions)
        return out


def _digits(value: Any, error: str) -> Any:
    """A string of digits (spaces around allowed) as its int; FeeError(error) for any other string; other values
    as they are."""
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"\d+", text):
            raise FeeError(error)
        return int(text)
    return value


def _whole(value: Any, what: str, low: int = 0, high: int = MAX_AMOUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FeeError(f"{what} phải là số nguyên, nhận được {json.dumps(value, ensure_ascii=False)}")
    value = _digits(value, f"{what} phải là số nguyên, nhận được “{value}”")
    if not low <= value <= high:
        raise FeeError(f"{what} phải từ {low} đến {high}, nhận được {value}")
    return value


def parse_charge(item: Any, index: int = 1) -> Charge:
    """One charge of the catalogue (a JSON object, docs/catalogue.md); FeeError names what is wrong."""
    where = f"khoản thu thứ {index}"
    if not isinstance(item, Mapping):
        raise FeeError(f"{where} phải là một đối tượng {{\"kind\": …, \"name\": …}}")
    known = {"kind", "name", "code", "unit", "amount", "tiers", "cap", "by_channel", "exemptions"}
    extra = sorted(set(item) - known)
    if extra:
        raise FeeError(f"{where} có khóa không biết: {', '.join(extra)}")
    kind = _KIND_WORDS.get(nfc(str(item.get("kind", ""))).lower())
    if kind is None:
        raise FeeError(f"{where}: kind phải là phi (phí) hoặc le_phi (lệ phí), nhận được “{item.get('kind', '')}”")
    name = item.get("name")
    if not isinstance(name, str) or not nfc(name):
        raise FeeError(f"{where}: thiếu name (tên khoản thu)")
    name = nfc(name)
    where = f"khoản thu “{name}”"
    code = item.get("code", "")
    if not isinstance(code, str) or len(code) > 64:
        raise FeeError(f"{where}: code (MaPhiLePhi) phải là văn bản tối đa 64 ký tự")
    unit = str(item.get("unit", "dossier"))
    if unit not in UNITS:
        raise FeeError(f"{where}: unit phải là {', '.join(UNITS)}, nhận được “{unit}”")
    amount = _whole(item.get("amount"), f"{where}: amount (số tiền mỗi {UNITS[unit][0]})")
    tiers_in = item.get("tiers", [])
    if not isinstance(tiers_in, list):
        raise FeeError(f"{where}: tiers phải là danh sách [{{\"from\": 3, \"amount\": 1000}}]")
    tiers: list[Tier] = []
    for t in tiers_in:
        if not isinstance(t, Mapping):
            raise FeeError(f"{where}: mỗi bậc trong tiers phải là {{\"from\": …, \"amount\": …}}")
        tiers.append(Tier(_whole(t.get("from"), f"{where}: from của bậc", 2, MAX_UNITS),
                          _whole(t.get("amount"), f"{where}: amount của bậc")))
    starts = [t.start for t in tiers]
    if starts != sorted(set(starts)):
        raise FeeError(f"{where}: các bậc trong tiers phải tăng dần và không trùng")
    if tiers and unit == "dossier":
        raise FeeError(f"{where}: khoản thu theo hồ sơ không có bậc (tiers)")
    cap = _whole(item.get("cap", 0), f"{where}: cap (mức thu tối đa)")
    by_in = item.get("by_channel", {})
    if not isinstance(by_in, Mapping):
        raise FeeError(f"{where}: by_channel phải là {{\"2\": 10000}} (kênh → số tiền)")
    by_channel: dict[int, int] = {}
    for k, v in by_in.items():
        ch = _whole(k, f"{where}: kênh trong by_channel", 1, 3)
        by_channel[ch] = _whole(v, f"{where}: số tiền kênh {ch}")
    ex = item.get("exemptions", [])
    if not isinstance(ex, list) or any(g not in GROUNDS for g in ex):
        raise FeeError(f"{where}: exemptions chỉ gồm {', '.join(GROUNDS)}, nhận được {json.dumps(ex, ensure_ascii=False)}")
    return Charge(kind, name, code.strip(), unit, amount, tuple(tiers), cap, by_channel, tuple(dict.fromkeys(ex)))


def parse_charges(value: Any) -> tuple[Charge, ...]:
    """The `charges` of a catalogue row: a JSON list (or its text, in a CSV cell); empty/None -> ()."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise FeeError(f"cột charges phải là JSON (danh sách khoản thu): {exc.msg} ở ký tự {exc.pos}") from None
    if not isinstance(value, list):
        raise FeeError("cột charges phải là danh sách khoản thu [{\"kind\": …}]")
    charges = tuple(parse_charge(c, i) for i, c in enumerate(value, start=1))
    names = [c.name.casefold() for c in charges]
    if len(set(names)) != len(names):
        raise FeeError("cột charges có hai khoản thu trùng tên")
    return charges


def charges_from_json(value: str | None) -> tuple[Charge, ...]:
    """Charges as the store keeps them (the JSON of `as_json`)."""
    return parse_charges(json.loads(value)) if value else ()


def flat_charges(fee: int, name: str) -> tuple[Charge, ...]:
    """A catalogue row with only a flat `fee` (no `charges`): one lệ phí per dossier, as before."""
    return (Charge("le_phi", f"Lệ phí {name[:1].lower()}{name[1:]}", "", "dossier", fee),) if fee > 0 else ()


def needed_quantities(charges: Sequence[Charge]) -> tuple[str, ...]:
    """The quantities the intake screen asks for (only those the charges need), in a stable order."""
    wanted = {q for c in charges for q in UNITS[c.unit][1]}
    return tuple(q for q in QUANTITY_LABELS if q in wanted)


# ---- what a dossier owes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exemption:
    ground: str  # GROUNDS
    paper: str = ""  # the paper that proves it ("Giấy chứng nhận hộ nghèo số 12/2026")

    @property
    def label(self) -> str:
        return GROUNDS[self.ground][0]


@dataclass(frozen=True)
class Line:
    kind: str
    name: str
    code: str
    unit: str
    quantity: int  # units charged (pages × copies, copies, signatures, 1)
    amount: int  # đồng, after tiers, caps, channel and exemption
    detail: str  # how it was computed, in Vietnamese
    exempt: str = ""  # the ground that made it 0

    def as_json(self) -> dict[str, Any]:
        out = {"kind": self.kind, "name": self.name, "code": self.code, "unit": self.unit,
               "quantity": self.quantity, "amount": self.amount, "detail": self.detail}
        if self.exempt:
            out["exempt"] = self.exempt
        return out


@dataclass(frozen=True)
class Quote:
    lines: tuple[Line, ...]
    exemption: Exemption | None = None

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def clean_exemption(ground: str | None, paper: str | None, charges: Sequence[Charge]) -> Exemption | None:
    """An exemption the clerk records: a known ground that applies to a charge, and its paper when the ground
    is personal. None when no ground is given; FeeError otherwise."""
    ground = (ground or "").strip()
    paper = nfc((paper or "").strip())
    if not ground:
        if paper:
            raise FeeError("Đã ghi giấy tờ chứng minh nhưng chưa chọn căn cứ miễn phí, lệ phí.")
        return None
    if ground not in GROUNDS:
        raise FeeError(f"Căn cứ miễn không hợp lệ: “{ground}”.")
    label, needs_paper = GROUNDS[ground]
    if not any(ground in c.exemptions for c in charges):
        raise FeeError(f"Căn cứ miễn “{label}” không áp dụng cho khoản thu nào của thủ tục này.")
    if needs_paper and not paper:
        raise FeeError(f"Miễn theo căn cứ “{label}” phải ghi giấy tờ chứng minh.")
    if len(paper) > 300:
        raise FeeError("Giấy tờ chứng minh quá dài (tối đa 300 ký tự).")
    return Exemption(ground, paper)


def _quantity(units: Mapping[str, Any], key: str) -> int:
    value = units.get(key)
    label = QUANTITY_LABELS[key]
    if value in (None, ""):
        raise FeeError(f"Thiếu {label[:1].lower()}{label[1:]}.")
    value = _digits(value, f"{label} phải là số nguyên dương, nhận được “{value}”.")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_UNITS:
        raise FeeError(f"{label} phải từ 1 đến {MAX_UNITS}, nhận được {value}.")
    return value


def _tiered(charge: Charge, first: int, count: int) -> tuple[int, str]:
    """The amount of `count` units (1-based) with the charge's tiers; and how, as "2 × 2.000 + 3 × 1.000"."""
    rates = [(1, first), *((t.start, t.amount) for t in charge.tiers)]
    total, parts = 0, []
    for i, (start, rate) in enumerate(rates):
        end = rates[i + 1][0] - 1 if i + 1 < len(rates) else count
        n = max(0, min(end, count) - start + 1)
        if n:
            total += n * rate
            parts.append(f"{n} × {money(rate)}")
    return total, " + ".join(parts) or "0"


def quote_line(charge: Charge, units: Mapping[str, Any], channel: int, exemption: Exemption | None) -> Line:
    first = charge.by_channel.get(channel, charge.amount)
    if charge.unit == "dossier":
        quantity, amount, detail = 1, first, money(first)
    elif charge.unit == "page":
        pages, copies = _quantity(units, "pages"), _quantity(units, "copies")
        per_copy, how = _tiered(charge, first, pages)
        capped = charge.cap and per_copy > charge.cap
        if capped:
            per_copy = charge.cap
        quantity, amount = pages * copies, per_copy * copies
        detail = f"{pages} trang: {how}" + (f", tối đa {money(charge.cap)}/bản" if capped else "")
        if copies > 1:
            detail += f"; × {copies} bản"
    else:
        key = UNITS[charge.unit][1][0]
        quantity = _quantity(units, key)
        amount, how = _tiered(charge, first, quantity)
        detail = how
        if charge.cap and amount > charge.cap:
            amount, detail = charge.cap, f"{how}, tối đa {money(charge.cap)}"
    if channel in charge.by_channel and first == 0:
        amount, detail = 0, "miễn thu khi nộp trực tuyến" if channel == 2 else f"không thu qua kênh {channel}"
    elif channel in charge.by_channel and first != charge.amount:
        detail += " (mức thu trực tuyến)" if channel == 2 else f" (mức thu kênh {channel})"
    exempt = ""
    if exemption is not None and exemption.ground in charge.exemptions and amount:
        exempt, amount, detail = exemption.ground, 0, f"miễn: {exemption.label}"
    return Line(charge.kind, charge.name, charge.code, charge.unit, quantity, amount, detail, exempt)


def quote(charges: Sequence[Charge], units: Mapping[str, Any], channel: int,
          exemption: Exemption | None = None) -> Quote:
    """What a dossier owes, line by line: each charge with its tiers, cap, the channel's amount and the
    exemption. FeeError when a needed quantity is missing or wrong."""
    return Quote(tuple(quote_line(c, units, channel, exemption) for c in charges), exemption)


# ---- amounts the clerk types -----------------------------------------------------------------------------

def parse_amount(value: Any, label: str = "Số tiền") -> int:
    """Đồng typed by a clerk or given on the command line: "20000", "20.000", "20 000", "20.000 đ". Refused
    (FeeError): empty, negative, fractional, not a number, too large."""
    if isinstance(value, bool):
        raise FeeError(f"{label} không hợp lệ.")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        raise FeeError(f"{label} phải là số đồng nguyên, không có phần lẻ: {value}.")
    else:
        text = nfc(str(value or "")).strip().lower()
    text = re.sub(r"\s*(đồng|đ|vnd|vnđ)$", "", text)
    if not text:
        raise FeeError(f"Thiếu {label[:1].lower()}{label[1:]}.")
    if text.startswith("-"):
        raise FeeError(f"{label} không được âm: “{value}”.")
    if re.fullmatch(r"\d{1,3}([. ]\d{3})+|\d+", text):
        amount = int(re.sub(r"[. ]", "", text))
    elif re.fullmatch(r"\d+([.,]\d+)?", text):
        raise FeeError(f"{label} phải là số đồng nguyên, không có phần lẻ: “{value}”.")
    else:
        raise FeeError(f"{label} phải là số đồng, ví dụ 20000 hoặc 20.000: “{value}”.")
    if amount > MAX_AMOUNT:
        raise FeeError(f"{label} quá lớn: “{value}”.")
    return amount


# ---- amount in words -------------------------------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", " nghìn", " triệu", " tỷ", " nghìn tỷ", " triệu tỷ")


def _three(n: int, full: bool) -> str:
    """0 < n < 1000; `full`: a group after a higher one (reads "không trăm", "linh")."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    out: list[str] = []
    if h or full:
        out.append(f"{_DIGITS[h]} trăm")
    if t == 0:
        if u and (h or full):
            out.append("linh")
    elif t == 1:
        out.append("mười")
    else:
        out.append(f"{_DIGITS[t]} mươi")
    if u:
        if u == 1 and t >= 2:
            out.append("mốt")
        elif u == 5 and t >= 1:
            out.append("lăm")
        elif u == 4 and t >= 2:
            out.append("tư")
        else:
            out.append(_DIGITS[u])
    return " ".join(out)


def in_words(amount: int) -> str:
    """20000 -> "Hai mươi nghìn đồng" (as a receipt writes "Số tiền bằng chữ")."""
    if amount < 0:
        raise FeeError("Số tiền không được âm.")
    if amount == 0:
        return "Không đồng"
    groups: list[int] = []
    n = amount
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g:
            words.append(_three(g, full=i < len(groups) - 1) + _GROUPS[i])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


# ---- the receipt's number --------------------------------------------------------------------------------

RECEIPT_BLOCK = 1_000_000


def receipt_number(station_no: int, n: int) -> str:
    """The n-th receipt (1-based) of a station in a year: the station's block N000001 … N999999 (7 digits), as
    dossier codes, so two stations never give the same number, online or offline."""
    if not 1 <= station_no <= 9:
        raise FeeError(f"Số quầy phải từ 1 đến 9, nhận được {station_no}.")
    if not 1 <= n < RECEIPT_BLOCK:
        raise FeeError(f"Quầy {station_no} đã dùng hết số biên lai của năm.")
    return f"{station_no * RECEIPT_BLOCK + n:07d}"


def series_for(template: str, year: int) -> str:
    """The receipt series symbol of a year: "AA-{yy}P" -> "AA-26P"."""
    return template.replace("{yy}", f"{year % 100:02d}").replace("{yyyy}", f"{year}")


# ---- VietQR (EMVCo merchant-presented QR, NAPAS 247) -------------------------------------------------------

NAPAS_GUID = "A000000727"
TRANSFER_TO_ACCOUNT = "QRIBFTTA"


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise FeeError(f"Trường {tag} của mã VietQR quá dài ({len(value)} ký tự).")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits (EMVCo tag 63)."""
    crc = 0xFFFF
    for byte in data.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


_NOTE_SAFE = re.compile(r"[^A-Za-z0-9 .\-]")


def vietqr(bank_bin: str, account: str, amount: int, note: str) -> str:
    """The VietQR string of a transfer of exactly `amount` đồng to `account` at the bank `bank_bin` (6 digits,
    NAPAS), with `note` (the dossier code) as the transfer's content."""
    if not re.fullmatch(r"\d{6}", bank_bin or ""):
        raise FeeError("Chưa cấu hình mã ngân hàng (BIN 6 chữ số) của tài khoản thu phí: [fees] bank_bin.")
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        raise FeeError("Chưa cấu hình số tài khoản thu phí hợp lệ: [fees] account.")
    if not 0 < amount <= MAX_AMOUNT:
        raise FeeError("Số tiền chuyển khoản phải lớn hơn 0.")
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", TRANSFER_TO_ACCOUNT)
    note = _NOTE_SAFE.sub("", note)[:25]
    body = (_tlv("00", "01") + _tlv("01", "12") + _tlv("38", merchant) + _tlv("53", "704")
            + _tlv("54", str(amount)) + _tlv("58", "VN") + _tlv("62", _tlv("08", note)) + "6304")
    return body + crc16(body)
