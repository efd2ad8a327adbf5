"""Canonical JSON and the event hash chain (design.md, "Hash chains").

The one canonical JSON of the project: the RFC 8785 (JCS) subset without floats, with NFC strings. Object
keys sorted, no whitespace, strings escaped as JCS does. For the values we hash (integers, strings, booleans,
null, lists and objects) json.dumps with these options writes exactly JCS text: sorting by Python's str order
equals JCS's UTF-16 order for keys without characters outside the BMP, which are re-sorted here when present
(tests/domain/test_hashing.py checks it against the `rfc8785` package).

`canonical_items` gives the canonical text of an object's members one by one (the central server cuts the
content key, the event hash and the stored text from the same pieces); `canonical_json` is built on it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

import orjson

GENESIS = "0" * 64

#: the string literal json.dumps(..., ensure_ascii=False) writes (the C function, without json.dumps' set-up)
_ENC = json.encoder.encode_basestring
_DUMPS = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
_ORJSON_SORTED = orjson.OPT_SORT_KEYS


def _dumps(value: Any) -> str:
    """`_DUMPS(value)`, by orjson when it can (issue 21: 5-10 times faster). For the values that reach here (str
    keys, strings, 64-bit integers, booleans, null) orjson writes the same text: the same short escapes for
    quote, backslash and the five named controls, the other controls as u00xx escapes, nothing else escaped,
    keys sorted by code point (tests/domain/test_hashing.py). What it refuses (a lone surrogate, an integer
    past 64 bits, nesting past 254 levels) the standard encoder writes."""
    try:
        return orjson.dumps(value, option=_ORJSON_SORTED).decode()
    except TypeError:  # orjson.JSONEncodeError
        return _DUMPS(value)


def _canon(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)  # an IntEnum as its number
    if isinstance(value, float):
        raise TypeError("số thực không được phép trong dữ liệu băm (dùng số nguyên hoặc chuỗi)")
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"khóa không phải chuỗi: {type(k).__name__}")
            out[unicodedata.normalize("NFC", k)] = _canon(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    raise TypeError(f"kiểu không băm được: {type(value).__name__}")


def _json_only(value: Any) -> bool:
    """True when `value` holds only what json.loads makes (no floats, tuples, subclasses, non-str keys)."""
    t = type(value)
    if t is dict:
        for k, v in value.items():  # noqa: SIM110 (the loop is the fast path: no generator per dict)
            if type(k) is not str or not _json_only(v):
                return False
        return True
    if t is list:
        return all(_json_only(v) for v in value)
    return t is str or t is int or t is bool or value is None


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _astral(text: str) -> bool:
    """Characters outside the BMP: JCS sorts keys by UTF-16 code units, Python by code points."""
    return not text.isascii() and _ASTRAL.search(text) is not None


def _jcs_key(k: str) -> bytes:
    return k.encode("utf-16-be")


def _text(value: Any) -> str:
    """Canonical text of a value of JSON types with NFC strings."""
    t = type(value)
    if t is str:
        return _ENC(value)
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        return int.__repr__(value)
    text = _dumps(value)
    if _astral(text):  # a key outside the BMP somewhere: sort as JCS does
        return _slow_text(value)
    return text


def _slow_text(value: Any) -> str:
    if type(value) is dict:
        return "{" + ",".join(_ENC(k) + ":" + _slow_text(value[k]) for k in sorted(value, key=_jcs_key)) + "}"
    if type(value) is list:
        return "[" + ",".join(_slow_text(v) for v in value) + "]"
    return _text(value)


def join_items(items: list[tuple[str, str]]) -> str:
    """An object's canonical text from its (key, canonical value text) pairs, already in canonical order."""
    return "{" + ",".join([_ENC(k) + ":" + p for k, p in items]) + "}"


def canonical_items(obj: dict[str, Any], json_only: bool = False, *, _nfc: bool = False
                    ) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    """Canonicalise an object once: (the object with NFC strings and JSON types, its members as
    (key, canonical value text) pairs in canonical key order, its canonical text). Raises TypeError (floats,
    values JSON cannot hold) like canonical_json.

    Fast path: data of JSON types only (`json_only`: it came from json.loads without floats) is dumped as is;
    when that text is NFC every string in it is (escapes only replace characters that never compose, and the
    text around each string literal is ASCII punctuation), so it IS the canonical text. Otherwise the exact
    slow path: NFC every string, then the same."""
    if _nfc or json_only or _json_only(obj):
        keys = sorted(obj, key=_jcs_key if any(_astral(k) for k in obj) else None)
        items = [(k, _text(obj[k])) for k in keys]
        wire = join_items(items)
        if _nfc or wire.isascii() or unicodedata.is_normalized("NFC", wire):
            return obj, items, wire
    return canonical_items(_canon(obj), _nfc=True)


def canonical_json(value: Any) -> str:
    """Sorted keys, NFC strings, no floats, no whitespace (RFC 8785 for these values)."""
    if type(value) is dict:
        return canonical_items(value)[2]
    value = _canon(value)
    return _text(value)


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def office_link_hash(prev_hash: str, office_id: str, office_seq: int, event_id: str, event_hash: str) -> str:
    """The central office chain's link: `chain_hash(prev_hash, {"office_id", "office_seq", "event_id",
    "event_hash"})`, its canonical text written directly when the strings are ASCII (then NFC already, and
    the keys' order is known): once per accepted event on the server (issue 21)."""
    if type(office_seq) is int and office_id.isascii() and event_id.isascii() and event_hash.isascii():
        text = (f'{prev_hash}{{"event_hash":{_ENC(event_hash)},"event_id":{_ENC(event_id)},'
                f'"office_id":{_ENC(office_id)},"office_seq":{int.__repr__(office_seq)}}}')
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return chain_hash(prev_hash, {"office_id": office_id, "office_seq": office_seq, "event_id": event_id,
                                  "event_hash": event_hash})
