"""Form layouts as versioned data (printing/templates.py, counter/fixtures/forms-TT03-2025.json): every form
prints exactly what it printed when it was built in Python (pinned), a second version is chosen by its name with
no code change, and a bad template says what is wrong in Vietnamese."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from counter.printing import forms, templates
from tests.helpers.printing import DATA, every_form, forms_dump

GOLDEN = resources.files("tests").joinpath("printing/golden/forms-TT03-2025.txt")


@pytest.fixture
def forms_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A folder searched before the shipped templates (COUNTER_FORMS_DIR), the cache emptied around the test."""
    monkeypatch.setenv(templates.DIR_ENV, str(tmp_path))
    templates._load.cache_clear()
    yield tmp_path
    templates._load.cache_clear()


def shipped() -> dict:
    return json.loads(resources.files("counter").joinpath("fixtures/forms-TT03-2025.json").read_text("utf-8"))


def test_every_form_prints_what_the_python_builders_printed():
    # the golden file was written by the Python-built forms (before the layouts became data): the same text
    # (Document.text(), what pdftotext reads back) and the same blocks, for 19 variants of 01–06 and BG
    assert forms_dump() == GOLDEN.read_text("utf-8")


def test_the_template_is_read_once():
    assert templates.form_set() is templates.form_set("TT03-2025")
    assert all(d.version == "TT03-2025" for docs in every_form().values() for d in docs)


def test_a_new_circular_is_a_new_file_chosen_by_its_version(forms_dir, monkeypatch):
    data = shipped()
    data["version"] = "TT99-2030"
    data["forms"]["01"]["blocks"][1]["title"] = "GIẤY BIÊN NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ (MẪU MỚI)"
    (forms_dir / "forms-TT99-2030.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    new = forms.receipt(DATA, version="TT99-2030")
    assert "GIẤY BIÊN NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ (MẪU MỚI)" in new[0].text()
    assert [d.version for d in new] == ["TT99-2030", "TT99-2030"]
    old = forms.receipt(DATA)  # the shipped version is untouched
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in old[0].text() and old[0].version == "TT03-2025"
    monkeypatch.setenv(templates.VERSION_ENV, "TT99-2030")  # every form of the station, no caller changed
    assert forms.refusal(DATA)[0].version == "TT99-2030"


def test_a_later_version_may_reword_a_value_and_drop_a_block(forms_dir):
    data = shipped()
    data["version"] = "TT99-2030"
    blocks = data["forms"]["06"]["blocks"]
    data["forms"]["06"]["blocks"] = [b for b in blocks if b.get("field") != "Người tiếp nhận hồ sơ"]
    data["maps"]["channel"]["2"] = "Trực tuyến trên Cổng Dịch vụ công quốc gia"
    (forms_dir / "forms-TT99-2030.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    from dataclasses import replace

    assert "Người tiếp nhận hồ sơ" not in forms.control_slip(DATA, (), "UBND", version="TT99-2030")[0].text()
    text = forms.receipt(replace(DATA, channel=2), version="TT99-2030")[0].text()
    assert "Kênh tiếp nhận: Trực tuyến trên Cổng Dịch vụ công quốc gia" in text


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(version="KHAC"), "ghi phiên bản “KHAC”, cần “TT99-2030”"),
    (lambda d: d["forms"]["01"]["blocks"].append({"use": "khong-co"}), "không có nhóm khối “khong-co”"),
    (lambda d: d["forms"]["01"]["blocks"].append({"para": "a", "note": "b"}), "mỗi khối cần đúng một loại"),
    (lambda d: d["forms"]["01"]["blocks"].append({"para": "{ten_la}"}), "trường “ten_la” mà chương trình không có"),
])
def test_a_bad_template_is_refused_in_vietnamese(forms_dir, change, message):
    data = shipped()
    data["version"] = "TT99-2030"
    change(data)
    (forms_dir / "forms-TT99-2030.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(templates.TemplateError, match=message):
        forms.receipt(DATA, version="TT99-2030")


def test_an_unknown_or_odd_version_is_refused(forms_dir):
    with pytest.raises(templates.TemplateError, match="Không có mẫu biểu phiên bản TT00-1999"):
        forms.receipt(DATA, version="TT00-1999")
    with pytest.raises(templates.TemplateError, match="không hợp lệ"):
        forms.receipt(DATA, version="../../etc/passwd")
    (forms_dir / "forms-TT98-2029.json").write_text("{không phải json", "utf-8")
    with pytest.raises(templates.TemplateError, match="không phải JSON hợp lệ"):
        forms.receipt(DATA, version="TT98-2029")
