"""Issue 21: the push body is parsed by orjson when that gives exactly what json.loads gives (no float, no
integer orjson would read as one, at most MAX_JSON_DEPTH deep); any other body takes the old way, with the
same answer (the same value, or the same 422 in Vietnamese)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.central.app import MAX_JSON_DEPTH, _Fail, _json_body

leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80), st.floats(allow_nan=False),
                 st.text(max_size=8), st.sampled_from(["\ud800", "[", "]]]", '"', "\\", "é", "😀"]))
values = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=20)


def _answer(raw: bytes, fast: bool):
    floats: list[str] = []

    def number(text: str) -> float:
        floats.append(text)
        return float(text)

    try:
        return "ok", _json_body(raw, fast=fast, parse_float=number, parse_constant=number), bool(floats)
    except _Fail as exc:
        return "422", exc.args, None


def _same(raw: bytes) -> None:
    slow, fast = _answer(raw, False), _answer(raw, True)
    assert repr(fast[:2]) == repr(slow[:2])  # repr: NaN is not equal to itself
    if fast[0] == "ok" and not slow[2]:
        assert not fast[2]  # a body without floats is known as one either way (ingest's json_only)


@settings(max_examples=500, deadline=None)
@given(values)
def test_fast_body_is_what_json_loads_makes(value):
    _same(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    _same(json.dumps(value).encode())  # \\u escapes, lone surrogates among them


@pytest.mark.parametrize("raw", [
    b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
    b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * (MAX_JSON_DEPTH + 1), b"[" * 5000 + b"]" * 5000,
    b"[" * 100, b"{not json", b"", b"[NaN]", b"[1e400]", b"1.5", b"\xef\xbb\xbf{}", '{"a":1}'.encode("utf-16"),
    b'{"a":1,"a":2}', b'["\\ud800"]', b"[18446744073709551616, -9223372036854775809]",
])
def test_edge_bodies_get_the_same_answer(raw):
    _same(raw)
