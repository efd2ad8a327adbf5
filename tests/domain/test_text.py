import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.text import TextError, clean_person_name, fold, has_vietnamese_marks, looks_stripped, nfc


@pytest.mark.parametrize("text, folded", [
    ("Đặng Văn An", "dang van an"), ("NGUYỄN", "nguyen"), ("  Trần   Thị\tBích ", "tran thi bich"),
    ("Hồ Quang Hiếu", "ho quang hieu"), ("đường Lê Lợi", "duong le loi"),
])
def test_fold(text, folded):
    assert fold(text) == folded


@given(st.text())
def test_fold_properties(s):
    f = fold(s)
    assert fold(f) == f
    assert fold(unicodedata.normalize("NFD", s)) == f
    assert "đ" not in f and not any(unicodedata.category(c) == "Mn" for c in f)


def test_nfc_collapses_whitespace_and_composes():
    assert nfc(unicodedata.normalize("NFD", " Nguyễn  Văn An ")) == "Nguyễn Văn An"


@pytest.mark.parametrize("bad, message", [
    ("", "không được để trống"), ("Nguyễn [Văn] An", "“\\[”"), ("Nguyễn Văn An 😀", "ký tự không hợp lệ"),
    ("Nguyễn Văn 2", "ký tự không hợp lệ"), ("A" * 101, "quá dài"), ("Lê\x00Văn", "U\\+0000"),
])
def test_bad_names(bad, message):
    with pytest.raises(TextError, match=message):
        clean_person_name(bad)


def test_good_names_are_normalized_not_rejected():
    assert clean_person_name(unicodedata.normalize("NFD", "Đặng  Văn An")) == "Đặng Văn An"
    assert clean_person_name("H'Hen Niê") == "H'Hen Niê"


def test_marks_and_stripped_text():
    assert has_vietnamese_marks("Đặng") and not has_vietnamese_marks("Dang")
    assert looks_stripped("Nguyen Van An") and looks_stripped("Nguy?n")
    assert not looks_stripped("Nguyễn Văn An") and not looks_stripped("John Smith")
