import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.cccd import STRIPPED_WARNING, CccdError, parse_cccd
from counter.domain.text import fold

GOOD = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"
TODAY = date(2026, 11, 23)


def test_the_example_of_domain_md():
    d = parse_cccd(GOOD, TODAY)
    assert (d.id_number, d.old_id, d.full_name, d.sex) == ("001090123456", None, "Nguyễn Văn An", "Nam")
    assert d.birth_date == date(1990, 1, 1) and d.issue_date == date(2021, 4, 15)
    assert d.address == "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên"
    assert d.warnings == ()


@pytest.mark.parametrize("text", [
    GOOD + "\r\n",
    "  " + GOOD,
    unicodedata.normalize("NFD", GOOD),
])
def test_trailing_newline_and_nfd_are_normalized(text):
    d = parse_cccd(text, TODAY)
    assert d.full_name == "Nguyễn Văn An" and unicodedata.is_normalized("NFC", d.address)


def test_old_id_and_pipe_inside_address():
    d = parse_cccd("038301004321|123456789|Lê Thị Hồng|05062001|Nữ|Số 5|ngõ 3, phường Ba Đình|01022022", TODAY)
    assert d.old_id == "123456789" and d.sex == "Nữ"
    assert d.address == "Số 5|ngõ 3, phường Ba Đình"
    assert d.warnings == ()


@pytest.mark.parametrize("text, message", [
    ("001090123456||Nguyễn Văn An|01011990|Nam|15042021", "7 trường"),
    ("00109012345||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "12 chữ số"),
    ("00109012345A||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "12 chữ số"),
    ("999090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "mã tỉnh"),
    ("001090123456||Nguyễn Văn An|31021990|Nam|Thôn 2|15042021", "Ngày sinh không hợp lệ"),
    ("001090123456||Nguyễn Văn An|0101199|Nam|Thôn 2|15042021", "Ngày sinh không hợp lệ"),
    ("001090123456||Nguyễn Văn An|01012030|Nam|Thôn 2|15042031", "tương lai"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15041980", "trước ngày sinh"),
    ("001090123456||Nguyễn Văn An|01011990|Khác|Thôn 2|15042021", "Giới tính"),
    ("001090123456||Nguyễn [Văn] An|01011990|Nam|Thôn 2|15042021", "ký tự không hợp lệ"),
    ("001090123456|12345|Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "CMND cũ"),
    ("", "7 trường"),
])
def test_broken_strings_get_a_clear_message(text, message):
    with pytest.raises(CccdError, match=message):
        parse_cccd(text, TODAY)


@pytest.mark.parametrize("text", [
    "001090123456||Nguyen Van An|01011990|Nam|Thon 2, xa Phuc Linh, tinh Thai Nguyen|15042021",
    "001090123456||Nguyễn Văn An|01011990|Nam|Th?n 2, x? Ph?c Linh|15042021",
    "001190123456||Lê Thị Hồng|01011990|Nu|Thôn 2|15042021",
])
def test_lost_diacritics_give_a_warning(text):
    assert STRIPPED_WARNING in parse_cccd(text, TODAY).warnings


def test_a_name_full_of_question_marks_is_an_error_that_explains_the_scanner():
    with pytest.raises(CccdError, match="COM/serial"):
        parse_cccd("001090123456||Nguy?n V?n An|01011990|Nam|Thôn 2|15042021", TODAY)


def test_id_that_does_not_match_sex_or_birth_year_is_a_warning():
    d = parse_cccd("001190123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", TODAY)  # 1 = female 1900s
    assert any("không khớp" in w for w in d.warnings)
    d = parse_cccd("001085123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", TODAY)  # year 85 vs 1990
    assert any("không khớp" in w for w in d.warnings)


names = st.sampled_from(["Nguyễn Văn An", "Đặng Thị Bích Ngọc", "Hồ Quang Hiếu", "Lý Thu Hà", "Ngô Đức Thắng"])


@given(names, st.dates(date(1920, 1, 1), date(2020, 12, 31)), st.booleans(), st.integers(0, 999_999),
       st.sampled_from(["Thôn 2, xã Phục Linh", "Số 5|ngõ 3, phường Ba Đình", "Ấp Mỹ Lợi, xã Tân Hòa"]))
def test_round_trip(name, birth, female, serial, address):
    code = (0 if birth.year < 2000 else 2) + int(female)
    idn = f"079{code}{birth.year % 100:02d}{serial:06d}"
    issue = date(2021, 6, 1) if birth < date(2021, 6, 1) else date(2026, 1, 2)
    text = f"{idn}||{name}|{birth:%d%m%Y}|{'Nữ' if female else 'Nam'}|{address}|{issue:%d%m%Y}"
    d = parse_cccd(text, TODAY)
    assert (d.id_number, d.full_name, d.birth_date, d.address, d.issue_date) == (idn, name, birth, address, issue)
    assert d.sex == ("Nữ" if female else "Nam") and d.warnings == ()
    assert fold(d.full_name).isascii()
