import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from counter.domain.errors import CounterError
from counter.domain.text import (
    STRIPPED_MARKERS, TextError, clean_person_name, fold, has_vietnamese_marks, looks_stripped, nfc,
)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# ---- nfc ----------------------------------------------------------------------------------------------------

def test_nfc_composes_and_collapses_whitespace():
    assert nfc(nfd(" Nguyễn  Văn\tAn \r\n")) == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", nfc(nfd("Đặng Thị Ngọc Ánh")))
    assert nfc("   ") == "" and nfc("") == ""


@given(st.text())
def test_nfc_is_idempotent_normalized_and_trimmed(s):
    n = nfc(s)
    assert nfc(n) == n and unicodedata.is_normalized("NFC", n)
    assert n == n.strip() and "  " not in n and "\n" not in n and "\t" not in n


# ---- fold ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, folded", [
    ("Đặng Văn An", "dang van an"), ("NGUYỄN", "nguyen"), ("  Trần   Thị\tBích ", "tran thi bich"),
    ("Hồ Quang Hiếu", "ho quang hieu"), ("đường Lê Lợi", "duong le loi"), ("ĐỖ ĐỨC", "do duc"),
    ("Thừa Thiên Huế", "thua thien hue"), ("Phường Ba Đình", "phuong ba dinh"), ("", ""),
    ("a \u0301 b", "a b"), ("\u0301 a", "a"),  # stray marks do not leave double or outer spaces
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_ignores_the_normal_form():
    assert fold(nfd("Đặng Văn An")) == fold("Đặng Văn An") == "dang van an"


vietnamese = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩị"
                              "òóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ\u0300\u0301\u0303\u0309\u0323\t\n")


@settings(max_examples=300)
@given(st.one_of(st.text(), vietnamese))
@example("a \u0301 b")
@example("\u0301 a")
@example("İ Đ ǅ ẞ")
def test_fold_properties(s):
    f = fold(s)
    assert fold(f) == f  # idempotent
    assert fold(nfd(s)) == f == fold(nfc(s)) == fold(unicodedata.normalize("NFC", s))
    assert "đ" not in f and "Đ" not in f
    assert not any(unicodedata.category(c) == "Mn" for c in f)
    assert f == f.strip() and "  " not in f


@given(vietnamese)
def test_fold_of_vietnamese_is_plain_ascii_lower_case(s):
    f = fold(s)
    assert f.isascii() and f == f.lower()


# ---- marks --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, marked", [
    ("Đặng", True), ("đ", True), ("Văn", True), (nfd("Văn"), True), ("Ư", True),
    ("Dang", False), ("Van An", False), ("", False), ("123 ?", False), ("한", False),
])
def test_has_vietnamese_marks(text, marked):
    assert has_vietnamese_marks(text) is marked


@given(vietnamese)
def test_text_with_marks_folds_to_something_else(s):
    assert has_vietnamese_marks(s) == (fold(s) != nfc(s).lower())


# ---- looks_stripped -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Nguyen Van An", "NGUYEN VAN AN", "Thon 2, xa Phuc Linh, tinh Thai Nguyen", "Ha Noi", "Le Thi Hong",
    "Nguy?n V?n An", "Th?n 2", "Nguy\ufffdn", "?",
])
def test_looks_stripped(text):
    assert looks_stripped(text)


@pytest.mark.parametrize("text", [
    "Nguyễn Văn An", "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên", "John Smith", "Mai Thanh Lan", "Lam Nam", "",
    nfd("Nguyễn Văn An"), "Nguyenvan",  # a marker must be a whole word
])
def test_does_not_look_stripped(text):
    assert not looks_stripped(text)


def test_markers_are_plain_ascii_words():
    assert all(w.isascii() and w.isalpha() and w == w.lower() for w in STRIPPED_MARKERS)
    assert "thanh" not in STRIPPED_MARKERS and "nam" not in STRIPPED_MARKERS


@given(vietnamese)
def test_properly_marked_text_never_looks_stripped(s):
    if has_vietnamese_marks(s):
        assert not looks_stripped(s)


@given(st.lists(st.sampled_from(sorted(STRIPPED_MARKERS)), min_size=1, max_size=4),
       st.lists(st.sampled_from(["An", "Binh", "2", ",", "Lan"]), max_size=3))
def test_any_marker_word_without_marks_looks_stripped(markers, others):
    assert looks_stripped(" ".join(others + [m.title() for m in markers]))


# ---- clean_person_name --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, message", [
    ("", "Họ tên không được để trống"), ("   \t", "không được để trống"),
    ("Nguyễn [Văn] An", "Họ tên chứa ký tự không hợp lệ: '\\['"),
    ("Nguyễn Văn An 😀", "ký tự không hợp lệ: '😀'"),
    ("Nguyễn Văn 2", "ký tự không hợp lệ: '2'"), ("A" * 101, "quá dài"), ("Lê\x00Văn", "U\\+0000"),
    ("Lê{Văn}", "'\\{'"), ("Lê <Văn>", "'<'"), ("Lê Văn ©", "'©'"), ("Lê Văn ^", "'\\^'"),
    ("Lê\u200bVăn", "U\\+200B"), ("Lê Văn\ue000", "U\\+E000"), ("Lê, Văn", "','"),
    ("\u0301An", "U\\+0301"), ("- .", "ít nhất một chữ cái"),
])
def test_bad_names(bad, message):
    with pytest.raises(TextError, match=message) as info:
        clean_person_name(bad)
    assert info.value.field == "name" and str(info.value) == info.value.message
    assert isinstance(info.value, ValueError) and isinstance(info.value, CounterError)


@pytest.mark.parametrize("given_, kept", [
    (nfd("Đặng  Văn An"), "Đặng Văn An"), ("H'Hen Niê", "H'Hen Niê"), ("H’Hen Niê", "H’Hen Niê"),
    ("nguyễn văn an", "nguyễn văn an"), ("NGUYỄN VĂN AN", "NGUYỄN VĂN AN"), ("Jean-Pierre Lê", "Jean-Pierre Lê"),
    ("Nguyễn T. Hà", "Nguyễn T. Hà"), ("A" * 100, "A" * 100), ("  Lò Văn Pản  ", "Lò Văn Pản"),
])
def test_good_names_are_normalized_and_keep_their_case(given_, kept):
    assert clean_person_name(given_) == kept


@given(st.lists(st.sampled_from(["Nguyễn", "Văn", "An", "Đặng", "thị", "NGỌC", "H'Hen", "Niê", "Lò"]),
                min_size=1, max_size=5))
def test_clean_names_are_accepted_as_nfc(words):
    name = " ".join(words)
    assert clean_person_name(nfd(name)) == name == clean_person_name(clean_person_name(name))


@given(st.text())
def test_clean_person_name_either_accepts_nfc_or_raises_text_error(s):
    try:
        name = clean_person_name(s)
    except TextError as exc:
        assert exc.message and exc.field == "name"
    else:
        assert name == nfc(s) and 0 < len(name) <= 100 and not any(c.isdigit() for c in name)
