"""The server's one-pass canonical text must equal the domain's canonical_json byte for byte: hashes are stored."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.hashing import canonical_items as _canonical
from counter.domain.hashing import canonical_json

# text with combining marks (decomposed Vietnamese), ASCII, controls and characters JSON escapes
pieces = st.sampled_from([*list("aAđĐ \"\\\n\t/ệ\u0301\u0323\u00e0\u2028😀"), "e\u0302\u0301", "a\u0300"])
text = st.lists(pieces, max_size=8).map("".join)
leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63), text)
values = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(text, inner, max_size=4)), max_leaves=12)
events = st.dictionaries(text, values, min_size=1, max_size=6)


@settings(max_examples=500)
@given(events)
def test_one_pass_text_equals_canonical_json(event):
    for json_only in (False, True):
        normalized, items, wire = _canonical(event, json_only)
        assert wire == canonical_json(event)
        assert json.loads(wire) == normalized  # what the reducer and the replay see
        assert [k for k, _ in items] == sorted(normalized)
