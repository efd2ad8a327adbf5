"""Receiving through the service on a real store: bad input, permissions, atomicity, printing and reprinting."""

from __future__ import annotations

import json
import unicodedata

import pytest
import sqlalchemy as sa

from counter.domain.errors import CounterError
from counter.domain.intake import Applicant, PaperInput, ReceiveRequest, ValidationError
from counter.models import CodeSequence, Dossier, DossierDocument, DossierEvent, Outbox
from counter.printing.targets import PrintError
from counter.services import dossiers, printing
from tests.conftest import actor_for

PAPERS = (PaperInput("Tờ khai đăng ký khai sinh", 1), PaperInput(
    "Giấy chứng sinh (hoặc văn bản của người làm chứng / giấy cam đoan)", 1))


def request(**owner) -> ReceiveRequest:
    base = {"name": "Nguyễn Văn An", "id_number": "001090123456", "birth_date": "01/01/1990",
            "phone": "0912 345 678", "address": "Thôn 2, xã Phục Linh"}
    base.update(owner)
    return ReceiveRequest("1.001193", Applicant(**base), PAPERS)


def counts(store) -> tuple[int, ...]:
    with store.read() as s:
        return tuple(s.exec(sa.select(sa.func.count()).select_from(t)).scalar_one()
                     for t in (Dossier, DossierEvent, DossierDocument, Outbox, CodeSequence))


def test_receive_writes_everything_in_one_go(store):
    result = dossiers.receive(store, actor_for(store, "canbo"), request())
    assert result.code == "H55.242-261123-1001" and result.book == "2026" and result.book_no == "100001"
    with store.read() as s:
        row = s.exec(sa.select(Dossier).where(Dossier.code == result.code)).scalar_one()
        assert row.owner_phone == "0912345678" and row.owner_birth_date == "1990-01-01"
        assert s.exec(sa.select(sa.func.count()).select_from(DossierDocument)).scalar_one() == 2
        event = s.exec(sa.select(DossierEvent)).scalar_one()
        assert event.kind == "received" and json.loads(event.payload)["book_no"] == "100001"
        assert s.exec(sa.select(Outbox.event_id)).scalar_one() == event.id


@pytest.mark.parametrize("owner, field, message", [
    ({"id_number": "12345"}, "owner_id_number", "12 chữ số"),
    ({"birth_date": "01/01/2030"}, "owner_birth_date", "tương lai"),
    ({"birth_date": "31/02/1990"}, "owner_birth_date", "không hợp lệ"),
    ({"phone": "12345"}, "owner_phone", "Số điện thoại không hợp lệ"),
    ({"email": "an@"}, "owner_email", "Email không hợp lệ"),
    ({"name": "Nguyễn [Văn] An"}, "owner_name", "ký tự không hợp lệ"),
    ({"name": "Nguyễn Văn An 😀"}, "owner_name", "ký tự không hợp lệ"),
    ({"name": "   "}, "owner_name", "không được để trống"),
])
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(store, owner, field, message):
    before = counts(store)
    with pytest.raises(ValidationError) as err:
        dossiers.receive(store, actor_for(store, "canbo"), request(**owner))
    assert message in err.value.errors[field]
    assert counts(store) == before


def test_every_problem_is_reported_at_once(store):
    req = ReceiveRequest("1.001193", Applicant(name="", phone="abc"), PAPERS[:1], sets=0, return_method="post",
                         return_address=None)
    with pytest.raises(ValidationError) as err:
        dossiers.receive(store, actor_for(store, "canbo"), req)
    assert set(err.value.errors) == {"owner_name", "owner_phone", "papers", "sets", "return_address"}
    assert "Giấy chứng sinh" in err.value.errors["papers"]


def test_a_decomposed_name_is_stored_composed(store):
    nfd = unicodedata.normalize("NFD", "Đặng Thị Ngọc Ánh")
    code = dossiers.receive(store, actor_for(store, "canbo"), request(name=nfd)).code
    assert dossiers.get_detail(store, code).owner_name == unicodedata.normalize("NFC", nfd)
    assert dossiers.search(store, "dang thi ngoc anh").items[0].code == code


def test_postal_staff_are_refused_by_the_service(store):
    postal = actor_for(store, "buudien")
    before = counts(store)
    for code in ("1.000894", "2.000815", "2.000884"):  # in person / certification
        req = ReceiveRequest(code, Applicant(name="Nguyễn Văn An"), ())
        with pytest.raises(CounterError, match="bưu điện không được tiếp nhận"):
            dossiers.receive(store, postal, req)
    assert counts(store) == before
    assert dossiers.receive(store, postal, request()).code  # a birth registration is fine


def test_an_interrupted_save_leaves_no_half_dossier_and_no_used_code(store, monkeypatch):
    from counter.services import events

    clerk = actor_for(store, "canbo")
    before = counts(store)
    original = events.append

    def append_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        original(*args, **kwargs)  # the dossier, its event and its outbox row are written…
        raise OSError("disk unplugged")  # …then the power goes

    monkeypatch.setattr(events, "append", append_then_fail)
    with pytest.raises(OSError):
        dossiers.receive(store, clerk, request())
    monkeypatch.setattr(events, "append", original)
    assert counts(store) == before
    assert dossiers.receive(store, clerk, request()).code.endswith("-1001")  # the number was not used up


def test_returning_citizen_is_found_by_id_number(store):
    clerk = actor_for(store, "canbo")
    code = dossiers.receive(store, clerk, request(email="an@example.vn")).code
    known = dossiers.find_applicant(store, "001090123456")
    assert known is not None and known.last_code == code and known.email == "an@example.vn"
    assert dossiers.find_applicant(store, "001090999999") is None


def test_refusal_and_supplement_list_at_intake_print_their_forms(store, tmp_path):
    clerk = actor_for(store, "canbo")
    with pytest.raises(ValidationError):
        dossiers.not_accepted(store, clerk, "1.001193", Applicant(name="Nguyễn Văn An"), "  ")
    code = dossiers.not_accepted(store, clerk, "1.001193", Applicant(name="Nguyễn Văn An"), "Không thuộc thẩm quyền")
    result = printing.print_dossier(store, code, out=tmp_path / "m03.pdf")
    assert result.form == "03" and (tmp_path / "m03.pdf").stat().st_size > 1000
    code2 = dossiers.not_accepted(store, clerk, "1.001193", Applicant(name="Trần Văn Bình"), "Thiếu giấy tờ",
                                  missing=PAPERS[1:])
    assert printing.print_dossier(store, code2, out=tmp_path / "m02.pdf").form == "02"
    assert dossiers.get_detail(store, code2).status == 3
    with pytest.raises(CounterError, match="không có giấy tiếp nhận"):
        printing.print_dossier(store, code2, form="01")


def test_a_failed_print_keeps_the_dossier_and_can_be_retried(store, tmp_path):
    code = dossiers.receive(store, actor_for(store, "canbo"), request()).code
    (store.data_dir / "config.toml").write_text('[printer]\nformat = "escpos"\ntarget = "network"\n'
                                                'host = "127.0.0.1"\nport = 9\n', encoding="utf-8")
    with pytest.raises(PrintError, match="Hồ sơ đã được lưu"):
        printing.print_dossier(store, code)
    assert dossiers.get_detail(store, code).status == 2
    (store.data_dir / "config.toml").unlink()
    result = printing.print_dossier(store, code)
    assert result.is_file and result.where.endswith(f"{code}-mau01.pdf")
