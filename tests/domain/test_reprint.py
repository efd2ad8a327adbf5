"""Which forms a dossier can reprint (domain.reprint): a table, and properties over any history."""

from hypothesis import given
from hypothesis import strategies as st

from counter.domain.reprint import FORM_ORDER, printable_forms

KINDS = ["received", "refused", "transferred", "supplement_requested", "supplement_received", "fee_requested",
         "fee_paid", "extended", "withdrawn", "stopped", "resolved", "returned", "note_added", "reassigned"]


def forms(*kinds: str, intake: str | None = None) -> list[str]:
    return [c.form for c in printable_forms(kinds, intake)]


def test_forms_by_history():
    assert forms("received") == ["01", "06"]
    assert forms("received", "supplement_requested", "transferred") == ["01", "02", "06"]
    assert forms("received", "extended") == ["01", "04", "06"]
    assert forms("received", "stopped") == forms("received", "withdrawn") == ["01", "05", "06"]
    assert forms("received", "resolved", "returned") == ["01", "06", "BG"]
    assert forms("refused", intake="03") == ["03"] and forms("refused", intake="02") == ["02"]
    assert forms("registered") == []


def test_the_receipt_says_it_holds_the_original_appointment_once_extended():
    labels = {c.form: c.label for c in printable_forms(["received", "extended"])}
    assert labels["01"].startswith("Mẫu 01 (hẹn trả ban đầu)") and labels["04"].startswith("Mẫu 04 (hẹn trả mới)")
    assert "ban đầu" not in printable_forms(["received"])[0].label


@given(st.lists(st.sampled_from(KINDS)), st.sampled_from([None, "02", "03"]))
def test_properties(kinds, intake):
    got = forms(*kinds, intake=intake)
    assert got == [f for f in FORM_ORDER if f in got]  # in form order, each once
    assert ("04" in got) == ("extended" in kinds)
    assert ("BG" in got) == ("returned" in kinds)
    assert ("05" in got) == bool({"stopped", "withdrawn"} & set(kinds))
    assert ("01" in got) == ("06" in got) == ("received" in kinds)
