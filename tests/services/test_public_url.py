"""Issue 12: the office's public tracking address (the receipts' QR): what is accepted, and when the counter warns
that a phone cannot open it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter.domain.errors import CounterError
from counter.services.office import (OfficeInfo, is_loopback_url, public_url_warning, set_public_url,
                                     validate_public_url)


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:8780", True),
    ("http://127.8.9.10/", True),
    ("https://localhost", True),
    ("http://LOCALHOST:8000/tra-cuu", True),
    ("http://app.localhost", True),
    ("http://[::1]:8780", True),
    ("http://0.0.0.0:8780", True),
    ("", True),
    ("https://motcua.phuclinh.gov.vn", False),
    ("http://192.168.1.20:8780", False),  # the office's LAN: a phone on its Wi-Fi opens it
    ("http://10.0.0.5", False),
    ("https://203.162.4.190/t", False),
    ("http://[2001:db8::1]:8780", False),
    ("http://localhost.example.vn", False),
    ("http://127.example.vn", False),
])
def test_loopback_table(url, loopback):
    assert is_loopback_url(url) is loopback
    warning = public_url_warning(url)
    assert bool(warning) is loopback
    if loopback:
        assert "điện thoại" in warning and "counter office set --public-url" in warning


def test_warning_reads_the_office_info():
    info = OfficeInfo("H55.242", "Một cửa", "", "", "", "", "http://127.0.0.1:8780", "s", 1, "Quầy 1")
    assert "http://127.0.0.1:8780" in public_url_warning(info)
    assert public_url_warning(OfficeInfo(*[*info.__dict__.values()][:6], "https://x.gov.vn", "s", 1, "Q")) == ""


@pytest.mark.parametrize("text, clean", [
    ("https://motcua.phuclinh.gov.vn", "https://motcua.phuclinh.gov.vn"),
    ("  https://motcua.phuclinh.gov.vn/ ", "https://motcua.phuclinh.gov.vn"),
    ("http://192.168.1.20:8780/", "http://192.168.1.20:8780"),
    ("HTTPS://Tra.Example.VN/mot-cua/", "HTTPS://Tra.Example.VN/mot-cua"),
])
def test_accepted_addresses(text, clean):
    assert validate_public_url(text) == clean


@pytest.mark.parametrize("text, why", [
    ("", "không được để trống"),
    ("motcua.phuclinh.gov.vn", "https://"),
    ("ftp://motcua.gov.vn", "https://"),
    ("https://", "thiếu tên máy chủ"),
    ("https://:8080/x", "thiếu tên máy chủ"),
    ("https://motcua.gov.vn:99999", "Cổng"),
    ("https://motcua.gov.vn:abc", "Cổng"),
    ("https://mot cua.gov.vn", "khoảng trắng"),
    ("https://motcua.gov.vn/?a=1", "?…"),
    ("javascript:alert(1)", "https://"),
])
def test_refused_addresses(text, why):
    with pytest.raises(CounterError) as exc:
        validate_public_url(text)
    assert why in exc.value.message


@given(st.text(max_size=40))
def test_anything_is_either_refused_in_vietnamese_or_an_http_address(text):
    try:
        url = validate_public_url(text)
    except CounterError as exc:
        assert exc.message
    else:
        assert url.lower().startswith(("http://", "https://")) and not url.endswith("/")


def test_set_public_url_needs_an_admin_and_a_good_address(store):
    from counter.services.office import office_info
    from tests.conftest import actor_for

    admin, clerk = actor_for(store, "quantri"), actor_for(store, "canbo")
    with pytest.raises(CounterError):
        set_public_url(store, clerk, "https://motcua.phuclinh.gov.vn")
    with pytest.raises(CounterError):
        set_public_url(store, admin, "motcua.phuclinh.gov.vn")
    before = office_info(store).public_base_url
    assert before == "http://127.0.0.1:8780"
    assert set_public_url(store, admin, "https://motcua.phuclinh.gov.vn/") == "https://motcua.phuclinh.gov.vn"
    assert office_info(store).public_base_url == "https://motcua.phuclinh.gov.vn"
