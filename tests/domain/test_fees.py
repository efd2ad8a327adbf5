"""Issue 18: the charge rules (tiers, caps, per-channel amounts, exemptions, 0 đồng online), amounts typed by a
clerk, the amount in words, receipt numbers and the VietQR string (checked by a TLV parser written here)."""

from __future__ import annotations


import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain import fees
from counter.domain.fees import Charge, Exemption, FeeError, Tier, clean_exemption, parse_charge, quote
from tests.helpers.fees import check_vietqr, parse_tlv

COPY = Charge("phi", "Phí chứng thực bản sao", "P1", "page", 2000, (Tier(3, 1000),), 200_000)
SIGNATURE = Charge("phi", "Phí chứng thực chữ ký", "P2", "signature", 10_000)
EXTRACT = Charge("phi", "Phí cấp bản sao trích lục", "P3", "copy", 8000)
RESIDENCE = Charge("le_phi", "Lệ phí đăng ký thường trú", "L1", "dossier", 20_000, by_channel={2: 10_000},
                   exemptions=("merit", "poor", "disability"))
BUSINESS = Charge("le_phi", "Lệ phí đăng ký hộ kinh doanh", "L2", "dossier", 100_000, by_channel={2: 0})
CIVIL = Charge("le_phi", "Lệ phí hộ tịch", "L3", "dossier", 5000,
               exemptions=("merit", "poor", "disability", "on_time", "guardianship", "resident_marriage"))


@pytest.mark.parametrize("charge, units, channel, total", [
    (COPY, {"pages": 1, "copies": 1}, 1, 2000),
    (COPY, {"pages": 2, "copies": 1}, 1, 4000),
    (COPY, {"pages": 3, "copies": 1}, 1, 5000),  # from the 3rd page 1.000 đ
    (COPY, {"pages": 5, "copies": 1}, 1, 7000),
    (COPY, {"pages": 5, "copies": 3}, 1, 21_000),
    (COPY, {"pages": 198, "copies": 1}, 1, 200_000),  # 4.000 + 196.000: exactly the cap
    (COPY, {"pages": 199, "copies": 1}, 1, 200_000),  # capped per copy
    (COPY, {"pages": 500, "copies": 2}, 1, 400_000),  # the cap is per copy, not per dossier
    (SIGNATURE, {"signatures": 3}, 1, 30_000),
    (EXTRACT, {"copies": 4}, 1, 32_000),
    (RESIDENCE, {}, 1, 20_000),
    (RESIDENCE, {}, 2, 10_000),  # online is cheaper
    (RESIDENCE, {}, 3, 20_000),  # post pays the counter price
    (BUSINESS, {}, 1, 100_000),
    (BUSINESS, {}, 2, 0),  # 0 đồng online
])
def test_charge_rules(charge, units, channel, total):
    q = quote([charge], units, channel)
    assert q.total == total and len(q.lines) == 1 and q.lines[0].amount == total


def test_the_line_says_how_it_was_computed():
    line = quote([COPY], {"pages": 5, "copies": 1}, 1).lines[0]
    assert line.detail == "5 trang: 2 × 2.000 đ + 3 × 1.000 đ" and line.quantity == 5
    capped = quote([COPY], {"pages": 300, "copies": 2}, 1).lines[0]
    assert "tối đa 200.000 đ/bản" in capped.detail and "× 2 bản" in capped.detail
    assert quote([BUSINESS], {}, 2).lines[0].detail == "miễn thu khi nộp trực tuyến"


@pytest.mark.parametrize("ground", sorted(fees.GROUNDS))
def test_each_exemption_makes_its_charges_free_and_leaves_the_others(ground):
    paper = "Giấy chứng nhận số 12/2026" if fees.GROUNDS[ground][1] else ""
    exemption = clean_exemption(ground, paper, [CIVIL, EXTRACT])
    q = quote([CIVIL, EXTRACT], {"copies": 2}, 1, exemption)
    assert [line.amount for line in q.lines] == [0, 16_000]
    assert q.lines[0].exempt == ground and q.lines[0].detail == f"miễn: {fees.GROUNDS[ground][0]}"


@pytest.mark.parametrize("ground, paper, message", [
    ("poor", "", "phải ghi giấy tờ chứng minh"),
    ("", "Sổ hộ nghèo", "chưa chọn căn cứ"),
    ("rich", "x", "không hợp lệ"),
    ("on_time", "", "không áp dụng cho khoản thu nào"),  # residence fees know no on-time exemption
])
def test_an_exemption_needs_a_ground_that_applies_and_its_paper(ground, paper, message):
    with pytest.raises(FeeError, match=message):
        clean_exemption(ground, paper, [RESIDENCE])


def test_no_ground_is_no_exemption():
    assert clean_exemption("", "", [RESIDENCE]) is None


@given(pages=st.integers(1, 2000), copies=st.integers(1, 20), channel=st.sampled_from([1, 2, 3]))
def test_a_copy_never_costs_more_than_the_cap_and_more_pages_never_cost_less(pages, copies, channel):
    one = quote([COPY], {"pages": pages, "copies": copies}, channel).total
    more = quote([COPY], {"pages": pages + 1, "copies": copies}, channel).total
    assert 0 < one <= 200_000 * copies and more >= one
    assert one == copies * quote([COPY], {"pages": pages, "copies": 1}, channel).total


@given(st.integers(0, 10**12))
def test_exempt_is_zero_and_a_ground_never_raises_the_amount(n):
    charge = Charge("le_phi", "L", "", "dossier", n, exemptions=("poor",))
    assert quote([charge], {}, 1, Exemption("poor", "x")).total == 0
    assert quote([charge], {}, 1, Exemption("merit", "x")).total == n  # a ground it does not list


@pytest.mark.parametrize("units, message", [
    ({"copies": 1}, "Thiếu số trang"),
    ({"pages": "", "copies": 1}, "Thiếu số trang"),
    ({"pages": 0, "copies": 1}, "từ 1 đến"),
    ({"pages": "2,5", "copies": 1}, "số nguyên dương"),
    ({"pages": -3, "copies": 1}, "từ 1 đến"),
])
def test_quantities_must_be_whole_and_given(units, message):
    with pytest.raises(FeeError, match=message):
        quote([COPY], units, 1)


def test_only_the_quantities_the_charges_need_are_asked():
    assert fees.needed_quantities([RESIDENCE]) == ()
    assert fees.needed_quantities([COPY]) == ("pages", "copies")
    assert fees.needed_quantities([SIGNATURE, EXTRACT]) == ("copies", "signatures")


@pytest.mark.parametrize("item, message", [
    ({"kind": "thuế", "name": "x", "amount": 1}, "kind phải là"),
    ({"kind": "phi", "amount": 1}, "thiếu name"),
    ({"kind": "phi", "name": "x", "unit": "kg", "amount": 1}, "unit phải là"),
    ({"kind": "phi", "name": "x", "amount": -1}, "phải từ 0"),
    ({"kind": "phi", "name": "x", "amount": 1.5}, "số nguyên"),
    ({"kind": "phi", "name": "x", "unit": "page", "amount": 1, "tiers": [{"from": 3, "amount": 1},
                                                                        {"from": 3, "amount": 2}]}, "tăng dần"),
    ({"kind": "phi", "name": "x", "amount": 1, "by_channel": {"7": 0}}, "kênh"),
    ({"kind": "phi", "name": "x", "amount": 1, "exemptions": ["friends"]}, "exemptions chỉ gồm"),
    ({"kind": "phi", "name": "x", "amount": 1, "colour": "red"}, "khóa không biết"),
])
def test_bad_charges_in_a_catalogue_are_named(item, message):
    with pytest.raises(FeeError, match=message):
        parse_charge(item)


def test_a_charge_round_trips_through_its_json():
    for c in (COPY, RESIDENCE, BUSINESS, CIVIL):
        assert parse_charge(c.as_json()) == c


@pytest.mark.parametrize("typed, amount", [("20000", 20000), ("20.000", 20000), ("20 000", 20000),
                                           ("20.000 đ", 20000), (" 7000 đồng", 7000), (7000, 7000), ("0", 0)])
def test_amounts_as_clerks_type_them(typed, amount):
    assert fees.parse_amount(typed) == amount


@pytest.mark.parametrize("typed, message", [("-5000", "không được âm"), ("7000,5", "không có phần lẻ"),
                                            ("7000.5", "không có phần lẻ"), (7000.5, "không có phần lẻ"),
                                            ("", "Thiếu"), ("bảy nghìn", "phải là số đồng"),
                                            ("1" * 14, "quá lớn")])
def test_bad_amounts_are_refused_in_vietnamese(typed, message):
    with pytest.raises(FeeError, match=message):
        fees.parse_amount(typed)


@pytest.mark.parametrize("n, words", [
    (0, "Không đồng"), (5, "Năm đồng"), (10, "Mười đồng"), (15, "Mười lăm đồng"), (21, "Hai mươi mốt đồng"),
    (24, "Hai mươi tư đồng"), (105, "Một trăm linh năm đồng"), (7000, "Bảy nghìn đồng"),
    (20_000, "Hai mươi nghìn đồng"), (215_000, "Hai trăm mười lăm nghìn đồng"),
    (1_005_000, "Một triệu không trăm linh năm nghìn đồng"), (200_000, "Hai trăm nghìn đồng"),
    (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"), (3_000_000_000, "Ba tỷ đồng"),
])
def test_amount_in_vietnamese_words(n, words):
    assert fees.in_words(n) == words


def test_receipt_numbers_are_the_stations_block():
    assert fees.receipt_number(1, 1) == "1000001" and fees.receipt_number(2, 1) == "2000001"
    assert fees.receipt_number(9, 999_999) == "9999999"
    with pytest.raises(FeeError, match="hết số biên lai"):
        fees.receipt_number(1, 1_000_000)
    assert fees.series_for("AA-{yy}P", 2026) == "AA-26P"


# ---- VietQR, checked by a parser written here (not the code under test) ------------------------------------

def test_vietqr_is_emvco_with_a_valid_crc():
    text = fees.vietqr("970415", "113000123456", 7000, "H55.242-261202-1001")
    top = check_vietqr(text)
    assert top["00"] == "01" and top["01"] == "12" and top["53"] == "704" and top["58"] == "VN"
    assert top["54"] == "7000"
    merchant = parse_tlv(top["38"])
    assert merchant["00"] == "A000000727" and merchant["02"] == "QRIBFTTA"
    assert parse_tlv(merchant["01"]) == {"00": "970415", "01": "113000123456"}
    assert parse_tlv(top["62"]) == {"08": "H55.242-261202-1001"}


def test_vietqr_needs_an_account():
    with pytest.raises(FeeError, match="bank_bin"):
        fees.vietqr("", "1", 1, "x")
    with pytest.raises(FeeError, match="lớn hơn 0"):
        fees.vietqr("970415", "1", 0, "x")
