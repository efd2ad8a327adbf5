"""The history line of each money and signature step speaks Vietnamese: the method, the receipt, who signed,
what was handed over (found in `counter show` after trying issues 18 and 20: "Hình thức: transfer")."""

from __future__ import annotations

from counter.services.dossiers import event_details


def test_a_payment_names_its_method_and_receipt_in_vietnamese():
    line = event_details("fee_paid", {"amount": 7000, "method": "transfer", "payer": "Nguyễn Văn An",
                                      "receipt": {"form": "01BLP0-001", "number": "1000056", "series": "AA-26P"}})
    assert line == "Số tiền: 7.000 đ; Hình thức: Chuyển khoản (VietQR); Biên lai: AA-26P 1000056"
    assert "Trực tuyến qua Cổng DVC" in event_details("fee_paid", {"amount": 1, "method": "online", "reference": "X"})
    assert "Tiền mặt" in event_details("fee_paid", {"amount": 1, "method": "cash"})


def test_a_signed_paper_a_result_and_the_form_handed_over():
    scanned = event_details("document_scanned", {"position": 1, "pages": 1, "signed_by": "Nguyễn Thị Hoa (UBND xã)"})
    assert scanned == "Thành phần số: 1; Số trang: 1; Ký số bởi: Nguyễn Thị Hoa (UBND xã)"
    issued = event_details("result_issued", {"name": "Bản sao chứng thực", "pages": 1, "signed_by": "Nguyễn Thị Hoa",
                                             "data_store": True})
    assert issued == "Kết quả: Bản sao chứng thực; Số trang: 1; Ký số bởi: Nguyễn Thị Hoa; Đưa vào kho dữ liệu công dân"
    returned = event_details("returned", {"method": "counter", "receiver": "owner", "result_form": "both"})
    assert returned == "Hình thức: tại quầy; Người nhận: chủ hồ sơ; Kết quả bàn giao: cả bản giấy và bản điện tử"
