from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain import codes
from counter.domain.hashing import canonical_json, chain_hash, GENESIS


def test_code_format_and_parse():
    code = codes.format_code("H55.242", date(2025, 11, 3), 12)
    assert code == "H55.242-251103-0012"
    parsed = codes.parse_code(code)
    assert (parsed.agency, parsed.day, parsed.seq) == ("H55.242", date(2025, 11, 3), 12)
    assert str(parsed) == code
    assert codes.parse_code(" 000.00.15.h56-260101-1001 ").agency == "000.00.15.H56"


@pytest.mark.parametrize("bad", ["", "H55.242", "H55.242-251103-12", "H55.242-251303-0012", "H55 242-251103-0012"])
def test_bad_codes_get_a_vietnamese_message(bad):
    with pytest.raises(codes.CodeError, match="không hợp lệ"):
        codes.parse_code(bad)


def test_station_blocks_never_overlap():
    seen = set()
    for station in range(0, 10):  # 0: an office's only station (0001…0999); 9: the online desk (9001…)
        first, last = codes.block(station)
        numbers = set(range(first, last + 1))
        assert not numbers & seen
        seen |= numbers
        assert codes.seq_for(station, 1) == first and codes.seq_for(station, 999) == last
    with pytest.raises(codes.CodeError, match="hết"):
        codes.seq_for(1, 1000)
    with pytest.raises(codes.CodeError):
        codes.block(10)
    assert codes.block(codes.SINGLE_STATION) == (1, 999)


def test_tokens_are_unguessable_and_url_safe():
    tokens = {codes.new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(codes.TOKEN_RE.match(t) for t in tokens)
    assert codes.tracking_url("https://dvc.example.vn/", "ABC") == "https://dvc.example.vn/t/ABC"


@given(st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(), st.none(), st.booleans())))
def test_canonical_json_is_order_and_normalization_independent(d):
    import unicodedata
    reordered = dict(reversed(list(d.items())))
    assert canonical_json(d) == canonical_json(reordered)
    nfd = {k: unicodedata.normalize("NFD", v) if isinstance(v, str) else v for k, v in d.items()}
    if len({unicodedata.normalize("NFC", k) for k in d}) == len(d):
        assert canonical_json(nfd) == canonical_json(d)


def test_floats_are_refused_and_chain_depends_on_previous():
    with pytest.raises(TypeError):
        canonical_json({"a": 1.5})
    a = chain_hash(GENESIS, {"x": 1})
    assert a != chain_hash("1" * 64, {"x": 1}) and a != chain_hash(GENESIS, {"x": 2})


def test_one_tracking_token_rule():
    """codes.parse_token is the rule the public pages use (central/app.py) and new_token's form."""
    for _ in range(50):
        t = codes.new_token()
        assert codes.parse_token(t) == t and codes.parse_token(f" {t.lower()} ") == t
    for bad in ("", "A" * 16, "A" * 31, "A" * 33, "A" * 64, "0" * 32, "1" * 32, "Đ" * 32, "../" + "A" * 29):
        assert codes.parse_token(bad) is None
