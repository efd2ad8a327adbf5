"""Canonical JSON and the event hash chain (design.md, "Hash chains")."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

GENESIS = "0" * 64


def _canon(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        raise TypeError("số thực không được phép trong dữ liệu băm (dùng số nguyên hoặc chuỗi)")
    if isinstance(value, dict):
        return {_canon(k): _canon(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    raise TypeError(f"kiểu không băm được: {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Sorted keys, NFC strings, no floats, no whitespace."""
    return json.dumps(_canon(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()
