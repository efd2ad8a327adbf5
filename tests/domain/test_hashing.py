"""The one canonical JSON (domain/hashing.py) is RFC 8785 for JSON values without floats, with NFC strings:
byte for byte what the `rfc8785` reference package writes for the NFC-normalised value."""

from __future__ import annotations

import json
import unicodedata

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.hashing import canonical_items, canonical_json, chain_hash, office_link_hash


def nfc_deep(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", k): nfc_deep(v) for k, v in value.items()}
    return value


# any text (controls, surrogate-free astral characters, decomposed Vietnamese), ints JCS can hold exactly
text = st.one_of(st.text(max_size=12),
                 st.lists(st.sampled_from([*"aAđĐ \"\\\n\t\x00\x1b\x7f/ệ\u0301\u0323\u00e0\u2028😀𝔸",
                                           "e\u0302\u0301", "a\u0300"]), max_size=8).map("".join))
leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), text)
values = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(text, inner, max_size=4)), max_leaves=25)


def deep(depth: int):
    """Nesting far deeper than any payload (lists in objects in lists ...)."""
    return st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=1),
                                                      st.dictionaries(text, inner, min_size=1, max_size=1)),
                        max_leaves=depth)


@settings(max_examples=400, deadline=None)
@given(values)
def test_canonical_json_is_rfc8785_of_the_nfc_value(value):
    normalized = nfc_deep(value)
    if isinstance(value, dict) and len(normalized) != len(value):
        return  # two keys that differ only by normalisation: not one JSON object after NFC
    assert canonical_json(value) == rfc8785.dumps(normalized).decode("utf-8")


@settings(max_examples=100, deadline=None)
@given(deep(60))
def test_deep_nesting(value):
    assert canonical_json(value) == rfc8785.dumps(nfc_deep(value)).decode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, values, min_size=1, max_size=6))
def test_items_cut_the_same_text(obj):
    """The per-member pieces the central server cuts its keys from join to the same canonical text."""
    if len(nfc_deep(obj)) != len(obj):
        return
    for json_only in (False, True):
        normalized, items, wire = canonical_items(obj, json_only)
        assert wire == rfc8785.dumps(nfc_deep(obj)).decode("utf-8")
        assert json.loads(wire) == normalized
        assert [json.loads(p) for _, p in items] == [normalized[k] for k, _ in items]


def test_floats_and_foreign_types_are_refused():
    for bad in (1.5, {"a": [1.0]}, {"a": object()}, {1: "x"}):
        with pytest.raises(TypeError):
            canonical_json(bad)


def test_chain_hash_covers_the_canonical_text():
    import hashlib

    body = {"b": "Nguye\u0302\u0303n", "a": 1}
    assert chain_hash("0" * 64, body) == hashlib.sha256(
        ("0" * 64 + rfc8785.dumps(nfc_deep(body)).decode()).encode()).hexdigest()


def test_keys_outside_the_bmp_sort_as_utf16():
    """RFC 8785 sorts keys by UTF-16 code units: U+1F600 (D83D DE00) before U+FF61, unlike code points."""
    value = {"\uff61": 1, "😀": 2, "a": {"\uffff": 0, "𝔸": 1}}
    assert canonical_json(value) == rfc8785.dumps(value).decode("utf-8")
    assert canonical_json(value).index("😀") < canonical_json(value).index("\uff61")


def test_values_orjson_refuses_are_written_by_the_standard_encoder():
    """Payload texts go through orjson when it can write them (issue 21); what it refuses (an integer past 64
    bits, a lone surrogate, nesting past 254 levels) still gets the standard encoder's canonical text."""
    nested: object = 1
    for _ in range(300):
        nested = [nested]
    standard = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
    for value in ({"b": [2**70, -(2**64)], "a": 1}, {"a": "x\ud800y"}, {"deep": nested}):
        assert canonical_json(value) == standard(value)
        assert canonical_items(value)[2] == standard(value)


@settings(max_examples=300, deadline=None)
@given(text, st.integers(0, 2**63 - 1), text, st.sampled_from(["", "0" * 64, "ab" * 32, "é"]))
def test_office_link_is_the_chain_hash_of_its_four_fields(office_id, seq, event_id, event_hash):
    """The server writes each office chain link's text directly (issue 21): the same hash as chain_hash."""
    expected = chain_hash("f" * 64, {"office_id": office_id, "office_seq": seq, "event_id": event_id,
                                     "event_hash": event_hash})
    assert office_link_hash("f" * 64, office_id, seq, event_id, event_hash) == expected
    assert office_link_hash("f" * 64, "H55.242", seq, "e-1", "ab" * 32) == chain_hash(
        "f" * 64, {"office_seq": seq, "event_hash": "ab" * 32, "office_id": "H55.242", "event_id": "e-1"})
