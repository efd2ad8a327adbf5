import json
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from counter.domain.cccd import (
    PROVINCE_CODES, STRIPPED_WARNING, CccdData, CccdError, parse_cccd, validate_id_number,
)
from counter.domain.errors import CounterError
from counter.domain.text import fold

GOOD = "001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021"
TODAY = date(2026, 11, 23)


def mismatch(d: CccdData) -> list[str]:
    return [w for w in d.warnings if "không khớp" in w]


# ---- good strings -------------------------------------------------------------------------------------------

def test_the_example_of_domain_md():
    d = parse_cccd(GOOD, TODAY)
    assert (d.id_number, d.old_id, d.full_name, d.sex) == ("001090123456", None, "Nguyễn Văn An", "Nam")
    assert d.birth_date == date(1990, 1, 1) and d.issue_date == date(2021, 4, 15)
    assert d.address == "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên"
    assert d.warnings == ()


def test_to_dict_is_json_ready():
    d = parse_cccd(GOOD, TODAY).to_dict()
    assert d == {"id_number": "001090123456", "old_id": None, "full_name": "Nguyễn Văn An",
                 "birth_date": "1990-01-01", "sex": "Nam", "address": "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên",
                 "issue_date": "2021-04-15", "warnings": []}
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


def test_data_is_frozen():
    d = parse_cccd(GOOD, TODAY)
    with pytest.raises(AttributeError):
        d.full_name = "X"  # type: ignore[misc]


@pytest.mark.parametrize("text", [
    GOOD + "\r\n", GOOD + "\n", GOOD + "\r", "  " + GOOD + " \t",
    unicodedata.normalize("NFD", GOOD), unicodedata.normalize("NFD", GOOD) + "\r\n",
])
def test_trailing_newline_and_nfd_are_normalized(text):
    d = parse_cccd(text, TODAY)
    assert d.full_name == "Nguyễn Văn An" and d.address == "Thôn 2, xã Phục Linh, tỉnh Thái Nguyên"
    assert unicodedata.is_normalized("NFC", d.full_name) and unicodedata.is_normalized("NFC", d.address)
    assert d.issue_date == date(2021, 4, 15) and d.warnings == ()


def test_old_id_and_pipe_inside_address():
    d = parse_cccd("038301004321|123456789|Lê Thị Hồng|05062001|Nữ|Số 5|ngõ 3, phường Ba Đình|01022022", TODAY)
    assert d.old_id == "123456789" and d.sex == "Nữ" and d.birth_date == date(2001, 6, 5)
    assert d.address == "Số 5|ngõ 3, phường Ba Đình" and d.issue_date == date(2022, 2, 1)
    assert d.warnings == ()


def test_old_id_alone():
    d = parse_cccd(GOOD.replace("||", "|012345678|"), TODAY)
    assert d.old_id == "012345678" and d.warnings == ()


@pytest.mark.parametrize("sex, canonical", [("Nam", "Nam"), ("nam", "Nam"), ("NAM", "Nam"), ("Nữ", "Nữ"),
                                            ("NỮ", "Nữ"), ("nữ", "Nữ")])
def test_sex_is_case_insensitive(sex, canonical):
    code = "0" if canonical == "Nam" else "1"
    d = parse_cccd(f"001{code}90123456||Lê Thị Hồng|01011990|{sex}|Thôn 2|15042021", TODAY)
    assert d.sex == canonical and d.warnings == ()


def test_without_today_future_dates_are_not_checked():
    d = parse_cccd("001290123456||Nguyễn Văn An|01012090|Nam|Thôn 2|15042100")
    assert d.birth_date == date(2090, 1, 1) and d.issue_date == date(2100, 4, 15) and d.warnings == ()


def test_issue_on_the_birth_day_and_today_are_fine():
    d = parse_cccd("001226123456||Lê Văn Bé|23112026|Nam|Thôn 2|23112026", TODAY)
    assert d.birth_date == d.issue_date == TODAY and d.warnings == ()


def test_validate_id_number():
    assert validate_id_number(" 001090123456 ") == "001090123456"
    assert validate_id_number("001 090 123 456") == "001090123456"
    assert len(PROVINCE_CODES) == 63 and {"001", "079", "096"} <= PROVINCE_CODES and "003" not in PROVINCE_CODES


@pytest.mark.parametrize("bad, message", [
    ("", "12 chữ số"), ("00109012345", "12 chữ số: '00109012345'"), ("0010901234567", "12 chữ số"),
    ("00109012345A", "12 chữ số"), ("٠٠١٠٩٠١٢٣٤٥٦", "12 chữ số"), ("003090123456", "mã tỉnh '003'"),
    ("097090123456", "mã tỉnh"), ("000090123456", "mã tỉnh"),
])
def test_bad_id_numbers(bad, message):
    with pytest.raises(CccdError, match=message):
        validate_id_number(bad)


# ---- broken strings -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("001090123456||Nguyễn Văn An|01011990|Nam|15042021", "phải có 7 trường .* nhận được 6 trường"),
    ("001090123456", "nhận được 1 trường"),
    ("", "nhận được 0 trường"), ("  \r\n", "7 trường"),
    ("00109012345||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "Số định danh phải gồm đúng 12 chữ số"),
    ("00109012345A||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "12 chữ số: '00109012345A'"),
    ("999090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "mã tỉnh"),
    ("001090123456||Nguyễn Văn An|31021990|Nam|Thôn 2|15042021", "Ngày sinh không hợp lệ: '31021990'"),
    ("001090123456||Nguyễn Văn An|0101199|Nam|Thôn 2|15042021", "Ngày sinh không hợp lệ: '0101199'"),
    ("001090123456||Nguyễn Văn An|01/01/1990|Nam|Thôn 2|15042021", "Ngày sinh không hợp lệ"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|32012021", "Ngày cấp không hợp lệ: '32012021'"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|", "Ngày cấp không hợp lệ: ''"),
    ("001230123456||Nguyễn Văn An|01012030|Nam|Thôn 2|15042031", "Ngày sinh 01/01/2030 ở tương lai"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|24112026", "Ngày cấp 24/11/2026 ở tương lai"),
    ("001090123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15041980", "Ngày cấp 15/04/1980 trước ngày sinh 01/01/1990"),
    ("001090123456||Nguyễn Văn An|01011990|Khác|Thôn 2|15042021", "Giới tính không hợp lệ: 'Khác'"),
    ("001090123456||Nguyễn Văn An|01011990||Thôn 2|15042021", "Giới tính không hợp lệ"),
    ("001090123456||Nguyễn [Văn] An|01011990|Nam|Thôn 2|15042021", "Họ tên chứa ký tự không hợp lệ: '\\['"),
    ("001090123456||Nguyễn Văn An 3|01011990|Nam|Thôn 2|15042021", "ký tự không hợp lệ: '3'"),
    ("001090123456|||01011990|Nam|Thôn 2|15042021", "Họ tên không được để trống"),
    ("001090123456|12345|Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "CMND cũ phải gồm đúng 9 chữ số: '12345'"),
    ("001090123456|12345678A|Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "CMND cũ"),
])
def test_broken_strings_get_a_clear_message(text, message):
    with pytest.raises(CccdError, match=message) as info:
        parse_cccd(text, TODAY)
    assert str(info.value) == info.value.message and isinstance(info.value, ValueError)
    assert isinstance(info.value, CounterError)


def test_the_name_error_is_the_text_error_message():
    with pytest.raises(CccdError) as info:
        parse_cccd("001090123456||Nguyễn [Văn] An|01011990|Nam|Thôn 2|15042021", TODAY)
    assert info.value.message == "Họ tên chứa ký tự không hợp lệ: '['"


# ---- warnings -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "001090123456||Nguyen Van An|01011990|Nam|Thôn 2, xã Phục Linh, tỉnh Thái Nguyên|15042021",
    "001090123456||Nguyễn Văn An|01011990|Nam|Thon 2, xa Phuc Linh, tinh Thai Nguyen|15042021",
    "001090123456||Nguyen Van An|01011990|Nam|Thon 2, xa Phuc Linh, tinh Thai Nguyen|15042021",
    "001090123456||Nguyễn Văn An|01011990|Nam|Th?n 2, x? Ph?c Linh|15042021",
    "001190123456||Lê Thị Hồng|01011990|Nu|Thôn 2|15042021",
    "001190123456||Lê Thị Hồng|01011990|NU|Thôn 2|15042021",
    "001190123456||Lê Thị Hồng|01011990|N?|Thôn 2|15042021",
])
def test_lost_diacritics_give_a_warning(text):
    d = parse_cccd(text, TODAY)
    assert d.warnings == (STRIPPED_WARNING,)


def test_question_marks_in_the_name_are_a_warning_and_kept_for_the_clerk():
    d = parse_cccd("001090123456||Nguy?n V?n An|01011990|Nam|Thôn 2|15042021", TODAY)
    assert d.full_name == "Nguy?n V?n An" and d.warnings == (STRIPPED_WARNING,)
    assert "COM/serial" in STRIPPED_WARNING and "mất dấu" in STRIPPED_WARNING
    d = parse_cccd("001090123456||Nguy\ufffdn V\ufffdn An|01011990|Nam|Thôn 2|15042021", TODAY)
    assert STRIPPED_WARNING in d.warnings


def test_sex_nu_from_a_stripped_scan_is_female():
    assert parse_cccd("001190123456||Lê Thị Hồng|01011990|Nu|Thôn 2|15042021", TODAY).sex == "Nữ"


def test_a_marked_name_and_address_give_no_stripped_warning():
    assert STRIPPED_WARNING not in parse_cccd(GOOD, TODAY).warnings
    d = parse_cccd("001090123456||Mai Thanh Lan|01011990|Nam|Thôn 2, xã Phục Linh|15042021", TODAY)
    assert d.warnings == ()


@pytest.mark.parametrize("text, hint", [
    ("001190123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "giới tính"),  # 1 = female, 1900s
    ("001090123456||Lê Thị Hồng|01011990|Nữ|Thôn 2|15042021", "giới tính"),  # 0 = male, 1900s
    ("001085123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "chữ số thứ 5–6 là 85"),  # 85 vs 1990
    ("001290123456||Nguyễn Văn An|01011990|Nam|Thôn 2|15042021", "chữ số thứ 4 là 2"),  # 2 = 2000s
    ("001005123456||Nguyễn Văn An|01012005|Nam|Thôn 2|15042021", "sinh năm 1900–1999"),  # 0 = 1900s
])
def test_id_that_does_not_match_sex_or_birth_year_is_a_warning(text, hint):
    d = parse_cccd(text, TODAY)
    assert len(mismatch(d)) == 1 and hint in mismatch(d)[0] and STRIPPED_WARNING not in d.warnings


def test_several_mismatches_and_stripping_are_all_reported():
    d = parse_cccd("001385123456||Nguyen Van An|01011990|Nam|Thôn 2|15042021", TODAY)
    assert len(mismatch(d)) == 3 and d.warnings[-1] == STRIPPED_WARNING


# ---- round trip ---------------------------------------------------------------------------------------------

names = st.lists(st.sampled_from(["Nguyễn", "Văn", "An", "Đặng", "Thị", "Bích", "Ngọc", "Hồ", "Quang", "Hiếu",
                                  "Lý", "Thu", "Hà", "Ngô", "Đức", "Thắng", "H'Hen", "Niê", "Lò", "Pản"]),
                 min_size=2, max_size=5).map(" ".join)
address_parts = st.sampled_from(["Thôn 2", "xã Phục Linh", "Số 5|ngõ 3", "phường Ba Đình", "Ấp Mỹ Lợi",
                                 "xã Tân Hòa", "tỉnh Thái Nguyên", "thành phố Hà Nội", "đặc khu Phú Quốc"])
addresses = st.lists(address_parts, min_size=1, max_size=4).map(", ".join)


@given(names, st.dates(date(1920, 1, 1), TODAY), st.booleans(), st.integers(0, 999_999),
       st.sampled_from(sorted(PROVINCE_CODES)), st.one_of(st.none(), st.integers(0, 999_999_999)),
       addresses, st.integers(0, 20_000), st.booleans(), st.sampled_from(["", "\r\n", "\n"]))
def test_round_trip(name, birth, female, serial, province, old, address, days_after, use_nfd, tail):
    issue = birth + timedelta(days=days_after)
    assume(issue <= TODAY)
    code = 2 * ((birth.year - 1900) // 100) + int(female)
    id_number = f"{province}{code}{birth.year % 100:02d}{serial:06d}"
    old_id = None if old is None else f"{old:09d}"
    sex = "Nữ" if female else "Nam"
    text = f"{id_number}|{old_id or ''}|{name}|{birth:%d%m%Y}|{sex}|{address}|{issue:%d%m%Y}{tail}"
    if use_nfd:
        text = unicodedata.normalize("NFD", text)
    d = parse_cccd(text, TODAY)
    assert d == CccdData(id_number, old_id, name, birth, sex, address, issue, ())
    assert fold(d.full_name).isascii()
    assert parse_cccd(text) == d  # without today: same result for past dates
