"""Signing at the counter on a real store: a digitized paper certified, a result issued, a form signed, the PIN
kept only for the session; a wrong PIN, a missing token or an expired certificate write nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from counter.domain.errors import CounterError
from counter.domain.lifecycle import TransitionError
from counter.domain.permissions import PermissionDenied
from counter.printing import forms
from counter.printing.pdf import render_pdf
from counter.services import digitize, giveback, progress
from counter.services.audit import verify as audit_verify
from counter.services.signing import (
    Signing,
    SigningError,
    issue_result,
    results_of,
    reusable_results,
    reuse_result,
    sign_any_pdf,
    sign_document,
    sign_form,
)
from counter.settings import SigningSection
from counter.signing import verify_pdf
from counter.signing.verify import load_roots
from counter.domain.calendar import VN_TZ
from tests.conftest import actor_for, receive
from tests.helpers.images import jpeg
from tests.helpers.printing import DATA
from tests.helpers.store import snapshot

ID = "001090123456"


def signing_for(store, cfg) -> Signing:  # type: ignore[no-untyped-def]
    return Signing(lambda: cfg, store.clock.now)


def blob_files(store):  # type: ignore[no-untyped-def]
    return sorted(p for p in store.blob_dir.rglob("*") if p.is_file()) if store.blob_dir.exists() else []


def written(store):  # type: ignore[no-untyped-def]
    con = sqlite3.connect(store.db_path)
    try:
        return snapshot(store), con.execute("SELECT count(*) FROM blobs").fetchone()[0], blob_files(store)
    finally:
        con.close()


def scanned(store, tmp_path, clerk):  # type: ignore[no-untyped-def]
    code = receive(store, clerk, id_number=ID)
    digitize.save_files(store, clerk, code, 1, [jpeg(tmp_path / "p.jpg")])
    return code


def test_clerk_certifies_a_digitized_paper_with_the_token(store, tmp_path, keys, token_cfg):
    clerk = actor_for(store, "canbo")
    code = scanned(store, tmp_path, clerk)
    signing = signing_for(store, token_cfg)
    assert not signing.unlocked_for(clerk.user_id)
    info = signing.unlock(keys.pin, clerk.user_id)
    assert info.name == "Trần Thị Bình" and signing.unlocked_for(clerk.user_id)
    before = digitize.load_target(store, code).items[0].blobs[0]
    done = sign_document(store, signing, clerk, code, 1)
    item = digitize.load_target(store, code).items[0]
    assert item.blobs == (done.sha256,) and item.digitization == 1 and done.sha256 != before
    report = verify_pdf(digitize.get_blob(store, done.sha256), load_roots([str(keys.root)]))
    assert report.ok and report.signatures[0].signer.name == "Trần Thị Bình", report.lines()
    ev = store.query("SELECT payload FROM dossier_events WHERE kind = 'document_scanned' ORDER BY rowid DESC LIMIT 1")
    payload = json.loads(ev[0]["payload"])
    assert payload["signed_by"].startswith("Trần Thị Bình") and payload["signed_from"] == before
    assert audit_verify(store).ok


def test_result_issued_signed_listed_reused_and_pushed_to_the_portal(store, tmp_path, keys, p12_cfg):
    clerk = actor_for(store, "canbo")
    first = receive(store, clerk, id_number=ID)
    signing = signing_for(store, p12_cfg)
    signing.unlock(keys.p12_password, clerk.user_id)
    pdf = render_pdf(forms.receipt(DATA))  # stands for the born-digital result
    res = issue_result(store, signing, clerk, first, pdf, "Giấy khai sinh (bản điện tử)", data_store=True)
    assert verify_pdf(digitize.get_blob(store, res.sha256), load_roots([str(keys.root)])).ok
    [view] = results_of(store, first)
    assert (view.name, view.sha256, view.data_store) == ("Giấy khai sinh (bản điện tử)", res.sha256, True)
    assert view.signed_by.startswith("Nguyễn Văn An")
    # the national portal's dossier object (the push and `counter export portal`): the result, with its file
    from counter.services import portal as portal_export

    day = store.clock.now().astimezone(VN_TZ).date()
    [obj] = [d for d in portal_export.export(store, day, day)["DanhSachHoSo"] if d["MaHoSo"] == first]
    [result] = obj["DanhSachGiayToKetQua"]
    assert (result["TenGiayTo"], result["GiayToId"]) == ("Giấy khai sinh (bản điện tử)", res.sha256)
    assert result["DuongDanTepTinKetQua"].endswith(res.sha256)
    later = receive(store, clerk, id_number=ID)
    other = receive(store, clerk, id_number="001090999999")
    assert [r.sha256 for r in reusable_results(store, later)] == [res.sha256]
    assert reusable_results(store, other) == []
    done = reuse_result(store, clerk, later, 1, first, res.sha256)
    assert done.digitization == 3 and digitize.load_target(store, later).items[0].blobs == (res.sha256,)
    with pytest.raises(CounterError, match="cùng một người"):
        reuse_result(store, clerk, other, 1, first, res.sha256)


def test_return_records_paper_electronic_or_both(store, keys, p12_cfg):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID, birth_date="1990-01-01")
    progress.record_event(store, clerk, code, "resolved", {"note": "Giấy khai sinh bản chính"})
    owner = giveback.Collector("owner", "Nguyễn Văn An", ID)
    with pytest.raises(TransitionError, match="chưa có kết quả điện tử đã ký"):
        giveback.return_at_counter(store, clerk, code, owner, result_form="electronic")
    signing = signing_for(store, p12_cfg)
    signing.unlock(keys.p12_password, clerk.user_id)
    issue_result(store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    giveback.return_at_counter(store, clerk, code, owner, "Giấy khai sinh bản chính:1", result_form="both")
    row = store.query("SELECT return_form, results_issued FROM dossiers WHERE code = ?", (code,))[0]
    assert (row["return_form"], row["results_issued"]) == ("both", 1)


def test_a_form_and_any_pdf_are_signed(store, keys, token_cfg):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    signing = signing_for(store, token_cfg)
    signing.unlock(keys.pin, clerk.user_id)
    form, signed = sign_form(store, signing, clerk, code, "01")
    assert form == "01" and verify_pdf(signed, load_roots([str(keys.root)])).ok
    receipt = sign_any_pdf(signing, clerk, render_pdf(forms.receipt(DATA)), "Biên lai thu phí, lệ phí")
    assert verify_pdf(receipt, load_roots([str(keys.root)])).ok
    with pytest.raises(PermissionDenied):
        sign_any_pdf(signing, actor_for(store, "buudien"), receipt, "x")


def test_without_the_pin_nothing_is_signed(store, tmp_path, keys, token_cfg):
    clerk = actor_for(store, "canbo")
    code = scanned(store, tmp_path, clerk)
    signing = signing_for(store, token_cfg)
    before = written(store)
    with pytest.raises(SigningError, match="Chưa nhập mã PIN của token ký số"):
        sign_document(store, signing, clerk, code, 1)
    assert written(store) == before


def test_wrong_pin_writes_nothing_and_is_forgotten(store, tmp_path, keys, token_cfg):
    clerk = actor_for(store, "canbo")
    code = scanned(store, tmp_path, clerk)
    signing = signing_for(store, token_cfg)
    before = written(store)
    with pytest.raises(SigningError, match="Mã PIN của token ký số không đúng"):
        signing.unlock("999999", clerk.user_id)
    assert not signing.unlocked_for(clerk.user_id)
    signing._secret, signing._user = "999999", clerk.user_id  # a PIN changed on the token since it was entered
    with pytest.raises(SigningError, match="Mã PIN của token ký số không đúng"):
        issue_result(store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Kết quả")
    assert not signing.unlocked_for(clerk.user_id)  # asked again next time
    assert written(store) == before


def test_missing_token_or_expired_certificate_write_nothing(store, tmp_path, keys):
    clerk = actor_for(store, "canbo")
    code = scanned(store, tmp_path, clerk)
    before = written(store)
    gone = signing_for(store, SigningSection(pkcs11_lib=keys.lib, token_label="khong-cam"))
    with pytest.raises(SigningError, match="hãy cắm USB token"):
        gone.sign_pdf(b"%PDF-1.4", "x", secret=keys.pin)
    p12 = keys.ca.pkcs12(tmp_path / "old.p12", "Lê Văn Cũ", days=-30, start_days_ago=400)
    old = signing_for(store, SigningSection(pkcs12=str(p12)))
    with pytest.raises(SigningError, match="đã hết hạn ngày"):
        old.unlock("matkhau", clerk.user_id)
    old._secret = "matkhau"
    with pytest.raises(SigningError, match="đã hết hạn ngày"):
        sign_document(store, old, clerk, code, 1)
    assert written(store) == before


def test_result_refused_by_status_before_signing(store, keys, p12_cfg):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    progress.record_event(store, clerk, code, "withdrawn", {"reason": "Công dân rút"})
    signing = signing_for(store, p12_cfg)
    signing.unlock(keys.p12_password, clerk.user_id)
    before = written(store)
    with pytest.raises(TransitionError):
        issue_result(store, signing, clerk, code, render_pdf(forms.receipt(DATA)), "Kết quả")
    with pytest.raises(PermissionDenied):
        issue_result(store, signing, actor_for(store, "buudien"), code, b"%PDF", "Kết quả")
    assert written(store) == before


def test_766_indicators_4_1_and_4_4(store, keys, p12_cfg):
    from counter.domain.scorecard import Period
    from counter.services.signing import indicator_4_1, indicator_4_4
    from tests.conftest import NOW

    period = Period.month(NOW.date())
    clerk = actor_for(store, "canbo")
    signing = signing_for(store, p12_cfg)
    signing.unlock(keys.p12_password, clerk.user_id)
    codes = [receive(store, clerk, id_number=ID) for _ in range(4)]
    for code in codes[:3]:
        progress.record_event(store, clerk, code, "resolved", {"note": "Kết quả"})
    assert indicator_4_1(store, period) == (0, 3) and indicator_4_4(store, period) == (0, 0)
    pdf = render_pdf(forms.receipt(DATA))
    issue_result(store, signing, clerk, codes[0], pdf, "KQ", data_store=True)
    issue_result(store, signing, clerk, codes[1], pdf, "KQ")
    issue_result(store, signing, clerk, codes[3], pdf, "KQ (chưa xong)", data_store=True)
    assert indicator_4_1(store, period) == (2, 3)  # finished dossiers with an electronic result
    assert indicator_4_4(store, period) == (2, 3)  # results marked for the data store / dossiers with a result
    assert indicator_4_1(store, period.shift("month", -1)) == (0, 0)


def test_receive_reusing_refuses_anothers_result_and_writes_nothing(store, keys, p12_cfg):
    from counter.domain.intake import Applicant, ReceiveRequest
    from counter.services.dossiers import default_papers
    from counter.services.signing import receive_reusing

    clerk = actor_for(store, "canbo")
    first = receive(store, clerk, id_number=ID)
    signing = signing_for(store, p12_cfg)
    signing.unlock(keys.p12_password, clerk.user_id)
    res = issue_result(store, signing, clerk, first, render_pdf(forms.receipt(DATA)), "Giấy khai sinh")
    with store.read() as s:
        papers = default_papers(s, "1.001193")
    stranger = ReceiveRequest(procedure_code="1.001193", owner=Applicant(name="Lê Văn Cường", id_number="001090999999"),
                              papers=papers)
    before = written(store)
    with pytest.raises(CounterError, match="cùng một người"):
        receive_reusing(store, clerk, stranger, {papers[0].name: (first, res.sha256)})
    owner = ReceiveRequest(procedure_code="1.001193", owner=Applicant(name="Nguyễn Văn An", id_number=ID),
                           papers=papers[1:])
    with pytest.raises(CounterError, match="chưa được đánh dấu"):
        receive_reusing(store, clerk, owner, {papers[0].name: (first, res.sha256)})
    assert written(store) == before
    done = receive_reusing(store, clerk, ReceiveRequest(procedure_code="1.001193", owner=owner.owner, papers=papers),
                           {papers[1].name: (first, res.sha256)})
    items = digitize.load_target(store, done.code).items
    assert [(i.digitization, i.blobs) for i in items] == [(0, ()), (3, (res.sha256,))]
    assert audit_verify(store).ok


def test_a_signed_step_is_never_recorded_unsigned(store):
    clerk = actor_for(store, "canbo")
    code = receive(store, clerk, id_number=ID)
    before = written(store)
    with pytest.raises(CounterError, match="counter result issue"):
        progress.record_event(store, clerk, code, "result_issued", {"source": "kq.pdf"})
    assert written(store) == before
    assert "result_issued" in [a.kind for a in progress.progress_view(store, clerk, code).actions]
