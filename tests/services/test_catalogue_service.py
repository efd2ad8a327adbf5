"""The catalogue in a real SQLite store: import all or nothing, re-import in place, search, look up."""

from __future__ import annotations

import json
import os

import pytest
import sqlalchemy as sa

from counter.domain.catalogue import COLUMNS, CatalogueError
from counter.models import Procedure, ProcedurePaper
from counter.services import catalogue
from counter.services.catalogue import (
    ImportResult,
    PaperInfo,
    get_procedure,
    import_catalogue,
    load_default_catalogue,
    search_procedures,
)
from counter.services.store import NotFound, Store

HEADER = ",".join(COLUMNS)
ROW = ("{code},{name},Hộ tịch,commune,{days},{fee},,1;2;3,1,0,0,"
       "Tờ khai [1/0/0]; Giấy chứng sinh [1/0/0]; Giấy tờ khác [0/0/1]?")


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "data", create=True)
    yield s
    s.close()


def counts(store: Store) -> tuple[int, int]:
    with store.read() as s:
        return (s.scalar(sa.select(sa.func.count()).select_from(Procedure)),
                s.scalar(sa.select(sa.func.count()).select_from(ProcedurePaper)))


def write(path, *rows: str):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_fixture_then_search_by_words_folded_words_and_code(store):
    assert load_default_catalogue(store) == ImportResult(added=13, updated=0)
    assert counts(store)[0] == 13
    for query in ("khai sinh", "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "1.0011", "1.001193", "1193",
                  "  khai   sinh  ", "sinh dang"):
        found = search_procedures(store, query)
        assert found and found[0].code == "1.001193", (query, [p.code for p in found])
    assert [p.code for p in search_procedures(store, "khai sinh")] == ["1.001193", "1.004884"]
    birth = search_procedures(store, "dang ky khai sinh")[0]
    assert birth.name == "Đăng ký khai sinh" and birth.field == "Hộ tịch" and birth.channels == (1, 2, 3)
    assert birth.time_label == "Trong ngày" and birth.fee_label == "Miễn phí" and birth.postal_allowed
    assert [p.position for p in birth.papers] == list(range(1, len(birth.papers) + 1))
    assert birth.papers[0] == PaperInfo(1, "Tờ khai đăng ký khai sinh", 1, 0, 0, True)
    assert not birth.papers[-1].required
    assert search_procedures(store, "khai sinh xyz") == []
    assert search_procedures(store, "100%") == [] and search_procedures(store, "_") == []


def test_code_matches_come_first_then_names(store):
    load_default_catalogue(store)
    codes = [p.code for p in search_procedures(store, "1.00")]
    assert set(codes) == {c for c in codes if c.startswith("1.00")} and len(codes) == 10
    assert [p.code for p in search_procedures(store, "2.000")] == ["2.000635", "2.000815", "2.000884"]
    assert [p.code for p in search_procedures(store, "chung thuc")] == ["2.000815", "2.000884"]
    assert len(search_procedures(store, "dang ky", limit=3)) == 3


def test_empty_text_lists_active_by_field_then_name(store):
    load_default_catalogue(store)
    everything = search_procedures(store, "", limit=100)
    assert len(everything) == 13
    assert [p.field for p in everything][:2] == ["Chứng thực", "Chứng thực"]
    assert [p.field for p in everything] == sorted(p.field for p in everything)
    with store.write() as s:
        s.get(Procedure, "1.001193").active = False
    assert len(search_procedures(store, "")) == 12
    assert search_procedures(store, "khai sinh")[0].code == "1.004884"  # inactive ones are not offered…
    assert get_procedure(store, "1.001193").name == "Đăng ký khai sinh"  # …but still found by code


def test_get_procedure_and_labels(store):
    load_default_catalogue(store)
    residence = get_procedure(store, " 1.004222 ")
    assert residence.time_label == "7 ngày làm việc" and residence.fee_label == "20.000 đ"
    assert "10.000 đ nếu nộp trực tuyến" in residence.fee_note
    assert get_procedure(store, "1.001612").fee_label == "100.000 đ"
    with pytest.raises(NotFound) as info:
        get_procedure(store, "9.999999")
    assert info.value.message == "Không tìm thấy thủ tục có mã “9.999999”"


def test_a_file_with_one_bad_row_imports_nothing(store, tmp_path):
    load_default_catalogue(store)
    before = counts(store)
    path = write(tmp_path / "cat.csv",
                 ROW.format(code="1.100001", name="Thủ tục mới một", days=3, fee=0),
                 ROW.format(code="1.001193", name="Tên khác", days=1, fee=0),
                 ROW.format(code="1.100002", name="Thủ tục mới hai", days="ba", fee=0),
                 ROW.format(code="1.100003", name="Thủ tục mới ba", days=3, fee=0))
    with pytest.raises(CatalogueError) as info:
        import_catalogue(store, path)
    assert [e.line for e in info.value.errors] == [4]
    assert "dòng 4: cột working_days" in info.value.message
    assert counts(store) == before
    assert get_procedure(store, "1.001193").name == "Đăng ký khai sinh"
    assert search_procedures(store, "thu tuc moi") == []


def test_a_failure_while_writing_rolls_back(store, monkeypatch):
    load_default_catalogue(store)
    before = counts(store)
    real = catalogue.fold
    calls = []

    def failing_fold(s: str) -> str:
        calls.append(s)
        if len(calls) == 5:
            raise RuntimeError("disk gone")
        return real(s)

    monkeypatch.setattr(catalogue, "fold", failing_fold)
    with pytest.raises(RuntimeError):
        catalogue.load_default_catalogue(store)
    assert counts(store) == before


def test_reimport_updates_in_place_and_replaces_papers(store, tmp_path):
    load_default_catalogue(store)
    before = counts(store)
    path = write(tmp_path / "cat.csv",
                 "1.001193,Đăng ký khai sinh (sửa),Hộ tịch,commune,1,5.000,ghi chú,1;2,0,0,0,Tờ khai mới [2/0/0]",
                 ROW.format(code="1.100001", name="Thủ tục mới", days=3, fee=0))
    assert import_catalogue(store, path) == ImportResult(added=1, updated=1)
    assert counts(store) == (before[0] + 1, before[1] - 3 + 1 + 3)
    birth = get_procedure(store, "1.001193")
    assert (birth.name, birth.working_days, birth.fee, birth.fee_note, birth.channels, birth.postal_allowed) == (
        "Đăng ký khai sinh (sửa)", 1, 5000, "ghi chú", (1, 2), False)
    assert birth.papers == (PaperInfo(1, "Tờ khai mới", 2, 0, 0, True),)
    assert search_procedures(store, "dang ky khai sinh sua")[0].code == "1.001193"
    assert import_catalogue(store, path) == ImportResult(added=0, updated=2)  # again: still no duplicates
    assert counts(store) == (before[0] + 1, before[1] + 1)
    assert load_default_catalogue(store) == ImportResult(added=0, updated=13)
    assert get_procedure(store, "1.001193").name == "Đăng ký khai sinh"


def test_reimport_reactivates(store):
    load_default_catalogue(store)
    with store.write() as s:
        s.get(Procedure, "1.000656").active = False
    load_default_catalogue(store)
    assert search_procedures(store, "khai tu")[0].code == "1.000656"


def test_import_json_file(store, tmp_path):
    path = tmp_path / "cat.json"
    path.write_text(json.dumps({"version": 1, "procedures": [
        {"code": "1.004222", "name": "Đăng ký thường trú", "field": "Cư trú", "level": "commune",
         "working_days": 7, "fee": 20000, "fee_note": "", "channels": [1, 2], "postal_allowed": False,
         "in_person": False, "certification": False,
         "papers": [{"name": "Tờ khai CT01", "originals": 1, "certified_copies": 0, "photocopies": 0,
                     "required": True}]}]}, ensure_ascii=False), encoding="utf-8")
    assert import_catalogue(store, path) == ImportResult(1, 0)
    assert [p.code for p in search_procedures(store, "thuong tru")] == ["1.004222"]


def test_unreadable_or_unsupported_files(store, tmp_path):
    with pytest.raises(CatalogueError, match="Không tìm thấy tệp danh mục"):
        import_catalogue(store, tmp_path / "nope.csv")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(CatalogueError, match="là một thư mục"):
        import_catalogue(store, folder)
    with pytest.raises(CatalogueError, match=r"\.csv hoặc \.json"):
        import_catalogue(store, tmp_path / "cat.xlsx")
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n1.001193,Đăng ký khai sinh").encode("cp1258", errors="replace"))
    with pytest.raises(CatalogueError, match="không phải văn bản UTF-8 \\(dòng 2\\)"):
        import_catalogue(store, latin)
    if os.geteuid() != 0:
        locked = write(tmp_path / "locked.csv", ROW.format(code="1.100001", name="X", days=0, fee=0))
        locked.chmod(0)
        with pytest.raises(CatalogueError, match="Không có quyền đọc"):
            import_catalogue(store, locked)
    assert counts(store) == (0, 0)


# ---- internal steps (issue 17) ----------------------------------------------------------------------------

def steps_of(store: Store, code: str):  # type: ignore[no-untyped-def]
    with store.read() as s:
        return catalogue.procedure_steps(s, code)


def test_the_shipped_steps_come_with_the_catalogue_and_a_new_processing_time_drops_them(store, tmp_path):
    load_default_catalogue(store)
    steps = steps_of(store, "1.004873")
    assert [(s.number, s.unit, s.working_days, s.decides) for s in steps] == [
        (1, "Bộ phận Một cửa", 0, False), (2, "Công chức Tư pháp - Hộ tịch", 2, True), (3, "Lãnh đạo UBND xã", 1, False),
        (4, "Bộ phận Một cửa", 0, False)]
    assert steps_of(store, "1.001193") == ()  # same day: no steps
    path = write(tmp_path / "cat.csv", ROW.format(code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân",
                                                  days=5, fee=0))
    import_catalogue(store, path)  # 5 days now: the 3 days of steps no longer add up
    assert steps_of(store, "1.004873") == () and len(steps_of(store, "1.004884")) == 5


def test_a_steps_file_is_checked_against_the_store_and_imported_all_or_nothing(store, tmp_path):
    load_default_catalogue(store)
    path = tmp_path / "steps.csv"
    path.write_text("procedure_code,step,name,unit,working_days\n"
                    "1.004194,1,Tiếp nhận,Bộ phận Một cửa,0\n1.004194,2,Thẩm định và duyệt,Công an xã,3\n"
                    "1.001612,1,Tiếp nhận,Bộ phận Một cửa,1\n", encoding="utf-8")  # 1.001612 takes 3 days, not 1
    with pytest.raises(CatalogueError, match=r"dòng 4: các bước của thủ tục 1\.001612 cộng lại 1 ngày"):
        catalogue.import_steps_file(store, path)
    assert len(steps_of(store, "1.004194")) == 4  # nothing written
    path.write_text(path.read_text("utf-8").rsplit("1.001612", 1)[0], encoding="utf-8")
    assert catalogue.import_steps_file(store, path) == 1
    assert [s.unit for s in steps_of(store, "1.004194")] == ["Bộ phận Một cửa", "Công an xã"]
    with pytest.raises(CatalogueError, match="Không đọc được tệp các bước xử lý"):
        catalogue.import_steps_file(store, tmp_path / "khong-co.csv")


def test_migration_0011_gives_an_existing_store_the_shipped_steps(store):
    from alembic import command
    from counter.db import alembic_config

    load_default_catalogue(store)
    with store.write() as s:
        s.get(Procedure, "1.004222").working_days = 10  # an office's own time: the shipped steps do not fit
    command.downgrade(alembic_config(store.engine), "0010_stspeed")
    command.upgrade(alembic_config(store.engine), "head")
    assert len(steps_of(store, "1.004873")) == 4 and steps_of(store, "1.004222") == ()
