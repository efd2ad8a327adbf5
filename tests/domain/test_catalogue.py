"""The catalogue format: good CSV and JSON, every kind of bad row reported by its line, all at once."""

from __future__ import annotations

import csv
import json
import unicodedata
from datetime import date
from importlib import resources

import pytest

from counter.domain.catalogue import (
    COLUMNS,
    CatalogueError,
    PaperSpec,
    ProcedureSpec,
    RowError,
    parse_catalogue,
    parse_overrides,
)

HEADER = ",".join(COLUMNS)
BIRTH = ('1.001193,Đăng ký khai sinh,Hộ tịch,commune,0,0,Miễn lệ phí nếu đúng hạn,1;2;3,1,0,0,'
         'Tờ khai đăng ký khai sinh [1/0/0]; Giấy chứng sinh [1/0/0]; Giấy tờ khác (nếu có) [0/0/1]?')
COPY = ('2.000815,Chứng thực bản sao từ bản chính,Chứng thực,xã,trong ngày,2.000,"2.000 đ/trang, từ trang thứ 3: '
        '1.000 đ/trang",1,không,,x,Bản chính [1/0/0]; Bản sao [0/0/1]')
RESIDENCE = ('1.004222.000.00.00.H55,Đăng ký thường trú,Cư trú,province,7,20000 đ,,1; 2,false,false,false,'
             'Tờ khai CT01 [1/0/0]')
THIRTEEN = {"1.001193", "1.000894", "1.000656", "1.004873", "1.004884", "1.004859", "1.001022", "2.000635",
            "2.000815", "2.000884", "1.004222", "1.004194", "1.001612"}


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def only_error(text: str, fmt: str = "csv") -> RowError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, fmt)
    assert len(info.value.errors) == 1, info.value.errors
    return info.value.errors[0]


def test_good_csv():
    birth, copy, residence = parse_catalogue(csv_text(BIRTH, COPY, RESIDENCE), "csv")
    assert birth == ProcedureSpec(
        "1.001193", "Đăng ký khai sinh", "Hộ tịch", "commune", 0, 0, "Miễn lệ phí nếu đúng hạn", (1, 2, 3), True,
        False, False, (PaperSpec("Tờ khai đăng ký khai sinh", 1, 0, 0), PaperSpec("Giấy chứng sinh", 1, 0, 0),
                       PaperSpec("Giấy tờ khác (nếu có)", 0, 0, 1, required=False)))
    assert (copy.level, copy.working_days, copy.fee, copy.channels) == ("commune", 0, 2000, (1,))
    assert copy.fee_note == "2.000 đ/trang, từ trang thứ 3: 1.000 đ/trang"
    assert (copy.postal_allowed, copy.in_person, copy.certification) == (False, False, True)
    assert residence.code == "1.004222.000.00.00.H55" and residence.level == "province"
    assert (residence.working_days, residence.fee, residence.channels) == (7, 20000, (1, 2))


def test_booleans_and_fee_spellings():
    rows = [f"1.00000{i},Thủ tục {i},Hộ tịch,commune,same_day,{fee},,1,0,{flag},0,Tờ khai [1/0/0]"
            for i, (fee, flag) in enumerate([("20.000", "1"), ("20000", "true"), ("20 000", "Có"), ("0", "x"),
                                             ("1.500.000", "0"), ("0", "không"), ("0", "FALSE"), ("0", "")])]
    specs = parse_catalogue(csv_text(*rows), "csv")
    assert [s.fee for s in specs] == [20000, 20000, 20000, 0, 1500000, 0, 0, 0]
    assert [s.in_person for s in specs] == [True, True, True, True, False, False, False, False]
    assert all(s.working_days == 0 for s in specs)


def test_good_json_same_as_csv():
    doc = {"version": 1, "procedures": [
        {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "level": "commune",
         "working_days": 0, "fee": 0, "fee_note": "Miễn lệ phí nếu đúng hạn", "channels": [1, 2, 3],
         "postal_allowed": True, "in_person": False, "certification": False,
         "papers": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1, "certified_copies": 0, "photocopies": 0,
                     "required": True},
                    {"name": "Giấy chứng sinh", "originals": 1},
                    {"name": "Giấy tờ khác (nếu có)", "photocopies": 1, "required": False}]},
        {"code": "1.004222", "name": "Đăng ký thường trú", "field": "Cư trú", "level": "commune",
         "working_days": "7", "fee": "20.000", "channels": "1;2",
         "papers": ["Tờ khai CT01 [1/0/0]", {"name": "Giấy tờ chứng minh chỗ ở hợp pháp", "certified_copies": 1}]},
    ]}
    birth, residence = parse_catalogue(json.dumps(doc, ensure_ascii=False, indent=2), "json")
    assert birth == parse_catalogue(csv_text(BIRTH), "csv")[0]
    assert residence.fee == 20000 and residence.working_days == 7 and residence.channels == (1, 2)
    assert residence.fee_note == "" and not residence.postal_allowed
    assert residence.papers == (PaperSpec("Tờ khai CT01", 1, 0, 0),
                                PaperSpec("Giấy tờ chứng minh chỗ ở hợp pháp", 0, 1, 0))
    assert parse_catalogue(json.dumps(doc), "JSON") == [birth, residence]  # \u escapes, upper-case format name


@pytest.mark.parametrize(("row", "expected"), [
    (BIRTH.replace("1.001193", "1.2"), "cột code phải là mã thủ tục dạng 1.001193"),
    (BIRTH.replace("1.001193", ""), "cột code (mã thủ tục) không được để trống"),
    (BIRTH.replace("Đăng ký khai sinh", " "), "cột name (tên thủ tục) không được để trống"),
    (BIRTH.replace("Hộ tịch", ""), "cột field (lĩnh vực) không được để trống"),
    (BIRTH.replace("commune", "district"), "cột level phải là commune (cấp xã) hoặc province (cấp tỉnh), nhận "
                                           "được 'district'"),
    (BIRTH.replace("commune,0,", "commune,ba,"), "cột working_days phải là số ngày làm việc (0 = trong ngày), "
                                                 "nhận được 'ba'"),
    (BIRTH.replace("commune,0,", "commune,2.5,"), "cột working_days phải là số ngày làm việc"),
    (BIRTH.replace("commune,0,", "commune,-1,"), "cột working_days phải là số ngày làm việc"),
    (BIRTH.replace("commune,0,", "commune,400,"), "cột working_days phải từ 0 đến 365"),
    (BIRTH.replace("commune,0,0,", "commune,0,-5,"), "cột fee phải là số tiền bằng đồng, số nguyên ≥ 0"),
    (BIRTH.replace("commune,0,0,", "commune,0,1.5,"), "cột fee phải là số tiền"),
    (BIRTH.replace("commune,0,0,", "commune,0,,"), "cột fee phải là số tiền"),
    (BIRTH.replace("1;2;3", "1;4"), "cột channels phải gồm các kênh 1, 2, 3"),
    (BIRTH.replace("1;2;3", ""), "cột channels phải gồm các kênh 1, 2, 3"),
    (BIRTH.replace("1;2;3,1,0,0", "1;2;3,có lẽ,0,0"), "cột postal_allowed phải là 1/0, true/false, có/không "
                                                       "hoặc x/để trống, nhận được 'có lẽ'"),
    (BIRTH.replace("1;2;3,1,0,0", "1;2;3,1,1,0"), "cột postal_allowed phải là không (0) vì thủ tục cần người "
                                                   "nộp có mặt (in_person)"),
    (BIRTH.replace("1;2;3,1,0,0", "1;2;3,1,0,1"), "cần chứng thực từ bản chính (certification)"),
    (BIRTH.replace("1;2;3,1,0,0", "1;2;3,0,0,0"), "cột channels có kênh 3 (bưu chính công ích) nhưng "
                                                   "postal_allowed là không"),
    (BIRTH.replace("1;2;3,1,0,0", "1;2,1,0,0"), "cột postal_allowed là có nhưng cột channels không có kênh 3"),
    (BIRTH.split(",Tờ khai")[0] + ",", "cột papers phải có ít nhất một giấy tờ"),
    (BIRTH.replace("Giấy chứng sinh [1/0/0]", "Giấy chứng sinh"), "cột papers: “Giấy chứng sinh” phải có dạng"),
    (BIRTH.replace("Giấy chứng sinh [1/0/0]", "Giấy chứng sinh [0/0/0]"), "cột papers: “Giấy chứng sinh” phải "
                                                                          "có ít nhất một bản"),
    (BIRTH.replace("Giấy chứng sinh [1/0/0]", "Giấy chứng sinh [1/0]"), "phải có 3 số"),
    (BIRTH.replace("Giấy chứng sinh [1/0/0]", "Giấy chứng sinh [1/-1/0]"), "số bản chứng thực của “Giấy chứng "
                                                                           "sinh” phải là số nguyên từ 0"),
    (BIRTH.replace("Giấy chứng sinh [1/0/0]", "[1/0/0]"), "thiếu tên giấy tờ"),
    (BIRTH.replace("Giấy chứng sinh", "Tờ khai đăng ký khai sinh"), "có hai lần"),
    (BIRTH + ",thừa", "tiêu đề có 12 cột (ô có dấu phẩy phải đặt trong ngoặc kép)"),
    (BIRTH.rsplit(",", 1)[0], "dòng chỉ có 11 ô"),
])
def test_each_kind_of_bad_row_is_reported_by_its_line(row, expected):
    error = only_error(csv_text(BIRTH.replace("1.001193", "1.000001"), "", row))
    assert error.line == 4  # header, a good row, a blank line, the bad row
    assert expected in error.message


def test_every_bad_row_and_every_bad_cell_at_once():
    text = csv_text(
        BIRTH,                                                    # 2 good
        BIRTH.replace("commune,0,", "commune,ba,"),               # 3 duplicate of line 2 and bad days
        COPY.replace("2.000815", "1.2").replace("2.000,", "x,"),  # 4 two bad cells
        RESIDENCE,                                                # 5 good
        BIRTH,                                                    # 6 duplicate of line 2
        RESIDENCE.replace("Tờ khai CT01 [1/0/0]", "Tờ khai [0/0/0]; Khác [a/b/c]"),  # 7 dup. and two bad papers
    )
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, "csv")
    errors = info.value.errors
    assert [e.line for e in errors] == [3, 3, 4, 4, 6, 7, 7, 7]
    assert "mã 1.001193 trùng với dòng 2" in errors[0].message and "cột working_days" in errors[1].message
    assert "mã 1.001193 trùng với dòng 2" in errors[4].message
    assert "1.004222.000.00.00.H55 trùng với dòng 5" in errors[5].message
    assert "“Tờ khai” phải có ít nhất một bản" in errors[6].message and "“Khác”" in errors[7].message
    message = info.value.message
    assert message.startswith("Danh mục có 4 dòng lỗi, không nhập gì:\n- dòng 3: cột code: mã 1.001193")
    assert "\n- dòng 4: cột code" in message and "\n- dòng 6: cột code" in message
    assert str(info.value) == message


def test_json_errors_name_the_line_where_the_item_starts():
    good = {"code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "level": "commune",
            "working_days": 0, "fee": 0, "channels": [1], "papers": [{"name": "Tờ khai", "originals": 1}]}
    items = [good,
             {**good, "level": "district", "code": "1.000002"},     # bad level
             {"name": "Không có mã"},                               # missing keys
             "not an object",
             {**good, "code": "1.000003", "fee": 1.5, "working_days": True, "channels": [1, "x"],
              "papers": [{"name": "A", "originals": -1}, {"photocopies": 1}, {"name": "B", "required": "?"}]},
             {**good, "name": 5, "code": "1.000004", "papers": []},
             good]                                                   # duplicate
    lines = ['{"version": 1,', ' "note": {"code": "not an item"},', ' "procedures": [']
    starts = []
    for i, item in enumerate(items):
        starts.append(len(lines) + 1)
        body = json.dumps(item, ensure_ascii=False, indent=2).splitlines()
        lines.extend([*body[:-1], body[-1] + ("," if i < len(items) - 1 else "")])
    lines.append("]}")
    with pytest.raises(CatalogueError) as info:
        parse_catalogue("\n".join(lines), "json")
    by_line: dict[int, list[str]] = {}
    for e in info.value.errors:
        by_line.setdefault(e.line, []).append(e.message)
    assert sorted(by_line) == starts[1:]
    assert "cột level" in by_line[starts[1]][0]
    assert "thiếu khóa: code, field, level, working_days, fee, channels, papers" in by_line[starts[2]][0]
    assert "mỗi thủ tục phải là một đối tượng JSON" in by_line[starts[3]][0]
    bad = " | ".join(by_line[starts[4]])
    assert len(by_line[starts[4]]) == 6, bad
    for part in ("cột working_days", "cột fee", "cột channels", "số bản chính của “A”", "giấy tờ thứ 2 thiếu name",
                 "required của “B”"):
        assert part in bad
    assert [m.split(" ")[1] for m in by_line[starts[5]]] == ["name", "papers"]
    assert by_line[starts[6]] == [f"cột code: mã 1.001193 trùng với dòng {starts[0]}"]


@pytest.mark.parametrize(("text", "line", "expected"), [
    ('{"version": 1,\n "procedures": [\n  {"code": "1.001193",}\n]}', 3, "JSON không hợp lệ"),
    ('[{"code": "1.001193"}]', 1, "phải là một đối tượng"),
    ('{"version": 2, "procedures": []}', 1, "phiên bản định dạng không hỗ trợ: '2'"),
])
def test_json_file_level_errors(text, line, expected):
    error = only_error(text, "json")
    assert error.line == line and expected in error.message


def test_header_row_is_required_and_checked():
    error = only_error("1.001193,Đăng ký khai sinh\n")
    assert error.line == 1 and "dòng tiêu đề thiếu cột: code, name" in error.message
    assert only_error("").message.startswith("tệp trống")
    error = only_error(HEADER + ",code\n" + BIRTH + "\n")
    assert "cột lặp lại: code" in error.message
    # extra columns are ignored, columns may come in any order and in any case
    cols = list(COLUMNS)
    cells = next(csv.reader([BIRTH]))
    order = list(reversed(range(len(cols))))
    text = ",".join(["stt"] + [cols[i].upper() for i in order]) + "\n" + ",".join(
        ["1"] + [f'"{cells[i]}"' for i in order]) + "\n"
    assert parse_catalogue(text, "csv") == parse_catalogue(csv_text(BIRTH), "csv")


def test_bom_crlf_comments_and_quoted_newlines():
    text = "\ufeff# Danh mục xã Phục Linh\r\n" + csv_text(BIRTH).replace("\n", "\r\n")
    assert parse_catalogue(text, "csv") == parse_catalogue(csv_text(BIRTH), "csv")
    split = BIRTH.replace("Đăng ký khai sinh,", '"Đăng ký\nkhai sinh",')
    error = only_error(csv_text(split, BIRTH.replace("commune,0,", "commune,ba,").replace("1.001193", "1.000001")))
    assert error.line == 4  # the bad row starts after the two physical lines of the quoted name
    json_text = "\ufeff" + json.dumps({"procedures": [{"code": "1.001193", "name": "A", "field": "B",
                                                      "level": "commune", "working_days": 0, "fee": 0,
                                                      "channels": [1], "papers": ["Tờ khai [1/0/0]"]}]})
    assert parse_catalogue(json_text, "json")[0].code == "1.001193"


def test_unclosed_quote_stops_with_its_line():
    error = only_error(csv_text(BIRTH, 'x,"y'))
    assert error.line == 3 and "ngoặc kép" in error.message


def test_nfd_input_is_normalized():
    nfd = unicodedata.normalize("NFD", csv_text(COPY))
    assert nfd != unicodedata.normalize("NFC", nfd)
    (spec,) = parse_catalogue(nfd, "csv")
    assert spec == parse_catalogue(csv_text(COPY), "csv")[0]
    texts = [spec.name, spec.field, spec.fee_note, *(p.name for p in spec.papers)]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert spec.level == "commune" and spec.working_days == 0  # "xã" and "trong ngày" also in NFD


def test_whitespace_is_collapsed_and_code_upper_cased():
    (spec,) = parse_catalogue(csv_text(RESIDENCE.replace("H55", "h55").replace("Đăng ký thường trú",
                                                                                "  Đăng   ký thường trú ")), "csv")
    assert spec.code == "1.004222.000.00.00.H55" and spec.name == "Đăng ký thường trú"


def test_empty_catalogue_and_unknown_format():
    with pytest.raises(CatalogueError, match="không có thủ tục nào"):
        parse_catalogue(HEADER + "\n\n", "csv")
    with pytest.raises(CatalogueError, match="không có thủ tục nào"):
        parse_catalogue('{"version": 1, "procedures": []}', "json")
    with pytest.raises(CatalogueError, match="chỉ CSV hoặc JSON") as info:
        parse_catalogue(csv_text(BIRTH), "xlsx")
    assert info.value.errors == []


def test_the_shipped_fixture_parses_cleanly_with_all_13_codes():
    text = resources.files("counter").joinpath("fixtures/procedures.csv").read_text("utf-8")
    specs = parse_catalogue(text, "csv")
    by_code = {s.code: s for s in specs}
    assert set(by_code) >= THIRTEEN and len(by_code) == len(specs)
    assert all(s.level == "commune" and s.papers for s in specs)
    same_day = {"1.001193", "1.000894", "1.000656", "2.000635", "2.000815", "2.000884"}
    assert {c for c in THIRTEEN if by_code[c].working_days == 0} == same_day
    assert {c: by_code[c].working_days for c in THIRTEEN - same_day} == {
        "1.004873": 3, "1.004884": 5, "1.004859": 3, "1.001022": 3, "1.004222": 7, "1.004194": 3, "1.001612": 3}
    assert {c: by_code[c].fee for c in THIRTEEN if by_code[c].fee} == {
        "2.000635": 8000, "2.000815": 2000, "2.000884": 10000, "1.004222": 20000, "1.004194": 15000,
        "1.001612": 100000}
    assert "từ trang thứ 3: 1.000 đ/trang" in by_code["2.000815"].fee_note
    assert "10.000 đ nếu nộp trực tuyến" in by_code["1.004222"].fee_note
    for c in ("1.004873", "1.004884", "1.004859", "1.001022", "1.001612"):
        assert "chưa xác minh" in by_code[c].fee_note.lower()
    assert by_code["1.000894"].in_person and not by_code["1.000894"].postal_allowed
    assert by_code["1.000656"].postal_allowed
    assert by_code["2.000815"].certification and not by_code["2.000815"].postal_allowed
    assert by_code["2.000884"].certification and by_code["2.000884"].in_person
    assert all(unicodedata.is_normalized("NFC", p.name) for s in specs for p in s.papers)


# ---- calendar overrides ----------------------------------------------------------------------------------


def test_shipped_overrides_parse():
    text = resources.files("counter").joinpath("fixtures/calendar_overrides.csv").read_text("utf-8")
    assert text.startswith("#")
    rows = parse_overrides(text)
    assert [(d, k) for d, k, _ in rows] == [(date(2025, 4, 26), "work"), (date(2025, 5, 2), "off"),
                                            (date(2026, 8, 22), "work"), (date(2026, 8, 31), "off")]
    assert "02/05/2025" in rows[0][2]


def test_overrides_good_and_bad_lines():
    assert parse_overrides("\ufeffdate,kind,note\n2026-09-01,off,\"Nghỉ thêm, theo thông báo\"\n"
                           "04/09/2026,work\n") == [(date(2026, 9, 1), "off", "Nghỉ thêm, theo thông báo"),
                                                    (date(2026, 9, 4), "work", "")]
    text = ("# ghi chú\ndate,kind,note\n2026-02-30,off,x\n2026-09-01,nghỉ,x\n# giữa\n2026-09-02,off,a\n"
            "2026-09-02,work,b\n2026-09-03,off,a,b\n")
    with pytest.raises(CatalogueError) as info:
        parse_overrides(text)
    assert [e.line for e in info.value.errors] == [3, 4, 7, 8]
    assert "cột date phải là ngày dạng YYYY-MM-DD" in info.value.errors[0].message
    assert "cột kind phải là off (nghỉ) hoặc work (làm bù), nhận được 'nghỉ'" in info.value.errors[1].message
    assert "trùng với dòng 6" in info.value.errors[2].message
    assert info.value.message.startswith("Bảng ngày nghỉ/làm bù có 4 dòng lỗi, không nhập gì:")
    with pytest.raises(CatalogueError) as info:
        parse_overrides("# chỉ có ghi chú\n\nngay,loai\n")
    assert info.value.errors[0].line == 3 and "tiêu đề" in info.value.errors[0].message
    with pytest.raises(CatalogueError, match="tiêu đề"):
        parse_overrides("")
