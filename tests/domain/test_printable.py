"""Issue 14: user data printed on a terminal carries no control character; search texts are bounded."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.text import SEARCH_MAX, TextError, printable, search_text


def _controls(s: str) -> list[str]:
    return [c for c in s if c not in "\n\t" and (unicodedata.category(c) == "Cc" or "\u202a" <= c <= "\u202e"
                                                 or "\u2066" <= c <= "\u2069")]


@given(st.text())
def test_printable_leaves_no_control_character(s):
    out = printable(s)
    assert _controls(out) == []
    if not _controls(s):
        assert out == s  # text without controls (Vietnamese, newlines, tabs) is untouched


@pytest.mark.parametrize("raw, shown", [
    ("\x1b]0;ĐÃ BỊ CHIẾM\x07", "\\x1b]0;ĐÃ BỊ CHIẾM\\x07"),
    ("a\x9bb", "a\\x9bb"), ("\u202eabc", "\\u202eabc"), ("Nguyễn\tVăn\nAn", "Nguyễn\tVăn\nAn"), ("\x00", "\\x00"),
])
def test_printable_table(raw, shown):
    assert printable(raw) == shown


def test_search_text_is_bounded():
    assert search_text("  Nguyễn  Văn ") == "Nguyễn Văn"
    assert len(search_text("a" * SEARCH_MAX)) == SEARCH_MAX
    with pytest.raises(TextError, match="quá dài"):
        search_text("a" * (SEARCH_MAX + 1))
